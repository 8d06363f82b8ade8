"""Optional parts of the package and the ``pip`` extra that installs each.

``pip install hikyuu_live`` gives the core (bus, HDF5 store, strategies on the paper broker, the replay
and Tencent collectors, the data server); the rest are extras. When a module of an extra is missing, the
user gets one line naming the extra (``install_hint``), never a traceback: the command launcher and the
backend registries ask ``extra_of``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from hikyuu_live.errors import ConfigError

#: top-level module -> the extra that installs it
EXTRA_OF_MODULE = {
    "PyQt5": "gui",
    "pyqtgraph": "gui",
    "easytrader": "broker",
    "requests": "broker",
    "mysql": "mysql",
    "_mysql_connector": "mysql",
    "clickhouse_connect": "clickhouse",
    "pytdx": "tdx",
    "pandas": "tdx",
    "pyarrow": "parquet",
    "xlrd": "web",
    "lxml": "web",
    "xtquant": "qmt",
    "hikyuu": "hikyuu",
    "flatbuffers": "dev",
}


def extra_of(error: BaseException) -> str | None:
    """The extra whose module ``error`` (a ModuleNotFoundError) found missing, else None."""
    if not isinstance(error, ModuleNotFoundError) or not error.name:
        return None
    return EXTRA_OF_MODULE.get(error.name.split(".")[0])


def install_hint(extra: str) -> str:
    """The command that installs ``extra`` (into the environment the user runs us from)."""
    return f'pip install "hikyuu_live[{extra}]"'


def import_optional(name: str, *, needed_for: str) -> ModuleType:
    """Import the optional module ``name``; ConfigError naming its extra when it is not installed."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        extra = extra_of(e) or EXTRA_OF_MODULE.get(name.split(".")[0])
        if extra is None:
            raise
        raise ConfigError(f"{needed_for} needs {name.split('.')[0]!r}, which is not installed: "
                          f"{install_hint(extra)}", key="extra", value=extra) from e


__all__ = ["EXTRA_OF_MODULE", "extra_of", "import_optional", "install_hint"]
