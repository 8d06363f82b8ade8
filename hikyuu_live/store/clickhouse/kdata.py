"""ClickHouse store in Hikyuu's layout: ``hku_base`` (``baseinfo.py``) and ``hku_data``.

``hku_data`` holds one table per bar type, ``day_k week_k month_k quarter_k halfyear_k year_k min_k min5_k
min15_k min30_k min60_k hour2_k``: ``market`` FixedString(2), ``code`` FixedString(6), ``date`` DateTime
(exchange wall time written as if it were UTC), ``open high low close`` UInt32 in 0.001 yuan, ``amount``
UInt64 in yuan, ``volume`` UInt64 in 0.001 lot; ORDER BY (market, code, date), day-type tables
partitioned by market, minute tables by market and decade. Derived tables hold full bars labelled by the
period end. Talks HTTP through clickhouse-connect (1.6.0 works with the 18.16 server, ``compress=False``).

Appends are buffered and written per market and type in a few large inserts (ClickHouse wants few big
inserts, not one per stock), on a writer thread so that the server works while we read the next
stocks: derived tables first, the stored type last. An insert of fewer rows than
one server block (about a million) is applied whole or not at all, so the newest stored bar again marks
what is done, and a run killed anywhere re-does only the stocks whose stored bars did not land.
Derived rows that replace a stored one (the current week after a new day) go to ``ReplacingMergeTree``
tables whose touched partitions are optimised at commit, so Hikyuu, which reads without ``FINAL``, sees
one row per period; our own reads use ``FINAL``.

Reads see committed data only (buffered appends become visible at ``commit``).
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

from hikyuu_live.errors import StoreUnavailable
from hikyuu_live.model.datenum import from_wall_seconds, to_wall_seconds
from hikyuu_live.model.kdata import KDATA_DTYPE, KType
from hikyuu_live.store.base import BaseInfoByDelegate, KDataStore
from hikyuu_live.store.clickhouse.baseinfo import ClickHouseBaseInfo
from hikyuu_live.store.clickhouse.connection import ClickHouseConnection, new_client
from hikyuu_live.store.derive import DERIVED, derived_since, period_start

log = logging.getLogger(__name__)

COLUMNS = ["market", "code", "date", "open", "high", "low", "close", "amount", "volume"]
# ``date`` goes out as raw UInt32 seconds, which the server converts to DateTime
INSERT_TYPES = ["FixedString(2)", "FixedString(6)", "UInt32", "UInt32", "UInt32", "UInt32", "UInt32", "UInt64",
                "UInt64"]
FLUSH_ROWS = 500_000  # buffered rows per market and type before a write; below one server block
_PRICES = ("open", "high", "low", "close")


def table_of(ktype: KType) -> str:
    return f"{ktype.value.lower()}_k"


def to_columns(market: str, code_rows: list[tuple[str, np.ndarray]]) -> list[Any]:
    """Several stocks' bars -> insert columns in Hikyuu's ClickHouse units."""
    bars = np.concatenate([b for _, b in code_rows])
    codes = np.repeat(np.array([c.encode() for c, _ in code_rows], dtype="S6"), [len(b) for _, b in code_rows])
    cols: list[Any] = [[market.encode()] * len(bars), codes.tolist(),
                       to_wall_seconds(bars["datetime"]).astype(np.uint32)]
    cols += [np.rint(bars[p] * 1000).astype(np.uint32) for p in _PRICES]
    cols += [np.rint(bars["amount"] * 10000).astype(np.uint64), np.rint(bars["volume"] * 1000).astype(np.uint64)]
    return cols


def from_array(rows: np.ndarray) -> np.ndarray:
    """A structured array of (date seconds, open..close, amount, volume) -> in-memory bars."""
    out = np.empty(len(rows), dtype=KDATA_DTYPE)
    out["datetime"] = from_wall_seconds(rows["date"])
    for p in _PRICES:
        out[p] = rows[p] * 0.001
    out["amount"] = rows["amount"] * 0.0001
    out["volume"] = rows["volume"] * 0.001
    return out


_SELECT = "toUInt32(date) AS date, open, high, low, close, amount, volume"


class ClickHouseKDataStore(ClickHouseConnection, BaseInfoByDelegate, KDataStore):
    """See the module docstring."""

    name = "clickhouse"

    def __init__(self, *, host: str = "127.0.0.1", port: int = 8123, user: str = "default", password: str = "",
                 database_prefix: str = "", connect_timeout_s: float = 5.0) -> None:
        super().__init__()
        self._connect_options(host, port, user, password, database_prefix, connect_timeout_s)
        self._pending: dict[tuple[str, KType], list[tuple[str, np.ndarray, bool]]] = {}
        self._pending_rows: dict[tuple[str, KType], int] = {}
        self._replaced: set[tuple[str, KType, int | None]] = set()  # partitions to collapse at commit
        self._base = ClickHouseBaseInfo(self._client, self.base_db)
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="clickhouse-insert")
        self._writer_client: Any = None
        self._inflight: list[Future] = []

    def describe(self) -> str:
        return f"clickhouse:{self.user}@{self.host}:{self.port}/{self.data_db}"

    def drop_all(self) -> None:
        """Drop both databases of this store (tests; never called by the importer)."""
        for db in (self.base_db, self.data_db):
            self._cmd(f"DROP DATABASE IF EXISTS `{db}`")

    # ------------------------------------------------------------------ connection
    def _np(self, sql: str, params: dict) -> np.ndarray:
        return self._call(sql[:60], "query_np", sql, parameters=params)

    def _open(self) -> None:
        self._base.ensure_schema()
        self._cmd(f"CREATE DATABASE IF NOT EXISTS `{self.data_db}`")
        for stored, derived in DERIVED.items():
            for k in (stored, *derived):
                part = "market" if not k.is_intraday else "(market, intDiv(toYear(date), 10))"
                self._cmd(f"CREATE TABLE IF NOT EXISTS {self._t(k)} (market FixedString(2), code FixedString(6), "
                          "date DateTime, open UInt32, high UInt32, low UInt32, close UInt32, amount UInt64, "
                          f"volume UInt64) ENGINE = ReplacingMergeTree() PARTITION BY {part} "
                          "ORDER BY (market, code, date)")

    def _close(self) -> None:
        self._writer.shutdown(wait=True)
        self._close_client()

    def _t(self, ktype: KType) -> str:
        return f"`{self.data_db}`.`{table_of(ktype)}`"

    # ------------------------------------------------------------------ reads
    def _ping(self, timeout_s: float) -> str:
        client = new_client(self.host, self.port, self.user, self._password, timeout_s)
        try:
            return f"ClickHouse {client.command('SELECT version()')}"
        except Exception as e:
            raise StoreUnavailable(f"{self.describe()}: {e}") from e
        finally:
            client.close()

    def _peek_last_day(self, market: str, code: str, timeout_s: float) -> np.datetime64 | None:
        client = new_client(self.host, self.port, self.user, self._password, timeout_s)
        try:
            if not int(client.command(f"EXISTS TABLE {self._t(KType.DAY)}")):
                return None
            n, top = client.query(f"SELECT count(), toUInt32(max(date)) FROM {self._t(KType.DAY)} "
                                  "WHERE market = %(m)s AND code = %(c)s", parameters={"m": market, "c": code}
                                  ).result_rows[0]
        except Exception as e:
            raise StoreUnavailable(f"{self.describe()}: {e}") from e
        finally:
            client.close()
        return from_wall_seconds(np.array([int(top)]))[0] if int(n) else None

    def _last_datetimes(self, market: str, ktype: KType, codes: list[str] | None) -> dict[str, np.datetime64]:
        sql = f"SELECT code, toUInt32(max(date)) AS date FROM {self._t(ktype)} WHERE market = %(m)s"
        params: dict[str, Any] = {"m": market}
        if codes is not None:
            if not codes:
                return {}
            sql += " AND code IN %(c)s"
            params["c"] = tuple(codes)
        rows = self._np(sql + " GROUP BY code", params)
        if not len(rows):
            return {}
        dts = from_wall_seconds(rows["date"])
        return {c.decode() if isinstance(c, bytes) else str(c): d for c, d in zip(rows["code"].tolist(), dts,
                                                                                   strict=True)}

    def _read(self, market: str, code: str, ktype: KType, start: np.datetime64 | None,
              end: np.datetime64 | None, last_n: int | None) -> np.ndarray:
        final = " FINAL" if ktype not in DERIVED else ""
        sql = f"SELECT {_SELECT} FROM {self._t(ktype)}{final} WHERE market = %(m)s AND code = %(c)s"
        params: dict[str, Any] = {"m": market, "c": code}
        if start is not None:
            sql += " AND date >= toDateTime(%(s)s)"
            params["s"] = int(to_wall_seconds(np.array([start]))[0])
        if end is not None:
            sql += " AND date < toDateTime(%(e)s)"
            params["e"] = int(to_wall_seconds(np.array([end]))[0])
        if last_n is not None:
            sql += " ORDER BY date DESC LIMIT %(n)s"
            params["n"] = int(last_n)
        else:
            sql += " ORDER BY date"
        rows = self._np(sql, params)
        out = from_array(rows) if len(rows) else np.zeros(0, KDATA_DTYPE)
        return out[::-1].copy() if last_n is not None else out

    def _read_last_n(self, keys: list[tuple[str, str]], ktype: KType, n: int) -> dict[tuple[str, str], np.ndarray]:
        out: dict[tuple[str, str], np.ndarray] = {}
        final = " FINAL" if ktype not in DERIVED else ""
        for market in sorted({m for m, _ in keys}):
            codes = tuple(c for m, c in keys if m == market)
            rows = self._np(f"SELECT code, {_SELECT} FROM {self._t(ktype)}{final} WHERE market = %(m)s "
                            f"AND code IN %(c)s ORDER BY code, date DESC LIMIT %(n)s BY code",
                            {"m": market, "c": codes, "n": int(n)})
            if not len(rows):
                continue
            code_col = rows["code"]
            starts = np.flatnonzero(np.r_[True, code_col[1:] != code_col[:-1]])
            ends = np.r_[starts[1:], len(rows)]
            for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
                c = code_col[s]
                out[(market, c.decode() if isinstance(c, bytes) else str(c))] = from_array(rows[s:e][::-1])
        return out

    def _count(self, market: str, code: str, ktype: KType) -> int:
        final = " FINAL" if ktype not in DERIVED else ""
        return int(self._cmd(f"SELECT count() FROM {self._t(ktype)}{final} WHERE market = %(m)s AND code = %(c)s",
                             {"m": market, "c": code}))

    def _codes(self, market: str, ktype: KType) -> list[str]:
        return list(self._last_datetimes(market, ktype, None))

    # ------------------------------------------------------------------ writes
    def _append(self, market: str, code: str, ktype: KType, bars: np.ndarray) -> None:
        key = (market, ktype)
        # the base class updates its cache of newest datetimes after this hook: it still tells whether
        # anything was stored (or pending) before these bars
        had = self._cached_last(market, ktype, code) is not None
        self._pending.setdefault(key, []).append((code, bars, had))
        self._pending_rows[key] = self._pending_rows.get(key, 0) + len(bars)
        if self._pending_rows[key] >= FLUSH_ROWS:
            self._flush(market, ktype)

    def _flush(self, market: str, ktype: KType) -> None:
        pending = self._pending.pop((market, ktype), [])
        self._pending_rows.pop((market, ktype), None)
        if not pending:
            return
        merged: dict[str, tuple[list[np.ndarray], bool]] = {}
        for code, bars, stored_before in pending:  # several appends of one stock in a batch: one run of bars
            merged.setdefault(code, ([], stored_before))[0].append(bars)
        items = [(c, np.concatenate(parts) if len(parts) > 1 else parts[0]) for c, (parts, _) in merged.items()]
        derived = DERIVED[ktype]
        had = [(c, b) for c, b in items if merged[c][1]]
        if had and derived:
            self._check_inflight(wait=True)  # the tails may be in an insert still on its way
        tails = self._tails(market, ktype, had, derived) if had and derived else {}
        for dk in derived:
            rows = []
            for code, bars in items:
                tail = tails.get(code, np.zeros(0, KDATA_DTYPE))
                tail = tail[tail["datetime"] >= period_start(bars["datetime"][:1], dk)[0]]
                rows.append((code, derived_since(tail, bars, dk)))
            self._insert(dk, market, rows)
            for _, bars in had:  # the partitions whose rows were replaced: collapse them at commit
                decades = {None} if not dk.is_intraday else \
                    set((bars["datetime"].astype("M8[Y]").astype(np.int64) + 1970) // 10)
                self._replaced.update((market, dk, d) for d in decades)
        self._insert(ktype, market, items)  # last: the stored bars mark the work as done

    def _tails(self, market: str, ktype: KType, items: list[tuple[str, np.ndarray]],
               derived: tuple[KType, ...]) -> dict[str, np.ndarray]:
        since = min(min(period_start(b["datetime"][:1], dk)[0] for dk in derived) for _, b in items)
        rows = self._np(f"SELECT code, {_SELECT} FROM {self._t(ktype)} WHERE market = %(m)s AND code IN %(c)s "
                        f"AND date >= toDateTime(%(s)s) ORDER BY code, date",
                        {"m": market, "c": tuple(c for c, _ in items),
                         "s": int(to_wall_seconds(np.array([since]))[0])})
        out: dict[str, np.ndarray] = {}
        if len(rows):
            code_col = rows["code"]
            starts = np.flatnonzero(np.r_[True, code_col[1:] != code_col[:-1]])
            for s, e in zip(starts.tolist(), np.r_[starts[1:], len(rows)].tolist(), strict=True):
                c = code_col[s]
                out[c.decode() if isinstance(c, bytes) else str(c)] = from_array(rows[s:e])
        firsts = {c: b["datetime"][0] for c, b in items}
        return {c: t[t["datetime"] < firsts[c]] for c, t in out.items()}

    def _insert(self, ktype: KType, market: str, items: list[tuple[str, np.ndarray]]) -> None:
        """Queue one insert on the writer thread: the server sorts and compresses a block while we read and
        validate the next stocks. One thread, in order, so derived rows still land before stored ones."""
        items = [(c, b) for c, b in items if len(b)]
        if not items:
            return
        self._check_inflight(wait=False)
        cols = to_columns(market, items)
        self._inflight.append(self._writer.submit(self._insert_now, table_of(ktype), cols))

    def _insert_now(self, table: str, cols: list[Any]) -> None:
        if self._writer_client is None:
            self._writer_client = self._new_client()  # its own HTTP session: ClickHouse refuses concurrent use
        try:
            self._writer_client.insert(table, cols, database=self.data_db, column_names=COLUMNS,
                                       column_type_names=INSERT_TYPES, column_oriented=True)
        except Exception as e:
            self._writer_client = None
            raise StoreUnavailable(f"{self.describe()}: insert into {table} failed: {e}") from e

    def _check_inflight(self, wait: bool) -> None:
        """Collect finished inserts (all of them with ``wait``); the first failure is raised here."""
        while self._inflight and (wait or self._inflight[0].done()):
            self._inflight.pop(0).result()

    def _commit(self) -> None:
        for market, ktype in list(self._pending):
            self._flush(market, ktype)
        self._check_inflight(wait=True)
        for market, dk, decade in sorted(self._replaced, key=str):
            # partition literals: market is SH/SZ/BJ (checked by split_code), decade an int
            part = f"'{market}'" if decade is None else f"('{market}', {int(decade)})"
            self._cmd(f"OPTIMIZE TABLE {self._t(dk)} PARTITION {part} FINAL")
        self._replaced.clear()

    def _rollback(self) -> None:
        self._pending.clear()
        self._pending_rows.clear()
        try:
            self._check_inflight(wait=True)  # inserts already sent cannot be taken back
        except StoreUnavailable as e:
            log.warning("%s", e)
