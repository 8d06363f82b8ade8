"""Loads mysql-connector's C extension when imported, so that it is in memory before pandas.

pandas (which pytdx and easytrader import) brings libraries that leave the extension unable to load
afterwards (on this machine: "cannot allocate memory in static TLS block" for libstdc++, or an older
libcrypto than the extension's own libssl needs), and mysql-connector then falls back to its
pure-Python protocol without a word. Measured in the TDX network import into MariaDB: a ``LOAD DATA`` of
1,000 bars took 43 ms instead of 1.5 ms, and the whole import ran several times slower. Modules that
import those libraries import this one first; ``connect_mysql`` warns when a connection is pure Python.
"""

from __future__ import annotations

#: why the C extension could not be loaded (None: it is loaded, or was loaded before this module)
UNAVAILABLE: str | None = None

try:
    import _mysql_connector  # noqa: F401 - imported for its side effect: the shared libraries get loaded
except ImportError as e:
    UNAVAILABLE = str(e)
