"""Where the data server saves ticks: HDF5 (default), ClickHouse, Parquet. Backends load lazily."""

from __future__ import annotations

from typing import Any

from hikyuu_live.data.server.tickstore.base import TickStore, unique_by_seq
from hikyuu_live.data.server.tickstore.saver import SaverStats, TickSaver
from hikyuu_live.registry import load_registered

REGISTRY = {
    "clickhouse": "hikyuu_live.data.server.tickstore.clickhouse:ClickHouseTickStore",
    "hdf5": "hikyuu_live.data.server.tickstore.h5:H5TickStore",
    "parquet": "hikyuu_live.data.server.tickstore.parquet:ParquetTickStore",
}


def make_tick_store(name: str, *args: Any, **kwargs: Any) -> TickStore:
    """Build the store registered as ``name`` (its driver is imported only now)."""
    return load_registered(REGISTRY, name, what="tick store", key="tick_store")(*args, **kwargs)


__all__ = ["REGISTRY", "SaverStats", "TickSaver", "TickStore", "make_tick_store", "unique_by_seq"]
