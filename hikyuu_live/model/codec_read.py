"""The general FlatBuffers reader: any valid ``SpotList`` (Hikyuu's own Python builder, the flatc builder,
ours), with vectorised bounds checks that play the part of the FlatBuffers verifier (see
``hikyuu_live.model.codec``).
"""

from __future__ import annotations

import numpy as np

from hikyuu_live.errors import DecodeError
from hikyuu_live.model.codec_types import DT_CHARS, NAME_BYTES, SCALARS, BatchMeta, DecodedBatch
from hikyuu_live.model.spot import BOOK_FIELDS, BOOK_LEVELS, SPOT_DTYPE


class _Reader:
    """Bounds-checked vectorised reads of little-endian scalars at byte positions."""

    def __init__(self, buf: bytes | bytearray | memoryview) -> None:
        self.b = np.frombuffer(buf, dtype=np.uint8)
        self.size = len(self.b)
        self._views: dict[str, np.ndarray] = {}

    def _view(self, fmt: str, width: int) -> np.ndarray:
        v = self._views.get(fmt)
        if v is None:
            v = self.b[: self.size // width * width].view(fmt)
            self._views[fmt] = v
        return v

    def check(self, pos: np.ndarray, width: int, reason: str, align: int = 1) -> None:
        if pos.size and (pos.min() < 0 or pos.max() + width > self.size):
            raise DecodeError(reason, "out of bounds")
        if align > 1 and pos.size and (pos % align).any():
            raise DecodeError(reason, "misaligned")

    def read(self, pos: np.ndarray, fmt: str, reason: str) -> np.ndarray:
        width = np.dtype(fmt).itemsize
        self.check(pos, width, reason)
        if pos.ndim == 1 and pos.size > 2:
            stride = int(pos[1] - pos[0])
            if stride > 0 and (np.diff(pos) == stride).all():
                # evenly spaced fields (one block per spot, as our encoder writes): a strided view
                return np.ndarray(pos.shape, fmt, self.b, int(pos[0]), (stride,)).copy()
        if pos.size and (pos % width).any():  # unaligned: gather byte by byte
            idx = pos[..., None] + np.arange(width)
            return self.b[idx].copy().view(fmt).reshape(pos.shape)
        return self._view(fmt, width)[pos // width]

    def bytes_at(self, pos: np.ndarray, width: int) -> np.ndarray:
        """``n x width`` bytes starting at each of ``pos`` (caller has bounds-checked ``pos + width``)."""
        if pos.size > 2:
            stride = int(pos[1] - pos[0])
            if stride > 0 and (np.diff(pos) == stride).all():
                return np.ndarray((pos.size, width), np.uint8, self.b, int(pos[0]), (stride, 1))
        return self.b[np.minimum(pos[:, None] + np.arange(width), self.size - 1)]

    def scalar(self, pos: int, fmt: str, reason: str) -> int:
        return int(self.read(np.array([pos], dtype=np.int64), fmt, reason)[0])


def _field_offsets(r: _Reader, vt: np.ndarray, vtsize: np.ndarray, tblsize: np.ndarray, slot: int,
                   width: int, reason: str) -> np.ndarray:
    """Per-table offset of ``slot`` (0 where absent), checked to lie inside its table."""
    voff = 4 + 2 * slot
    has = voff < vtsize
    out = np.zeros(len(vt), dtype=np.int64)
    if has.any():
        out[has] = r.read(vt[has] + voff, "<u2", reason)
    if (out[out > 0] + width > tblsize[out > 0]).any():
        raise DecodeError(reason, f"field of slot {slot} outside its table")
    return out


def _tables(r: _Reader, pos: np.ndarray, reason: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vtable position, vtable size and table size of each table at ``pos``."""
    r.check(pos, 4, reason, align=4)
    vt = pos - r.read(pos, "<i4", reason).astype(np.int64)
    r.check(vt, 4, reason, align=2)
    vtsize = r.read(vt, "<u2", reason).astype(np.int64)
    tblsize = r.read(vt + 2, "<u2", reason).astype(np.int64)
    if (vtsize < 4).any() or (vtsize % 2).any() or (vt + vtsize > r.size).any():
        raise DecodeError(reason, "bad vtable size")
    if (tblsize < 4).any() or (pos + tblsize > r.size).any():
        raise DecodeError(reason, "bad table size")
    return vt, vtsize, tblsize


def _deref(r: _Reader, fpos: np.ndarray, reason: str) -> np.ndarray:
    """Follow uoffsets stored at ``fpos``; returns the targets' positions (with their u32 length)."""
    target = fpos + r.read(fpos, "<u4", reason).astype(np.int64)
    r.check(target, 4, reason, align=4)
    return target


def _strings(r: _Reader, tpos: np.ndarray, foff: np.ndarray, width: int, reason: str
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(bytes matrix ``n x width``, length, present) of a string field; long strings are cut to width."""
    n = len(tpos)
    present = foff > 0
    mat = np.zeros((n, width), dtype=np.uint8)
    length = np.zeros(n, dtype=np.int64)
    if present.any():
        spos = _deref(r, tpos[present] + foff[present], reason)
        slen = r.read(spos, "<u4", reason).astype(np.int64)
        if (spos + 4 + slen + 1 > r.size).any() or r.b[spos + 4 + slen].any():
            raise DecodeError(reason, "string overruns buffer or lacks NUL")
        length[present] = slen
        used = int(min(width, slen.max()))  # gather only as wide as the longest string
        if used:
            cols = np.arange(used)
            last = spos + 4 + used
            if last.max() <= r.size:
                raw = r.bytes_at(spos + 4, used)
            else:  # short strings near the end of the buffer: gather with clipping
                raw = r.b[np.minimum(spos[:, None] + 4 + cols, r.size - 1)]
            mat[present, :used] = np.where(cols < np.minimum(slen, used)[:, None], raw, 0)
    return mat, length, present


# every number of a datetime is a dot product of its digit columns with powers of ten (float: a BLAS matmul,
# exact far beyond these magnitudes): year, month, day, hour, minute, second, microsecond
_WEIGHTS = np.zeros((DT_CHARS, 7))
for _j, (_a, _b) in enumerate(((0, 4), (5, 7), (8, 10), (11, 13), (14, 16), (17, 19))):
    _WEIGHTS[_a:_b, _j] = 10 ** np.arange(_b - _a - 1, -1, -1)
_WEIGHTS[20:, 6] = 10 ** np.arange(5, -1, -1)
_WEIGHTS.flags.writeable = False
_COLS = np.arange(DT_CHARS)


def parse_datetimes(mat: np.ndarray, length: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``YYYY-MM-DD[ HH:MM:SS[.f{1,6}]]`` (``/`` and ``T`` accepted) -> (M8[us], valid)."""
    d = mat.astype(np.int16) - 48
    isdig = (d >= 0) & (d <= 9)
    cols = _COLS
    ok = (length == 10) | (length == 19) | ((length >= 21) & (length <= 26))
    date_digits = [0, 1, 2, 3, 5, 6, 8, 9]
    ok &= isdig[:, date_digits].all(axis=1)
    ok &= ((mat[:, 4] == 45) | (mat[:, 4] == 47)) & (mat[:, 7] == mat[:, 4])
    has_time = length >= 19
    time_ok = isdig[:, [11, 12, 14, 15, 17, 18]].all(axis=1) & ((mat[:, 10] == 32) | (mat[:, 10] == 84))
    time_ok &= (mat[:, 13] == 58) & (mat[:, 16] == 58)
    ok &= ~has_time | time_ok
    has_frac = length > 19
    frac_cols = (cols >= 20) & (cols < length[:, None])
    frac_ok = (mat[:, 19] == 46) & (isdig | ~frac_cols).all(axis=1)
    ok &= ~has_frac | frac_ok
    dz = np.where(isdig, d, 0)
    nums = (np.where(frac_cols | (cols < 20), dz, 0).astype(np.float64) @ _WEIGHTS).astype(np.int64)
    year, month, day = nums[:, 0], nums[:, 1], nums[:, 2]
    hh, mi, ss = nums[:, 3] * has_time, nums[:, 4] * has_time, nums[:, 5] * has_time
    micro = nums[:, 6] * has_frac
    ok &= (month >= 1) & (month <= 12) & (year >= 1900) & (year <= 2999)
    ok &= (hh < 24) & (mi < 60) & (ss < 60)
    months = ((year - 1970) * 12 + (month - 1)).astype("M8[M]")
    first = months.astype("M8[D]")
    mdays = ((months + 1).astype("M8[D]") - first).astype(np.int64)
    ok &= (day >= 1) & (day <= mdays)
    us = (first + (day - 1)).astype("M8[us]") + ((hh * 3600 + mi * 60 + ss) * 1_000_000 + micro)
    return np.where(ok, us, np.datetime64("NaT")), ok


def _scalar_columns(r: _Reader, tpos: np.ndarray, offs: np.ndarray) -> np.ndarray:
    out = np.zeros(len(tpos))
    has = offs > 0
    if has.any():
        out[has] = r.read(tpos[has] + offs[has], "<f8", "bad_scalar")
    return out


def _vector_columns(r: _Reader, tpos: np.ndarray, offs: np.ndarray) -> np.ndarray:
    n = len(tpos)
    out = np.zeros((n, BOOK_LEVELS))
    has = offs > 0
    if not has.any():
        return out
    vpos = _deref(r, tpos[has] + offs[has], "bad_vector")
    vlen = r.read(vpos, "<u4", "bad_vector").astype(np.int64)
    if (vpos + 4 + 8 * vlen > r.size).any():
        raise DecodeError("bad_vector", "vector overruns buffer")
    levels = np.arange(BOOK_LEVELS)
    inside = levels < vlen[:, None]
    # read every level in one gather; levels past a vector's end read its first element, then masked
    pos = vpos[:, None] + 4 + 8 * np.where(inside, levels, 0)
    vals = r.read(np.where(vlen[:, None] > 0, pos, 0).ravel(), "<f8", "bad_vector").reshape(pos.shape)
    out[has] = np.where(inside, vals, 0.0)
    return out


def _decode_meta(r: _Reader, t0: int) -> tuple[BatchMeta | None, int]:
    """SpotList fields: returns the extension meta (None for Hikyuu's own messages) and the spot-vector offset."""
    vt, vtsize, tblsize = _tables(r, np.array([t0], dtype=np.int64), "bad_root")
    offs = [int(_field_offsets(r, vt, vtsize, tblsize, s, w, "bad_root")[0])
            for s, w in enumerate((4, 2, 8, 8, 4, 4, 4, 8))]

    def val(slot: int, fmt: str) -> int:
        return r.scalar(t0 + offs[slot], fmt, "bad_root") if offs[slot] else 0

    cycle_id = val(3, "<u8")
    if not cycle_id:
        return None, offs[0]
    source = ""
    if offs[6]:
        mat, length, _ = _strings(r, np.array([t0]), np.array([offs[6]]), 64, "bad_root")
        source = bytes(mat[0, : min(int(length[0]), 64)]).decode("utf-8", "replace")
    meta = BatchMeta(
        session_id=val(2, "<u8"), cycle_id=cycle_id, seq=val(4, "<u4"), msg_count=val(5, "<u4"),
        source=source, send_time_us=val(7, "<i8"), schema_version=val(1, "<u2"),
    )
    return meta, offs[0]


def decode_any(buf: bytes | bytearray | memoryview, *, max_spots: int) -> DecodedBatch:
    """``codec.decode_spotlist`` for any valid SpotList (its size already checked); see there."""
    size = len(buf)
    r = _Reader(buf)
    t0 = r.scalar(0, "<u4", "bad_root")
    meta, spot_off = _decode_meta(r, t0)
    if not spot_off:
        return DecodedBatch(np.zeros(0, dtype=SPOT_DTYPE), meta)
    vpos = int(_deref(r, np.array([t0 + spot_off], dtype=np.int64), "bad_vector")[0])
    n = r.scalar(vpos, "<u4", "bad_vector")
    if n > max_spots:
        raise DecodeError("too_many_spots", f"{n} > {max_spots}")
    if vpos + 4 + 4 * n > size:
        raise DecodeError("bad_vector", "spot vector overruns buffer")
    tpos = _deref(r, vpos + 4 + 4 * np.arange(n, dtype=np.int64), "bad_table")
    vt, vtsize, tblsize = _tables(r, tpos, "bad_table")
    widths = (4, 4, 4, 4) + (8,) * 7 + (4,) * 4
    offs = [_field_offsets(r, vt, vtsize, tblsize, s, w, "bad_table") for s, w in enumerate(widths)]

    out = np.zeros(n, dtype=SPOT_DTYPE)
    dropped: dict[str, int] = {}
    valid = np.ones(n, dtype=bool)

    def drop(mask: np.ndarray, reason: str) -> None:
        bad = mask & valid
        if bad.any():
            dropped[reason] = dropped.get(reason, 0) + int(bad.sum())
            valid[bad] = False

    for slot, f, width in ((0, "market", 2), (1, "code", 6)):
        mat, length, present = _strings(r, tpos, offs[slot], width, "bad_string")
        drop(~present | (length == 0) | (length > width) | (mat >= 128).any(axis=1), "bad_" + f)
        if f == "market":  # Hikyuu compares markets without case
            mat = np.where((mat >= 97) & (mat <= 122), mat - 32, mat).astype(np.uint8)
        out[f] = np.where(valid[:, None], mat, 0).view(f"S{width}").ravel().astype(f"U{width}")
    mat, length, present = _strings(r, tpos, offs[2], NAME_BYTES, "bad_string")
    if length.any():
        used = int(min(NAME_BYTES, length.max()))
        raw = np.ascontiguousarray(mat[:, :used]).view(f"S{used}").ravel()
        # one decode of the joined names beats a decode per name; a name with a NUL byte inside
        # (garbage) would split into two, so then decode one by one
        names = b"\0".join(raw.tolist()).decode("utf-8", "ignore").split("\0")
        if len(names) != len(raw):
            names = [x.decode("utf-8", "ignore").replace("\0", "") for x in raw.tolist()]
        out["name"] = names
    mat, length, present = _strings(r, tpos, offs[3], DT_CHARS, "bad_string")
    dts, ok = parse_datetimes(mat, length)
    drop(~present, "no_datetime")
    drop(~ok, "bad_datetime")
    out["datetime"] = dts
    for i, f in enumerate(SCALARS):
        out[f] = _scalar_columns(r, tpos, offs[4 + i])
    for i, f in enumerate(BOOK_FIELDS):
        out[f] = _vector_columns(r, tpos, offs[11 + i])
    return DecodedBatch(out if valid.all() else out[valid], meta, dropped)
