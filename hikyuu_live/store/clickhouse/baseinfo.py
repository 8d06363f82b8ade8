"""Hikyuu's base-info tables in ClickHouse (``hku_base``): market, stock, stocktypeinfo, coderuletype,
holiday, block, blockindex, stkweight, zh_bond10, historyfinance, historyfinancefield, version.

Only types and syntax that ClickHouse 18.16 (Debian's server) knows, which current servers accept too.
ClickHouse has no UPDATE: rows that change (a stock's name or dates, a market's last date) live in
``ReplacingMergeTree`` tables keyed like Hikyuu's primary keys, a change is a new insert, and the table
is optimised right away so that readers without ``FINAL`` (Hikyuu) see one row per key. Deleting weight
or board rows uses ``ALTER TABLE ... DELETE`` and waits for the mutation to finish.
"""


from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from hikyuu_live.errors import StoreError
from hikyuu_live.store.baseinfo import (
    MARKET_ROWS,
    STOCK_TYPE_ROWS,
    WEIGHT_FIELDS,
    MarketRecord,
    StockRecord,
    StockTypeRecord,
    code_rule_rows,
    history_finance_fields,
)

SCHEMA_VERSION = 4  # Hikyuu's clickhouse_upgrade scripts this layout matches

_TABLES = {
    "version": ("id Int32, version Int32", "MergeTree() ORDER BY id"),
    "market": ("market String, name String, description String, code String, lastDate Int32, openTime1 Int32, "
               "closeTime1 Int32, openTime2 Int32, closeTime2 Int32", "ReplacingMergeTree() ORDER BY market"),
    "stock": ("market String, code String, name String, type Int32, valid Int32, startDate Int32, endDate Int32",
              "ReplacingMergeTree() ORDER BY (market, code)"),
    "stocktypeinfo": ("type Int32, precision Int32, tickValue Float64, tick Float64, minTradeNumber Float64, "
                      "maxTradeNumber Float64, description String", "ReplacingMergeTree() ORDER BY type"),
    "coderuletype": ("id Int32, market String, codepre String, type Int32, description String",
                     "ReplacingMergeTree() ORDER BY id"),
    "holiday": ("date Int32", "ReplacingMergeTree() ORDER BY date"),
    "block": ("category String, name String, market_code String", "MergeTree() ORDER BY (category, name)"),
    "blockindex": ("category String, name String, index_code String", "MergeTree() ORDER BY (category, name)"),
    "stkweight": ("market String, code String, date Int32, " + ", ".join(f"{f} Float64" for f in WEIGHT_FIELDS),
                  "ReplacingMergeTree() ORDER BY (market, code, date)"),
    "zh_bond10": ("date Int32, value Int64", "ReplacingMergeTree() ORDER BY date"),
    "historyfinancefield": ("id Int32, name String", "ReplacingMergeTree() ORDER BY id"),
    "historyfinance": ("market String, code String, report_date Int32, `values` String, file_date Int32",
                       "MergeTree() PARTITION BY market ORDER BY (market, code, report_date)"),
}
_STOCK_COLS = ["market", "code", "name", "type", "valid", "startDate", "endDate"]
_STOCK_TYPES = ["String", "String", "String", "Int32", "Int32", "Int32", "Int32"]


def _text(v: Any) -> str:
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


class ClickHouseBaseInfo:
    """Base-info hooks of ``ClickHouseKDataStore``; ``client`` returns a connected client."""

    def __init__(self, client: Callable[[], Any], database: str) -> None:
        self._client = client
        self.db = database

    def t(self, table: str) -> str:
        return f"`{self.db}`.`{table}`"

    def _rows(self, sql: str, params: dict | None = None) -> list[tuple]:
        return list(self._client().query(sql, parameters=params or {}).result_rows)

    def _cmd(self, sql: str, params: dict | None = None) -> None:
        self._client().command(sql, parameters=params or {})

    def _insert(self, table: str, rows: list[list | tuple], names: list[str], types: list[str]) -> None:
        if rows:
            self._client().insert(table, rows, database=self.db, column_names=names, column_type_names=types)

    def _optimize(self, table: str) -> None:
        self._cmd(f"OPTIMIZE TABLE {self.t(table)} FINAL")

    def _delete(self, table: str, where: str, params: dict) -> None:
        """``ALTER TABLE DELETE`` and wait until the server has applied it (mutations are asynchronous)."""
        self._cmd(f"ALTER TABLE {self.t(table)} DELETE WHERE {where}", params)
        deadline = time.monotonic() + 120
        while self._rows("SELECT count() FROM system.mutations WHERE database = %(d)s AND table = %(t)s "
                         "AND is_done = 0", {"d": self.db, "t": table})[0][0]:
            if time.monotonic() > deadline:
                raise StoreError(f"ClickHouse mutation on {self.db}.{table} did not finish in 120 s")
            time.sleep(0.05)

    # ------------------------------------------------------------------ schema
    def ensure_schema(self) -> None:
        self._cmd(f"CREATE DATABASE IF NOT EXISTS `{self.db}`")
        for table, (cols, engine) in _TABLES.items():
            self._cmd(f"CREATE TABLE IF NOT EXISTS {self.t(table)} ({cols}) ENGINE = {engine}")
        if not self._rows(f"SELECT count() FROM {self.t('version')}")[0][0]:
            self._insert("version", [[0, SCHEMA_VERSION]], ["id", "version"], ["Int32", "Int32"])
        have = {_text(r[0]) for r in self._rows(f"SELECT market FROM {self.t('market')}")}
        self._insert("market", [[m.market, m.name, m.description, m.code, m.last_date, m.open_time1, m.close_time1,
                                 m.open_time2, m.close_time2] for m in MARKET_ROWS if m.market not in have],
                     ["market", "name", "description", "code", "lastDate", "openTime1", "closeTime1", "openTime2",
                      "closeTime2"], ["String"] * 4 + ["Int32"] * 5)
        have_types = {int(r[0]) for r in self._rows(f"SELECT type FROM {self.t('stocktypeinfo')}")}
        self._insert("stocktypeinfo", [[s.type, s.precision, s.tick_value, s.tick, s.min_trade, s.max_trade,
                                        s.description] for s in STOCK_TYPE_ROWS if s.type not in have_types],
                     ["type", "precision", "tickValue", "tick", "minTradeNumber", "maxTradeNumber", "description"],
                     ["Int32", "Int32", "Float64", "Float64", "Float64", "Float64", "String"])
        if not self._rows(f"SELECT count() FROM {self.t('coderuletype')}")[0][0]:
            self._insert("coderuletype", [list(r) for r in code_rule_rows()],
                         ["id", "market", "codepre", "type", "description"],
                         ["Int32", "String", "String", "Int32", "String"])
        have_fields = {int(r[0]) for r in self._rows(f"SELECT id FROM {self.t('historyfinancefield')}")}
        self._insert("historyfinancefield", [[i, n] for i, n in enumerate(history_finance_fields(), 1)
                                             if i not in have_fields], ["id", "name"], ["Int32", "String"])

    # ------------------------------------------------------------------ stocks and markets
    def stock_records(self) -> list[StockRecord]:
        rows = self._rows(f"SELECT {', '.join(_STOCK_COLS)} FROM {self.t('stock')} FINAL")
        return [StockRecord(_text(m), _text(c), _text(n), int(t), bool(v), int(s), int(e))
                for m, c, n, t, v, s, e in rows]

    def save_stocks(self, records: list[StockRecord]) -> None:
        self._insert("stock", [[r.market, r.code, r.name, r.type, int(r.valid), r.start_date, r.end_date]
                               for r in records], _STOCK_COLS, _STOCK_TYPES)
        self._optimize("stock")

    def markets(self) -> list[MarketRecord]:
        rows = self._rows(f"SELECT market, name, description, code, lastDate, openTime1, closeTime1, openTime2, "
                          f"closeTime2 FROM {self.t('market')} FINAL")
        order = {m.market: i for i, m in enumerate(MARKET_ROWS)}
        out = [MarketRecord(_text(r[0]), _text(r[1]), _text(r[2]), _text(r[3]), *(int(x) for x in r[4:]))
               for r in rows]
        return sorted(out, key=lambda m: order.get(m.market, 99))

    def set_market_last_date(self, market: str, last_date: int) -> None:
        for m in self.markets():
            if m.market == market:
                self._insert("market", [[m.market, m.name, m.description, m.code, last_date, m.open_time1,
                                         m.close_time1, m.open_time2, m.close_time2]],
                             ["market", "name", "description", "code", "lastDate", "openTime1", "closeTime1",
                              "openTime2", "closeTime2"], ["String"] * 4 + ["Int32"] * 5)
                self._optimize("market")

    def stock_types(self) -> list[StockTypeRecord]:
        rows = self._rows(f"SELECT type, description, tick, tickValue, precision, minTradeNumber, maxTradeNumber "
                          f"FROM {self.t('stocktypeinfo')} FINAL ORDER BY type")
        return [StockTypeRecord(int(t), _text(d), float(tk), float(tv), int(p), int(mn), int(mx))
                for t, d, tk, tv, p, mn, mx in rows]

    def holidays(self) -> list[int]:
        return [int(r[0]) for r in self._rows(f"SELECT DISTINCT date FROM {self.t('holiday')}")]

    def add_holidays(self, days: list[int]) -> None:
        self._insert("holiday", [[d] for d in days], ["date"], ["Int32"])

    # ------------------------------------------------------------------ weights and blocks
    def weights(self, market: str, code: str) -> list[dict[str, float]]:
        cols = ["date", *WEIGHT_FIELDS]
        rows = self._rows(f"SELECT {', '.join(cols)} FROM {self.t('stkweight')} FINAL WHERE market = %(m)s "
                          f"AND code = %(c)s ORDER BY date", {"m": market, "c": code})
        return [dict(zip(cols, (float(x) for x in r), strict=True)) for r in rows]

    def replace_weights(self, market: str, code: str, rows: list[dict[str, float]]) -> None:
        self._delete("stkweight", "market = %(m)s AND code = %(c)s AND date >= %(d)s",
                     {"m": market, "c": code, "d": int(rows[0]["date"])})
        self._insert("stkweight", [[market, code, int(r["date"]), *(float(r.get(f, 0)) for f in WEIGHT_FIELDS)]
                                   for r in rows], ["market", "code", "date", *WEIGHT_FIELDS],
                     ["String", "String", "Int32"] + ["Float64"] * len(WEIGHT_FIELDS))

    def blocks(self) -> list[tuple[str, str, str]]:
        return [(_text(a), _text(b), _text(c)) for a, b, c in
                self._rows(f"SELECT category, name, market_code FROM {self.t('block')} ORDER BY category, name")]

    def replace_blocks(self, category: str, rows: list[tuple[str, str, str]]) -> None:
        self._delete("block", "category = %(c)s", {"c": category})
        self._insert("block", [list(r) for r in rows], ["category", "name", "market_code"], ["String"] * 3)

    def block_index(self) -> list[tuple[str, str, str]]:
        return [(_text(a), _text(b), _text(c)) for a, b, c in self._rows(
            f"SELECT category, name, index_code FROM {self.t('blockindex')} ORDER BY category, name")]

    def replace_block_index(self, category: str, rows: list[tuple[str, str, str]]) -> None:
        self._delete("blockindex", "category = %(c)s", {"c": category})
        self._insert("blockindex", [list(r) for r in rows], ["category", "name", "index_code"], ["String"] * 3)

    # ------------------------------------------------------------------ history finance and bond yields
    def history_finance_files(self) -> dict[int, int]:
        return {int(f): int(n) for f, n in self._rows(
            f"SELECT file_date, count() FROM {self.t('historyfinance')} GROUP BY file_date")}

    def replace_history_finance(self, file_date: int, rows: list[tuple[str, int, bytes]]) -> None:
        """Hikyuu's layout: ``values`` holds the report's raw float32 bytes in a String column."""
        self._delete("historyfinance", "file_date = %(f)s", {"f": file_date})
        self._insert("historyfinance", [[mc[:2], mc[2:], rd, v, file_date] for mc, rd, v in rows],
                     ["market", "code", "report_date", "values", "file_date"],
                     ["String", "String", "Int32", "String", "Int32"])

    def history_finance(self, market_code: str) -> list[tuple[int, int, bytes]]:
        rows = self._client().query(
            f"SELECT file_date, report_date, `values` FROM {self.t('historyfinance')} WHERE market = %(m)s "
            f"AND code = %(c)s ORDER BY report_date, file_date",
            parameters={"m": market_code[:2], "c": market_code[2:]}, column_formats={"values": "bytes"}).result_rows
        return [(int(f), int(r), v if isinstance(v, bytes) else str(v).encode("latin-1")) for f, r, v in rows]

    def zh_bond10(self) -> list[tuple[int, int]]:
        return [(int(a), int(b)) for a, b in self._rows(f"SELECT date, value FROM {self.t('zh_bond10')} FINAL "
                                                        f"ORDER BY date")]

    def replace_zh_bond10(self, rows: list[tuple[int, int]]) -> None:
        self._delete("zh_bond10", "date >= %(d)s", {"d": rows[0][0]})
        self._insert("zh_bond10", [list(r) for r in rows], ["date", "value"], ["Int32", "Int64"])
