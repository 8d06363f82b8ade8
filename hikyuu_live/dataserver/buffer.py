"""Today's ticks per stock, in memory and bounded.

``TickBuffer.add(spots)`` keeps, per stock, the spots that are *ticks* (see ``ticks.py``): newer than
the stock's last tick, or of the same datetime with different numbers. Older ones and exact repeats
are counted and dropped. Every accepted tick gets the next ``seq`` of the trading day, and ``add``
returns the accepted ticks as saved records, in arrival order, for the stores.

The buffer holds one trading day: the day of the newest tick seen. A tick of a later day that is a
trading day rolls the buffer over (everything of the previous day is dropped: it was saved), a tick of
an earlier day (a suspended stock's stale quote) is counted as ``other_day`` and not kept.

Memory: 124 bytes per tick in per-stock arrays that grow by a quarter when full (so 124-155 bytes per
tick allocated, about 140 on average over a day), plus about 400 bytes per stock (measured in
``tests/dataserver/test_buffer.py`` and reported by ``status``). ``max_bytes`` bounds the
allocation: past it, the oldest ticks of every stock are dropped until the buffer is back at 3/4 of
the bound, ``evicted`` counts them and ``evicted_before_us`` says from when the buffer is complete.
With ``keep_history=False`` only each stock's last tick is kept (for de-duplication and snapshots).

Thread safety: ``add``/``restore`` and the readers take one lock; readers get views of rows that are
never written again (appends go past them, growth and eviction copy into new arrays).
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np

from hikyuu_live.model.spot import empty_spots, market_codes
from hikyuu_live.model.ticks import (
    RECORD_DTYPE,
    TICK_DTYPE,
    US_PER_DAY,
    day_number,
    day_of,
    decode_names,
    encode_names,
    records_to_ticks,
    spots_to_ticks,
    ticks_to_spots,
)

log = logging.getLogger(__name__)

_NAT = np.iinfo(np.int64).min


@dataclass(slots=True)
class BufferStats:
    spots_in: int = 0
    ticks: int = 0  # accepted today (including evicted ones)
    duplicates: int = 0
    older: int = 0
    other_day: int = 0
    invalid: int = 0  # no datetime
    future: int = 0  # dated after today
    evicted: int = 0
    day_rolls: int = 0


class _Series:
    """One stock's ticks: ``arr[:n]`` in use."""

    __slots__ = ("arr", "n")

    def __init__(self, arr: np.ndarray, n: int = 0) -> None:
        self.arr = arr
        self.n = n


class TickBuffer:
    """See the module docstring."""

    def __init__(self, *, keep_history: bool = True, max_bytes: int = 4 << 30,
                 is_trading_day: Callable[[date], bool] | None = None, today: Callable[[], date] | None = None,
                 initial_ticks: int = 16, growth: float = 1.25) -> None:
        if growth <= 1.0:
            raise ValueError("growth must be > 1")
        self.keep_history = keep_history
        self.max_bytes = max_bytes
        self.is_trading_day = is_trading_day or (lambda d: d.weekday() < 5)
        self.today = today  # spots dated after today are a source's error: never roll to them
        self.initial_ticks = max(1, initial_ticks)
        self.growth = growth
        self.stats = BufferStats()
        self._lock = threading.Lock()
        self._day: int | None = None
        self._reset_codes()

    def _reset_codes(self) -> None:
        self._index: dict[str, int] = {}
        self._keys: list[str] = []
        self._market = np.zeros(0, dtype="S2")
        self._code = np.zeros(0, dtype="S6")
        self._name = np.zeros(0, dtype="U16")
        self._name_b = np.zeros(0, dtype=RECORD_DTYPE["name"])
        self._last = np.zeros(0, dtype=TICK_DTYPE)
        self._has_last = np.zeros(0, dtype=bool)
        self._series: list[_Series] = []
        self._seq = 0
        self._alloc_bytes = 0
        self._held = 0
        self.evicted_before_us = 0

    # ------------------------------------------------------------------ properties
    @property
    def day(self) -> date | None:
        """The trading day held (None before the first tick)."""
        return None if self._day is None else day_of(self._day)

    @property
    def next_seq(self) -> int:
        return self._seq

    @property
    def codes(self) -> int:
        return len(self._keys)

    @property
    def held_ticks(self) -> int:
        """Ticks in memory now (accepted minus evicted)."""
        return self._held

    @property
    def payload_bytes(self) -> int:
        return self._held * TICK_DTYPE.itemsize

    @property
    def allocated_bytes(self) -> int:
        """Bytes of tick arrays plus per-stock state."""
        per_stock = (self._market.itemsize + self._code.itemsize + self._name.itemsize + self._name_b.itemsize
                     + TICK_DTYPE.itemsize + 1 + 120)  # 120: the _Series object and list/dict slots
        return self._alloc_bytes + len(self._keys) * per_stock

    # ------------------------------------------------------------------ writing
    def add(self, spots: np.ndarray) -> np.ndarray:
        """Keep the ticks among ``spots``; returns them as ``RECORD_DTYPE`` rows with their ``seq``."""
        with self._lock:
            return self._add(spots)

    def _add(self, spots: np.ndarray) -> np.ndarray:
        st = self.stats
        st.spots_in += len(spots)
        dt = spots["datetime"].astype("M8[us]").astype(np.int64)
        valid = dt != _NAT
        st.invalid += int((~valid).sum())
        if self.today is not None:
            future = valid & (dt >= (day_number(self.today()) + 1) * US_PER_DAY)
            st.future += int(future.sum())
            valid &= ~future
        if not valid.any():
            return np.zeros(0, dtype=RECORD_DTYPE)
        days = dt // US_PER_DAY
        newest = int(days[valid].max())
        if self._day is None:
            self._day = newest
        elif newest > self._day and self.is_trading_day(day_of(newest)):
            self._roll(newest)
        today = valid & (days == self._day)
        st.other_day += int((valid & ~today).sum())
        sp = spots[today]
        if not len(sp):
            return np.zeros(0, dtype=RECORD_DTYPE)
        idx = self._indices(sp)
        changed = sp["name"] != self._name[idx]
        if changed.any():
            self._name[idx[changed]] = sp["name"][changed]
            self._name_b[idx[changed]] = encode_names(sp["name"][changed])
        ticks = spots_to_ticks(sp)
        acc = self._dedupe(idx, ticks)
        if not len(acc):
            return np.zeros(0, dtype=RECORD_DTYPE)
        acc_idx, acc_ticks = idx[acc], ticks[acc]
        if self.keep_history:
            self._append(acc_idx, acc_ticks)
        rec = np.empty(len(acc), dtype=RECORD_DTYPE)
        rec["seq"] = np.arange(self._seq, self._seq + len(acc))
        self._seq += len(acc)
        rec["market"], rec["code"], rec["name"] = self._market[acc_idx], self._code[acc_idx], self._name_b[acc_idx]
        for f in TICK_DTYPE.names or ():
            rec[f] = acc_ticks[f]
        st.ticks += len(acc)
        if self.keep_history and self._alloc_bytes > self.max_bytes:
            self._evict()
        return rec

    def _roll(self, new_day: int) -> None:
        log.info("tick buffer rolls from %s to %s (%d ticks of %d codes dropped from memory)",
                 day_of(self._day or 0), day_of(new_day), self._held, len(self._keys))
        self._reset_codes()
        self._day = new_day
        self.stats.day_rolls += 1

    def _grow_codes(self, need: int) -> None:
        cap = max(need, 2 * len(self._market), 1024)
        for name in ("_market", "_code", "_name", "_name_b", "_last", "_has_last"):
            old = getattr(self, name)
            new = np.zeros(cap, dtype=old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)

    def _indices(self, sp: np.ndarray) -> np.ndarray:
        keys = market_codes(sp).tolist()
        index = self._index
        idx = np.fromiter((index.get(k, -1) for k in keys), dtype=np.int64, count=len(keys))
        new = np.flatnonzero(idx < 0)
        if len(new):
            for p in new.tolist():
                k = keys[p]
                i = index.get(k)
                if i is None:
                    i = index[k] = len(self._keys)
                    self._keys.append(k)
                    if i >= len(self._market):
                        self._grow_codes(i + 1)
                    self._market[i] = sp["market"][p].encode("ascii", "replace")
                    self._code[i] = sp["code"][p].encode("ascii", "replace")
                    if self.keep_history:
                        self._series.append(_Series(np.empty(self.initial_ticks, dtype=TICK_DTYPE)))
                        self._alloc_bytes += self.initial_ticks * TICK_DTYPE.itemsize
                idx[p] = i
        return idx

    def _dedupe(self, idx: np.ndarray, ticks: np.ndarray) -> np.ndarray:
        """Positions (batch order) of the rows that are ticks; a stock twice in a batch is taken in order."""
        st = self.stats
        accepted: list[np.ndarray] = []
        remaining = np.arange(len(idx))
        while len(remaining):
            _, first = np.unique(idx[remaining], return_index=True)
            take = np.zeros(len(remaining), dtype=bool)
            take[first] = True
            sel, remaining = remaining[take], remaining[~take]
            i, t = idx[sel], ticks[sel]
            has, last = self._has_last[i], self._last[i]
            older = has & (t["datetime"] < last["datetime"])
            dup = has & ~older & (t == last)
            ok = ~(older | dup)
            st.older += int(older.sum())
            st.duplicates += int(dup.sum())
            self._last[i[ok]] = t[ok]
            self._has_last[i[ok]] = True
            accepted.append(sel[ok])
        return np.sort(np.concatenate(accepted)) if accepted else np.zeros(0, dtype=np.int64)

    def _append(self, idx: np.ndarray, ticks: np.ndarray) -> None:
        series, item = self._series, TICK_DTYPE.itemsize
        for k, i in enumerate(idx.tolist()):
            s = series[i]
            if s.n == len(s.arr):
                cap = math.ceil(len(s.arr) * self.growth)
                grown = np.empty(cap, dtype=TICK_DTYPE)
                grown[: s.n] = s.arr[: s.n]
                self._alloc_bytes += (cap - len(s.arr)) * item
                s.arr = grown  # readers holding the old array keep valid rows
            s.arr[s.n] = ticks[k]
            s.n += 1
        self._held += len(idx)

    def _evict(self) -> None:
        """Drop the oldest ticks of every stock until the allocation is at 3/4 of ``max_bytes``."""
        assert self._day is not None
        day_us = self._day * US_PER_DAY
        counts = np.zeros(24 * 60 + 1, dtype=np.int64)
        for s in self._series:
            if s.n:
                minutes = np.clip((s.arr["datetime"][: s.n] - day_us) // 60_000_000, 0, 24 * 60)
                counts += np.bincount(minutes, minlength=len(counts))
        excess_ticks = (self._alloc_bytes - 0.75 * self.max_bytes) / TICK_DTYPE.itemsize
        cut_minute = int(np.searchsorted(np.cumsum(counts), excess_ticks)) + 1
        cutoff = day_us + cut_minute * 60_000_000
        dropped = 0
        for s in self._series:
            pos = int(np.searchsorted(s.arr["datetime"][: s.n], cutoff)) if s.n else 0
            if not pos:
                continue
            keep = s.n - pos
            cap = max(self.initial_ticks, math.ceil(keep * self.growth))
            arr = np.empty(cap, dtype=TICK_DTYPE)
            arr[:keep] = s.arr[pos: s.n]
            self._alloc_bytes += (cap - len(s.arr)) * TICK_DTYPE.itemsize
            s.arr, s.n = arr, keep
            dropped += pos
        self._held -= dropped
        self.stats.evicted += dropped
        self.evicted_before_us = max(self.evicted_before_us, cutoff)
        log.warning("tick buffer over %d MB: dropped %d ticks before %s (now %d MB)", self.max_bytes >> 20,
                    dropped, np.datetime64(cutoff, "us"), self._alloc_bytes >> 20)

    def restore(self, records: np.ndarray) -> None:
        """Load one day's saved records (any order; sorted by ``seq`` here) into an empty buffer."""
        with self._lock:
            if self._keys:
                raise RuntimeError("restore needs an empty buffer")
            if not len(records):
                return
            records = records[np.argsort(records["seq"], kind="stable")]
            self._day = int(records["datetime"][-1] // US_PER_DAY)
            records = records[records["datetime"] // US_PER_DAY == self._day]
            keys = np.char.add(records["market"], records["code"])
            order = np.argsort(keys, kind="stable")  # by stock, seq order kept within each
            bounds = np.flatnonzero(keys[order][1:] != keys[order][:-1]) + 1
            ticks = records_to_ticks(records)
            for rows in np.split(order, bounds):
                first = records[rows[-1]]
                i = len(self._keys)
                key = (first["market"] + first["code"]).decode("ascii", "replace")
                self._index[key] = i
                self._keys.append(key)
                if i >= len(self._market):
                    self._grow_codes(i + 1)
                self._market[i], self._code[i], self._name_b[i] = first["market"], first["code"], first["name"]
                self._name[i] = decode_names(np.array([first["name"]]))[0]
                self._last[i], self._has_last[i] = ticks[rows[-1]], True
                if self.keep_history:
                    cap = max(self.initial_ticks, math.ceil(len(rows) * self.growth))
                    arr = np.empty(cap, dtype=TICK_DTYPE)
                    arr[: len(rows)] = ticks[rows]
                    self._series.append(_Series(arr, len(rows)))
                    self._alloc_bytes += cap * TICK_DTYPE.itemsize
                    self._held += len(rows)
            self._seq = int(records["seq"].max()) + 1
            self.stats.ticks += len(records)

    # ------------------------------------------------------------------ reading
    def ticks(self, key: str, since_us: int) -> np.ndarray:
        """The ``TICK_DTYPE`` rows of ``key`` (``SH600000``) with datetime >= ``since_us`` (a read-only view)."""
        with self._lock:
            i = self._index.get(key)
            if i is None or not self.keep_history:
                return np.zeros(0, dtype=TICK_DTYPE)
            s = self._series[i]
            arr, n = s.arr, s.n
        rows = arr[:n]
        pos = int(np.searchsorted(rows["datetime"], since_us, side="left"))
        out = rows[pos:]
        out.flags.writeable = False
        return out

    def latest(self, keys: list[str] | None = None) -> np.ndarray:
        """The last tick of every stock (or of ``keys``, unknown ones skipped) as ``SPOT_DTYPE``."""
        with self._lock:
            n = len(self._keys)
            if keys is None:
                idx = np.arange(n)
            else:
                idx = np.array([i for i in (self._index.get(k) for k in keys) if i is not None], dtype=np.int64)
            if not len(idx):
                return empty_spots(0)
            idx = idx[self._has_last[idx]]
            return ticks_to_spots(self._last[idx], np.char.decode(self._market[idx], "ascii"),
                                  np.char.decode(self._code[idx], "ascii"), self._name[idx])

    def keys(self) -> list[str]:
        with self._lock:
            return list(self._keys)
