"""Derived bar periods and Hikyuu's datetime numbers, vectorised (pure numpy).

Hikyuu stores only day, 1-minute and 5-minute bars. Week, month, quarter, half-year and year bars come
from day bars, 15/30/60-minute and 2-hour bars from 5-minute bars; each derived bar is labelled by the
end of its period (``hikyuu_live.data.kdata``). HDF5 keeps them as index tables (period label, first
row in ``/data``); MySQL and ClickHouse keep them as full OHLC tables. Both are computed here.

A 5-minute bar labelled ``T`` holds trades of ``[T-5, T)``, so it belongs to the derived period that
contains its *start*. Starts outside the sessions (an auction bar at 09:30, a stray 11:35 or 15:05 bar)
are clamped into the nearest session end, the way live bars treat late prints.
"""

from __future__ import annotations

import numpy as np

from hikyuu_live.data.kdata import KDATA_DTYPE, SESSIONS, KType, intraday_label_minutes, period_end

#: stored type -> the types Hikyuu derives from it
DERIVED: dict[KType, tuple[KType, ...]] = {
    KType.DAY: (KType.WEEK, KType.MONTH, KType.QUARTER, KType.HALFYEAR, KType.YEAR),
    KType.MIN5: (KType.MIN15, KType.MIN30, KType.MIN60, KType.HOUR2),
    KType.MIN: (),
}
STORED = tuple(DERIVED)
INDEX_DTYPE = np.dtype([("datetime", "<u8"), ("start", "<u8")])  # Hikyuu's H5Index

_MINUTE = np.timedelta64(1, "m")
_DAY = np.timedelta64(1, "D")


def stored_type(ktype: KType) -> KType:
    """The stored type ``ktype`` is read from (itself for day, 1-minute and 5-minute)."""
    return ktype if ktype in DERIVED else ktype.base


# ----------------------------------------------------------------------------- datetime numbers


def _ymd_number(day: np.ndarray) -> np.ndarray:
    """``M8[D]`` days -> ``YYYYMMDD`` as int64."""
    month = day.astype("M8[M]")
    year = month.astype("M8[Y]").astype(np.int64) + 1970
    mon = month.astype(np.int64) % 12 + 1
    dom = (day - month.astype("M8[D]")).astype(np.int64) + 1
    return (year * 100 + mon) * 100 + dom


def to_number(dt: np.ndarray) -> np.ndarray:
    """``M8`` datetimes -> Hikyuu's ``YYYYMMDDhhmm`` as uint64 (day bars end in ``0000``)."""
    dt = np.asarray(dt, dtype="M8[m]")
    day = dt.astype("M8[D]")
    minutes = (dt - day.astype("M8[m]")).astype(np.int64)
    return (_ymd_number(day) * 10000 + (minutes // 60) * 100 + minutes % 60).astype(np.uint64)


def to_seconds_number(dt: np.ndarray) -> np.ndarray:
    """``M8`` -> Hikyuu's ``YYYYMMDDhhmmss`` (uint64), the datetime of its trade tables."""
    s = np.asarray(dt, dtype="M8[s]")
    day = s.astype("M8[D]")
    sec = (s - day.astype("M8[s]")).astype(np.int64)
    hms = (sec // 3600) * 10000 + (sec // 60 % 60) * 100 + sec % 60
    return (_ymd_number(day) * 1_000_000 + hms).astype(np.uint64)


def from_seconds_number(num: np.ndarray) -> np.ndarray:
    """Hikyuu's ``YYYYMMDDhhmmss`` -> ``M8[us]``: ``from_number`` of the minutes, plus the seconds."""
    n = np.asarray(num).astype(np.int64)
    return from_number(n // 100) + (n % 100 * 1_000_000).astype("m8[us]")


def from_number(num: np.ndarray) -> np.ndarray:
    """Hikyuu's ``YYYYMMDDhhmm`` numbers -> ``M8[us]``. Numbers that are no valid time give NaT.

    A table of month starts and lengths (1900-2200) replaces the calendar arithmetic: this runs for every
    bar a preload reads, and a lookup is a few integer operations where the civil-date formula takes
    dozens (numpy's own datetime casts cost more still).
    """
    n = np.asarray(num).astype(np.int64)
    ym, dom = n // 1_000_000, n // 10_000 % 100
    hour, minute = n // 100 % 100, n % 100
    idx = ym - _FIRST_YEAR * 100
    inside = (idx >= 0) & (idx < len(_MONTH_START))
    idx = np.where(inside, idx, 0)
    length = _MONTH_LEN[idx]
    ok = inside & (length > 0) & (dom >= 1) & (dom <= length) & (hour <= 23) & (minute <= 59)
    out = (((_MONTH_START[idx] + dom - 1) * 24 + hour) * 60 + minute) * 60_000_000
    out = out.view("M8[us]")
    if not ok.all():
        out = out.copy()
        out[~ok] = np.datetime64("NaT")
    return out


def _month_tables(first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
    """(days since 1970-01-01 of each month's first day, its length) indexed by ``(year - first) * 100 +
    month``; length 0 marks the unused slots (month 0 and 13..99)."""
    start = np.zeros((last - first + 1) * 100, dtype=np.int64)
    length = np.zeros_like(start)
    for y in range(first, last + 1):
        for m in range(1, 13):
            k = (y - first) * 100 + m
            first_day = np.datetime64(f"{y:04d}-{m:02d}-01")
            start[k] = first_day.astype("M8[D]").astype(np.int64)
            length[k] = ((first_day.astype("M8[M]") + 1).astype("M8[D]") - first_day).astype(np.int64)
    return start, length


_FIRST_YEAR = 1900
_MONTH_START, _MONTH_LEN = _month_tables(_FIRST_YEAR, 2200)


def to_wall_seconds(dt: np.ndarray) -> np.ndarray:
    """Exchange wall time as seconds since 1970 *as if it were UTC* (Hikyuu's ClickHouse ``DateTime``)."""
    return np.asarray(dt, dtype="M8[s]").astype(np.int64)


def from_wall_seconds(sec: np.ndarray) -> np.ndarray:
    return np.asarray(sec, dtype=np.int64).astype("M8[s]").astype("M8[us]")


# ----------------------------------------------------------------------------- periods


def _clamp_start(start: np.ndarray) -> np.ndarray:
    """Bar start minutes moved into the continuous sessions (see the module docstring)."""
    (o1, c1), (o2, c2) = SESSIONS
    s = np.asarray(start, dtype=np.float64).copy()
    s[s < o1] = o1
    s[(s >= c1) & (s < o2)] = c1 - 0.5
    s[s >= c2] = c2 - 0.5
    return s


def period_labels(dts: np.ndarray, ktype: KType) -> np.ndarray:
    """Label (``M8[us]``) of the ``ktype`` period that holds each stored bar labelled ``dts``."""
    dts = np.asarray(dts, dtype="M8[us]")
    if not ktype.is_intraday:
        return period_end(dts.astype("M8[D]"), ktype).astype("M8[us]")
    base = stored_type(ktype)
    day = dts.astype("M8[D]")
    minute = (dts - day.astype("M8[us]")) / _MINUTE
    start = _clamp_start(minute - base.minutes)
    label = intraday_label_minutes(start, ktype)
    return day.astype("M8[us]") + label.astype("m8[m]").astype("m8[us]")


def period_start(dts: np.ndarray, ktype: KType) -> np.ndarray:
    """First possible stored-bar label of the period holding ``dts`` (to know which stored bars to re-read)."""
    dts = np.asarray(dts, dtype="M8[us]")
    day = dts.astype("M8[D]")
    if ktype.is_intraday:
        return day.astype("M8[us]")  # intraday periods never cross a day: the day's start is safe
    if ktype is KType.WEEK:
        weekday = (day.astype(np.int64) + 3) % 7
        return (day - weekday.astype("m8[D]")).astype("M8[us]")
    months = {KType.MONTH: 1, KType.QUARTER: 3, KType.HALFYEAR: 6, KType.YEAR: 12}[ktype]
    m = day.astype("M8[M]").astype(np.int64)
    return ((m // months) * months).astype("M8[M]").astype("M8[us]")


def period_keys(dts: np.ndarray, ktype: KType) -> np.ndarray:
    """An int64 per stored bar, equal within a ``ktype`` period and rising with it: finding the periods
    this way is several times cheaper than computing every bar's label."""
    dts = np.asarray(dts, dtype="M8[us]")
    if ktype.is_intraday:
        day = dts.astype("M8[D]")
        minute = (dts - day.astype("M8[us]")) / _MINUTE
        label = intraday_label_minutes(_clamp_start(minute - stored_type(ktype).minutes), ktype)
        return day.astype(np.int64) * 2000 + label
    if ktype is KType.WEEK:
        return (dts.astype("M8[D]").astype(np.int64) + 3) // 7  # weeks from Monday (1970-01-01 a Thursday)
    months = dts.astype("M8[M]").astype(np.int64)
    return months // {KType.MONTH: 1, KType.QUARTER: 3, KType.HALFYEAR: 6, KType.YEAR: 12}[ktype]


def group_starts(keys: np.ndarray) -> np.ndarray:
    """Row positions where a new period begins (``keys`` sorted)."""
    if not len(keys):
        return np.zeros(0, dtype=np.int64)
    return np.concatenate(([0], np.flatnonzero(keys[1:] != keys[:-1]) + 1)).astype(np.int64)


def aggregate(bars: np.ndarray, ktype: KType) -> np.ndarray:
    """``ktype`` bars from sorted stored bars (``KDATA_DTYPE``): first open, max high, min low, last
    close, summed amount and volume, labelled by the period end."""
    if not len(bars):
        return np.zeros(0, dtype=KDATA_DTYPE)
    starts = group_starts(period_keys(bars["datetime"], ktype))
    ends = np.append(starts[1:], len(bars)) - 1
    out = np.empty(len(starts), dtype=KDATA_DTYPE)
    out["datetime"] = period_labels(bars["datetime"][starts], ktype)
    out["open"] = bars["open"][starts]
    out["close"] = bars["close"][ends]
    out["high"] = np.maximum.reduceat(bars["high"], starts)
    out["low"] = np.minimum.reduceat(bars["low"], starts)
    out["amount"] = np.add.reduceat(bars["amount"], starts)
    out["volume"] = np.add.reduceat(bars["volume"], starts)
    return out


def index_rows(dts: np.ndarray, ktype: KType, offset: int = 0) -> np.ndarray:
    """Hikyuu's HDF5 index rows (period label number, first row) for stored bars at rows
    ``offset, offset+1, ...``."""
    starts = group_starts(period_keys(dts, ktype))
    out = np.empty(len(starts), dtype=INDEX_DTYPE)
    out["datetime"] = to_number(period_labels(np.asarray(dts)[starts], ktype))
    out["start"] = starts + offset
    return out


def all_index_rows(dts: np.ndarray, ktype: KType) -> dict[KType, np.ndarray]:
    """``index_rows`` of every type derived from ``ktype`` for a whole new table, sharing the date work."""
    dts = np.asarray(dts, dtype="M8[us]")
    if ktype is not KType.DAY:
        return {dk: index_rows(dts, dk) for dk in DERIVED[ktype]}
    days = dts.astype("M8[D]")
    months = days.astype("M8[M]").astype(np.int64)
    keys = {KType.WEEK: (days.astype(np.int64) + 3) // 7, KType.MONTH: months, KType.QUARTER: months // 3,
            KType.HALFYEAR: months // 6, KType.YEAR: months // 12}
    out = {}
    for dk, key in keys.items():
        starts = group_starts(key)
        rows = np.empty(len(starts), dtype=INDEX_DTYPE)
        rows["datetime"] = to_number(period_end(days[starts], dk))
        rows["start"] = starts
        out[dk] = rows
    return out


def derived_since(tail: np.ndarray, new: np.ndarray, ktype: KType) -> np.ndarray:
    """The ``ktype`` bars to (re)write after appending ``new`` behind the stored ``tail``.

    ``tail`` holds the stored bars from ``period_start(new[0])`` on (may be empty); the result holds
    every period from the one containing ``new[0]`` onwards, recomputed from stored plus new bars.
    """
    if not len(new):
        return np.zeros(0, dtype=KDATA_DTYPE)
    first = period_labels(new["datetime"][:1], ktype)[0]
    both = np.concatenate((tail, new)) if len(tail) else new
    out = aggregate(both, ktype)
    return out[out["datetime"] >= first]
