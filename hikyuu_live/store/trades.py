"""``TradeStore``: trades (分笔), time lines (分时) and current finance in Hikyuu's layouts, beside the bars.

Kept apart from ``KDataStore`` because they live in other files and tables and only the network import
writes them: HDF5 ``<market>_trans.h5`` / ``<market>_time.h5`` with ``stkfinance`` in
``stock.db``; MySQL schemas ``<market>_trans`` / ``<market>_time`` with a table per stock and
``hku_base.stkfinance``; ClickHouse ``hku_data.transdata`` / ``hku_data.timeline`` and
``hku_base.stkfinance``. ``make_trade_store`` takes the same options as ``make_store``.

Everything crosses this interface in the units of ``model/tradedata.py``. Writes are append-only per
stock: ``append`` keeps only rows after the newest stored one (a trade day is written whole, oldest day
first), so re-running an import never duplicates a row; ``commit`` makes them durable.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, ClassVar

import numpy as np

from hikyuu_live.model.tradedata import KINDS
from hikyuu_live.registry import load_registered
from hikyuu_live.store.base import split_code
from hikyuu_live.store.sqlbase import FINANCE_COLUMNS

log = logging.getLogger(__name__)

REGISTRY = {
    "hdf5": "hikyuu_live.store.hdf5.trades:H5TradeStore",
    "mysql": "hikyuu_live.store.mysql.trades:MySQLTradeStore",
    "clickhouse": "hikyuu_live.store.clickhouse.trades:ClickHouseTradeStore",
}
#: ``stkfinance`` columns after the stock: dates and codes, then the amounts (Hikyuu's order)
FINANCE_FIELDS = ("updated_date", "ipo_date", "province", "industry", *FINANCE_COLUMNS)


def make_trade_store(name: str, **options: Any) -> TradeStore:
    """The trade store of backend ``name`` with ``make_store``'s options (not opened)."""
    return load_registered(REGISTRY, name, what="store", key="type", fold=True)(**options)


def _checked(kind: str, rows: np.ndarray, code: str) -> np.ndarray:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; valid: {', '.join(KINDS)}")
    rows = np.asarray(rows)
    if rows.dtype != KINDS[kind]:
        raise ValueError(f"{code}: {kind} rows must be {KINDS[kind]}, got {rows.dtype}")
    if not len(rows):
        return rows
    dt = rows["datetime"]
    if np.isnat(dt).any():
        raise ValueError(f"{code}: {kind} rows without a datetime")
    # trades may share a second (more than 60 in a minute); time-line points may not
    steps = np.diff(dt.astype(np.int64))
    if (steps < 0).any() or (kind == "time" and (steps == 0).any()):
        raise ValueError(f"{code}: {kind} datetimes must rise")
    for f in ("price", "volume"):
        if not np.isfinite(rows[f]).all() or (rows[f] < 0).any():
            raise ValueError(f"{code}: {kind} {f} must be finite and not negative")
    return rows


class TradeStore:
    """Base of the trade stores; public methods check and deduplicate, backends implement the hooks."""

    name: ClassVar[str] = "base"

    def __init__(self) -> None:
        self._last: dict[tuple[str, str], dict[str, np.datetime64]] = {}

    def describe(self) -> str:
        raise NotImplementedError

    def open(self) -> TradeStore:
        self._open()
        return self

    def close(self) -> None:
        try:
            self.commit()
        finally:
            self._close()

    def __enter__(self) -> TradeStore:
        return self.open()

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is not None:
            self._rollback()
            self._close()
            return
        self.close()

    def commit(self) -> None:
        self._commit()

    # ------------------------------------------------------------------ trades and time lines
    def last_datetimes(self, kind: str, market: str) -> dict[str, np.datetime64]:
        """Newest stored row per 6-digit code of ``market`` (codes without rows are left out)."""
        found = self._last_datetimes(kind, market.upper())
        self._last[(kind, market.upper())] = dict(found)
        return found

    def append(self, kind: str, code: str, rows: np.ndarray) -> int:
        """Store the rows after the newest stored one; returns how many were written."""
        market, c = split_code(code)
        rows = _checked(kind, rows, code)
        cache = self._last.get((kind, market))
        if cache is None:
            cache = self.last_datetimes(kind, market)
        last = cache.get(c)
        if last is not None:
            rows = rows[rows["datetime"] > last]
        if not len(rows):
            return 0
        self._append(kind, market, c, rows)
        cache[c] = rows["datetime"][-1]
        return len(rows)

    def read(self, kind: str, code: str) -> np.ndarray:
        market, c = split_code(code)
        return self._read(kind, market, c)

    # ------------------------------------------------------------------ finance
    def save_finance(self, rows: Iterable[tuple[str, dict[str, float]]]) -> int:
        """Replace the current-finance row of each ``(market_code, row)``; ``row`` has ``FINANCE_FIELDS``."""
        items = [(split_code(mc), {f: float(r.get(f, 0) or 0) for f in FINANCE_FIELDS}) for mc, r in rows]
        if items:
            self._save_finance(items)
        return len(items)

    def finance(self, code: str) -> dict[str, float] | None:
        market, c = split_code(code)
        return self._finance(market, c)

    # ------------------------------------------------------------------ hooks
    def _open(self) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        raise NotImplementedError

    def _commit(self) -> None:
        """Make appends durable (default: each write already is)."""

    def _rollback(self) -> None:
        """Drop uncommitted appends (default: nothing is buffered)."""

    def _last_datetimes(self, kind: str, market: str) -> dict[str, np.datetime64]:
        raise NotImplementedError

    def _append(self, kind: str, market: str, code: str, rows: np.ndarray) -> None:
        raise NotImplementedError

    def _read(self, kind: str, market: str, code: str) -> np.ndarray:
        raise NotImplementedError

    def _save_finance(self, items: list[tuple[tuple[str, str], dict[str, float]]]) -> None:
        raise NotImplementedError

    def _finance(self, market: str, code: str) -> dict[str, float] | None:
        raise NotImplementedError
