"""The one way this package connects to MySQL / MariaDB, and the driver's C extension.

mysql-connector has two protocol implementations: its C extension and pure Python. The C extension must
be loaded before pandas (which pytdx and easytrader import): afterwards it cannot be loaded on common
Linux set-ups ("cannot allocate memory in static TLS block" for libstdc++, or an older libcrypto than the
extension's own libssl needs), and the driver then falls back to pure Python without a word. Measured
in the TDX network import into MariaDB: a ``LOAD DATA`` of 1,000 bars took 43 ms instead of 1.5 ms, the
whole import about 4.5x longer. So every process loads it at start (``load_c_extension``, called by the
entry packages ``hikyuu_live.gui`` and ``hikyuu_live.strategy``), not the adapters that happen to
import pandas, and ``connect_mysql`` warns once when a connection is pure Python all the same.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from hikyuu_live.errors import StoreUnavailable
from hikyuu_live.extras import import_optional
from hikyuu_live.store.sqlbase import check_ident

log = logging.getLogger(__name__)


@functools.cache
def load_c_extension() -> str | None:
    """Load mysql-connector's C extension into this process (once); None when loaded, else why not."""
    try:
        import _mysql_connector  # noqa: F401 - imported for its side effect: the shared libraries get loaded
    except ImportError as e:
        return str(e)
    return None


def connect_mysql(host: str, port: int, user: str, password: str, timeout_s: float, **options: Any) -> Any:
    """A MySQL/MariaDB connection as every store uses it (autocommit, utf8mb4), ``options`` passed on;
    StoreUnavailable naming the server when it cannot be reached. The driver loads only here."""
    mysql = import_optional("mysql.connector", needed_for="a MySQL store")
    try:
        con = mysql.connect(host=host, port=port, user=user, password=password,
                                      connection_timeout=max(1, round(timeout_s)), autocommit=True,
                                      charset="utf8mb4", use_unicode=True, **options)
    except mysql.Error as e:
        raise StoreUnavailable(f"MySQL at {host}:{port}: {e}") from e
    if not type(con).__name__.startswith("CMySQL"):
        _warn_pure_python()
    return con


@functools.cache
def _warn_pure_python() -> None:
    """Once per process: the slow protocol is in use."""
    log.warning("mysql-connector's C extension is not loaded (%s); MySQL runs on the pure-Python protocol, "
                "several times slower. Call hikyuu_live.store.mysql.connection.load_c_extension() at "
                "process start, before anything imports pandas.",
                load_c_extension() or "it was loaded too late")


class MySQLSettings:
    """Where a MySQL store connects and how (host, port, user, password, schema prefix, timeout): what the
    bar and the trade store share, and the one way both open a connection."""

    def _connect_settings(self, host: str, port: int, user: str, password: str, schema_prefix: str,
                          connect_timeout_s: float) -> None:
        if schema_prefix:
            check_ident(schema_prefix, "schema_prefix")
        self.host, self.port, self.user, self._password = host, port, user, password
        self.prefix = schema_prefix
        self.connect_timeout_s = connect_timeout_s

    def _new_connection(self, timeout_s: float | None = None, **options: Any) -> Any:
        return connect_mysql(self.host, self.port, self.user, self._password,
                             self.connect_timeout_s if timeout_s is None else timeout_s, **options)
