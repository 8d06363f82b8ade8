"""Tick stores: where the data server saves the day's ticks, and reads them back after a restart.

A store takes ``RECORD_DTYPE`` rows (see ``ticks.py``) in arrival order; each row carries its day's
``seq``. ``write`` must be durable when it returns (a process killed afterwards loses nothing of that
write), and a write interrupted by a kill must leave the store readable with everything written
before. ``load_day`` returns a day's rows sorted by ``seq`` with duplicates removed, so a store may
hold a row twice (a retried write) without harm.

The public methods validate and split by day; a backend implements the hooks ``_append``,
``_read_day``, ``_days``, ``_saved_seq`` and ``_close``.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import numpy as np

from hikyuu_live.errors import StoreSchemaError
from hikyuu_live.model.ticks import RECORD_DTYPE, US_PER_DAY, day_of
from hikyuu_live.registry import load_registered

log = logging.getLogger(__name__)

#: tick-store backends by the name ``dataserver --tick_store`` takes; each loads its driver only when chosen
REGISTRY = {
    "clickhouse": "hikyuu_live.store.clickhouse.ticks:ClickHouseTickStore",
    "hdf5": "hikyuu_live.store.hdf5.ticks:H5TickStore",
    "parquet": "hikyuu_live.store.parquet.ticks:ParquetTickStore",
}


def make_tick_store(name: str, *args: Any, **kwargs: Any) -> TickStore:
    """Build the tick store registered as ``name`` (its driver is imported only now)."""
    return load_registered(REGISTRY, name, what="tick store", key="tick_store")(*args, **kwargs)


def unique_by_seq(records: np.ndarray) -> np.ndarray:
    """Rows sorted by ``seq``, the first of each ``seq`` kept."""
    if not len(records):
        return records
    _, first = np.unique(records["seq"], return_index=True)
    return records[first]


class TickStore:
    """Base of every tick store; see the module docstring."""

    name = "base"

    def write(self, records: np.ndarray) -> None:
        """Append ``records`` (``RECORD_DTYPE``), durably; rows of several days go to their own day."""
        if records.dtype != RECORD_DTYPE:
            raise StoreSchemaError(f"{self.name}: expected RECORD_DTYPE rows, got {records.dtype}")
        if not len(records):
            return
        days = records["datetime"] // US_PER_DAY
        if days[0] == days[-1] and (days == days[0]).all():
            self._append(day_of(int(days[0])), records)
            return
        for d in np.unique(days).tolist():
            self._append(day_of(d), records[days == d])

    def load_day(self, day: date) -> np.ndarray:
        """Every saved row of ``day``, sorted by ``seq``, each ``seq`` once."""
        return unique_by_seq(self._read_day(day))

    def last_day(self) -> date | None:
        """The newest day with saved ticks, or None."""
        days = self._days()
        return max(days) if days else None

    def saved_seq(self, day: date) -> int:
        """The highest ``seq`` saved for ``day`` (-1 for none)."""
        return self._saved_seq(day)

    def close(self) -> None:
        self._close()

    def describe(self) -> str:
        """Where the store writes, for logs and ``status``."""
        return self.name

    # ------------------------------------------------------------------ hooks
    def _append(self, day: date, records: np.ndarray) -> None:
        raise NotImplementedError

    def _read_day(self, day: date) -> np.ndarray:
        raise NotImplementedError

    def _days(self) -> list[date]:
        raise NotImplementedError

    def _saved_seq(self, day: date) -> int:
        rows = self._read_day(day)
        return int(rows["seq"].max()) if len(rows) else -1

    def _close(self) -> None:
        pass


def empty_records() -> np.ndarray:
    return np.zeros(0, dtype=RECORD_DTYPE)
