"""HDF5 table helpers for ``H5KDataStore``: compressed chunks of new tables written from worker threads,
and a fast reader of table tails. (How files are opened for writing and published: ``session.py``.)
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple

import h5py
import numpy as np

try:  # ISA-L: the same zlib format, inflated about 2x and deflated about 4x faster than zlib
    from isal.isal_zlib import compress as _isal_deflate
    from isal.isal_zlib import decompress as _inflate
except ImportError:  # pragma: no cover - isal is a dependency, but keep working without it
    from zlib import decompress as _inflate

    _isal_deflate = None  # type: ignore[assignment]

log = logging.getLogger(__name__)


# ----------------------------------------------------------------------------- parallel chunk writes


#: zlib levels up to this one are deflated by ISA-L at its level 1 (measured on day bars: 541 MB/s and 32.8 %
#: of the raw size, against zlib level 4's 128 MB/s and 31.6 %); higher levels ask for size over speed
#: and get zlib at that level.
ISAL_UP_TO_LEVEL = 6


def deflater(level: int) -> Callable[[bytes], bytes]:
    """The deflate (zlib format, what HDF5's gzip filter reads) used for compression ``level``."""
    if _isal_deflate is not None and 1 <= level <= ISAL_UP_TO_LEVEL:
        return lambda data: _isal_deflate(data, 1)
    return lambda data: zlib.compress(data, level)


def encode_chunks(rows: np.ndarray, chunk_rows: int, deflate: Callable[[bytes], bytes]) -> list[bytes]:
    """``rows`` as HDF5 would store them with shuffle + deflate: full chunks (the last one padded with
    zeros), each byte-shuffled (byte 0 of every record, then byte 1, ...) and deflated."""
    out = []
    size = rows.dtype.itemsize
    for start in range(0, len(rows), chunk_rows):
        part = rows[start:start + chunk_rows]
        if len(part) < chunk_rows:
            full = np.zeros(chunk_rows, dtype=rows.dtype)
            full[:len(part)] = part
            part = full
        planes = np.ascontiguousarray(part).view(np.uint8).reshape(chunk_rows, size).T
        out.append(deflate(planes.tobytes()))
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
        self._deflate = deflater(level)
        self.max_pending = max_pending
        self._pool = ThreadPoolExecutor(max(1, threads), thread_name_prefix="h5-deflate")
        self._pending: list[tuple[h5py.h5d.DatasetID, int, Any]] = []

    def submit(self, dsid: h5py.h5d.DatasetID, rows: np.ndarray, chunk_rows: int) -> None:
        self._pending.append((dsid, chunk_rows, self._pool.submit(encode_chunks, rows, chunk_rows, self._deflate)))
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


def _inflated(raw: bytes, deflated: bool) -> np.ndarray:
    return np.frombuffer(_inflate(raw) if deflated else raw, dtype=np.uint8)


def _copy_rows(raw: bytes, job: _TailJob, dest: np.ndarray, first: int, take: int) -> None:
    """Rows ``first:first + take`` of one raw chunk into ``dest`` (``take`` records as a (take, itemsize)
    byte matrix): inflated, and un-shuffled by the copy itself (byte plane k of the chunk is byte k of
    every record), so no intermediate record array is made."""
    data = _inflated(raw, job.deflated)
    size = dest.shape[1]
    if job.shuffled:
        dest[:] = data.reshape(size, -1)[:, first:first + take].T
    else:
        dest[:] = data.reshape(-1, size)[first:first + take]


def _slow_tail(dsid: h5py.h5d.DatasetID, start: int, count: int) -> np.ndarray:
    out = np.empty(count, dtype=dsid.dtype)
    if count:
        fspace = dsid.get_space()
        fspace.select_hyperslab((start,), (count,))
        dsid.read(h5py.h5s.create_simple((count,)), fspace, out)
    return out


class _TailJob(NamedTuple):
    name: str
    raws: list[bytes]
    chunk_rows: int
    skip: int  # rows of the first chunk before the tail
    n_rows: int  # rows of the tail
    deflated: bool
    shuffled: bool


def _decode_batch(jobs: list[_TailJob], dtype: np.dtype,
                  conv: Callable[[np.ndarray], np.ndarray]) -> dict[str, np.ndarray]:
    """The tails of ``jobs`` (tables of one dtype) decoded into one array, converted at once, and split."""
    total = sum(j.n_rows for j in jobs)
    rows = np.empty(total, dtype=dtype)
    flat = rows.view(np.uint8).reshape(total, dtype.itemsize)
    pos = 0
    for job in jobs:
        first, left, per = job.skip, job.n_rows, job.chunk_rows
        for raw in job.raws:
            take = min(per - first, left)
            _copy_rows(raw, job, flat[pos:pos + take], first, take)
            pos, left, first = pos + take, left - take, 0
    done = conv(rows)
    bounds = np.cumsum([0] + [j.n_rows for j in jobs])
    if len(done) != total:  # ``conv`` dropped rows (e.g. impossible datetimes): convert table by table
        return {j.name: conv(rows[bounds[i]:bounds[i + 1]]) for i, j in enumerate(jobs)}
    return {j.name: done[bounds[i]:bounds[i + 1]] for i, j in enumerate(jobs)}


class _Types:
    """numpy dtypes of HDF5 types, converted once: h5py builds a new dtype on every ``DatasetID.dtype``
    (about 60 us for a compound, more than opening the table), while comparing type ids is cheap."""

    def __init__(self) -> None:
        self._seen: list[tuple[h5py.h5t.TypeID, np.dtype]] = []

    def of(self, dsid: h5py.h5d.DatasetID) -> np.dtype:
        tid = dsid.get_type()
        for known, dtype in self._seen:
            if tid.equal(known):
                return dtype
        dtype = dsid.dtype
        self._seen.append((tid, dtype))
        return dtype


def read_tails(group: h5py.Group, names: list[str], n: int, threads: int = 2,
               convert: Callable[[np.ndarray], np.ndarray] | None = None, batch: int = 64) -> dict[str, np.ndarray]:
    """The last ``n`` rows of each table ``names`` in ``group`` (missing tables are left out), passed
    through ``convert`` (a vectorised function of rows of the file's dtype) when given.

    Raw chunks are read under h5py's lock on this thread; inflating, unshuffling and ``convert`` run on
    ``threads`` threads over batches of ``batch`` tables of one dtype (zlib and numpy release the GIL),
    several times faster than h5py's own reads for thousands of small tables. Reading everything first and
    decoding after is faster than overlapping the two: the reading loop holds the GIL in many tiny calls,
    and decoding threads waiting for it stall both (measured with an earlier decoder: 2.4 s against 1.7 s
    for 6,000 tables).
    Tables with other layouts or filters take the ordinary path.
    """
    conv = convert or (lambda rows: rows)
    out: dict[str, np.ndarray] = {}
    types = _Types()
    by_dtype: dict[np.dtype, list[_TailJob]] = {}
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
        if plan is None or not raws:
            out[name] = conv(_slow_tail(dsid, start, total - start))
            continue
        by_dtype.setdefault(types.of(dsid), []).append(
            _TailJob(name, raws, rows, start - start // rows * rows, total - start, plan[1], plan[2]))

    parts = [(jobs[i:i + batch], dtype) for dtype, jobs in by_dtype.items() for i in range(0, len(jobs), batch)]
    if threads > 1 and len(parts) > 1:
        with ThreadPoolExecutor(threads) as ex:
            for d in ex.map(lambda p: _decode_batch(p[0], p[1], conv), parts):
                out.update(d)
    else:
        for jobs, dtype in parts:
            out.update(_decode_batch(jobs, dtype, conv))
    return out
