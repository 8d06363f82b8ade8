"""Hikyuu's base-info tables over a DB-API connection: SQLite ``stock.db`` and MySQL ``hku_base``.

Both dialects get the tables Hikyuu's C++ core reads (``Market``, ``StockTypeInfo``,
``Stock``, ``Block``, ``BlockIndex`` must exist, ``Holiday`` and ``stkWeight`` are read when present) and
the ones its Python importers expect (``CodeRuleType``, ``zh_bond10``, ``stkfinance``,
``HistoryFinance``, ``HistoryFinanceField``, ``version``), with Hikyuu's names and column types.
Seeds: the three markets, the stock types and the code rules. Every statement is parameterised; only
the schema prefix (``hku_base`` or a test schema, checked to be a plain identifier) is formatted in.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hikyuu_live.errors import ConfigError, StoreError
from hikyuu_live.store.baseinfo import (
    MARKET_ID,
    MARKET_ROWS,
    STOCK_TYPE_ROWS,
    WEIGHT_FIELDS,
    MarketRecord,
    StockRecord,
    StockTypeRecord,
    code_rule_rows,
    history_finance_fields,
)

log = logging.getLogger(__name__)

SCHEMA_VERSION = 32  # the last of Hikyuu's numbered upgrades this layout matches
#: tables whose MySQL names keep their case (the rest are lower case), as Hikyuu's C++ core spells them
MYSQL_CAMEL_CASE = frozenset({"BlockIndex", "HistoryFinance", "HistoryFinanceField"})
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
MARKET_OF_ID = {v: k for k, v in MARKET_ID.items()}
FINANCE_COLUMNS = ("zongguben", "liutongguben", "guojiagu", "faqirenfarengu", "farengu", "bgu", "hgu", "zhigonggu",
                   "zongzichan", "liudongzichan", "gudingzichan", "wuxingzichan", "gudongrenshu", "liudongfuzhai",
                   "changqifuzhai", "zibengongjijin", "jingzichan", "zhuyingshouru", "zhuyinglirun",
                   "yingshouzhangkuan", "yingyelirun", "touzishouyu", "jingyingxianjinliu", "zongxianjinliu",
                   "cunhuo", "lirunzonghe", "shuihoulirun", "jinglirun", "weifenpeilirun", "meigujingzichan",
                   "baoliu2")


def check_ident(value: str, what: str) -> str:
    if not _IDENT.match(value):
        raise ConfigError("must be a plain identifier (letters, digits, _)", key=what, value=value)
    return value


@dataclass(frozen=True, slots=True)
class Dialect:
    """What differs between SQLite and MySQL: placeholders, the schema prefix and column types."""

    name: str
    param: str  # "?" or "%s"
    prefix: str  # "" or "`hku_base`."
    pk: str  # auto-increment integer primary key
    int_: str
    big: str
    num: str
    text: str
    tail: str  # after CREATE TABLE (...)

    def t(self, table: str) -> str:
        # MySQL table names are case-sensitive on Linux. Hikyuu's C++ core queries ``market``, ``stock``,
        # ``stkweight``... in lower case but ``BlockIndex``, ``HistoryFinance`` and ``HistoryFinanceField``
        # in camel case (its init fails without ``BlockIndex``; checked against Hikyuu 2.8.3's libhikyuu)
        if self.name == "mysql" and table not in MYSQL_CAMEL_CASE:
            table = table.lower()
        return f"{self.prefix}`{table}`"

    def params(self, n: int) -> str:
        return ", ".join([self.param] * n)


SQLITE = Dialect("sqlite", "?", "", "INTEGER PRIMARY KEY", "INTEGER", "INTEGER", "NUMERIC", "VARCHAR(100)", "")


def mysql_dialect(schema: str) -> Dialect:
    check_ident(schema, "schema")
    return Dialect("mysql", "%s", f"`{schema}`.", "INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY", "INT",
                   "BIGINT UNSIGNED", "DOUBLE", "VARCHAR(100)", " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")


def _tables(d: Dialect) -> dict[str, str]:
    """Table name -> column definitions (Hikyuu's names; case as in its SQLite schema)."""
    finance = ", ".join(f"`{c}` {d.num}" for c in FINANCE_COLUMNS)
    weight = ", ".join(f"`{c}` {d.num if c == 'suogu' else d.big}" for c in WEIGHT_FIELDS)
    return {
        "version": f"`version` {d.int_} NOT NULL",
        "Market": (f"`marketid` {d.int_} PRIMARY KEY, `market` VARCHAR(10), `name` VARCHAR(60), "
                   f"`description` VARCHAR(100), `code` VARCHAR(20), `lastDate` {d.big}, `openTime1` {d.int_}, "
                   f"`closeTime1` {d.int_}, `openTime2` {d.int_}, `closeTime2` {d.int_}"),
        "StockTypeInfo": (f"`id` {d.int_} PRIMARY KEY, `type` {d.int_}, `precision` {d.int_}, `tick` {d.num}, "
                          f"`tickValue` {d.num}, `minTradeNumber` {d.num}, `maxTradeNumber` {d.num}, "
                          f"`description` VARCHAR(100)"),
        "CodeRuleType": (f"`id` {d.int_} PRIMARY KEY, `marketid` {d.int_}, `codepre` VARCHAR(20), `type` {d.int_}, "
                         f"`description` VARCHAR(100)"),
        "Stock": (f"`stockid` {d.pk}, `marketid` {d.int_}, `code` VARCHAR(20), `name` VARCHAR(60), "
                  f"`type` {d.int_}, `valid` {d.int_}, `startDate` {d.big}, `endDate` {d.big}"),
        "stkWeight": f"`id` {d.pk}, `stockid` {d.int_}, `date` {d.big}, {weight}",
        "Holiday": f"`id` {d.pk}, `date` {d.big}",
        "block": f"`id` {d.pk}, `category` {d.text}, `name` {d.text}, `market_code` VARCHAR(30)",
        "BlockIndex": f"`id` {d.pk}, `category` {d.text}, `name` {d.text}, `market_code` VARCHAR(30)",
        "zh_bond10": f"`id` {d.pk}, `date` {d.big}, `value` {d.big}",
        "stkfinance": (f"`id` {d.pk}, `stockid` {d.int_}, `updated_date` {d.big}, `ipo_date` {d.big}, "
                       f"`province` {d.num}, `industry` {d.num}, {finance}"),
        "HistoryFinanceField": f"`id` {d.int_} PRIMARY KEY, `name` VARCHAR(200)",
        "HistoryFinance": (f"`id` {d.pk}, `file_date` {d.big}, `market_code` VARCHAR(30), `report_date` {d.big}, "
                           f"`values` {'BLOB' if d.name == 'sqlite' else 'LONGBLOB'}"),
    }


_INDEXES = (("ix_stock_market_code", "Stock", "`marketid`, `code`"),
            ("ix_stkweight_stock_date", "stkWeight", "`stockid`, `date`"),
            ("ix_holiday_date", "Holiday", "`date`"),
            ("ix_block_category", "block", "`category`"),
            ("ix_blockindex_category", "BlockIndex", "`category`"),
            ("ix_zh_bond10_date", "zh_bond10", "`date`"),
            ("ix1_on_history_finance", "HistoryFinance", "`file_date`"),
            ("ix2_on_history_finance", "HistoryFinance", "`market_code`, `report_date`"))


def execute(con: Any, sql: str, params: tuple | list = (), many: list[tuple] | None = None) -> list[tuple]:
    """One statement on a DB-API connection: the rows of a query, ``[]`` otherwise; ``executemany`` of
    ``many`` when given. Driver errors pass through (callers map them to ``StoreError`` at their edge)."""
    cur = con.cursor()
    try:
        if many is not None:
            cur.executemany(sql, many)
            return []
        cur.execute(sql, params)
        return list(cur.fetchall()) if cur.description else []
    finally:
        cur.close()


class LazyConnection:
    """A DB-API connection made on first use (a store that is never written opens nothing)."""

    def __init__(self, connect: Callable[[], Any]) -> None:
        self._connect = connect
        self._con: Any = None

    @property
    def con(self) -> Any:
        if self._con is None:
            self._con = self._connect()
        return self._con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None


class SqlBaseInfo(LazyConnection):
    """Base-info hooks of ``KDataStore`` for one connection; ``commit`` follows every write."""

    def __init__(self, connect: Callable[[], Any], dialect: Dialect) -> None:
        super().__init__(connect)
        self.d = dialect

    def _run(self, sql: str, params: tuple | list = (), many: list[tuple] | None = None) -> list[tuple]:
        try:
            return execute(self.con, sql, params, many)
        except StoreError:
            raise
        except Exception as e:  # the driver's own errors (sqlite3, mysql.connector): map them at this edge
            raise StoreError(f"{self.d.name} base info: {e}") from e

    def _many(self, sql: str, rows: list[tuple]) -> None:
        if rows:
            self._run(sql, many=rows)

    # ------------------------------------------------------------------ schema
    def ensure_schema(self) -> None:
        """Create missing tables and seed markets, stock types and code rules (idempotent)."""
        d = self.d
        for table, cols in _tables(d).items():
            self._run(f"CREATE TABLE IF NOT EXISTS {d.t(table)} ({cols}){d.tail}")
        existing_ix = self._existing_indexes()
        for name, table, cols in _INDEXES:
            if name.lower() not in existing_ix:
                self._run(f"CREATE INDEX `{name}` ON {d.t(table)} ({cols})")
        if not self._run(f"SELECT `version` FROM {d.t('version')}"):
            self._run(f"INSERT INTO {d.t('version')} (`version`) VALUES ({d.param})", (SCHEMA_VERSION,))
        have = {r[0] for r in self._run(f"SELECT `market` FROM {d.t('Market')}")}
        self._many(f"INSERT INTO {d.t('Market')} (`marketid`, `market`, `name`, `description`, `code`, `lastDate`, "
                   f"`openTime1`, `closeTime1`, `openTime2`, `closeTime2`) VALUES ({d.params(10)})",
                   [(MARKET_ID[m.market], m.market, m.name, m.description, m.code, m.last_date, m.open_time1,
                     m.close_time1, m.open_time2, m.close_time2) for m in MARKET_ROWS if m.market not in have])
        have = {r[0] for r in self._run(f"SELECT `id` FROM {d.t('StockTypeInfo')}")}
        self._many(f"INSERT INTO {d.t('StockTypeInfo')} (`id`, `type`, `precision`, `tick`, `tickValue`, "
                   f"`minTradeNumber`, `maxTradeNumber`, `description`) VALUES ({d.params(8)})",
                   [(s.type, s.type, s.precision, s.tick, s.tick_value, s.min_trade, s.max_trade, s.description)
                    for s in STOCK_TYPE_ROWS if s.type not in have])
        if not self._run(f"SELECT COUNT(*) FROM {d.t('CodeRuleType')}")[0][0]:
            self._many(f"INSERT INTO {d.t('CodeRuleType')} (`id`, `marketid`, `codepre`, `type`, `description`) "
                       f"VALUES ({d.params(5)})",
                       [(i, MARKET_ID[m], pre, t, desc) for i, m, pre, t, desc in code_rule_rows()])
        have = {int(r[0]) for r in self._run(f"SELECT `id` FROM {d.t('HistoryFinanceField')}")}
        self._many(f"INSERT INTO {d.t('HistoryFinanceField')} (`id`, `name`) VALUES ({d.params(2)})",
                   [(i, n) for i, n in enumerate(history_finance_fields(), 1) if i not in have])
        self.con.commit()

    def _existing_indexes(self) -> set[str]:
        if self.d.name == "sqlite":
            return {r[0].lower() for r in self._run("SELECT name FROM sqlite_master WHERE type = 'index'")}
        schema = self.d.prefix.strip("`.")
        rows = self._run("SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = %s",
                         (schema,))
        return {r[0].lower() for r in rows}

    # ------------------------------------------------------------------ stocks and markets
    def stock_records(self) -> list[StockRecord]:
        rows = self._run(f"SELECT `marketid`, `code`, `name`, `type`, `valid`, `startDate`, `endDate` "
                         f"FROM {self.d.t('Stock')}")
        return [StockRecord(MARKET_OF_ID.get(int(m), "??"), str(c), n or "", int(t or 0), bool(v), int(s or 0),
                            int(e or 0)) for m, c, n, t, v, s, e in rows if int(m) in MARKET_OF_ID]

    def save_stocks(self, records: list[StockRecord]) -> None:
        d = self.d
        ids = {(int(m), str(c)): int(i) for i, m, c in
               self._run(f"SELECT `stockid`, `marketid`, `code` FROM {d.t('Stock')}")}
        updates, inserts = [], []
        for r in records:
            values = (r.name, r.type, int(r.valid), r.start_date, r.end_date)
            key = (MARKET_ID[r.market], r.code)
            if key in ids:
                updates.append((*values, ids[key]))
            else:
                inserts.append((*key, *values))
        self._many(f"UPDATE {d.t('Stock')} SET `name` = {d.param}, `type` = {d.param}, `valid` = {d.param}, "
                   f"`startDate` = {d.param}, `endDate` = {d.param} WHERE `stockid` = {d.param}", updates)
        self._many(f"INSERT INTO {d.t('Stock')} (`marketid`, `code`, `name`, `type`, `valid`, `startDate`, "
                   f"`endDate`) VALUES ({d.params(7)})", inserts)
        self.con.commit()

    def markets(self) -> list[MarketRecord]:
        rows = self._run(f"SELECT `market`, `name`, `description`, `code`, `lastDate`, `openTime1`, `closeTime1`, "
                         f"`openTime2`, `closeTime2` FROM {self.d.t('Market')} ORDER BY `marketid`")
        return [MarketRecord(str(r[0]), r[1] or "", r[2] or "", r[3] or "", *(int(x or 0) for x in r[4:]))
                for r in rows]

    def set_market_last_date(self, market: str, last_date: int) -> None:
        self._run(f"UPDATE {self.d.t('Market')} SET `lastDate` = {self.d.param} WHERE `market` = {self.d.param}",
                  (last_date, market))
        self.con.commit()

    def stock_types(self) -> list[StockTypeRecord]:
        rows = self._run(f"SELECT `type`, `description`, `tick`, `tickValue`, `precision`, `minTradeNumber`, "
                         f"`maxTradeNumber` FROM {self.d.t('StockTypeInfo')} ORDER BY `type`")
        return [StockTypeRecord(int(t), desc or "", float(tick), float(tv), int(p), int(mn), int(mx))
                for t, desc, tick, tv, p, mn, mx in rows]

    def holidays(self) -> list[int]:
        return [int(r[0]) for r in self._run(f"SELECT `date` FROM {self.d.t('Holiday')}")]

    def add_holidays(self, days: list[int]) -> None:
        self._many(f"INSERT INTO {self.d.t('Holiday')} (`date`) VALUES ({self.d.param})", [(x,) for x in days])
        self.con.commit()

    # ------------------------------------------------------------------ weights and blocks
    def _stockid(self, market: str, code: str) -> int | None:
        rows = self._run(f"SELECT `stockid` FROM {self.d.t('Stock')} WHERE `marketid` = {self.d.param} "
                         f"AND `code` = {self.d.param}", (MARKET_ID[market], code))
        return int(rows[0][0]) if rows else None

    def weights(self, market: str, code: str) -> list[dict[str, float]]:
        sid = self._stockid(market, code)
        if sid is None:
            return []
        cols = ", ".join(f"`{c}`" for c in ("date", *WEIGHT_FIELDS))
        rows = self._run(f"SELECT {cols} FROM {self.d.t('stkWeight')} WHERE `stockid` = {self.d.param} "
                         f"ORDER BY `date`", (sid,))
        return [dict(zip(("date", *WEIGHT_FIELDS), (float(x or 0) for x in r), strict=True)) for r in rows]

    def replace_weights(self, market: str, code: str, rows: list[dict[str, float]]) -> None:
        sid = self._stockid(market, code)
        if sid is None:
            raise StoreError(f"{market}{code}: no Stock row to attach weights to (save the stock first)")
        d = self.d
        self._run(f"DELETE FROM {d.t('stkWeight')} WHERE `stockid` = {d.param} AND `date` >= {d.param}",
                  (sid, int(rows[0]["date"])))
        cols = ", ".join(f"`{c}`" for c in ("stockid", "date", *WEIGHT_FIELDS))
        self._many(f"INSERT INTO {d.t('stkWeight')} ({cols}) VALUES ({d.params(2 + len(WEIGHT_FIELDS))})",
                   [(sid, int(r["date"]), *(r.get(f, 0) for f in WEIGHT_FIELDS)) for r in rows])
        self.con.commit()

    def blocks(self) -> list[tuple[str, str, str]]:
        return [(str(a), str(b), str(c)) for a, b, c in
                self._run(f"SELECT `category`, `name`, `market_code` FROM {self.d.t('block')} ORDER BY `id`")]

    def replace_blocks(self, category: str, rows: list[tuple[str, str, str]]) -> None:
        d = self.d
        self._run(f"DELETE FROM {d.t('block')} WHERE `category` = {d.param}", (category,))
        self._many(f"INSERT INTO {d.t('block')} (`category`, `name`, `market_code`) VALUES ({d.params(3)})", rows)
        self.con.commit()

    def block_index(self) -> list[tuple[str, str, str]]:
        return [(str(a), str(b), str(c)) for a, b, c in
                self._run(f"SELECT `category`, `name`, `market_code` FROM {self.d.t('BlockIndex')} ORDER BY `id`")]

    def replace_block_index(self, category: str, rows: list[tuple[str, str, str]]) -> None:
        d = self.d
        self._run(f"DELETE FROM {d.t('BlockIndex')} WHERE `category` = {d.param}", (category,))
        self._many(f"INSERT INTO {d.t('BlockIndex')} (`category`, `name`, `market_code`) VALUES ({d.params(3)})",
                   rows)
        self.con.commit()

    # ------------------------------------------------------------------ history finance and bond yields
    def history_finance_files(self) -> dict[int, int]:
        return {int(f): int(n) for f, n in self._run(
            f"SELECT `file_date`, COUNT(*) FROM {self.d.t('HistoryFinance')} GROUP BY `file_date`")}

    def replace_history_finance(self, file_date: int, rows: list[tuple[str, int, bytes]]) -> None:
        """One file's rows in one transaction: the old ones of ``file_date`` go, these come."""
        d = self.d
        try:
            self._run(f"DELETE FROM {d.t('HistoryFinance')} WHERE `file_date` = {d.param}", (file_date,))
            self._many(f"INSERT INTO {d.t('HistoryFinance')} (`file_date`, `market_code`, `report_date`, `values`) "
                       f"VALUES ({d.params(4)})", [(file_date, mc, rd, v) for mc, rd, v in rows])
            self.con.commit()
        except StoreError:
            self.con.rollback()
            raise

    def history_finance(self, market_code: str) -> list[tuple[int, int, bytes]]:
        d = self.d
        return [(int(f), int(r), bytes(v)) for f, r, v in self._run(
            f"SELECT `file_date`, `report_date`, `values` FROM {d.t('HistoryFinance')} WHERE `market_code` = "
            f"{d.param} ORDER BY `report_date`, `file_date`", (market_code,))]

    def zh_bond10(self) -> list[tuple[int, int]]:
        return [(int(a), int(b)) for a, b in
                self._run(f"SELECT `date`, `value` FROM {self.d.t('zh_bond10')} ORDER BY `date`")]

    def replace_zh_bond10(self, rows: list[tuple[int, int]]) -> None:
        """Rows dated on or after the first of ``rows`` are replaced (``rows`` sorted by date)."""
        d = self.d
        self._run(f"DELETE FROM {d.t('zh_bond10')} WHERE `date` >= {d.param}", (rows[0][0],))
        self._many(f"INSERT INTO {d.t('zh_bond10')} (`date`, `value`) VALUES ({d.params(2)})", rows)
        self.con.commit()
