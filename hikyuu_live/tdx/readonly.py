"""A TDX install read as a history store, read-only: Hikyuu's ``[kdata] type = tdx`` (its template's
alternative to HDF5: bars read straight from ``vipdoc``).

``TdxHistory`` answers what strategies and collectors ask a store for: the newest ``n`` stored bars of a
stock (day, 1-minute, 5-minute: the types a TDX install keeps), every bar of a stock, and the list of
stocks with their names (the install's ``vipdoc`` day files; names from its name files when present).
It writes nothing; derived types (week, 15-minute...) are made from these by the caller.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from hikyuu_live.model.codes import classify
from hikyuu_live.model.kdata import KDATA_DTYPE, KType
from hikyuu_live.tdx.files import LocalTdxSource
from hikyuu_live.tdx.names import LocalNames

log = logging.getLogger(__name__)

STORED = (KType.DAY, KType.MIN, KType.MIN5)


class TdxHistory:
    """See the module docstring. ``vipdoc`` is the install or its ``vipdoc`` folder."""

    def __init__(self, vipdoc: str | Path) -> None:
        self.source = LocalTdxSource(vipdoc)
        self._names = LocalNames(self.source.vipdoc.parent)

    def describe(self) -> str:
        return f"tdx at {self.source.vipdoc} (read-only)"

    def read_range(self, code: str, ktype: KType) -> np.ndarray:
        """Every bar of ``code`` (``SH600000``) of a stored ``ktype``; empty when the install has none."""
        market, c = code[:2].upper(), code[2:]
        if ktype not in STORED:
            raise ValueError(f"a TDX install keeps {', '.join(k.value for k in STORED)} bars, not {ktype.value}")
        try:
            return self.source.read(market, c, ktype)
        except FileNotFoundError:
            return np.zeros(0, KDATA_DTYPE)

    def read_last_n(self, codes: list[str], ktype: KType, n: int) -> dict[str, np.ndarray]:
        """The newest ``n`` bars of each code (every bar when ``n`` is 0)."""
        out = {}
        for code in codes:
            bars = self.read_range(code, ktype)
            out[code] = bars if n <= 0 else bars[-n:]
        return out

    def stocks(self) -> list[tuple[str, str, str, bool]]:
        """(market, code, name, valid) of every day file of the install whose code our rules know."""
        out = []
        for market in ("SH", "SZ", "BJ"):
            names = self._names.names(market) or {}
            for code in self.source.list_codes(market, KType.DAY):
                if classify(market, code).value != "OTHER":
                    out.append((market, code, names.get(code, ""), True))
        return out

    def holidays(self) -> list:
        """A TDX install keeps no holiday list: the shipped one is used."""
        return []

    def close(self) -> None:
        """Nothing to release."""
