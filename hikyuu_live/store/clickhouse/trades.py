"""Trades, time lines and current finance in ClickHouse, in the layout of Hikyuu's
ClickHouse mode: ``hku_data.transdata(market, code, date, price UInt32, vol UInt32, buyorsell UInt8)`` and
``hku_data.timeline(market, code, date, price UInt32, vol UInt32)``; ``date`` is a ``DateTime`` holding
exchange wall time written as if it were UTC (as the K-data tables), prices in 0.001 yuan.

``transdata`` is a plain MergeTree (trades may share a second; appends only add rows after the newest
stored one); ``timeline`` and ``hku_base.stkfinance`` (keyed by market and code, as Hikyuu's ClickHouse
base tables are, instead of ``stockid``) are ReplacingMergeTrees, read with ``FINAL``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hikyuu_live.model.datenum import from_wall_seconds, to_wall_seconds
from hikyuu_live.model.tradedata import KINDS
from hikyuu_live.store.clickhouse.connection import ClickHouseConnection
from hikyuu_live.store.trades import FINANCE_FIELDS, TradeStore

TABLES = {"trans": "transdata", "time": "timeline"}
_FIN_INT = ("updated_date", "ipo_date")


class ClickHouseTradeStore(ClickHouseConnection, TradeStore):
    """See the module docstring; takes ``make_store("clickhouse", ...)``'s options."""

    name = "clickhouse"

    def __init__(self, *, host: str = "127.0.0.1", port: int = 8123, user: str = "default", password: str = "",
                 database_prefix: str = "", connect_timeout_s: float = 5.0, **_: Any) -> None:
        super().__init__()
        self._connect_options(host, port, user, password, database_prefix, connect_timeout_s)

    def describe(self) -> str:
        return f"clickhouse:{self.user}@{self.host}:{self.port}/{self.data_db} (trades, time lines)"

    def drop_all(self) -> None:
        """Drop this store's trade, time-line and finance tables (tests)."""
        for t in TABLES.values():
            self._cmd(f"DROP TABLE IF EXISTS `{self.data_db}`.`{t}`")
        self._cmd(f"DROP TABLE IF EXISTS `{self.base_db}`.`stkfinance`")

    def _t(self, kind: str) -> str:
        return f"`{self.data_db}`.`{TABLES[kind]}`"

    def _open(self) -> None:
        for db in (self.base_db, self.data_db):
            self._cmd(f"CREATE DATABASE IF NOT EXISTS `{db}`")
        self._cmd(f"CREATE TABLE IF NOT EXISTS {self._t('trans')} (market FixedString(2), code FixedString(6), "
                  "date DateTime, price UInt32, vol UInt32, buyorsell UInt8) ENGINE = MergeTree() "
                  "PARTITION BY (market, toYear(date)) ORDER BY (market, code, date)")
        self._cmd(f"CREATE TABLE IF NOT EXISTS {self._t('time')} (market FixedString(2), code FixedString(6), "
                  "date DateTime, price UInt32, vol UInt32) ENGINE = ReplacingMergeTree() "
                  "PARTITION BY (market, toYear(date)) ORDER BY (market, code, date)")
        cols = ", ".join(f"{f} {'UInt32' if f in _FIN_INT else 'Float64'}" for f in FINANCE_FIELDS)
        self._cmd(f"CREATE TABLE IF NOT EXISTS `{self.base_db}`.`stkfinance` (market FixedString(2), "
                  f"code FixedString(6), {cols}) ENGINE = ReplacingMergeTree(updated_date) ORDER BY (market, code)")

    def _close(self) -> None:
        self._close_client()

    def _last_datetimes(self, kind: str, market: str) -> dict[str, np.datetime64]:
        rows = self._call("newest times", "query_np", f"SELECT code, toUInt32(max(date)) AS date FROM {self._t(kind)} "
                                      "WHERE market = %(m)s GROUP BY code", parameters={"m": market})
        if not len(rows):
            return {}
        dts = from_wall_seconds(rows["date"])
        return {(c.decode() if isinstance(c, bytes) else str(c)): d
                for c, d in zip(rows["code"].tolist(), dts, strict=True)}

    def _append(self, kind: str, market: str, code: str, rows: np.ndarray) -> None:
        n = len(rows)
        cols: list[Any] = [[market] * n, [code] * n, to_wall_seconds(rows["datetime"]).tolist(),
                           np.rint(rows["price"] * 1000).astype(np.int64).tolist(),
                           np.rint(rows["volume"]).astype(np.int64).tolist()]
        names = ["market", "code", "date", "price", "vol"]
        types = ["FixedString(2)", "FixedString(6)", "DateTime", "UInt32", "UInt32"]
        if kind == "trans":
            cols.append(rows["direct"].astype(int).tolist())
            names.append("buyorsell")
            types.append("UInt8")
        data = list(zip(*cols, strict=True))
        self._call(f"insert into {TABLES[kind]}", "insert", TABLES[kind], data, database=self.data_db,
                   column_names=names, column_type_names=types)

    def _read(self, kind: str, market: str, code: str) -> np.ndarray:
        final = " FINAL" if kind == "time" else ""
        extra = ", buyorsell" if kind == "trans" else ""
        sql = (f"SELECT toUInt32(date) AS date, price, vol{extra} FROM {self._t(kind)}{final} "
               "WHERE market = %(m)s AND code = %(c)s ORDER BY date")
        cols = self._call(f"read {TABLES[kind]}", "query", sql, parameters={"m": market, "c": code}).result_columns
        n = len(cols[0]) if cols else 0
        out = np.zeros(n, KINDS[kind])
        if n:
            out["datetime"] = from_wall_seconds(np.asarray(cols[0], dtype=np.int64))
            out["price"] = np.asarray(cols[1], dtype=np.float64) * 0.001
            out["volume"] = np.asarray(cols[2], dtype=np.float64)
            if kind == "trans":
                out["direct"] = np.asarray(cols[3])
        return out

    def _save_finance(self, items: list[tuple[tuple[str, str], dict[str, float]]]) -> None:
        data = [[m, c, *(int(r[f]) if f in _FIN_INT else float(r[f]) for f in FINANCE_FIELDS)]
                for (m, c), r in items]
        types = ["FixedString(2)", "FixedString(6)",
                 *("UInt32" if f in _FIN_INT else "Float64" for f in FINANCE_FIELDS)]
        self._call("insert into stkfinance", "insert", "stkfinance", data, database=self.base_db,
                   column_names=["market", "code", *FINANCE_FIELDS], column_type_names=types)

    def _finance(self, market: str, code: str) -> dict[str, float] | None:
        cols = ", ".join(FINANCE_FIELDS)
        sql = f"SELECT {cols} FROM `{self.base_db}`.`stkfinance` FINAL WHERE market = %(m)s AND code = %(c)s"
        rows = self._call("read stkfinance", "query", sql, parameters={"m": market, "c": code}).result_rows
        return dict(zip(FINANCE_FIELDS, (float(v) for v in rows[0]), strict=True)) if rows else None
