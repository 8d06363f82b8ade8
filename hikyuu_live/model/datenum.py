"""Hikyuu's datetime numbers (``YYYYMMDDhhmm``, ``YYYYMMDDhhmmss``) and TDX's ``YYYYMMDD`` dates, to and
from ``numpy`` datetimes, vectorised (pure numpy, part of the core).

Every bar an import writes and every bar a preload reads passes through here, millions at a time. numpy's
own calendar casts (``M8[D]`` -> ``M8[M]`` -> ``M8[Y]``) cost tens of nanoseconds per element, so both
directions use tables built once at import: for each day of 1900-2200 its ``YYYYMMDD`` number, and for
each month its first day and length. A conversion is then a few integer operations and one lookup.
Inputs outside those years take numpy's slower path (writes) or become NaT (reads, as for any impossible
date).
"""

from __future__ import annotations

import numpy as np

FIRST_YEAR, LAST_YEAR = 1900, 2200
_MIN_PER_DAY = 24 * 60


def _day_table() -> tuple[int, np.ndarray]:
    """(days since 1970-01-01 of 1900-01-01, ``YYYYMMDD`` of every day from then to 2200-12-31)."""
    days = np.arange(np.datetime64(f"{FIRST_YEAR}-01-01"), np.datetime64(f"{LAST_YEAR + 1}-01-01"))
    return int(days[0].astype(np.int64)), _ymd_slow(days)


def _month_tables() -> tuple[np.ndarray, np.ndarray]:
    """(days since 1970-01-01 of each month's first day, its length) indexed by ``(year - 1900) * 100 +
    month``; length 0 marks the unused slots (month 0 and 13..99)."""
    start = np.zeros((LAST_YEAR - FIRST_YEAR + 1) * 100, dtype=np.int64)
    length = np.zeros_like(start)
    months = np.arange(np.datetime64(f"{FIRST_YEAR}-01"), np.datetime64(f"{LAST_YEAR + 1}-01"))
    firsts = months.astype("M8[D]")
    k = (months.astype("M8[Y]").astype(np.int64) + 1970 - FIRST_YEAR) * 100 + months.astype(np.int64) % 12 + 1
    start[k] = firsts.astype(np.int64)
    length[k] = ((months + 1).astype("M8[D]") - firsts).astype(np.int64)
    return start, length


def _ymd_slow(day: np.ndarray) -> np.ndarray:
    """``M8[D]`` days -> ``YYYYMMDD`` as int64 through numpy's calendar casts (any year)."""
    month = day.astype("M8[M]")
    year = month.astype("M8[Y]").astype(np.int64) + 1970
    mon = month.astype(np.int64) % 12 + 1
    dom = (day - month.astype("M8[D]")).astype(np.int64) + 1
    return (year * 100 + mon) * 100 + dom


_FIRST_DAY, _DAY_YMD = _day_table()
_MONTH_START, _MONTH_LEN = _month_tables()


def ymd_number(days: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 (int64) -> ``YYYYMMDD`` (int64)."""
    idx = days - _FIRST_DAY
    if len(idx) and (idx.min() < 0 or idx.max() >= len(_DAY_YMD)):
        return _ymd_slow(days.astype("M8[D]"))
    return _DAY_YMD[idx]


def _split_minutes(dt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``M8`` -> (days since 1970, minute of the day), both int64."""
    minutes = np.asarray(dt, dtype="M8[m]").view(np.int64)
    days = minutes // _MIN_PER_DAY
    return days, minutes - days * _MIN_PER_DAY


def to_number(dt: np.ndarray) -> np.ndarray:
    """``M8`` datetimes -> Hikyuu's ``YYYYMMDDhhmm`` as uint64 (day bars end in ``0000``)."""
    days, minute = _split_minutes(dt)
    return (ymd_number(days) * 10000 + (minute // 60) * 100 + minute % 60).astype(np.uint64)


def to_seconds_number(dt: np.ndarray) -> np.ndarray:
    """``M8`` -> Hikyuu's ``YYYYMMDDhhmmss`` (uint64), the datetime of its trade tables."""
    s = np.asarray(dt, dtype="M8[s]").view(np.int64)
    days = s // 86400
    sec = s - days * 86400
    hms = (sec // 3600) * 10000 + (sec // 60 % 60) * 100 + sec % 60
    return (ymd_number(days) * 1_000_000 + hms).astype(np.uint64)


def from_number(num: np.ndarray) -> np.ndarray:
    """Hikyuu's ``YYYYMMDDhhmm`` numbers -> ``M8[us]``. Numbers that are no valid time give NaT."""
    n = np.asarray(num).astype(np.int64)
    ym, dom = n // 1_000_000, n // 10_000 % 100
    hour, minute = n // 100 % 100, n % 100
    idx = ym - FIRST_YEAR * 100
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


def from_seconds_number(num: np.ndarray) -> np.ndarray:
    """Hikyuu's ``YYYYMMDDhhmmss`` -> ``M8[us]``: ``from_number`` of the minutes, plus the seconds."""
    n = np.asarray(num).astype(np.int64)
    return from_number(n // 100) + (n % 100 * 1_000_000).astype("m8[us]")


def ymd_datetimes(date: np.ndarray) -> np.ndarray:
    """``YYYYMMDD`` integers (TDX ``.day`` dates) -> ``M8[us]`` at 00:00; impossible dates give NaT."""
    d = np.asarray(date).astype(np.int64)
    ym = d // 100
    dom = d - ym * 100
    idx = ym - FIRST_YEAR * 100
    inside = (idx >= 0) & (idx < len(_MONTH_START))
    if not inside.all():
        idx = np.where(inside, idx, 0)
    length = _MONTH_LEN[idx]
    out = ((_MONTH_START[idx] + dom - 1) * 86_400_000_000).view("M8[us]")
    ok = inside & (dom >= 1) & (dom <= length)  # length 0 (month 0 or 13..99) fails dom <= length
    if not ok.all():
        out = out.copy()
        out[~ok] = np.datetime64("NaT")
    return out


def month_index(days: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 (int64) -> months since 1970-01 (int64), like ``M8[D] -> M8[M]``."""
    ymd = ymd_number(days)
    return (ymd // 10000 - 1970) * 12 + ymd // 100 % 100 - 1


def month_first_day(months: np.ndarray) -> np.ndarray:
    """Months since 1970-01 (int64) -> days since 1970-01-01 of their first day, like ``M8[M] -> M8[D]``."""
    idx = (months // 12 + 1970 - FIRST_YEAR) * 100 + months % 12 + 1
    if len(idx) and (idx.min() < 0 or idx.max() >= len(_MONTH_START)):
        return months.astype("M8[M]").astype("M8[D]").astype(np.int64)
    return _MONTH_START[idx]


def to_wall_seconds(dt: np.ndarray) -> np.ndarray:
    """Exchange wall time as seconds since 1970 *as if it were UTC* (Hikyuu's ClickHouse ``DateTime``)."""
    return np.asarray(dt, dtype="M8[s]").astype(np.int64)


def from_wall_seconds(sec: np.ndarray) -> np.ndarray:
    return np.asarray(sec, dtype=np.int64).astype("M8[s]").astype("M8[us]")


__all__ = ["from_number", "from_seconds_number", "from_wall_seconds", "month_first_day", "month_index", "to_number",
           "to_seconds_number", "to_wall_seconds", "ymd_datetimes", "ymd_number"]
