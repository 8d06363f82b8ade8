"""Our bars as Hikyuu's types: ``KRecord`` lists, a ``Stock`` holding them, and ``KData`` (extra ``hikyuu``).

Our bars and Hikyuu's in-memory ``KRecord`` share units (prices in yuan, amount in 10,000 yuan, volume in lots)
and labels (bar end; day bars at 00:00), which Hikyuu's own core confirms on our stores, so a record is the
same seven numbers. Hikyuu's indicators and trading systems run on a ``KData``, and a ``KData`` belongs to a
``Stock``: :func:`hikyuu_stock` makes a stand-alone Hikyuu ``Stock`` (not registered in Hikyuu's
``StockManager``, so a strategy needs no Hikyuu data directory) and gives it our bars with
``Stock.set_krecord_list``; :func:`to_kdata` returns all of them as one ``KData``. Its lot rules are ours
(``hikyuu_live.strategy.orders``): 100 shares, STAR 200, so a system's money manager sizes orders the
exchange accepts.

    from hikyuu import MA, CLOSE
    k = stg.get_kdata("sh600000", ktype="min", as_hikyuu=True)     # or to_kdata(bars, "SH600000", "MIN")
    ma = MA(CLOSE(k), 5)

Hikyuu is imported on first use only; without it the call fails with the one-line hint of the extra.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from hikyuu_live.model.kdata import KType, parse_ktype
from hikyuu_live.strategy.context import normalize_code

#: our ktype -> Hikyuu's Query ktype name (they are the same words)
HIKYUU_KTYPE = {k: k.value for k in KType}


def hikyuu() -> Any:
    """The ``hikyuu`` module; ``ModuleNotFoundError`` (name ``hikyuu``: the launcher names the extra) without it."""
    import hikyuu as hku

    return hku


def to_datetime(value: np.datetime64) -> Any:
    """A Hikyuu ``Datetime`` of one bar label (microsecond precision kept)."""
    hku = hikyuu()
    us = int(np.asarray(value).astype("M8[us]").astype(np.int64))
    secs, micro = divmod(us, 1_000_000)
    t = np.datetime64(secs, "s").item()
    return hku.Datetime(t.year, t.month, t.day, t.hour, t.minute, t.second, micro // 1000, micro % 1000)


def from_datetime(value: Any) -> np.datetime64:
    """A Hikyuu ``Datetime`` as ``M8[us]`` (exchange time, naive)."""
    return np.datetime64(value.datetime(), "us")


def to_krecords(bars: np.ndarray) -> list[Any]:
    """``KDATA_DTYPE`` bars -> a list of Hikyuu ``KRecord`` (what ``Stock.set_krecord_list`` takes)."""
    hku = hikyuu()
    krecord, dt = hku.KRecord, to_datetime
    cols = [bars[f].tolist() for f in ("open", "high", "low", "close", "amount", "volume")]
    return [krecord(dt(t), *row) for t, row in zip(bars["datetime"], zip(*cols, strict=True), strict=True)]


def hikyuu_stock(code: str, bars: Mapping[str | KType, np.ndarray], name: str = "") -> Any:
    """A stand-alone Hikyuu ``Stock`` for ``code`` holding ``bars`` ({ktype: bars}, one ktype), lot sizes as ours.

    One ktype per stock: Hikyuu (2.8.3) lets a stand-alone ``Stock`` take bars once; a second
    ``set_krecord_list`` fails with "The stock is Null". Make one stock per ktype (``to_kdata`` does)."""
    from hikyuu_live.strategy.orders import min_lot

    if len(bars) != 1:
        raise ValueError(f"hikyuu_stock takes the bars of exactly one ktype, got {len(bars)} "
                         f"({', '.join(str(k) for k in bars) or 'none'}): Hikyuu lets a stand-alone Stock take "
                         "bars once; make one Stock per ktype, e.g. to_kdata(bars, code, ktype) for each")
    hku = hikyuu()
    key = normalize_code(code)
    market, number = key[:2], key[2:]
    stk = hku.Stock(market, number, name or key)
    stk.min_trade_number = min_lot(market, number)  # STAR/BJ: Hikyuu sizes in multiples of it, which is valid
    for ktype, rows in bars.items():
        stk.set_krecord_list(to_krecords(rows), HIKYUU_KTYPE[parse_ktype(ktype)])
    return stk


def to_kdata(bars: np.ndarray, code: str, ktype: str | KType = KType.DAY, name: str = "") -> Any:
    """All of ``bars`` as one Hikyuu ``KData`` of a stand-alone ``Stock`` (see :func:`hikyuu_stock`)."""
    hku = hikyuu()
    k = parse_ktype(ktype)
    stk = hikyuu_stock(code, {k: bars}, name)
    return stk.get_kdata(hku.Query(0, ktype=HIKYUU_KTYPE[k]))


def from_kdata(kdata: Any) -> np.ndarray:
    """A Hikyuu ``KData`` (or ``KRecord`` list) back to ``KDATA_DTYPE`` bars."""
    from hikyuu_live.model.kdata import KDATA_DTYPE

    rows = list(kdata)
    out = np.zeros(len(rows), dtype=KDATA_DTYPE)
    for i, r in enumerate(rows):
        out[i] = (from_datetime(r.datetime), r.open, r.high, r.low, r.close, r.amount, r.volume)
    return out


__all__ = ["HIKYUU_KTYPE", "from_datetime", "from_kdata", "hikyuu_stock", "to_datetime", "to_kdata", "to_krecords"]
