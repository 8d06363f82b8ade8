"""ClickHouse tick store, for a Hikyuu installation whose K-data lives in ClickHouse.

Table ``hku_tick.spot`` (database and table names are options), one row per tick::

    date Date, seq Int64, market FixedString(2), code FixedString(6), name String,
    datetime DateTime, us UInt32,
    yesterday_close, open, high, low, close UInt32 (0.001 yuan), amount Float64 (10,000 yuan),
    volume Float64 (lots), bid1..bid5 UInt32 (0.001 yuan), bid_amount1..5 Float32 (lots),
    ask1..ask5 UInt32, ask_amount1..5 Float32
    ENGINE = ReplacingMergeTree PARTITION BY toYYYYMM(date) ORDER BY (date, seq)

``datetime`` is the exchange wall time written as if it were UTC, as Hikyuu's own ClickHouse K-data
tables do, with the microseconds in ``us``. Only types ClickHouse 18.16 knows (the Debian server)
are used. Each insert is one block, which ClickHouse applies whole or not at all; a retried insert
adds rows with the same ``(date, seq)``, which the table's engine merges away and ``load_day``
ignores meanwhile.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import Any

import numpy as np

from hikyuu_live.errors import ConfigError, StoreUnavailable
from hikyuu_live.model.spot import BOOK_LEVELS
from hikyuu_live.model.ticks import BOOK_PRICES, BOOK_SIZES, PRICES, RECORD_DTYPE, TOTALS
from hikyuu_live.store.clickhouse.connection import new_client
from hikyuu_live.store.ticks import TickStore, empty_records

log = logging.getLogger(__name__)

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_EPOCH = date(1970, 1, 1)


def _columns() -> list[tuple[str, str]]:
    cols = [("date", "Date"), ("seq", "Int64"), ("market", "FixedString(2)"), ("code", "FixedString(6)"),
            ("name", "String"), ("datetime", "DateTime"), ("us", "UInt32")]
    cols += [(p, "UInt32") for p in PRICES] + [(t, "Float64") for t in TOTALS]
    for b in (*BOOK_PRICES, *BOOK_SIZES):
        cols += [(f"{b}{lvl + 1}", "UInt32" if b in BOOK_PRICES else "Float32") for lvl in range(BOOK_LEVELS)]
    return cols


COLUMNS = _columns()


class ClickHouseTickStore(TickStore):
    """See the module docstring."""

    name = "clickhouse"

    def __init__(self, *, host: str = "127.0.0.1", port: int = 8123, username: str = "default",
                 password: str = "", database: str = "hku_tick", table: str = "spot") -> None:
        for what, ident in (("database", database), ("table", table)):
            if not _IDENT.match(ident):
                raise ConfigError("must be a plain identifier (letters, digits, _)", key=what, value=ident)
        self.host, self.port, self.username, self._password = host, port, username, password
        self.database, self.table = database, table
        self._client: Any = None

    def __repr__(self) -> str:
        return f"ClickHouseTickStore(host={self.host!r}, port={self.port}, username={self.username!r}, password=***)"

    def describe(self) -> str:
        return f"clickhouse:{self.host}:{self.port}/{self.database}.{self.table}"

    @property
    def qualified(self) -> str:
        return f"`{self.database}`.`{self.table}`"

    def _conn(self) -> Any:
        if self._client is not None:
            return self._client
        client = new_client(self.host, self.port, self.username, self._password, 10.0)
        try:
            client.command(f"CREATE DATABASE IF NOT EXISTS `{self.database}`")
            cols = ", ".join(f"`{n}` {t}" for n, t in COLUMNS)
            client.command(f"CREATE TABLE IF NOT EXISTS {self.qualified} ({cols}) ENGINE = ReplacingMergeTree() "
                           "PARTITION BY toYYYYMM(date) ORDER BY (date, seq)")
        except Exception as e:
            raise StoreUnavailable(f"ClickHouse at {self.host}:{self.port}: {e}") from e
        self._client = client
        return client

    # ------------------------------------------------------------------ hooks
    def _append(self, day: date, records: np.ndarray) -> None:
        dt = records["datetime"]
        data: list[Any] = [
            [day] * len(records), records["seq"].tolist(),
            np.char.decode(records["market"], "ascii").tolist(), np.char.decode(records["code"], "ascii").tolist(),
            [b.decode("utf-8", "ignore") for b in records["name"].tolist()],
            (dt // 1_000_000).tolist(), (dt % 1_000_000).tolist(),
        ]
        data += [records[p].tolist() for p in PRICES] + [records[t].tolist() for t in TOTALS]
        for b in (*BOOK_PRICES, *BOOK_SIZES):
            data += [records[b][:, lvl].tolist() for lvl in range(BOOK_LEVELS)]
        client = self._conn()
        try:
            client.insert(self.table, data, column_names=[n for n, _ in COLUMNS], database=self.database,
                          column_type_names=[t for _, t in COLUMNS], column_oriented=True)
        except Exception as e:
            self._client = None  # reconnect next time
            raise StoreUnavailable(f"insert into {self.describe()} failed: {e}") from e

    def _query(self, sql: str, params: dict[str, Any]) -> Any:
        try:
            return self._conn().query(sql, parameters=params)
        except StoreUnavailable:
            raise
        except Exception as e:
            self._client = None
            raise StoreUnavailable(f"query on {self.describe()} failed: {e}") from e

    def _read_day(self, day: date) -> np.ndarray:
        names = ", ".join(f"`{n}`" for n, _ in COLUMNS)
        res = self._query(f"SELECT {names} FROM {self.qualified} WHERE date = %(day)s ORDER BY seq",
                          {"day": day})
        rows = res.result_columns if res.row_count else None
        if not rows:
            return empty_records()
        col = dict(zip([n for n, _ in COLUMNS], rows, strict=True))
        out = np.zeros(len(col["seq"]), dtype=RECORD_DTYPE)
        out["seq"] = col["seq"]
        out["market"] = [m.encode("ascii") if isinstance(m, str) else bytes(m) for m in col["market"]]
        out["code"] = [c.encode("ascii") if isinstance(c, str) else bytes(c) for c in col["code"]]
        out["name"] = [n.encode("utf-8")[:48] for n in col["name"]]
        secs = np.array([_wall_seconds(v) for v in col["datetime"]], dtype=np.int64)
        out["datetime"] = secs * 1_000_000 + np.asarray(col["us"], dtype=np.int64)
        for p in PRICES:
            out[p] = col[p]
        for t in TOTALS:
            out[t] = col[t]
        for b in (*BOOK_PRICES, *BOOK_SIZES):
            out[b] = np.stack([np.asarray(col[f"{b}{lvl + 1}"]) for lvl in range(BOOK_LEVELS)], axis=1)
        return out

    def _days(self) -> list[date]:
        res = self._query(f"SELECT DISTINCT date FROM {self.qualified} ORDER BY date", {})
        return [d for (d,) in res.result_rows]

    def _saved_seq(self, day: date) -> int:
        res = self._query(f"SELECT count(), max(seq) FROM {self.qualified} WHERE date = %(day)s", {"day": day})
        count, top = res.result_rows[0]
        return int(top) if count else -1

    def _close(self) -> None:
        if self._client is not None:
            try:
                self._client.close()
            except Exception:
                pass
            self._client = None


def _wall_seconds(value: Any) -> int:
    """A DateTime read back -> seconds of the wall time it was written as (naive, as if UTC)."""
    if isinstance(value, (int, np.integer)):
        return int(value)
    if value.tzinfo is not None:
        return int(value.timestamp())
    return (value.toordinal() - _EPOCH.toordinal()) * 86_400 + value.hour * 3600 + value.minute * 60 + value.second

