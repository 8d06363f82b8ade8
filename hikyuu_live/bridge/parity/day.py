"""One trading day's bars for a parity run, and what they looked like at any moment of that day.

The history is what the store holds before the day (the same for both runs). The day's bars are the store's
1-minute bars of that day when it has them (``importdata`` after the close, or the dataserver's save), else the
bars the recording itself makes (``LiveBars`` over every recorded spot: what the collector and dataserver
would have saved). Every other bar type of the day (5..120 minutes, day, week ... year) is made from those
1-minute bars, so both runs see one set of facts.

``BacktestBars`` is a moment's view of them with the interface of ``LiveBars`` (``bars(code, ktype)``): the
history, the day's bars final by then (``strategy.bar_time``) and, for bar types longer than a minute, the bar
under way made of the finished minutes in it, as the live bars look at that moment.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

import numpy as np

from hikyuu_live.fetcher.stock.replay import ReplayCycle
from hikyuu_live.model.bars import BarStats, LiveBars
from hikyuu_live.model.kdata import KDATA_DTYPE, KType, intraday_label_minutes, period_end
from hikyuu_live.model.spot import market_codes
from hikyuu_live.strategy.bar_time import final_times

log = logging.getLogger(__name__)

History = Callable[[str, KType, date, int], np.ndarray]  # (code, ktype, day, n) -> the n bars before ``day``


@dataclass(slots=True)
class DayBars:
    day: date
    codes: list[str]
    history: dict[KType, dict[str, np.ndarray]]
    minutes: dict[str, np.ndarray]  # the day's 1-minute bars
    quotes: dict[str, tuple[float, str]] = field(default_factory=dict)  # yesterday's close and name
    source: str = ""

    def bars_at(self, code: str, ktype: KType, now: datetime) -> np.ndarray:
        """``code``'s ``ktype`` bars as they were at ``now``: history, the day's final bars, the one under way."""
        hist = self.history.get(ktype, {}).get(code, np.zeros(0, KDATA_DTYPE))
        m = self.minutes.get(code, np.zeros(0, KDATA_DTYPE))
        m = m[final_times(m["datetime"], KType.MIN) <= np.datetime64(now.replace(tzinfo=None), "us")]
        if ktype is KType.MIN:
            today = m
        elif ktype.is_intraday:
            minute = (m["datetime"] - m["datetime"].astype("M8[D]")).astype("m8[s]").astype(np.int64) / 60.0
            labels = intraday_label_minutes(minute - 0.5, ktype)
            today = aggregate(m, m["datetime"].astype("M8[D]").astype("M8[us]")
                              + (labels * 60_000_000).astype("m8[us]"))
        else:
            today = aggregate(m, np.full(len(m), np.datetime64(self.day, "us")))
            if ktype is not KType.DAY and len(today):
                days = self.history.get(KType.DAY, {}).get(code, np.zeros(0, KDATA_DTYPE))
                label = period_end(np.array([np.datetime64(self.day, "D")]), ktype)[0]
                same = days[period_end(days["datetime"].astype("M8[D]"), ktype) == label]
                both = np.concatenate([same, today])
                today = aggregate(both, np.full(len(both), label.astype("M8[us]")))
        return np.concatenate([hist, today])

    def price_at(self, code: str, now: datetime) -> float | None:
        """The last price at ``now``: the close of the newest final minute, before that the day's open."""
        m = self.minutes.get(code)
        if m is None or not len(m):
            return None
        done = m[final_times(m["datetime"], KType.MIN) <= np.datetime64(now.replace(tzinfo=None), "us")]
        if len(done):
            return float(done["close"][-1])
        return float(m["open"][0]) if now.time() >= time(9, 25) else None

    def labels(self, code: str, ktype: KType) -> set[np.datetime64]:
        """Labels of the day's ``ktype`` bars of ``code`` at the end of the day."""
        end = datetime.combine(self.day, time(23, 59))
        bars = self.bars_at(code, ktype, end)
        return set(bars["datetime"][bars["datetime"] >= np.datetime64(self.day, "us")].tolist())


def aggregate(bars: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Consecutive ``bars`` with one label -> one bar (first open, max high, min low, last close, sums)."""
    if not len(bars):
        return np.zeros(0, KDATA_DTYPE)
    starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
    ends = np.r_[starts[1:], len(bars)] - 1
    out = np.zeros(len(starts), KDATA_DTYPE)
    out["datetime"] = labels[starts]
    out["open"] = bars["open"][starts]
    out["close"] = bars["close"][ends]
    out["high"] = np.maximum.reduceat(bars["high"], starts)
    out["low"] = np.minimum.reduceat(bars["low"], starts)
    out["amount"] = np.add.reduceat(bars["amount"], starts)
    out["volume"] = np.add.reduceat(bars["volume"], starts)
    return out


def recording_day(cycles: Sequence[ReplayCycle]) -> date:
    """The trading day a recording is of (its first cycle's date)."""
    if not cycles:
        raise ValueError("the recording holds no cycle")
    day: date = np.asarray(cycles[0].cycle_time).astype("M8[D]").item()
    return day


def recorded_minutes(cycles: Iterable[ReplayCycle], codes: list[str], day: date,
                     is_trading_day: Callable[[date], bool] | None = None) -> dict[str, np.ndarray]:
    """The 1-minute bars of ``day`` the recording makes (the live bar builder over every recorded spot)."""
    bars = LiveBars(codes, [KType.MIN], day, is_trading_day=is_trading_day)
    for cycle in cycles:
        bars.update(cycle.spots)
    start = np.datetime64(day, "us")
    return {c: (b := bars.bars(c, KType.MIN))[b["datetime"] >= start] for c in codes}


def recorded_quotes(cycles: Iterable[ReplayCycle], codes: list[str]) -> dict[str, tuple[float, str]]:
    """Yesterday's close and name of each code, from its first recorded spot (what the live quote book keeps)."""
    out: dict[str, tuple[float, str]] = {}
    wanted = set(codes)
    for cycle in cycles:
        keys = market_codes(cycle.spots).tolist()
        for k, yc, name in zip(keys, cycle.spots["yesterday_close"].tolist(), cycle.spots["name"].tolist(),
                               strict=True):
            if k in wanted and (k not in out or (name and not out[k][1])):
                out[k] = (yc, name)
    return out


def load_day(codes: list[str], ktypes: Iterable[KType], day: date, cycles: Sequence[ReplayCycle],
             history: History | None, *, source: str = "auto", preload: int = 1000,
             is_trading_day: Callable[[date], bool] | None = None) -> DayBars:
    """History before ``day`` (from ``history``) and the day's minutes (store or recording, see module)."""
    wanted = {*ktypes, KType.MIN, KType.DAY}
    hist: dict[KType, dict[str, np.ndarray]] = {k: {} for k in wanted}
    stored: dict[str, np.ndarray] = {}
    if history is not None:
        for k in wanted:
            for c in codes:
                hist[k][c] = history(c, k, day, preload)
        if source in ("auto", "store"):
            nxt = day.toordinal() + 1
            for c in codes:
                stored[c] = history(c, KType.MIN, date.fromordinal(nxt), 10_000)
                stored[c] = stored[c][stored[c]["datetime"] >= np.datetime64(day, "us")]
    have_store = any(len(b) for b in stored.values())
    if source == "store" and not have_store:
        raise ValueError(f"the store holds no 1-minute bars of {day} for {', '.join(codes)}")
    if have_store and source != "recording":
        minutes, where = stored, f"the store's 1-minute bars of {day}"
    else:
        minutes, where = recorded_minutes(cycles, codes, day, is_trading_day), f"bars built from the recording of {day}"
    quotes = recorded_quotes(cycles, codes)
    for c in codes:
        days = hist[KType.DAY].get(c)
        if c not in quotes and days is not None and len(days):
            quotes[c] = (float(days["close"][-1]), "")
    log.info("parity: history before %s and %s", day, where)
    return DayBars(day, list(codes), hist, minutes, quotes, where)


class BacktestBars:
    """A ``DayBars`` seen at one moment, with the ``LiveBars`` interface the runtime reads (``bars``)."""

    def __init__(self, day: DayBars) -> None:
        self.day = day
        self.trading_day = day.day
        self.codes = list(day.codes)
        self.stats = BarStats()
        self.now = datetime.combine(day.day, time(9, 0))

    def at(self, now: datetime) -> None:
        self.now = now.replace(tzinfo=None)

    def bars(self, code: str, ktype: KType) -> np.ndarray:
        return self.day.bars_at(code.upper(), ktype, self.now)

    def last_bar(self, code: str, ktype: KType) -> np.void | None:
        b = self.bars(code, ktype)
        return b[-1] if len(b) else None
