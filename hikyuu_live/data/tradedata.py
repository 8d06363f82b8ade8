"""Trades (分笔) and time lines (分时) in memory: the records the TDX network source produces and the trade
stores (``data/store/trades*.py``) write in Hikyuu's layouts.

Units: ``datetime`` ``M8[us]`` of exchange wall time; ``price`` yuan; ``volume`` lots as TDX reports it;
``direct`` 0 buy, 1 sell, 2 neither (TDX's ``buyorsell``). Time-line points are labelled by the end of
their minute (09:31 .. 11:30, 13:01 .. 15:00), as bars are.
"""

from __future__ import annotations

import numpy as np

TRANS_DTYPE = np.dtype([("datetime", "M8[us]"), ("price", "f8"), ("volume", "f8"), ("direct", "u1")])
TIMELINE_DTYPE = np.dtype([("datetime", "M8[us]"), ("price", "f8"), ("volume", "f8")])
KINDS = {"trans": TRANS_DTYPE, "time": TIMELINE_DTYPE}


def to_seconds_number(dt: np.ndarray) -> np.ndarray:
    """``M8`` -> Hikyuu's ``YYYYMMDDhhmmss`` (uint64), the datetime of its trade tables."""
    s = np.asarray(dt, dtype="M8[s]")
    day = s.astype("M8[D]")
    month = day.astype("M8[M]")
    year = month.astype("M8[Y]").astype(np.int64) + 1970
    mon = month.astype(np.int64) % 12 + 1
    dom = (day - month.astype("M8[D]")).astype(np.int64) + 1
    sec = (s - day.astype("M8[s]")).astype(np.int64)
    hms = (sec // 3600) * 10000 + (sec // 60 % 60) * 100 + sec % 60
    return (((year * 100 + mon) * 100 + dom) * 1_000_000 + hms).astype(np.uint64)


def from_seconds_number(num: np.ndarray) -> np.ndarray:
    """Hikyuu's ``YYYYMMDDhhmmss`` -> ``M8[us]``."""
    n = np.asarray(num).astype(np.int64)
    ymd, hms = n // 1_000_000, n % 1_000_000
    y, m, d = ymd // 10000, ymd // 100 % 100, ymd % 100
    days = ((y - 1970) * 12 + m - 1).astype("M8[M]").astype("M8[D]") + (d - 1).astype("m8[D]")
    secs = (hms // 10000) * 3600 + (hms // 100 % 100) * 60 + hms % 100
    return days.astype("M8[us]") + (secs * 1_000_000).astype("m8[us]")
