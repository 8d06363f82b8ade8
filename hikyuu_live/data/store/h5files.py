"""HDF5 file handling for ``H5KDataStore``: crash-safe writing through a shadow copy, a writer lock,
and a fast reader of table tails.

Why a shadow copy: HDF5 keeps metadata (B-trees, object headers) in memory and writes it back in pieces,
so a process killed between flushes can leave a file that no longer opens, and its SWMR mode cannot
create tables (one per stock here). So a writer copies ``sh_day.h5`` to ``sh_day.h5.partial`` (a
reflink where the file system offers one, else a kernel-side copy), writes there, and on commit
flushes, closes, fsyncs and atomically renames it over the original. A kill at any moment leaves the
original exactly as of the last commit, and readers (Hikyuu, strategies) never see a half-written
file: they keep the version they opened. The next writer deletes a stale ``.partial``.

One writer per data directory at a time: ``WriterLock`` holds an exclusive ``flock`` on
``<dir>/.hikyuu_live.lock`` from the first write until the commit (or rollback).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from hikyuu_live.errors import StoreUnavailable

try:  # ISA-L inflates about twice as fast as zlib (same format); zlib when it is not installed
    from isal.isal_zlib import decompress as _inflate
except ImportError:  # pragma: no cover - isal is a dependency, but keep working without it
    from zlib import decompress as _inflate

log = logging.getLogger(__name__)

SHADOW_SUFFIX = ".partial"
LOCK_NAME = ".hikyuu_live.lock"
_FICLONE = 0x40049409  # linux/fs.h: share the source's blocks (btrfs, xfs); falls back to a copy


def _clone(src: Path, dst: Path) -> None:
    try:
        import fcntl

        with open(src, "rb") as s, open(dst, "wb") as d:
            fcntl.ioctl(d.fileno(), _FICLONE, s.fileno())
        return
    except (OSError, ImportError):
        pass
    shutil.copyfile(src, dst)


def _fsync_path(path: Path, directory: bool = False) -> None:
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return  # e.g. directories cannot be opened on Windows: nothing to sync there
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class WriterLock:
    """An exclusive, non-blocking ``flock`` on ``<directory>/.hikyuu_live.lock``."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        if self._fd is not None:
            return
        try:
            import fcntl
        except ImportError:  # no flock (Windows): single writer is then the user's job
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            os.close(fd)
            raise StoreUnavailable(f"another process is writing to {self.path.parent} (lock {self.path})") from e
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None


class ShadowFile:
    """One target file opened for writing through ``<target>.partial``; see the module docstring."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.shadow = target.with_name(target.name + SHADOW_SUFFIX)
        self.file: h5py.File | None = None

    def open(self) -> h5py.File:
        if self.file is not None:
            return self.file
        try:
            self.target.parent.mkdir(parents=True, exist_ok=True)
            if self.shadow.exists():
                log.warning("removing %s left by an interrupted writer", self.shadow)
                self.shadow.unlink()
            if self.target.exists():
                _clone(self.target, self.shadow)
            self.file = h5py.File(self.shadow, "a")
        except OSError as e:
            raise StoreUnavailable(f"cannot write {self.target}: {e}") from e
        return self.file

    def commit(self) -> None:
        if self.file is None:
            return
        self.file.flush()
        self.file.close()
        self.file = None
        _fsync_path(self.shadow)
        os.replace(self.shadow, self.target)
        _fsync_path(self.target.parent, directory=True)

    def abort(self) -> None:
        if self.file is not None:
            with contextlib.suppress(Exception):
                self.file.close()
            self.file = None
        with contextlib.suppress(FileNotFoundError):
            self.shadow.unlink()


class ReadCache:
    """Read handles per path, reopened when the file was replaced by a commit (new inode or mtime)."""

    def __init__(self) -> None:
        self._open: dict[Path, tuple[tuple[int, int], h5py.File]] = {}

    def get(self, path: Path) -> h5py.File | None:
        try:
            st = path.stat()
        except FileNotFoundError:
            self.drop(path)
            return None
        key = (st.st_ino, st.st_mtime_ns)
        held = self._open.get(path)
        if held is not None and held[0] == key:
            return held[1]
        self.drop(path)
        try:
            f = h5py.File(path, "r")
        except OSError as e:
            raise StoreUnavailable(f"cannot read {path}: {e}") from e
        self._open[path] = (key, f)
        return f

    def drop(self, path: Path) -> None:
        held = self._open.pop(path, None)
        if held is not None:
            with contextlib.suppress(Exception):
                held[1].close()

    def close(self) -> None:
        for path in list(self._open):
            self.drop(path)


# ----------------------------------------------------------------------------- parallel chunk writes


def encode_chunks(rows: np.ndarray, chunk_rows: int, level: int) -> list[bytes]:
    """``rows`` as HDF5 would store them with shuffle + deflate: full chunks (the last one padded with
    zeros), each byte-shuffled (byte 0 of every record, then byte 1, ...) and zlib-compressed."""
    out = []
    size = rows.dtype.itemsize
    for start in range(0, len(rows), chunk_rows):
        part = rows[start:start + chunk_rows]
        if len(part) < chunk_rows:
            full = np.zeros(chunk_rows, dtype=rows.dtype)
            full[:len(part)] = part
            part = full
        planes = np.ascontiguousarray(part).view(np.uint8).reshape(chunk_rows, size).T
        out.append(zlib.compress(planes.tobytes(), level))
    return out


class ChunkWriter:
    """Writes the chunks of new tables compressed on worker threads (zlib releases the GIL, h5py does
    not), so compression overlaps the caller's reading, validating and HDF5 bookkeeping.

    ``submit`` hands over a freshly created dataset and its rows; the encoded chunks are written on the
    caller's thread, in order, by later ``submit``s and by ``drain``. Drain (``wait=True``) before
    reading or extending those tables and before closing the file.
    """

    def __init__(self, level: int, threads: int = 2, max_pending: int = 32) -> None:
        self.level = level
        self.max_pending = max_pending
        self._pool = ThreadPoolExecutor(max(1, threads), thread_name_prefix="h5-deflate")
        self._pending: list[tuple[h5py.h5d.DatasetID, int, Any]] = []

    def submit(self, dsid: h5py.h5d.DatasetID, rows: np.ndarray, chunk_rows: int) -> None:
        self._pending.append((dsid, chunk_rows, self._pool.submit(encode_chunks, rows, chunk_rows, self.level)))
        self.drain(wait=len(self._pending) > self.max_pending)

    def drain(self, wait: bool = True) -> None:
        while self._pending and (wait or self._pending[0][2].done()):
            dsid, chunk_rows, fut = self._pending.pop(0)
            for i, chunk in enumerate(fut.result()):
                dsid.write_direct_chunk((i * chunk_rows,), chunk)

    def discard(self) -> None:
        """Forget pending writes (their file is being thrown away)."""
        for _, _, fut in self._pending:
            fut.cancel()
        self._pending.clear()

    def close(self) -> None:
        self.discard()
        self._pool.shutdown(wait=True)


# ----------------------------------------------------------------------------- fast tails

_DEFLATE, _SHUFFLE = h5py.h5z.FILTER_DEFLATE, h5py.h5z.FILTER_SHUFFLE


def _chunk_plan(dsid: h5py.h5d.DatasetID) -> tuple[int, bool, bool] | None:
    """(chunk rows, deflated, shuffled) when raw chunks can be decoded here, else None."""
    plist = dsid.get_create_plist()
    if plist.get_layout() != h5py.h5d.CHUNKED:
        return None
    filters = [plist.get_filter(i)[0] for i in range(plist.get_nfilters())]
    if filters not in ([], [_DEFLATE], [_SHUFFLE, _DEFLATE]):
        return None
    return int(plist.get_chunk()[0]), _DEFLATE in filters, _SHUFFLE in filters


def _decode(raw: bytes, dtype: np.dtype, deflated: bool, shuffled: bool) -> np.ndarray:
    """One raw chunk -> its rows: inflate, then undo the byte shuffle (byte planes -> records)."""
    data = _inflate(raw) if deflated else raw
    b = np.frombuffer(data, dtype=np.uint8)
    if shuffled:
        b = np.ascontiguousarray(b.reshape(dtype.itemsize, -1).T)
    return b.view(dtype).ravel()


def _slow_tail(dsid: h5py.h5d.DatasetID, start: int, count: int) -> np.ndarray:
    out = np.empty(count, dtype=dsid.dtype)
    if count:
        fspace = dsid.get_space()
        fspace.select_hyperslab((start,), (count,))
        dsid.read(h5py.h5s.create_simple((count,)), fspace, out)
    return out


def read_tails(group: h5py.Group, names: list[str], n: int, threads: int = 2,
               convert: Callable[[np.ndarray], np.ndarray] | None = None, batch: int = 64) -> dict[str, np.ndarray]:
    """The last ``n`` rows of each table ``names`` in ``group`` (missing tables are left out), passed
    through ``convert`` (a vectorised function of rows of the file's dtype) when given.

    Raw chunks are read under h5py's lock on this thread; inflating, unshuffling and ``convert`` run on
    ``threads`` threads over batches of ``batch`` tables (zlib and numpy release the GIL), about twice
    as fast as h5py's own reads for thousands of small tables. Tables with other layouts or filters
    take the ordinary path.
    """
    conv = convert or (lambda rows: rows)
    out: dict[str, np.ndarray] = {}
    jobs: list[tuple[str, list[bytes], np.dtype, int, int, bool, bool]] = []
    gid = group.id
    for name in names:
        try:
            dsid = h5py.h5d.open(gid, name.encode())
        except KeyError:
            continue
        total = int(dsid.shape[0])
        start = max(0, total - n)
        plan = _chunk_plan(dsid) if total else None
        raws: list[bytes] = []
        if plan is not None:
            rows = plan[0]
            for off in range(start // rows * rows, total, rows):
                try:
                    mask, raw = dsid.read_direct_chunk((off,))
                except (KeyError, OSError, RuntimeError):
                    mask = -1
                if mask != 0:
                    raws = []
                    break
                raws.append(raw)
        if not raws:
            out[name] = conv(_slow_tail(dsid, start, total - start))
            continue
        jobs.append((name, raws, dsid.dtype, start - start // rows * rows, total - start, plan[1], plan[2]))

    def work(part: list[tuple[str, list[bytes], np.dtype, int, int, bool, bool]]) -> dict[str, np.ndarray]:
        tails = []
        for _, raws, dtype, skip, count, deflated, shuffled in part:
            rows = np.concatenate([_decode(r, dtype, deflated, shuffled) for r in raws])
            tails.append(rows[skip:skip + count])
        done = conv(np.concatenate(tails)) if len({t.dtype for t in tails}) == 1 else None
        if done is None:  # tables of different dtypes in one batch: convert one by one
            return {job[0]: conv(t) for job, t in zip(part, tails, strict=True)}
        bounds = np.cumsum([0] + [len(t) for t in tails])
        return {job[0]: done[bounds[i]:bounds[i + 1]] for i, job in enumerate(part)}

    parts = [jobs[i:i + batch] for i in range(0, len(jobs), batch)]
    if threads > 1 and len(parts) > 1:
        with ThreadPoolExecutor(threads) as ex:
            for d in ex.map(work, parts):
                out.update(d)
    else:
        for p in parts:
            out.update(work(p))
    return out
