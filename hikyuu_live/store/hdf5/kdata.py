"""HDF5 K-data + SQLite ``stock.db`` base info: Hikyuu's embedded layout.

Files ``<dir>/<market>_day.h5``, ``_1min.h5``, ``_5min.h5`` (or the paths of hikyuu.ini's ``[kdata]``).
Each holds ``/data/<MARKET><code>``, a table of Hikyuu's ``H5Record`` (``datetime`` uint64
YYYYMMDDhhmm, ``openPrice``..``closePrice`` uint32 in 0.001 yuan, ``transAmount`` uint64 in 1,000 yuan,
``transCount`` uint64 in lots), gzip + shuffle, chunked and extendable. The day file also holds index
groups ``/week``, ``/month``, ``/quarter``, ``/halfyear``, ``/year`` and the 5-minute file ``/min15``,
``/min30``, ``/min60``, ``/hour2``: one ``H5Index`` table per stock (period label, first row in
``/data``), kept up to date by every append, without which Hikyuu reads those periods as empty.

Writes go through a write session per file (``session.py``): nothing is copied, the file is changed only
when a commit is published, under HDF5's own lock, so readers (Hikyuu's C++ core included) see either
the old or the new commit; ``stock.db`` is SQLite with its own transactions. Compression level 4 rather
than the original's 9: twice as fast to write for files about 1 % larger, and the same to read. The
chunks of new tables are deflated on worker threads by ISA-L (``files.deflater``: about 4x zlib's speed
for files about 4 % larger, the same gzip format HDF5 and Hikyuu read); appends to existing tables go
through HDF5's own filter at the configured level.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import h5py
import numpy as np

from hikyuu_live.errors import StoreSchemaError, StoreUnavailable
from hikyuu_live.model.datenum import from_number, to_number
from hikyuu_live.model.kdata import KDATA_DTYPE, KType
from hikyuu_live.store.base import REQUIRED_TABLES, BaseInfoByDelegate, KDataStore
from hikyuu_live.store.derive import (
    DERIVED,
    aggregate,
    all_index_rows,
    index_rows,
    period_start,
    stored_type,
)
from hikyuu_live.store.hdf5.files import ChunkWriter, read_tails
from hikyuu_live.store.hdf5.session import (
    PUBLISH_WAIT_S,
    commit_sessions,
    finish_sessions,
    read_lock,
)
from hikyuu_live.store.hdf5.sessions import SessionFiles
from hikyuu_live.store.hdf5.sqlite import connect_sqlite
from hikyuu_live.store.sqlbase import SQLITE, SqlBaseInfo

log = logging.getLogger(__name__)

H5_DTYPE = np.dtype([("datetime", "<u8"), ("openPrice", "<u4"), ("highPrice", "<u4"), ("lowPrice", "<u4"),
                     ("closePrice", "<u4"), ("transAmount", "<u8"), ("transCount", "<u8")])
_PRICES = (("open", "openPrice"), ("high", "highPrice"), ("low", "lowPrice"), ("close", "closePrice"))
FILE_SUFFIX = {KType.DAY: "day", KType.MIN: "1min", KType.MIN5: "5min"}
INI_KEY = {KType.DAY: "day", KType.MIN: "min", KType.MIN5: "min5"}
# day tables in chunks of 512 rows: a preload of the last 1,000 bars inflates about 1,250 rows on average
CHUNK_ROWS = {KType.DAY: 512, KType.MIN: 4096, KType.MIN5: 4096}
INDEX_CHUNK_ROWS = 256
_MAX_U4 = 2**32 - 1


def to_h5(bars: np.ndarray) -> np.ndarray:
    """In-memory bars -> ``H5Record`` rows (prices x1000, amount x10 to 1,000 yuan, volume rounded)."""
    out = np.empty(len(bars), dtype=H5_DTYPE)
    out["datetime"] = to_number(bars["datetime"])
    for mem, h5 in _PRICES:
        p = np.rint(bars[mem] * 1000)
        if len(p) and p.max() > _MAX_U4:
            raise ValueError(f"{mem} price {p.max() / 1000} does not fit Hikyuu's uint32 x1000")
        out[h5] = p
    out["transAmount"] = np.rint(bars["amount"] * 10)
    out["transCount"] = np.rint(bars["volume"])
    return out


def from_h5(rows: np.ndarray) -> np.ndarray:
    out = np.empty(len(rows), dtype=KDATA_DTYPE)
    out["datetime"] = from_number(rows["datetime"])
    for mem, h5 in _PRICES:  # straight into the output's fields: no temporary arrays
        np.multiply(rows[h5], 0.001, out=out[mem])
    np.multiply(rows["transAmount"], 0.1, out=out["amount"])
    out["volume"] = rows["transCount"]
    bad = np.isnat(out["datetime"])
    return out[~bad] if bad.any() else out


class H5KDataStore(SessionFiles, BaseInfoByDelegate, KDataStore):
    """See the module docstring. ``files`` maps ``sh_day``-style keys to paths (hikyuu.ini ``[kdata]``).

    ``reader_wait_s``: how long ``close`` waits for other programs (Hikyuu keeps its files open while it
    runs) to let go of a file whose commit could not be published yet; then ``StoreBusy``, the commit
    staying durable in the file's journal for the next writer to publish.
    """

    name = "hdf5"

    def __init__(self, directory: str | Path, *, files: dict[str, str] | None = None, db: str | Path | None = None,
                 compression_level: int = 4, read_threads: int = 2, write_threads: int = 2,
                 reader_wait_s: float = 60.0) -> None:
        super().__init__()
        self.directory = Path(directory).expanduser()
        self.files = {k.lower(): Path(v).expanduser() for k, v in (files or {}).items()}
        self.db = Path(db).expanduser() if db else self.directory / "stock.db"
        self.compression_level = compression_level
        self.read_threads = read_threads
        self.reader_wait_s = reader_wait_s
        self._init_sessions()
        self._waited = False  # a commit found a file held open by readers: later commits do not wait again
        self._base = SqlBaseInfo(self._connect_db, SQLITE)
        self._groups: dict[tuple[int, str], h5py.Group] = {}  # open groups of the files being written
        self._dcpls: dict[int, h5py.h5p.PropDCID] = {}
        self._types: dict[np.dtype, h5py.h5t.TypeID] = {}
        self._chunks = ChunkWriter(compression_level, threads=write_threads)

    def describe(self) -> str:
        return f"hdf5:{self.directory}"

    def path(self, market: str, ktype: KType) -> Path:
        k = stored_type(ktype)
        key = f"{market.lower()}_{INI_KEY[k]}"
        return self.files.get(key, self.directory / f"{market.lower()}_{FILE_SUFFIX[k]}.h5")

    # ------------------------------------------------------------------ health
    def _ping(self, timeout_s: float) -> str:
        if not self.db.is_file():
            raise StoreUnavailable(f"base info {self.db} missing (run importdata)")
        return f"HDF5 files in {self.directory}"

    def _missing_tables(self, timeout_s: float) -> list[str]:
        try:
            con = connect_sqlite(self.db, read_only=True, timeout_s=timeout_s)
            try:
                tables = {r[0].lower() for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            finally:
                con.close()
        except sqlite3.Error as e:
            raise StoreUnavailable(f"{self.db}: {e}") from e
        return [t for t in REQUIRED_TABLES if t.lower() not in tables]

    def _peek_last_day(self, market: str, code: str, timeout_s: float) -> np.datetime64 | None:
        path = self.path(market, KType.DAY)
        if not path.is_file():
            return None
        try:
            with read_lock(path, timeout_s), h5py.File(path, "r") as f:
                ds = f.get(f"data/{market}{code}")
                if ds is None or not len(ds):
                    return None
                dt = from_number(np.asarray(ds[-1:]["datetime"]))[0]
        except OSError as e:
            raise StoreUnavailable(f"{path}: {e}") from e
        return None if np.isnat(dt) else dt

    # ------------------------------------------------------------------ lifecycle
    def _connect_db(self) -> sqlite3.Connection:
        return connect_sqlite(self.db)

    def _open(self) -> None:
        try:
            self._base.ensure_schema()
        except sqlite3.Error as e:
            raise StoreUnavailable(f"{self.db}: {e}") from e

    def _close(self) -> None:
        self._chunks.close()
        self._groups.clear()
        try:
            finish_sessions(self._sessions, self.reader_wait_s)
        finally:
            self._publisher.close()
            self._base.close()

    def _commit(self) -> None:
        self._chunks.drain()
        self._groups.clear()
        self._waited = commit_sessions(self._sessions, 0.0 if self._waited else PUBLISH_WAIT_S) or self._waited

    def _rollback(self) -> None:
        self._chunks.discard()
        self._groups.clear()
        self._abort_sessions()

    # ------------------------------------------------------------------ files
    def _writer(self, market: str, ktype: KType) -> h5py.File:
        return self._session_file(self.path(market, ktype))

    @contextmanager
    def _reading(self, market: str, ktype: KType, *, resume: bool = False) -> Iterator[h5py.File | None]:
        """The file to read: our own session's while we write it (chunks still being encoded written first),
        else the published file under HDF5's shared lock for this one read (None when it does not exist)."""
        with self._read_file(self.path(market, ktype), resume=resume, before_own=self._chunks.drain) as f:
            yield f

    @staticmethod
    def _dataset(f: h5py.File | None, group: str, name: str) -> h5py.Dataset | None:
        if f is None:
            return None
        g = f.get(group)
        ds = g.get(name) if g is not None else None
        if ds is not None and not isinstance(ds, h5py.Dataset):
            raise StoreSchemaError(f"{f.filename}: /{group}/{name} is not a table")
        return ds

    # ------------------------------------------------------------------ reads
    def _last_datetimes(self, market: str, ktype: KType, codes: list[str] | None) -> dict[str, np.datetime64]:
        with self._reading(market, ktype, resume=True) as f:
            if f is None or "data" not in f:
                return {}
            g = f["data"]
            names = [n for n in g if n.startswith(market)] if codes is None else [market + c for c in codes]
            tails = read_tails(g, names, 1, threads=1)
        out = {}
        for name, rows in tails.items():
            if len(rows):
                dt = from_number(rows["datetime"][-1:])[0]
                if not np.isnat(dt):
                    out[name[2:]] = dt
        return out

    def _read(self, market: str, code: str, ktype: KType, start: np.datetime64 | None,
              end: np.datetime64 | None, last_n: int | None) -> np.ndarray:
        with self._reading(market, stored_type(ktype)) as f:
            return self._read_in(f, market, code, ktype, start, end, last_n)

    def _read_in(self, f: h5py.File | None, market: str, code: str, ktype: KType, start: np.datetime64 | None,
                 end: np.datetime64 | None, last_n: int | None) -> np.ndarray:
        base = stored_type(ktype)
        ds = self._dataset(f, "data", market + code)
        if ds is None or not ds.shape[0]:
            return np.zeros(0, KDATA_DTYPE)
        if ktype is not base:
            return self._read_derived(ds, market + code, ktype, start, end, last_n)
        if last_n is not None and start is None and end is None:
            return from_h5(ds[max(0, ds.shape[0] - last_n):])
        lo, hi = self._bounds(ds, start, end)
        rows = from_h5(ds[lo:hi])
        return rows[-last_n:] if last_n is not None else rows

    @staticmethod
    def _bounds(ds: h5py.Dataset, start: np.datetime64 | None, end: np.datetime64 | None) -> tuple[int, int]:
        if start is None and end is None:
            return 0, ds.shape[0]
        nums = ds.fields("datetime")[:]
        lo = 0 if start is None else int(np.searchsorted(nums, to_number(np.array([start]))[0], "left"))
        hi = len(nums) if end is None else int(np.searchsorted(nums, to_number(np.array([end]))[0], "left"))
        return lo, max(lo, hi)

    def _read_derived(self, ds: h5py.Dataset, name: str, ktype: KType, start: np.datetime64 | None,
                      end: np.datetime64 | None, last_n: int | None) -> np.ndarray:
        first_row = 0
        if start is not None:
            first = period_start(np.array([start], dtype="M8[us]"), ktype)[0]
            first_row, _ = self._bounds(ds, first, None)
        elif last_n is not None:
            idx = self._dataset(ds.file, ktype.value.lower(), name)
            if idx is not None and idx.shape[0]:
                first_row = int(idx[max(0, idx.shape[0] - last_n)]["start"])
        _, hi = self._bounds(ds, None, end)
        bars = aggregate(from_h5(ds[first_row:hi]), ktype)
        if start is not None:
            bars = bars[bars["datetime"] >= start]
        if end is not None:
            bars = bars[bars["datetime"] < end]
        return bars[-last_n:] if last_n is not None else bars

    def _read_last_n(self, keys: list[tuple[str, str]], ktype: KType, n: int) -> dict[tuple[str, str], np.ndarray]:
        if ktype not in DERIVED:
            return super()._read_last_n(keys, ktype, n)
        out: dict[tuple[str, str], np.ndarray] = {}
        for market in sorted({m for m, _ in keys}):
            with self._reading(market, ktype) as f:
                if f is None or "data" not in f:
                    continue
                names = [m + c for m, c in keys if m == market]
                tails = read_tails(f["data"], names, n, threads=self.read_threads, convert=from_h5)
            for name, bars in tails.items():
                out[(market, name[2:])] = bars
        return out

    def _count(self, market: str, code: str, ktype: KType) -> int:
        base = stored_type(ktype)
        with self._reading(market, base) as f:
            if ktype is not base:
                idx = self._dataset(f, ktype.value.lower(), market + code)
                if idx is not None:
                    return int(idx.shape[0])
                return len(self._read_in(f, market, code, ktype, None, None, None))
            ds = self._dataset(f, "data", market + code)
            return int(ds.shape[0]) if ds is not None else 0

    def _codes(self, market: str, ktype: KType) -> list[str]:
        with self._reading(market, ktype) as f:
            if f is None or "data" not in f:
                return []
            return [n[2:] for n, ds in f["data"].items() if n.startswith(market) and ds.shape[0]]

    # ------------------------------------------------------------------ writes
    def _group(self, f: h5py.File, name: str) -> h5py.Group:
        key = (id(f), name)
        g = self._groups.get(key)
        if g is None:
            g = self._groups[key] = f.require_group(name)
        return g

    def _dcpl(self, chunk_rows: int) -> h5py.h5p.PropDCID:
        """Dataset creation settings (chunked, shuffle + gzip), made once: h5py's high-level
        ``create_dataset`` rebuilds them for every table, which costs more than the write."""
        pl = self._dcpls.get(chunk_rows)
        if pl is None:
            pl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
            pl.set_chunk((chunk_rows,))
            pl.set_shuffle()
            pl.set_deflate(self.compression_level)
            pl.set_fill_time(h5py.h5d.FILL_TIME_NEVER)
            self._dcpls[chunk_rows] = pl
        return pl

    def _create(self, group: h5py.Group, name: str, rows: np.ndarray, chunk_rows: int, *,
                background: bool = False) -> None:
        tid = self._types.get(rows.dtype)
        if tid is None:
            tid = self._types[rows.dtype] = h5py.h5t.py_create(rows.dtype, logical=True)
        space = h5py.h5s.create_simple((len(rows),), (h5py.h5s.UNLIMITED,))
        dsid = h5py.h5d.create(group.id, name.encode(), tid, space, dcpl=self._dcpl(chunk_rows))
        if not len(rows):
            return
        if background:
            self._chunks.submit(dsid, rows, chunk_rows)
        else:
            dsid.write(h5py.h5s.ALL, h5py.h5s.ALL, rows)

    def _append(self, market: str, code: str, ktype: KType, bars: np.ndarray) -> None:
        f = self._writer(market, ktype)
        name = market + code
        rows = to_h5(bars)
        data = self._group(f, "data")
        dsid = _table(data, name)
        if dsid is None:  # a new table: chunks compressed in the background, indexes computed in one go
            self._create(data, name, rows, CHUNK_ROWS[ktype], background=len(rows) >= 256)
            for dk, idx in all_index_rows(bars["datetime"], ktype).items():
                self._create(self._group(f, dk.value.lower()), name, idx, INDEX_CHUNK_ROWS, background=True)
            return
        self._chunks.drain()  # the table may have chunks in flight from earlier in this batch
        old = int(dsid.shape[0])
        _write_at(dsid, old, rows)
        self._update_indexes(f, name, ktype, dsid, old, bars["datetime"])

    def _update_indexes(self, f: h5py.File, name: str, ktype: KType, dsid: h5py.h5d.DatasetID, old: int,
                        new_dt: np.ndarray) -> None:
        """Per derived type: rewrite the last period's index row and append the rows of the new periods.
        Low-level h5py calls (an append of one day touches six tables: the high-level API's bookkeeping
        cost more than the writes), and the stored datetimes the periods need read once for all of them."""
        plans = []
        for dk in DERIVED[ktype]:
            group = self._group(f, dk.value.lower())
            idx = _table(group, name)
            keep, since = 0, 0  # no index (a file from elsewhere): rebuilt whole
            n = int(idx.shape[0]) if idx is not None else 0
            if n:
                keep = n - 1
                since = int(_rows(idx, keep, 1)["start"][0])
            plans.append((dk, group, idx, keep, min(since, old)))
        first = min((p[4] for p in plans), default=old)
        stored = from_number(_rows(dsid, first, old - first)["datetime"]) if first < old else new_dt[:0]
        all_dt = np.concatenate((stored, new_dt))
        for dk, group, idx, keep, since in plans:
            rows = index_rows(all_dt[since - first:], dk, offset=since)
            if idx is None:
                if name in group:
                    del group[name]
                self._create(group, name, rows, INDEX_CHUNK_ROWS)
            else:
                _write_at(idx, keep, rows)


def _table(group: h5py.Group, name: str) -> h5py.h5d.DatasetID | None:
    key = name.encode()
    if not group.id.links.exists(key):  # cheaper than the KeyError of a failed open (new tables: every one)
        return None
    return h5py.h5d.open(group.id, key)


def _rows(dsid: h5py.h5d.DatasetID, start: int, count: int) -> np.ndarray:
    out = np.empty(count, dtype=dsid.dtype)
    if count:
        space = dsid.get_space()
        space.select_hyperslab((start,), (count,))
        dsid.read(h5py.h5s.create_simple((count,)), space, out)
    return out


def _write_at(dsid: h5py.h5d.DatasetID, at: int, rows: np.ndarray) -> None:
    """Rows written from row ``at`` on, the table cut or grown to end with them."""
    dsid.set_extent((at + len(rows),))
    if len(rows):
        space = dsid.get_space()
        space.select_hyperslab((at,), (len(rows),))
        dsid.write(h5py.h5s.create_simple((len(rows),)), space, np.ascontiguousarray(rows))


__all__ = ["H5_DTYPE", "H5KDataStore", "from_h5", "to_h5"]
