"""The one way this package connects to ClickHouse: ``new_client`` (HTTP, through clickhouse-connect), and
``ClickHouseConnection``, the options and lazily made client that the K-data, trade and tick stores share.

The driver is imported only when a ClickHouse store is chosen.
"""

from __future__ import annotations

from typing import Any

from hikyuu_live.errors import StoreError, StoreUnavailable
from hikyuu_live.extras import import_optional
from hikyuu_live.store.sqlbase import check_ident


def new_client(host: str, port: int, user: str, password: str, timeout_s: float, **options: Any) -> Any:
    """A connected clickhouse-connect client (HTTP ``port``); StoreUnavailable naming the server when it
    cannot be reached or the driver is not installed."""
    clickhouse_connect = import_optional("clickhouse_connect", needed_for="a ClickHouse store")
    try:
        return clickhouse_connect.get_client(host=host, port=port, username=user, password=password,
                                             compress=False, connect_timeout=timeout_s, **options)
    except Exception as e:
        raise StoreUnavailable(f"ClickHouse at {host}:{port}: {e}") from e


class ClickHouseConnection:
    """Connection options and a lazily made HTTP client, remade after a failure: what the K-data store and
    the trade store share. Each defines ``describe()``, which failure messages start with."""

    def _connect_options(self, host: str, port: int, user: str, password: str, database_prefix: str,
                         connect_timeout_s: float) -> None:
        if database_prefix:
            check_ident(database_prefix, "database_prefix")
        self.host, self.port, self.user, self._password = host, port, user, password
        self.base_db, self.data_db = database_prefix + "hku_base", database_prefix + "hku_data"
        self.connect_timeout_s = connect_timeout_s
        self._client_: Any = None

    def describe(self) -> str:
        raise NotImplementedError

    def _new_client(self) -> Any:
        return new_client(self.host, self.port, self.user, self._password, self.connect_timeout_s, query_limit=0)

    def _client(self) -> Any:
        if self._client_ is None:
            self._client_ = self._new_client()
        return self._client_

    def _call(self, what: str, fn: str, *args: Any, **kwargs: Any) -> Any:
        """``client.fn(*args, **kwargs)``; any failure but our own is StoreUnavailable naming ``what``."""
        try:
            return getattr(self._client(), fn)(*args, **kwargs)
        except StoreError:
            raise
        except Exception as e:
            self._client_ = None  # reconnect next time
            raise StoreUnavailable(f"{self.describe()}: {what} failed: {e}") from e

    def _cmd(self, sql: str, params: dict | None = None) -> Any:
        return self._call(sql[:60], "command", sql, parameters=params or {})

    def _close_client(self) -> None:
        if self._client_ is not None:
            try:
                self._client_.close()
            except Exception:  # noqa: BLE001 - closing a broken client
                pass
            self._client_ = None
