"""Current finance (``stkfinance``) over a DB-API connection of either SQL dialect: SQLite ``stock.db`` in
HDF5 mode, ``hku_base`` in MySQL mode. Every statement is parameterised; only checked identifiers are
formatted in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hikyuu_live.store.baseinfo import MARKET_ID
from hikyuu_live.store.sqlbase import FINANCE_COLUMNS, Dialect, LazyConnection, execute
from hikyuu_live.store.trades import FINANCE_FIELDS


class SqlFinance(LazyConnection):
    """``stkfinance`` rows over a DB-API connection of either dialect."""

    def __init__(self, connect: Callable[[], Any], dialect: Dialect) -> None:
        super().__init__(connect)
        self.d = dialect
        self._ready = False

    def commit(self) -> None:
        if self._con is not None and self.d.name == "sqlite":
            self._con.commit()

    def _ensure(self) -> None:
        if self._ready:
            return
        d = self.d
        cols = ", ".join(f"`{c}` {d.num}" for c in FINANCE_COLUMNS)
        self._exec(f"CREATE TABLE IF NOT EXISTS {d.t('stkfinance')} (`id` {d.pk}, `stockid` {d.int_}, "
                   f"`updated_date` {d.big}, `ipo_date` {d.big}, `province` {d.num}, `industry` {d.num}, "
                   f"{cols}){d.tail}")
        self._ready = True

    def _exec(self, sql: str, params: tuple | list = (), many: list[tuple] | None = None) -> list[tuple]:
        return execute(self.con, sql, params, many)

    def _stockids(self) -> dict[tuple[str, str], int]:
        of_id = {v: k for k, v in MARKET_ID.items()}
        rows = self._exec(f"SELECT `stockid`, `marketid`, `code` FROM {self.d.t('Stock')}")
        return {(of_id.get(int(m), "??"), str(c)): int(s) for s, m, c in rows}

    def save(self, items: list[tuple[tuple[str, str], dict[str, float]]]) -> int:
        """Replace the rows of the stocks in ``items``; stocks without a ``Stock`` row are left out."""
        self._ensure()
        ids = self._stockids()
        rows = [(ids[key], *(row[f] for f in FINANCE_FIELDS)) for key, row in items if key in ids]
        if not rows:
            return 0
        d = self.d
        self._exec(f"DELETE FROM {d.t('stkfinance')} WHERE `stockid` = {d.param}", many=[(r[0],) for r in rows])
        cols = ", ".join(f"`{c}`" for c in ("stockid", *FINANCE_FIELDS))
        self._exec(f"INSERT INTO {d.t('stkfinance')} ({cols}) VALUES ({d.params(1 + len(FINANCE_FIELDS))})",
                   many=rows)
        self.commit()
        return len(rows)

    def get(self, market: str, code: str) -> dict[str, float] | None:
        self._ensure()
        sid = self._stockids().get((market, code))
        if sid is None:
            return None
        cols = ", ".join(f"`{c}`" for c in FINANCE_FIELDS)
        rows = self._exec(f"SELECT {cols} FROM {self.d.t('stkfinance')} WHERE `stockid` = {self.d.param}", (sid,))
        return dict(zip(FINANCE_FIELDS, (float(v) for v in rows[0]), strict=True)) if rows else None
