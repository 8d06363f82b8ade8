"""Derived bar periods, vectorised (pure numpy); Hikyuu's datetime numbers are in ``data.datenum``.

Hikyuu stores only day, 1-minute and 5-minute bars. Week, month, quarter, half-year and year bars come
from day bars, 15/30/60-minute and 2-hour bars from 5-minute bars; each derived bar is labelled by the
end of its period (``hikyuu_live.model.kdata``). HDF5 keeps them as index tables (period label, first
row in ``/data``); MySQL and ClickHouse keep them as full OHLC tables. Both are computed here.

A 5-minute bar labelled ``T`` holds trades of ``[T-5, T)``, so it belongs to the derived period that
contains its *start*. Starts outside the sessions (an auction bar at 09:30, a stray 11:35 or 15:05 bar)
are clamped into the nearest session end, the way live bars treat late prints.
"""

from __future__ import annotations

import numpy as np

from hikyuu_live.model.datenum import month_first_day, month_index, to_number, ymd_number
from hikyuu_live.model.kdata import KDATA_DTYPE, SESSIONS, KType, intraday_label_minutes, period_end

#: stored type -> the types Hikyuu derives from it
DERIVED: dict[KType, tuple[KType, ...]] = {
    KType.DAY: (KType.WEEK, KType.MONTH, KType.QUARTER, KType.HALFYEAR, KType.YEAR),
    KType.MIN5: (KType.MIN15, KType.MIN30, KType.MIN60, KType.HOUR2),
    KType.MIN: (),
}
STORED = tuple(DERIVED)
INDEX_DTYPE = np.dtype([("datetime", "<u8"), ("start", "<u8")])  # Hikyuu's H5Index

_MONTHS_PER = {KType.MONTH: 1, KType.QUARTER: 3, KType.HALFYEAR: 6, KType.YEAR: 12}
_MINUTE = np.timedelta64(1, "m")
_DAY = np.timedelta64(1, "D")


def stored_type(ktype: KType) -> KType:
    """The stored type ``ktype`` is read from (itself for day, 1-minute and 5-minute)."""
    return ktype if ktype in DERIVED else ktype.base


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
    day_numbers = days.view(np.int64)
    months = month_index(day_numbers)
    keys = {KType.WEEK: (day_numbers + 3) // 7, KType.MONTH: months, KType.QUARTER: months // 3,
            KType.HALFYEAR: months // 6, KType.YEAR: months // 12}
    out = {}
    for dk, key in keys.items():
        starts = group_starts(key)
        first = day_numbers[starts]
        if dk is KType.WEEK:  # the week's Friday (weekday 0 = Monday; 1970-01-01 was a Thursday)
            label = first + 4 - (first + 3) % 7
        else:  # the day before the next period's first month
            per = _MONTHS_PER[dk]
            label = month_first_day(months[starts] // per * per + per) - 1
        rows = np.empty(len(starts), dtype=INDEX_DTYPE)
        rows["datetime"] = ymd_number(label) * 10000
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
