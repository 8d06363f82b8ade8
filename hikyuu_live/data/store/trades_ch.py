"""Trades, time lines and current finance in ClickHouse (reference §10.6), in the layout of Hikyuu's
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

from hikyuu_live.data.store.derive import from_wall_seconds, to_wall_seconds
from hikyuu_live.data.store.sqlbase import check_ident
from hikyuu_live.data.store.trades import FINANCE_FIELDS, TradeStore
from hikyuu_live.data.tradedata import KINDS
from hikyuu_live.errors import StoreError, StoreUnavailable

TABLES = {"trans": "transdata", "time": "timeline"}
_FIN_INT = ("updated_date", "ipo_date")


class ClickHouseTradeStore(TradeStore):
    """See the module docstring; takes ``make_store("clickhouse", ...)``'s options."""

    name = "clickhouse"

    def __init__(self, *, host: str = "127.0.0.1", port: int = 8123, user: str = "default", password: str = "",
                 database_prefix: str = "", connect_timeout_s: float = 5.0, **_: Any) -> None:
        super().__init__()
        if database_prefix:
            check_ident(database_prefix, "database_prefix")
        self.host, self.port, self.user, self._password = host, port, user, password
        self.base_db, self.data_db = database_prefix + "hku_base", database_prefix + "hku_data"
        self.connect_timeout_s = connect_timeout_s
        self._client_: Any = None

    def describe(self) -> str:
        return f"clickhouse:{self.user}@{self.host}:{self.port}/{self.data_db} (trades, time lines)"

    def drop_all(self) -> None:
        """Drop this store's trade, time-line and finance tables (tests)."""
        for t in TABLES.values():
            self._cmd(f"DROP TABLE IF EXISTS `{self.data_db}`.`{t}`")
        self._cmd(f"DROP TABLE IF EXISTS `{self.base_db}`.`stkfinance`")

    def _client(self) -> Any:
        if self._client_ is None:
            import clickhouse_connect

            try:
                self._client_ = clickhouse_connect.get_client(
                    host=self.host, port=self.port, username=self.user, password=self._password, compress=False,
                    connect_timeout=self.connect_timeout_s, query_limit=0)
            except Exception as e:
                raise StoreUnavailable(f"ClickHouse at {self.host}:{self.port}: {e}") from e
        return self._client_

    def _call(self, fn: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(self._client(), fn)(*args, **kwargs)
        except StoreError:
            raise
        except Exception as e:
            self._client_ = None
            raise StoreUnavailable(f"{self.describe()}: {fn} failed: {e}") from e

    def _cmd(self, sql: str, params: dict | None = None) -> Any:
        return self._call("command", sql, parameters=params or {})

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
        if self._client_ is not None:
            try:
                self._client_.close()
            except Exception:  # noqa: BLE001 - closing a broken client
                pass
            self._client_ = None

    def _last_datetimes(self, kind: str, market: str) -> dict[str, np.datetime64]:
        rows = self._call("query_np", f"SELECT code, toUInt32(max(date)) AS date FROM {self._t(kind)} "
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
        self._call("insert", TABLES[kind], data, database=self.data_db, column_names=names,
                   column_type_names=types)

    def _read(self, kind: str, market: str, code: str) -> np.ndarray:
        final = " FINAL" if kind == "time" else ""
        extra = ", buyorsell" if kind == "trans" else ""
        cols = self._call("query", f"SELECT toUInt32(date) AS date, price, vol{extra} FROM {self._t(kind)}{final} "
                                   "WHERE market = %(m)s AND code = %(c)s ORDER BY date",
                          parameters={"m": market, "c": code}).result_columns
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
        self._call("insert", "stkfinance", data, database=self.base_db, column_names=["market", "code",
                                                                                      *FINANCE_FIELDS],
                   column_type_names=["FixedString(2)", "FixedString(6)",
                                      *("UInt32" if f in _FIN_INT else "Float64" for f in FINANCE_FIELDS)])

    def _finance(self, market: str, code: str) -> dict[str, float] | None:
        cols = ", ".join(FINANCE_FIELDS)
        rows = self._call("query", f"SELECT {cols} FROM `{self.base_db}`.`stkfinance` FINAL WHERE market = %(m)s "
                                   "AND code = %(c)s", parameters={"m": market, "c": code}).result_rows
        return dict(zip(FINANCE_FIELDS, (float(v) for v in rows[0]), strict=True)) if rows else None
