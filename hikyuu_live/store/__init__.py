"""History stores: bar history and base info in Hikyuu's layouts (HDF5+SQLite, MySQL, ClickHouse).

``make_store(name, **options)`` builds a backend by name from a lazy registry, so a database driver is
imported only when its backend is chosen; ``open_store(config)`` builds and opens the store a
``hikyuu.ini`` (``HikyuuIni``) or ``importdata-gui.ini`` (``ImportIni``) describes. The interface is
``KDataStore`` (``base.py``); docs/architecture.md ("Stores") summarises it. Trades and time lines have
``TradeStore`` (``make_trade_store``), the data server's ticks ``TickStore`` (``make_tick_store``). Each
backend is a sub-package (``hdf5``, ``mysql``, ``clickhouse``, ``parquet``) with its one connection factory.
"""

from __future__ import annotations

import logging
from typing import Any

from hikyuu_live.config import HikyuuIni, ImportIni
from hikyuu_live.config.paths import resolve_path
from hikyuu_live.errors import ConfigError
from hikyuu_live.registry import load_registered
from hikyuu_live.store.base import KDataStore, StoreCheck, StoreStats, split_code
from hikyuu_live.store.baseinfo import MarketRecord, StockRecord, StockTypeRecord
from hikyuu_live.store.ticks import TickStore, make_tick_store
from hikyuu_live.store.trades import TradeStore, make_trade_store

log = logging.getLogger(__name__)

REGISTRY = {
    "clickhouse": "hikyuu_live.store.clickhouse.kdata:ClickHouseKDataStore",
    "hdf5": "hikyuu_live.store.hdf5.kdata:H5KDataStore",
    "mysql": "hikyuu_live.store.mysql.kdata:MySQLKDataStore",
}


def make_store(name: str, **options: Any) -> KDataStore:
    """The store registered as ``name`` (not opened); ConfigError listing the valid names otherwise."""
    return load_registered(REGISTRY, name, what="store", key="type", fold=True)(**options)


def store_options(cfg: HikyuuIni | ImportIni) -> tuple[str, dict[str, Any]]:
    """(backend name, constructor options) from either config file."""
    if isinstance(cfg, ImportIni):
        name = cfg.backend
        if name == "hdf5":
            if not cfg.hdf5.dir:
                raise ConfigError("no HDF5 data directory", file=str(cfg.path or ""), section="hdf5", key="dir")
            return name, {"directory": cfg.hdf5.dir}
        if name == "mysql":
            m = cfg.mysql
            return name, {"host": m.host, "port": m.port, "user": m.usr, "password": m.pwd}
        c = cfg.clickhouse
        return name, {"host": c.host, "port": c.http_port, "user": c.usr, "password": c.pwd}
    kd = cfg.kdata
    name = kd.type
    if name == "hdf5":
        directory = cfg.hikyuu.datadir
        if not directory:
            raise ConfigError("no data directory", file=str(cfg.path or ""), section="hikyuu", key="datadir")
        # paths as Hikyuu reads them: ``\`` is a separator too (a config written on Windows works here)
        files = {k: str(resolve_path(v)) for k, v in kd.files.items() if k[:3] in ("sh_", "sz_", "bj_")}
        db = str(resolve_path(cfg.baseinfo.db)) if cfg.baseinfo.db else cfg.baseinfo.db
        return name, {"directory": str(resolve_path(directory)), "files": files, "db": db}
    if name == "mysql":
        return name, {"host": kd.host or "127.0.0.1", "port": kd.port or 3306, "user": kd.usr or "root",
                      "password": kd.pwd or ""}
    if name == "clickhouse":
        # hikyuu.ini names the native port (Hikyuu's C++ client); we speak HTTP: an extra key
        # ``http_port`` in [kdata] says where, else ClickHouse's default
        http = kd.files.get("http_port")
        return name, {"host": kd.host or "127.0.0.1", "port": int(http) if http else 8123,
                      "user": kd.usr or "default", "password": kd.pwd or ""}
    raise ConfigError(f"kdata type {name!r} cannot be written; valid: {', '.join(sorted(REGISTRY))}",
                      file=str(cfg.path or ""), section="kdata", key="type", value=name)


def open_store(cfg: HikyuuIni | ImportIni, **overrides: Any) -> KDataStore:
    """Build and open the store ``cfg`` describes (``overrides`` replace constructor options)."""
    name, options = store_options(cfg)
    options.update(overrides)
    return make_store(name, **options).open()


__all__ = [
    "REGISTRY",
    "KDataStore",
    "MarketRecord",
    "StockRecord",
    "StockTypeRecord",
    "StoreCheck",
    "StoreStats",
    "TickStore",
    "TradeStore",
    "make_store",
    "make_tick_store",
    "make_trade_store",
    "open_store",
    "split_code",
    "store_options",
]
