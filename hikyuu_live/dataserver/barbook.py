"""Live bars of the data server: ``LiveBars`` for a universe that grows as codes appear.

``LiveBars`` serves a fixed universe (its arrays are sized once), but the data server learns its
codes from the bus. New codes get a new *shard* (a ``LiveBars`` of just those codes; they have no
earlier ticks today, so it starts empty and loses nothing). The first cycle of a day makes one shard
per bus message; when shards pile up past ``max_shards`` they are rebuilt as one by replaying the
day's ticks from the tick buffer (cheap early in the day, when new codes appear).

Bars are built from the ticks the buffer accepted (so a restart that replays the saved ticks builds the
same bars), under one lock shared with the readers.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import date

import numpy as np

from hikyuu_live.model.bars import LiveBars
from hikyuu_live.model.kdata import KDATA_DTYPE, KType
from hikyuu_live.model.spot import market_codes
from hikyuu_live.model.ticks import ticks_to_spots

log = logging.getLogger(__name__)

#: Bar types the server builds by default: every type that needs no stored history (week ... year
#: would combine earlier days of the period, which only a K-data store has).
DEFAULT_KTYPES = (KType.DAY, KType.MIN, KType.MIN5, KType.MIN15, KType.MIN30, KType.MIN60, KType.HOUR2)


_BOUNDARY_MINUTES = (11 * 60 + 30, 15 * 60)  # where the 30 s closing grace splits a minute


def bar_prints(ticks: np.ndarray, day_us: int) -> np.ndarray:
    """The ticks of one stock that decide its bars: per clock minute the first, the highest, the lowest
    and the last print (every print of 11:30 and 15:00, where the closing grace splits the minute).

    ``LiveBars`` takes a bar's open from its first print, high/low from the extreme closes, close, amount
    and volume from the last print (cumulative totals) and the day bar from the last print alone; every
    bar is a union of clock minutes. So replaying only these prints builds the same bars, about five times
    faster with 3 s cycles. Prints without a price are dropped (``LiveBars`` ignores them).
    """
    t = ticks[ticks["close"] > 0]
    if len(t) <= 2:
        return t
    minute = (t["datetime"] - day_us) // 60_000_000
    starts = np.flatnonzero(np.concatenate([[True], minute[1:] != minute[:-1]]))
    sizes = np.diff(np.append(starts, len(t)))
    group = np.repeat(np.arange(len(starts)), sizes)
    close = t["close"]
    keep = np.isin(minute, _BOUNDARY_MINUTES)
    keep[starts] = True
    keep[starts + sizes - 1] = True
    for extreme in (np.maximum.reduceat(close, starts), np.minimum.reduceat(close, starts)):
        pos = np.flatnonzero(close == extreme[group])
        keep[pos[np.concatenate([[True], group[pos][1:] != group[pos][:-1]])]] = True
    return t[keep]


def replay_rounds(keys: list[str], ticks_of: Callable[[str], np.ndarray], block: int = 64) -> Iterator[np.ndarray]:
    """The ticks of ``keys`` as spot batches holding each stock at most once: the k-th tick of every stock
    that has one, for k = 0, 1, ... (so a batch is applied in one vectorised pass of ``LiveBars``)."""
    series = [ticks_of(k) for k in keys]
    markets = np.array([k[:2] for k in keys], dtype="U2")
    codes = np.array([k[2:] for k in keys], dtype="U6")
    longest = max((len(s) for s in series), default=0)
    for k0 in range(0, longest, block):
        parts, owners, ranks = [], [], []
        for j, s in enumerate(series):
            part = s[k0: k0 + block]
            if len(part):
                parts.append(part)
                owners.append(np.full(len(part), j, dtype=np.int64))
                ranks.append(np.arange(len(part)))
        rank = np.concatenate(ranks)
        order = np.argsort(rank, kind="stable")
        ticks, own, rank = np.concatenate(parts)[order], np.concatenate(owners)[order], rank[order]
        spots = ticks_to_spots(ticks, markets[own], codes[own])
        yield from np.split(spots, np.flatnonzero(np.diff(rank)) + 1)


class BarBook:
    """Bars of ``ktypes`` for every code seen on the buffer's trading day; see the module docstring."""

    def __init__(self, ktypes: Iterable[KType] = DEFAULT_KTYPES, *, max_shards: int = 32,
                 is_trading_day: Callable[[date], bool] | None = None) -> None:
        self.ktypes = tuple(dict.fromkeys(ktypes))
        self.max_shards = max_shards
        self.is_trading_day = is_trading_day
        self.day: date | None = None
        self.rebuilds = 0
        self._lock = threading.Lock()
        self._shards: list[LiveBars] = []
        self._route: dict[str, int] = {}

    def reset(self, day: date) -> None:
        """Start an empty ``day`` (a new trading day, or before a restore)."""
        with self._lock:
            self.day = day
            self._shards, self._route = [], {}

    def _new_shard(self, keys: list[str]) -> LiveBars:
        assert self.day is not None
        return LiveBars(keys, self.ktypes, self.day, is_trading_day=self.is_trading_day)

    def update(self, spots: np.ndarray) -> None:
        """Apply the accepted ticks of one batch (``SPOT_DTYPE``)."""
        if not len(spots) or self.day is None:
            return
        keys = market_codes(spots).tolist()
        with self._lock:
            route = self._route
            sid = np.fromiter((route.get(k, -1) for k in keys), dtype=np.int64, count=len(keys))
            new = sid < 0
            if new.any():
                new_keys = list(dict.fromkeys(keys[p] for p in np.flatnonzero(new).tolist()))
                s = len(self._shards)
                self._shards.append(self._new_shard(new_keys))
                for k in new_keys:
                    route[k] = s
                sid[new] = s
            for s in np.unique(sid).tolist():
                self._shards[s].update(spots[sid == s] if len(self._shards) > 1 else spots)

    def compact_if_needed(self, ticks_of: Callable[[str], np.ndarray]) -> bool:
        """Rebuild the shards as one when there are more than ``max_shards``; True if it did."""
        if len(self._shards) <= self.max_shards:
            return False
        self.rebuild(list(self._route), ticks_of)
        return True

    def rebuild(self, keys: list[str], ticks_of: Callable[[str], np.ndarray]) -> None:
        """One shard for ``keys``, fed with their ticks (restart recovery and compaction)."""
        if self.day is None:
            return
        t0 = time.perf_counter()
        day_us = int(np.datetime64(self.day, "us").astype(np.int64))
        with self._lock:
            bars = self._new_shard(keys)
            rounds = 0
            for batch in replay_rounds(keys, lambda k: bar_prints(ticks_of(k), day_us), block=128):
                bars.update(batch)
                rounds += 1
            self._shards = [bars] if keys else []
            self._route = {k: 0 for k in keys}
            self.rebuilds += 1
        log.info("bars rebuilt for %d codes from %d tick rounds in %.2f s", len(keys), rounds,
                 time.perf_counter() - t0)

    def bars(self, key: str, ktype: KType, since_us: int) -> np.ndarray:
        """``KDATA_DTYPE`` bars of ``key`` with datetime >= ``since_us`` (a copy); empty if none."""
        with self._lock:
            s = self._route.get(key)
            if s is None:
                return np.zeros(0, dtype=KDATA_DTYPE)
            bars = self._shards[s].bars(key, ktype)
        return bars[bars["datetime"].astype(np.int64) >= since_us]

    @property
    def shards(self) -> int:
        return len(self._shards)

    def memory_bytes(self) -> int:
        with self._lock:
            return sum(s.memory_bytes() for s in self._shards)
