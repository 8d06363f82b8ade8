"""Trades and time lines in MySQL / MariaDB, and current finance (``stkfinance``, through ``sqlfinance``).

Schemas ``<market>_trans`` and ``<market>_time``, one MyISAM table per stock named by its 6-digit code:
trans ``(date BIGINT UNSIGNED YYYYMMDDhhmmss, price DOUBLE yuan, vol DOUBLE, buyorsell INT)`` keyed by a
non-unique index on ``date`` (a minute with more than 60 trades repeats a second); time ``(date BIGINT
UNSIGNED YYYYMMDDhhmm primary key, price DOUBLE yuan, vol DOUBLE)``. ``stkfinance`` is replaced per
``stockid``. Every statement is parameterised; only checked identifiers are formatted in.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hikyuu_live.errors import StoreError
from hikyuu_live.model.datenum import from_number, from_seconds_number, to_number, to_seconds_number
from hikyuu_live.model.tradedata import KINDS
from hikyuu_live.store.mysql.connection import MySQLSettings
from hikyuu_live.store.sqlbase import execute, mysql_dialect
from hikyuu_live.store.sqlfinance import SqlFinance
from hikyuu_live.store.trades import TradeStore

_NO_TABLE, _NO_SCHEMA = 1146, 1049


class MySQLTradeStore(MySQLSettings, TradeStore):
    """See the module docstring; takes ``make_store("mysql", ...)``'s options."""

    name = "mysql"

    def __init__(self, *, host: str = "127.0.0.1", port: int = 3306, user: str = "root", password: str = "",
                 schema_prefix: str = "", connect_timeout_s: float = 5.0, **_: Any) -> None:
        super().__init__()
        self._connect_settings(host, port, user, password, schema_prefix, connect_timeout_s)
        self._con: Any = None
        self._tables: set[tuple[str, str, str]] = set()
        self._finance_db = SqlFinance(self._connect, mysql_dialect(self.prefix + "hku_base"))

    def describe(self) -> str:
        return f"mysql:{self.user}@{self.host}:{self.port} (trades, time lines)"

    def schema(self, kind: str, market: str) -> str:
        return f"{self.prefix}{market.lower()}_{kind}"

    def drop_all(self) -> None:
        """Drop this store's trade and time-line schemas (tests)."""
        for m in ("sh", "sz", "bj"):
            for kind in KINDS:
                self._run(f"DROP DATABASE IF EXISTS `{self.schema(kind, m)}`")

    def _connect(self) -> Any:
        return self._new_connection()

    def _run(self, sql: str, params: tuple = (), many: list[tuple] | None = None) -> list[tuple]:
        import mysql.connector

        if self._con is None:
            self._con = self._connect()
        try:
            return execute(self._con, sql, params, many)
        except mysql.connector.Error as e:
            if getattr(e, "errno", None) in (_NO_TABLE, _NO_SCHEMA):
                raise
            self._con = None
            raise StoreError(f"{self.describe()}: {e}") from e

    def _open(self) -> None:
        self._run("SELECT 1")

    def _close(self) -> None:
        self._finance_db.close()
        if self._con is not None:
            self._con.close()
            self._con = None

    def _table(self, kind: str, market: str, code: str) -> str:
        schema = self.schema(kind, market)
        key = (kind, market, code)
        if key not in self._tables:
            self._run(f"CREATE DATABASE IF NOT EXISTS `{schema}`")
            if kind == "trans":
                cols = ("`date` BIGINT UNSIGNED NOT NULL, `price` DOUBLE NOT NULL, `vol` DOUBLE NOT NULL, "
                        "`buyorsell` INT NOT NULL, KEY `ix_date` (`date`)")
            else:
                cols = "`date` BIGINT UNSIGNED NOT NULL, `price` DOUBLE NOT NULL, `vol` DOUBLE NOT NULL, " \
                       "PRIMARY KEY (`date`)"
            self._run(f"CREATE TABLE IF NOT EXISTS `{schema}`.`{code}` ({cols}) ENGINE=MyISAM")
            self._tables.add(key)
        return f"`{schema}`.`{code}`"

    def _last_datetimes(self, kind: str, market: str) -> dict[str, np.datetime64]:
        import mysql.connector

        schema = self.schema(kind, market)
        tables = [r[0] for r in self._run("SELECT `table_name` FROM information_schema.tables WHERE "
                                          "`table_schema` = %s", (schema,))]
        out: dict[str, np.datetime64] = {}
        for t in tables:
            t = t.decode() if isinstance(t, bytes) else str(t)
            if not (len(t) == 6 and t.isdigit()):
                continue
            try:
                (last,) = self._run(f"SELECT MAX(`date`) FROM `{schema}`.`{t}`")[0]
            except mysql.connector.Error:
                continue
            if last is not None:
                out[t] = _from_number(kind, np.array([int(last)]))[0]
        return out

    def _append(self, kind: str, market: str, code: str, rows: np.ndarray) -> None:
        table = self._table(kind, market, code)
        dates = (to_seconds_number if kind == "trans" else to_number)(rows["datetime"]).tolist()
        price, vol = np.round(rows["price"], 3).tolist(), rows["volume"].tolist()
        data: list[tuple[Any, ...]]
        if kind == "trans":
            data = list(zip(dates, price, vol, rows["direct"].astype(int).tolist(), strict=True))
            sql = f"INSERT INTO {table} (`date`, `price`, `vol`, `buyorsell`) VALUES (%s, %s, %s, %s)"
        else:
            data = list(zip(dates, price, vol, strict=True))
            sql = f"INSERT INTO {table} (`date`, `price`, `vol`) VALUES (%s, %s, %s)"
        self._run(sql, many=data)

    def _read(self, kind: str, market: str, code: str) -> np.ndarray:
        import mysql.connector

        cols = "`date`, `price`, `vol`" + (", `buyorsell`" if kind == "trans" else "")
        try:
            rows = self._run(f"SELECT {cols} FROM `{self.schema(kind, market)}`.`{code}` ORDER BY `date`")
        except mysql.connector.Error:
            return np.zeros(0, KINDS[kind])
        out = np.zeros(len(rows), KINDS[kind])
        if rows:
            a = np.array(rows, dtype=np.float64)
            out["datetime"] = _from_number(kind, a[:, 0].astype(np.int64))
            out["price"], out["volume"] = a[:, 1], a[:, 2]
            if kind == "trans":
                out["direct"] = a[:, 3]
        return out

    def _save_finance(self, items: list[tuple[tuple[str, str], dict[str, float]]]) -> None:
        self._finance_db.save(items)

    def _finance(self, market: str, code: str) -> dict[str, float] | None:
        return self._finance_db.get(market, code)


def _from_number(kind: str, num: np.ndarray) -> np.ndarray:
    return from_seconds_number(num) if kind == "trans" else from_number(num)
