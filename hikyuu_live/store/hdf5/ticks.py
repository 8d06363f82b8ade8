"""HDF5 tick store: one file per trading day, safe against a killed process.

Layout: ``<dir>/<YYYYMMDD>.h5`` with one dataset ``/ticks`` of ``RECORD_DTYPE`` rows in arrival
order (compound: ``seq`` int64, ``market`` S2, ``code`` S6, ``name`` S48 UTF-8, ``datetime`` int64 µs
of exchange wall time, prices uint32 in 0.001 yuan as Hikyuu's HDF5 K-data, ``amount`` float64 in
10,000 yuan, ``volume`` float64 lots, ``bid``/``ask`` uint32[5] in 0.001 yuan, ``bid_amount``/
``ask_amount`` float32[5] lots), gzip + shuffle, chunks of 8,192 rows.

Why not Hikyuu's ``<m>_trans.h5`` layout: it holds trades (price, volume, buy/sell), not quote
snapshots with a book, and one table per stock would make each save thousands of small appends.

Crash safety: written through the same write sessions as the K-data files (``session.py``): each
``write`` appends its rows to the day's journal, makes it durable and publishes it into the file under
HDF5's own lock, so a killed writer leaves the file holding exactly the writes that had returned, and the
next writer goes on in the same file. One writer per file (the journal's lock), on Linux and Windows.
Files an earlier version wrote in HDF5's SWMR mode and a crash left marked "open for writing" are read,
never written again: new rows go to the next generation ``<YYYYMMDD>.1.h5`` (``.2.h5`` ...). Reading a
day reads every generation; one that cannot be read is skipped with a warning.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import h5py
import numpy as np

from hikyuu_live.errors import StoreSchemaError, StoreUnavailable
from hikyuu_live.model.ticks import RECORD_DTYPE
from hikyuu_live.store.hdf5.journal import journal_path
from hikyuu_live.store.hdf5.session import Publisher, WriteLocked, WriteSession, read_lock
from hikyuu_live.store.ticks import TickStore, empty_records

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{8})(?:\.(\d+))?\.h5$")
DATASET = "ticks"


class H5TickStore(TickStore):
    """See the module docstring."""

    name = "hdf5"

    def __init__(self, directory: str | Path, *, compression_level: int = 4, chunk_rows: int = 8192,
                 reader_wait_s: float = 10.0) -> None:
        self.directory = Path(directory)
        self.compression_level = compression_level
        self.chunk_rows = chunk_rows
        self.reader_wait_s = reader_wait_s
        self._publisher = Publisher()
        self._session: WriteSession | None = None
        self._file_day: date | None = None

    def describe(self) -> str:
        return f"hdf5:{self.directory}"

    # ------------------------------------------------------------------ files
    def _generations(self, day: date) -> list[tuple[int, Path]]:
        stamp = day.strftime("%Y%m%d")
        out = []
        if self.directory.is_dir():
            for p in self.directory.iterdir():
                m = _NAME.match(p.name)
                if m and m.group(1) == stamp:
                    out.append((int(m.group(2) or 0), p))
        return sorted(out)

    def path(self, day: date, generation: int = 0) -> Path:
        stamp = day.strftime("%Y%m%d")
        return self.directory / (f"{stamp}.h5" if generation == 0 else f"{stamp}.{generation}.h5")

    def _open_writer(self, day: date) -> h5py.Dataset:
        s = self._session
        if s is not None and self._file_day == day:
            return s.open()[DATASET]
        self._close()
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreUnavailable(f"cannot create {self.directory}: {e}") from e
        gens = self._generations(day)
        gen = gens[-1][0] if gens else 0
        while True:
            path = self.path(day, gen)
            s = WriteSession(path, self._publisher)
            try:
                f = s.open()
                if DATASET not in f:
                    ds = f.create_dataset(DATASET, shape=(0,), maxshape=(None,), dtype=RECORD_DTYPE,
                                          chunks=(self.chunk_rows,), compression="gzip",
                                          compression_opts=self.compression_level, shuffle=True)
                    ds.attrs["layout"] = "hikyuu_live ticks v1: see hikyuu_live/store/hdf5/ticks.py"
                    log.info("saving ticks of %s to %s", day, path)
                ds = f[DATASET]
                if ds.dtype != RECORD_DTYPE:
                    raise StoreSchemaError(f"{path}: /{DATASET} has dtype {ds.dtype}, not this version's")
            except WriteLocked:
                raise
            except StoreUnavailable as e:  # e.g. a file an older version's crash left marked open for writing
                s.abort()
                log.warning("%s cannot be appended to (%s): writing %s from now on", path, e,
                            self.path(day, gen + 1).name)
                gen += 1
                continue
            self._session, self._file_day = s, day
            return ds

    # ------------------------------------------------------------------ hooks
    def _append(self, day: date, records: np.ndarray) -> None:
        ds = self._open_writer(day)
        n = ds.shape[0]
        assert self._session is not None
        try:
            ds.resize((n + len(records),))
            ds[n:] = records
        except OSError as e:
            self._close()
            raise StoreUnavailable(f"writing {day} ticks failed: {e}") from e
        self._session.commit(0.0 if self._session.pending else self.reader_wait_s)  # durable when it returns

    @contextmanager
    def _reading(self, path: Path) -> Iterator[h5py.Dataset | None]:
        """A generation's ticks: through our own session while we write it, else the published file under
        HDF5's shared lock (after publishing what a writer that is gone left in its journal)."""
        s = self._session
        if s is not None and s.target == path:
            yield s.open()[DATASET]
            return
        if journal_path(path).exists():  # what a killed writer left: publish it (or drop an empty journal)
            other = WriteSession(path, self._publisher)
            try:
                other.open()
                other.commit(self.reader_wait_s)
            except WriteLocked:
                pass  # a writer at work: read what it published
            finally:
                other.abort()
        try:
            with read_lock(path) as exists:
                if not exists:
                    yield None
                    return
                with _open_read(path) as f:
                    ds = f[DATASET]
                    if ds.dtype != RECORD_DTYPE:
                        raise StoreSchemaError(f"{path}: /{DATASET} has dtype {ds.dtype}, not this version's")
                    yield ds
        except (OSError, KeyError) as e:
            log.warning("skipping unreadable tick file %s: %s", path, e)
            yield None

    def _read_day(self, day: date) -> np.ndarray:
        parts = []
        for _, path in self._generations(day):
            with self._reading(path) as ds:
                if ds is not None:
                    parts.append(ds[:])
        return np.concatenate(parts) if parts else empty_records()

    def _days(self) -> list[date]:
        if not self.directory.is_dir():
            return []
        days = set()
        for p in self.directory.iterdir():
            m = _NAME.match(p.name)
            if m:
                s = m.group(1)
                days.add(date(int(s[:4]), int(s[4:6]), int(s[6:])))
        return sorted(days)

    def _saved_seq(self, day: date) -> int:
        best = -1
        for _, path in self._generations(day):
            with self._reading(path) as ds:
                if ds is not None:
                    best = max(best, _last_seq(ds))
        return best

    def _close(self) -> None:
        s, self._session, self._file_day = self._session, None, None
        if s is not None:
            try:
                if s.pending:
                    s.commit(self.reader_wait_s)
            except StoreUnavailable as e:
                log.warning("closing %s: %s", s.target, e)
            finally:
                s.abort()  # what is committed stays in the journal when it could not be published yet

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._publisher.close()


def _open_read(path: Path) -> h5py.File:
    """A tick file opened to read; one an older version wrote in SWMR mode and a crash left marked "open
    for writing" opens only as a SWMR reader."""
    try:
        return h5py.File(path, "r")
    except OSError:
        return h5py.File(path, "r", swmr=True)


def _last_seq(ds: h5py.Dataset) -> int:
    """``seq`` of the last row (rows are appended in ``seq`` order), -1 for an empty dataset."""
    n = ds.shape[0]
    return int(ds.fields(["seq"])[n - 1: n]["seq"][0]) if n else -1
