"""HDF5 tick store: one file per trading day, safe against a killed process.

Layout: ``<dir>/<YYYYMMDD>.h5`` with one dataset ``/ticks`` of ``RECORD_DTYPE`` rows in arrival
order (compound: ``seq`` int64, ``market`` S2, ``code`` S6, ``name`` S48 UTF-8, ``datetime`` int64 µs
of exchange wall time, prices uint32 in 0.001 yuan as Hikyuu's HDF5 K-data, ``amount`` float64 in
10,000 yuan, ``volume`` float64 lots, ``bid``/``ask`` uint32[5] in 0.001 yuan, ``bid_amount``/
``ask_amount`` float32[5] lots), gzip + shuffle, chunks of 8,192 rows.

Why not Hikyuu's ``<m>_trans.h5`` layout: it holds trades (price, volume, buy/sell), not quote
snapshots with a book, and one table per stock would make each save thousands of small appends.

Crash safety: files are written in HDF5's single-writer/multiple-reader (SWMR) mode, where every
flush leaves the file consistent: a reader sees exactly the rows of the last flush even after the
writer was killed (tested with ``kill -9``). HDF5 then marks the file "open for writing" and refuses
to open it for writing again, so after a crash the next writes of that day go to a new generation
``<YYYYMMDD>.1.h5`` (``.2.h5`` ...). Reading a day reads every generation. A file that a crash left
unreadable (killed while creating it, before any tick was flushed) is skipped with a warning.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from pathlib import Path

import h5py
import numpy as np

from hikyuu_live.errors import StoreSchemaError, StoreUnavailable
from hikyuu_live.model.ticks import RECORD_DTYPE
from hikyuu_live.store.ticks import TickStore, empty_records

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{8})(?:\.(\d+))?\.h5$")
DATASET = "ticks"


class H5TickStore(TickStore):
    """See the module docstring."""

    name = "hdf5"

    def __init__(self, directory: str | Path, *, compression_level: int = 4, chunk_rows: int = 8192) -> None:
        self.directory = Path(directory)
        self.compression_level = compression_level
        self.chunk_rows = chunk_rows
        self._file: h5py.File | None = None
        self._ds: h5py.Dataset | None = None
        self._file_day: date | None = None
        self._path: Path | None = None

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
        if self._ds is not None and self._file_day == day:
            return self._ds
        self._close()
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreUnavailable(f"cannot create {self.directory}: {e}") from e
        gens = self._generations(day)
        if gens:  # a cleanly closed file takes more rows; one left by a crash refuses, so start the next
            gen, path = gens[-1]
            try:
                f = h5py.File(path, "a", libver="latest")
                ds = f[DATASET]
                f.swmr_mode = True
                self._file, self._ds, self._file_day, self._path = f, ds, day, path
                return ds
            except (OSError, KeyError) as e:
                log.warning("%s cannot be appended to (%s): writing %s from now on", path, e,
                            self.path(day, gen + 1).name)
            next_gen = gen + 1
        else:
            next_gen = 0
        path = self.path(day, next_gen)
        try:
            f = h5py.File(path, "w-", libver="latest")
            ds = f.create_dataset(DATASET, shape=(0,), maxshape=(None,), dtype=RECORD_DTYPE,
                                  chunks=(self.chunk_rows,), compression="gzip",
                                  compression_opts=self.compression_level, shuffle=True)
            ds.attrs["layout"] = "hikyuu_live ticks v1: see hikyuu_live/store/hdf5/ticks.py"
            f.swmr_mode = True
        except OSError as e:
            raise StoreUnavailable(f"cannot create {path}: {e}") from e
        self._file, self._ds, self._file_day, self._path = f, ds, day, path
        log.info("saving ticks of %s to %s", day, path)
        return ds

    # ------------------------------------------------------------------ hooks
    def _append(self, day: date, records: np.ndarray) -> None:
        ds = self._open_writer(day)
        n = ds.shape[0]
        try:
            ds.resize((n + len(records),))
            ds[n:] = records
            ds.flush()
            assert self._file is not None
            self._file.flush()
        except OSError as e:
            raise StoreUnavailable(f"writing {self._file_day} ticks failed: {e}") from e

    def _read_generation(self, path: Path) -> np.ndarray:
        try:
            with h5py.File(path, "r", swmr=True) as f:
                ds = f[DATASET]
                if ds.dtype != RECORD_DTYPE:
                    raise StoreSchemaError(f"{path}: /{DATASET} has dtype {ds.dtype}, not this version's")
                return ds[:]
        except (OSError, KeyError) as e:
            log.warning("skipping unreadable tick file %s: %s", path, e)
            return empty_records()

    def _read_day(self, day: date) -> np.ndarray:
        if self._file_day == day and self._ds is not None:  # our own writer has one of them open
            parts = [self._read_generation(p) for _, p in self._generations(day) if p != self._path]
            parts.append(self._ds[:])
        else:
            parts = [self._read_generation(p) for _, p in self._generations(day)]
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
            if path == self._path and self._ds is not None:
                best = max(best, _last_seq(self._ds))
                continue
            try:
                with h5py.File(path, "r", swmr=True) as f:
                    best = max(best, _last_seq(f[DATASET]))
            except (OSError, KeyError):
                continue
        return best

    def _close(self) -> None:
        if self._file is not None:
            try:
                self._file.close()
            except OSError as e:
                log.warning("closing %s: %s", self._file_day, e)
        self._file = self._ds = None
        self._file_day = self._path = None


def _last_seq(ds: h5py.Dataset) -> int:
    """``seq`` of the last row (rows are appended in ``seq`` order), -1 for an empty dataset."""
    n = ds.shape[0]
    return int(ds.fields(["seq"])[n - 1: n]["seq"][0]) if n else -1
