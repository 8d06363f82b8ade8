"""Trades (分笔) and time lines (分时) in memory: the records the TDX network source produces and the trade
stores (``store/*/trades.py``) write in Hikyuu's layouts.

Units: ``datetime`` ``M8[us]`` of exchange wall time; ``price`` yuan; ``volume`` lots as TDX reports it;
``direct`` 0 buy, 1 sell, 2 neither (TDX's ``buyorsell``). Time-line points are labelled by the end of
their minute (09:31 .. 11:30, 13:01 .. 15:00), as bars are.
"""

from __future__ import annotations

import numpy as np

TRANS_DTYPE = np.dtype([("datetime", "M8[us]"), ("price", "f8"), ("volume", "f8"), ("direct", "u1")])
TIMELINE_DTYPE = np.dtype([("datetime", "M8[us]"), ("price", "f8"), ("volume", "f8")])
KINDS = {"trans": TRANS_DTYPE, "time": TIMELINE_DTYPE}
