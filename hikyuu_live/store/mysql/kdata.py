"""MySQL / MariaDB store in Hikyuu's layout.

Base info in schema ``hku_base`` (``sqlbase``). Bars in one schema per market and type: ``sh_day``,
``sz_min``, ``bj_min5`` and the derived ``sh_week`` .. ``sh_year``, ``sh_min15`` .. ``sh_hour2``, one
MyISAM table per stock named by its 6-digit code: ``date`` BIGINT UNSIGNED primary key (YYYYMMDDhhmm),
``open high low close`` DOUBLE in yuan, ``amount`` DOUBLE in 1,000 yuan, ``count`` DOUBLE in lots.
Derived tables hold full bars labelled by the period end.

Crash safety without transactions (MyISAM has none): each INSERT is one statement, which the server
applies whole even when the client dies mid-way, and an append writes the derived tables *before* the
stored type's table. The newest stored bar is therefore the commit marker: a run killed in between
leaves that stock's new bars unstored, so the next run re-fetches them and recomputes the same derived
rows (an upsert by primary key), with no duplicates and no gaps.

Rows go in with ``LOAD DATA LOCAL INFILE`` (a temporary tab-separated file; about twice the speed of
the driver's INSERT), or with multi-row INSERTs when the server does not allow it. An initial import is
bound by creating the tables: six MyISAM tables per stock for day bars, each CREATE syncs its files.

Inside a batch (the importer's), appends are written by ``writers`` threads, each with its own
connection: one table per stock means thousands of small statements whose cost is the server's round
trip and file work, not Python, so several in flight multiply the throughput. A stock always goes to
the same thread, so its statements keep their order (derived tables, then the stored type); reads of a
stock wait for its pending writes, and ``commit`` waits for all of them and raises the first error.

``schema_prefix`` prepends every schema name (tests use their own; Hikyuu reads the unprefixed ones).
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

from hikyuu_live.errors import StoreError, StoreUnavailable
from hikyuu_live.model.datenum import from_number, to_number
from hikyuu_live.model.kdata import KDATA_DTYPE, KType
from hikyuu_live.store.base import BaseInfoByDelegate, KDataStore
from hikyuu_live.store.derive import DERIVED, derived_since, period_start
from hikyuu_live.store.mysql.connection import MySQLSettings
from hikyuu_live.store.sqlbase import SqlBaseInfo, execute, mysql_dialect

log = logging.getLogger(__name__)

COLUMNS = ("date", "open", "high", "low", "close", "amount", "count")
INSERT_ROWS = 20_000  # rows per INSERT statement: well under max_allowed_packet (16 MB by default)
SMALL_ROWS = 16  # fewer rows (most derived-period appends) go in one INSERT: no temporary file to write
# temporary files for LOAD DATA in memory where the system has a tmpfs (creating a file on disk costs more
# than loading a few hundred rows)
_LOAD_DIR = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
_NO_TABLE = 1146
_NO_SCHEMA = 1049
_NO_LOCAL_INFILE = (1148, 2068, 3948, 4166)  # the server or the client does not allow LOAD DATA LOCAL


def to_rows(bars: np.ndarray) -> list[tuple]:
    """In-memory bars -> row tuples (amount x10 to 1,000 yuan, volume in lots)."""
    cols = [to_number(bars["datetime"]).tolist(), bars["open"].tolist(), bars["high"].tolist(),
            bars["low"].tolist(), bars["close"].tolist(), (bars["amount"] * 10).tolist(), bars["volume"].tolist()]
    return list(zip(*cols, strict=True))


def from_rows(rows: list[tuple]) -> np.ndarray:
    out = np.empty(len(rows), dtype=KDATA_DTYPE)
    if not rows:
        return out
    a = np.array(rows, dtype=np.float64)
    out["datetime"] = from_number(np.array([r[0] for r in rows], dtype=np.uint64))
    for i, f in enumerate(("open", "high", "low", "close"), start=1):
        out[f] = a[:, i]
    out["amount"] = a[:, 5] * 0.1
    out["volume"] = a[:, 6]
    return out[~np.isnat(out["datetime"])]


class MySQLKDataStore(MySQLSettings, BaseInfoByDelegate, KDataStore):
    """See the module docstring."""

    name = "mysql"

    def __init__(self, *, host: str = "127.0.0.1", port: int = 3306, user: str = "root", password: str = "",
                 schema_prefix: str = "", connect_timeout_s: float = 5.0, local_infile: bool = True,
                 writers: int = 4) -> None:
        super().__init__()
        self._connect_settings(host, port, user, password, schema_prefix, connect_timeout_s)
        self.local_infile = local_infile  # LOAD DATA LOCAL when the server allows it, else INSERT
        self._local = threading.local()  # one connection per thread: the caller's and each writer's
        self._all_cons: list[Any] = []
        self._cons_lock = threading.Lock()
        self._tables: set[tuple[str, str]] = set()
        if writers < 1:
            raise ValueError(f"writers must be at least 1, got {writers}")
        self.writers = writers
        self._pool: list[ThreadPoolExecutor] = []
        self._pending: deque[Future] = deque()
        self._by_stock: dict[tuple[str, str], Future] = {}
        self._base = SqlBaseInfo(self._connect, mysql_dialect(self.prefix + "hku_base"))

    def describe(self) -> str:
        return f"mysql:{self.user}@{self.host}:{self.port}" + (f" (schemas {self.prefix}*)" if self.prefix else "")

    def schema(self, market: str, ktype: KType) -> str:
        return f"{self.prefix}{market.lower()}_{ktype.value.lower()}"

    def drop_all(self) -> None:
        """Drop every schema of this store (tests; never called by the importer)."""
        for s in self._all_schemas():
            self._run(f"DROP DATABASE IF EXISTS `{s}`")

    def _all_schemas(self) -> list[str]:
        out = [self.prefix + "hku_base"]
        for m in ("sh", "sz", "bj"):
            for k, derived in DERIVED.items():
                out += [f"{self.prefix}{m}_{t.value.lower()}" for t in (k, *derived)]
        return out

    # ------------------------------------------------------------------ health
    def _ping(self, timeout_s: float) -> str:
        con = self._new_connection(timeout_s)
        try:
            return f"MySQL {con.server_info}"
        finally:
            con.close()

    def _peek_last_day(self, market: str, code: str, timeout_s: float) -> np.datetime64 | None:
        import mysql.connector

        con = self._new_connection(timeout_s)
        try:
            # ``code`` is six digits (``split_code``), the schema a checked prefix plus a fixed name
            rows = execute(con, f"SELECT MAX(`date`) FROM `{self.schema(market, KType.DAY)}`.`{code}`")
        except mysql.connector.Error as e:
            if getattr(e, "errno", None) in (_NO_TABLE, _NO_SCHEMA):
                return None
            raise StoreUnavailable(f"{self.describe()}: {e}") from e
        finally:
            con.close()
        value = rows[0][0] if rows else None
        return None if value is None else from_number(np.array([int(value)], dtype=np.uint64))[0]

    # ------------------------------------------------------------------ connection
    def _connect(self) -> Any:
        return self._new_connection(allow_local_infile=self.local_infile)

    @property
    def con(self) -> Any:
        con = getattr(self._local, "con", None)
        if con is None:
            con = self._local.con = self._connect()
            with self._cons_lock:
                self._all_cons.append(con)
        return con

    def _run(self, sql: str, params: tuple = (), many: list[tuple] | None = None) -> list[tuple]:
        import mysql.connector

        try:
            return execute(self.con, sql, params, many)
        except mysql.connector.Error as e:
            if getattr(e, "errno", None) in (_NO_TABLE, _NO_SCHEMA):
                raise
            if isinstance(e, mysql.connector.errors.InterfaceError | mysql.connector.errors.OperationalError):
                self._drop_connection()
                raise StoreUnavailable(f"{self.describe()}: {e}") from e
            raise StoreError(f"{self.describe()}: {e}") from e

    def _drop_connection(self) -> None:
        con = getattr(self._local, "con", None)
        if con is not None:
            self._local.con = None
            with self._cons_lock:
                if con in self._all_cons:
                    self._all_cons.remove(con)
            try:
                con.close()
            except Exception:  # noqa: BLE001 - the connection is already broken
                pass

    def _open(self) -> None:
        self._run(f"CREATE DATABASE IF NOT EXISTS `{self.prefix}hku_base` DEFAULT CHARACTER SET utf8mb4")
        self._base.ensure_schema()

    def _close(self) -> None:
        try:
            self._wait_all()
        finally:
            for pool in self._pool:
                pool.shutdown(wait=True)
            self._pool = []
            with self._cons_lock:
                cons, self._all_cons = self._all_cons, []
            for con in cons:
                try:
                    con.close()
                except Exception:  # noqa: BLE001 - closing a broken connection
                    pass
            self._local = threading.local()
            self._base.close()

    # ------------------------------------------------------------------ writer threads
    def _commit(self) -> None:
        self._wait_all()

    def _rollback(self) -> None:
        """MyISAM cannot undo: let what is in flight finish (each stock stays consistent, module docstring)."""
        try:
            self._wait_all()
        except StoreError as e:
            log.warning("%s: %s", self.describe(), e)

    def _submit(self, market: str, code: str, work: Any) -> None:
        if not self._pool:
            self._pool = [ThreadPoolExecutor(1, thread_name_prefix=f"mysql-writer-{i}") for i in range(self.writers)]
        while len(self._pending) >= 8 * self.writers:  # bounded: bars waiting to be written hold memory
            self._pending.popleft().result()  # a writer's StoreError is raised here
        future = self._pool[int(code) % self.writers if code.isdigit() else hash(code) % self.writers].submit(work)
        self._pending.append(future)
        self._by_stock[(market, code)] = future

    def _wait_all(self) -> None:
        errors = []
        while self._pending:
            try:
                self._pending.popleft().result()
            except StoreError as e:
                errors.append(e)
        self._by_stock.clear()
        if errors:
            raise StoreError(f"{len(errors)} write(s) failed; first: {errors[0]}") from errors[0]

    def _settle(self, market: str, code: str) -> None:
        """Wait for the pending writes of one stock (before reading it)."""
        future = self._by_stock.pop((market, code), None)
        if future is not None:
            future.result()

    # ------------------------------------------------------------------ tables
    def _table(self, market: str, code: str, ktype: KType) -> str:
        return f"`{self.schema(market, ktype)}`.`{code}`"

    def _ensure_table(self, market: str, code: str, ktype: KType) -> str:
        schema = self.schema(market, ktype)
        if (schema, code) not in self._tables:
            if not any(s == schema for s, _ in self._tables):
                self._run(f"CREATE DATABASE IF NOT EXISTS `{schema}`")
            self._run(f"CREATE TABLE IF NOT EXISTS `{schema}`.`{code}` (`date` BIGINT UNSIGNED NOT NULL, "
                      "`open` DOUBLE UNSIGNED NOT NULL, `high` DOUBLE UNSIGNED NOT NULL, "
                      "`low` DOUBLE UNSIGNED NOT NULL, `close` DOUBLE UNSIGNED NOT NULL, "
                      "`amount` DOUBLE UNSIGNED NOT NULL, `count` DOUBLE UNSIGNED NOT NULL, PRIMARY KEY (`date`)) "
                      "ENGINE=MyISAM")
            self._tables.add((schema, code))
        return f"`{schema}`.`{code}`"

    def _query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Like ``_run``, but a missing schema or table reads as no rows."""
        import mysql.connector

        try:
            return self._run(sql, params)
        except mysql.connector.Error as e:
            if getattr(e, "errno", None) in (_NO_TABLE, _NO_SCHEMA):
                return []
            raise

    def _stock_tables(self, schema: str) -> list[str]:
        rows = self._query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s", (schema,))
        return [str(r[0]) for r in rows if str(r[0]).isdigit() and len(str(r[0])) == 6]

    # ------------------------------------------------------------------ reads
    def _last_datetimes(self, market: str, ktype: KType, codes: list[str] | None) -> dict[str, np.datetime64]:
        self._wait_all()
        schema = self.schema(market, ktype)
        have = set(self._stock_tables(schema))
        wanted = sorted(have if codes is None else have & set(codes))
        out: dict[str, np.datetime64] = {}
        for i in range(0, len(wanted), 500):
            part = wanted[i:i + 500]
            sql = " UNION ALL ".join(f"SELECT '{c}', MAX(`date`) FROM `{schema}`.`{c}`" for c in part)
            for code, last in self._query(sql):
                if last is not None:
                    out[str(code)] = from_number(np.array([int(last)], dtype=np.uint64))[0]
        return out

    def _read(self, market: str, code: str, ktype: KType, start: np.datetime64 | None,
              end: np.datetime64 | None, last_n: int | None) -> np.ndarray:
        self._settle(market, code)
        cols = ", ".join(f"`{c}`" for c in COLUMNS)
        where, params = [], []
        if start is not None:
            where.append("`date` >= %s")
            params.append(int(to_number(np.array([start]))[0]))
        if end is not None:
            where.append("`date` < %s")
            params.append(int(to_number(np.array([end]))[0]))
        sql = f"SELECT {cols} FROM {self._table(market, code, ktype)}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        if last_n is not None:
            rows = self._query(sql + " ORDER BY `date` DESC LIMIT %s", (*params, int(last_n)))[::-1]
        else:
            rows = self._query(sql + " ORDER BY `date`", tuple(params))
        return from_rows(rows)

    def _count(self, market: str, code: str, ktype: KType) -> int:
        self._settle(market, code)
        rows = self._query(f"SELECT COUNT(*) FROM {self._table(market, code, ktype)}")
        return int(rows[0][0]) if rows else 0

    def _codes(self, market: str, ktype: KType) -> list[str]:
        return sorted(self._last_datetimes(market, ktype, None))

    # ------------------------------------------------------------------ writes
    def _insert(self, table: str, bars: np.ndarray, replace: bool = False) -> None:
        if not len(bars):
            return
        if self.local_infile and len(bars) > SMALL_ROWS:
            try:
                self._load(table, bars, replace)
                return
            except StoreError as e:
                if not any(str(code) in str(e) for code in _NO_LOCAL_INFILE):
                    raise
                log.info("%s: LOAD DATA LOCAL refused (%s); using INSERT", self.describe(), e)
                self.local_infile = False
        self._insert_rows(table, bars, replace)

    def _load(self, table: str, bars: np.ndarray, replace: bool) -> None:
        """``LOAD DATA LOCAL INFILE`` of a tab-separated temporary file: about twice as fast as the driver's
        multi-row INSERT, whose per-value conversion in Python is the bottleneck. Rows go in file order,
        so even a load cut short leaves a prefix of the bars (the next run continues after it)."""
        cols = [to_number(bars["datetime"]).tolist(), bars["open"].tolist(), bars["high"].tolist(),
                bars["low"].tolist(), bars["close"].tolist(), (bars["amount"] * 10).tolist(), bars["volume"].tolist()]
        text = "".join(f"{d}\t{o!r}\t{h!r}\t{lo!r}\t{c!r}\t{a!r}\t{v!r}\n" for d, o, h, lo, c, a, v in zip(*cols,
                                                                                                           strict=True))
        fd, path = tempfile.mkstemp(prefix="hkl_load_", suffix=".tsv", dir=_LOAD_DIR)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(text)
            names = ", ".join(f"`{c}`" for c in COLUMNS)
            self._run(f"LOAD DATA LOCAL INFILE %s {'REPLACE' if replace else 'IGNORE'} INTO TABLE {table} "
                      f"FIELDS TERMINATED BY '\\t' LINES TERMINATED BY '\\n' ({names})", (path,))
        finally:
            os.unlink(path)

    def _insert_rows(self, table: str, bars: np.ndarray, replace: bool) -> None:
        """Multi-row INSERTs (the driver batches ``executemany`` of INSERT into one statement, but runs a
        REPLACE row by row, so a replacement is spelled ON DUPLICATE KEY UPDATE)."""
        cols = ", ".join(f"`{c}`" for c in COLUMNS)
        sql = f"INSERT INTO {table} ({cols}) VALUES (%s, %s, %s, %s, %s, %s, %s)"
        if replace:
            sql += " ON DUPLICATE KEY UPDATE " + ", ".join(f"`{c}` = VALUES(`{c}`)" for c in COLUMNS[1:])
        for i in range(0, len(bars), INSERT_ROWS):
            self._run(sql, many=to_rows(bars[i:i + INSERT_ROWS]))

    def _append(self, market: str, code: str, ktype: KType, bars: np.ndarray) -> None:
        derived = DERIVED[ktype]
        tail = np.zeros(0, KDATA_DTYPE)
        if derived and self._cached_last(market, ktype, code) is not None:
            since = min(period_start(bars["datetime"][:1], dk)[0] for dk in derived)
            tail = self._read(market, code, ktype, since, bars["datetime"][0], None)
        writes = [(dk, derived_since(tail[tail["datetime"] >= period_start(bars["datetime"][:1], dk)[0]], bars, dk),
                   True) for dk in derived]
        # the stored type last: its newest bar marks the append as done (module docstring)
        writes.append((ktype, bars, False))

        def work() -> None:
            for k, rows, replace in writes:
                self._insert(self._ensure_table(market, code, k), rows, replace=replace)

        if self.in_batch and self.writers > 1:
            self._submit(market, code, work)
        else:
            work()
