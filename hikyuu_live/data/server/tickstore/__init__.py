"""Where the data server saves ticks: HDF5 (default), ClickHouse, Parquet. Backends load lazily."""

from __future__ import annotations

import importlib
from typing import Any

from hikyuu_live.data.server.tickstore.base import TickStore, unique_by_seq
from hikyuu_live.data.server.tickstore.saver import SaverStats, TickSaver
from hikyuu_live.errors import ConfigError

REGISTRY = {
    "clickhouse": "hikyuu_live.data.server.tickstore.clickhouse:ClickHouseTickStore",
    "hdf5": "hikyuu_live.data.server.tickstore.h5:H5TickStore",
    "parquet": "hikyuu_live.data.server.tickstore.parquet:ParquetTickStore",
}


def make_tick_store(name: str, *args: Any, **kwargs: Any) -> TickStore:
    """Build the store registered as ``name`` (its driver is imported only now)."""
    target = REGISTRY.get(name)
    if target is None:
        raise ConfigError(f"unknown tick store; valid: {', '.join(sorted(REGISTRY))}", key="tick_store", value=name)
    module, cls = target.split(":")
    return getattr(importlib.import_module(module), cls)(*args, **kwargs)


__all__ = ["REGISTRY", "SaverStats", "TickSaver", "TickStore", "make_tick_store", "unique_by_seq"]
