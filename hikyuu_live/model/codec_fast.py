"""The fast reader: a ``SpotList`` in exactly our encoder's layout, checked and read with a fixed number of
vectorised operations whatever the number of spots.

Why: the general reader verifies every table, vtable, offset and string of a message spot by spot (column by
column, but with about 300 small numpy calls per message); a full market arriving as 84 messages of 60 spots
paid that fixed cost 84 times (a millisecond a message on a busy machine). Our encoder lays every message out
the same way (``hikyuu_live.model.codec``): a fixed header, one shared Spot vtable, and one fixed-size block
per spot. So the reader checks that the whole header is byte for byte what our encoder writes for these
values, that every offset of every block is the constant our encoder writes (one comparison per column),
that strings and vectors have legal lengths and their NUL bytes, and then reads every column as a strided
view. Anything that differs, however slightly, returns None and the general reader decides: this reader
never accepts what the general one would refuse, and gives the same result where both accept (the fuzz
tests compare them).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from hikyuu_live.model.codec_read import parse_datetimes
from hikyuu_live.model.codec_types import DT_CHARS, NAME_BYTES, SCALARS, STRINGS, BatchMeta, DecodedBatch, block_dtype
from hikyuu_live.model.spot import BOOK_FIELDS, BOOK_LEVELS, SPOT_DTYPE

_ROOT = struct.Struct("<I10HiIIIIH2xQQq")  # root offset, SpotList vtable, SpotList table
_ROOT_VTABLE = (20, 48, 4, 20, 24, 32, 12, 16, 8, 40)
_T0 = 24
_SRC = _T0 + 48
_FIXED, _FIXED_OFF = block_dtype(BOOK_LEVELS, 1)  # the table and the strings before the name do not move
_TABLE = 96
_NAME_AT = _FIXED_OFF["n_name"]  # the name comes before the datetime: the datetime's place depends on its width
_SPOT_VTABLE_HEAD = (34, _TABLE)
_SLOTS = ([_FIXED_OFF["o_market"], _FIXED_OFF["o_code"], _FIXED_OFF["o_name"], _FIXED_OFF["o_datetime"]]
          + [_FIXED_OFF[f] for f in SCALARS] + [_FIXED_OFF["o_" + f] for f in BOOK_FIELDS])
_SPOT_VTABLE = struct.Struct("<17H")
_WIDTHS = {"market": 2, "code": 6, "datetime": DT_CHARS}
_Layout = tuple[np.dtype, np.ndarray, int]
_cache: dict[int, _Layout] = {}


def _layout(name_room: int) -> _Layout:
    """(view dtype, constant offsets, block size) of blocks whose name takes ``name_room`` bytes (a multiple of
    4: the name, its NUL and padding). Strings are viewed as bytes with their NUL, which the reader checks."""
    got = _cache.get(name_room)
    if got is None:
        dt, off = block_dtype(BOOK_LEVELS, name_room - 1)
        fields = dt.fields
        assert fields is not None
        names, formats, offsets = [], [], []
        for name in dt.names or ():
            fmt, at = fields[name][0], fields[name][1]
            if name.startswith("s_"):
                fmt = np.dtype((np.uint8, name_room if name == "s_name" else _WIDTHS[name[2:]] + 1))
            names.append(name)
            formats.append(fmt)
            offsets.append(at)
        view = np.dtype({"names": names, "formats": formats, "offsets": offsets, "itemsize": dt.itemsize})
        consts = np.array([off["n_" + f] - off["o_" + f] for f in STRINGS + BOOK_FIELDS], dtype=np.uint32)
        assert [off["o_" + f] for f in STRINGS + BOOK_FIELDS] == [off["o_market"] + 4 * i for i in range(8)]
        got = _cache[name_room] = (view, consts, dt.itemsize)
    return got


#: the caller's memo of parsed datetimes (text and length -> epoch us, or NAT): a market's spots share a few
#: dozen distinct times, so nearly every one is a dictionary hit instead of a parse
DatetimeMemo = dict[bytes, int]
NAT = np.iinfo(np.int64).min
MEMO_LIMIT = 100_000


@dataclass(frozen=True, slots=True)
class _Head:
    """What the header of one message in our layout says: where its blocks are and how they look."""

    n: int
    b0: int  # where the first block starts
    sv: int  # where the spot vector (its length) is
    vs: int  # where the shared Spot vtable is
    name_room: int
    meta: BatchMeta | None

    @property
    def shape(self) -> tuple[int, int, int, int, int]:
        """Messages of the same shape have their blocks at the same places with the same constants."""
        return self.n, self.b0, self.sv, self.vs, self.name_room


def _head(buf: bytes | bytearray | memoryview, max_spots: int) -> _Head | None:
    """The header of ``buf`` when it is exactly what our encoder writes, else None. Byte-level checks only."""
    size = len(buf)
    if size < _SRC + 8:
        return None
    head = _ROOT.unpack_from(buf, 0)
    t0, vtable, table = head[0], head[1:11], head[11:]
    soff, spot_rel, src_rel, seq, msg_count, schema, session, cycle, send_us = table
    if t0 != _T0 or vtable != _ROOT_VTABLE or soff != _T0 - 4 or src_rel != _SRC - (_T0 + 8):
        return None
    (src_len,) = struct.unpack_from("<I", buf, _SRC)
    vs = _SRC + 4 + (src_len + 1 + 3) // 4 * 4
    sv = _T0 + 4 + spot_rel
    if sv != vs + 36 or sv + 4 > size or src_len > 64:
        return None
    if buf[_SRC + 4 + src_len] or _SPOT_VTABLE.unpack_from(buf, vs) != (*_SPOT_VTABLE_HEAD, *_SLOTS):
        return None
    (n,) = struct.unpack_from("<I", buf, sv)
    if n == 0 or n > max_spots:
        return None
    b0 = (sv + 4 + 4 * n + 7) // 8 * 8
    if b0 + _NAME_AT + 4 > size:
        return None
    # where the first block says its datetime is tells the name's room; every block must say the same
    (to_datetime,) = struct.unpack_from("<I", buf, b0 + _FIXED_OFF["o_datetime"])
    name_room = _FIXED_OFF["o_datetime"] + to_datetime - _NAME_AT - 4
    if name_room < 4 or name_room % 4 or name_room > NAME_BYTES + 8:
        return None
    _, _, bsize = _layout(name_room)
    if b0 + n * bsize != size or buf[sv + 4: b0] != _element_bytes(sv, n, b0, bsize):
        return None
    meta = None
    if cycle:
        source = bytes(buf[_SRC + 4: _SRC + 4 + src_len]).decode("utf-8", "replace")
        meta = BatchMeta(session_id=session, cycle_id=cycle, seq=seq, msg_count=msg_count, source=source,
                         send_time_us=send_us, schema_version=schema)
    return _Head(n, b0, sv, vs, name_room, meta)


@lru_cache(maxsize=256)
def _element_bytes(sv: int, n: int, b0: int, bsize: int) -> bytes:
    """The spot vector's elements (the offset of each spot's table) and the zero padding up to the blocks."""
    k = np.arange(n, dtype=np.int64)
    elems = ((b0 - (sv + 4)) + k * (bsize - 4)).astype("<u4").tobytes()
    return elems + bytes(b0 - (sv + 4) - len(elems))


@lru_cache(maxsize=256)
def _soffsets(n: int, b0: int, vs: int, bsize: int, messages: int) -> np.ndarray:
    """Every block's offset back to the shared vtable, for ``messages`` messages of ``n`` spots in a row."""
    return np.tile((b0 - vs) + np.arange(n, dtype=np.int64) * bsize, messages)


def _checked_columns(blocks: np.ndarray, head: _Head, messages: int,
                     memo: DatetimeMemo | None) -> tuple[np.ndarray | None, dict[str, int]]:
    """(spots, dropped by reason) of ``blocks`` (the blocks of ``messages`` messages of ``head``'s shape, one
    after another) when every block is what our encoder writes; (None, {}) when one is not."""
    n = len(blocks)
    k = np.arange(n, dtype=np.int64)
    if not np.array_equal(blocks["soffset"], _soffsets(head.n, head.b0, head.vs, blocks.dtype.itemsize, messages)):
        return None, {}
    bsize = blocks.dtype.itemsize
    _, consts, _ = _layout(head.name_room)
    # the eight offsets from each table to its strings and vectors, and the four book lengths: constants
    offsets = np.ndarray((n, 8), "<u4", blocks, _FIXED_OFF["o_market"], (bsize, 4))
    books = np.ndarray((n, 4), "<u4", blocks, _FIXED_OFF["n_bid"], (bsize, _BOOK_STRIDE))
    if (offsets != consts).any() or (books != BOOK_LEVELS).any():
        return None, {}
    lengths = {}
    for f in ("market", "code", "datetime"):
        length = blocks["n_" + f].astype(np.int64)
        raw = blocks["s_" + f]
        if (length > raw.shape[1] - 1).any() or raw[k, length].any():  # a NUL right after every string
            return None, {}
        lengths[f] = length
    name_len = blocks["n_name"].astype(np.int64)
    name_raw = blocks["s_name"]
    if (name_len > name_raw.shape[1] - 1).any() or name_raw[k, name_len].any():
        return None, {}
    return _columns(blocks, n, lengths, name_len, name_raw, memo)


def decode_own(buf: bytes | bytearray | memoryview, *, max_spots: int,
               memo: DatetimeMemo | None = None) -> DecodedBatch | None:
    """The decoded message when ``buf`` is in our encoder's layout, else None (see the module docstring)."""
    head = _head(buf, max_spots)
    if head is None:
        return None
    dt, _, _ = _layout(head.name_room)
    blocks = np.frombuffer(buf, dtype=dt, count=head.n, offset=head.b0)
    out, dropped = _checked_columns(blocks, head, 1, memo)
    if out is None:
        return None
    return DecodedBatch(out, head.meta, dropped)


def decode_own_many(bufs: Sequence[bytes | bytearray | memoryview], *, max_spots: int,
                    memo: DatetimeMemo | None = None) -> list[DecodedBatch | None]:
    """``decode_own`` of each buffer, with the messages of one shape that follow each other read together.

    Why: a full market arrives as a burst of 100 messages of 60 spots, all of one shape. Read one by one, each
    pays the reader's fixed cost of some forty numpy calls (0.2 ms); messages taken off the socket together
    are read with those calls once per run of one shape. Each message passes exactly the checks
    ``decode_own`` makes of it alone, and its spots are the same; a run in which any spot would be dropped is
    read message by message, so that every message reports its own drops."""
    heads = [_head(b, max_spots) for b in bufs]
    out: list[DecodedBatch | None] = [None] * len(bufs)
    i = 0
    while i < len(bufs):
        head = heads[i]
        if head is None:
            i += 1
            continue
        j = i + 1
        while j < len(bufs) and (other := heads[j]) is not None and other.shape == head.shape:
            j += 1
        if j - i == 1:
            out[i] = decode_own(bufs[i], max_spots=max_spots, memo=memo)
        else:
            out[i:j] = _read_run(bufs[i:j], heads[i:j], max_spots, memo)  # type: ignore[arg-type]
        i = j
    return out


def _read_run(bufs: Sequence[bytes | bytearray | memoryview], heads: list[_Head], max_spots: int,
              memo: DatetimeMemo | None) -> list[DecodedBatch | None]:
    head = heads[0]
    dt, _, _ = _layout(head.name_room)
    joined = b"".join(memoryview(b)[head.b0:] for b in bufs)
    spots, dropped = _checked_columns(np.frombuffer(joined, dtype=dt), head, len(bufs), memo)
    if spots is None or dropped:
        return [decode_own(b, max_spots=max_spots, memo=memo) for b in bufs]
    n = head.n
    return [DecodedBatch(spots[m * n:(m + 1) * n], h.meta, {}) for m, h in enumerate(heads)]


def _datetimes(raw: np.ndarray, length: np.ndarray, memo: DatetimeMemo | None) -> tuple[np.ndarray, np.ndarray]:
    """(M8[us], ok) of datetime texts ``raw`` (n x 27 bytes, NUL beyond ``length``), through ``memo``."""
    mat = np.where(np.arange(DT_CHARS) < np.minimum(length, DT_CHARS)[:, None], raw[:, :DT_CHARS], 0)
    if memo is None:
        return parse_datetimes(mat.astype(np.uint8), length)
    keyed = np.empty((len(length), DT_CHARS + 1), dtype=np.uint8)
    keyed[:, :DT_CHARS] = mat
    keyed[:, DT_CHARS] = np.minimum(length, 255)  # the length is part of the key
    keys = keyed.view(f"S{DT_CHARS + 1}").ravel().tolist()
    got = [memo.get(k) for k in keys]
    missing = [i for i, v in enumerate(got) if v is None]
    if missing:
        if len(memo) > MEMO_LIMIT:
            memo.clear()
        rows = np.array(missing)
        dts, ok = parse_datetimes(mat[rows].astype(np.uint8), length[rows])
        for i, v in zip(missing, np.where(ok, dts.astype(np.int64), NAT).tolist(), strict=True):
            memo[keys[i]] = got[i] = v
    us = np.array(got, dtype=np.int64)
    return us.view("M8[us]"), us != NAT


_FIRST_NUMBER = SPOT_DTYPE.fields["yesterday_close"][1]  # type: ignore[index]
_BOOK_STRIDE = _FIXED_OFF["v_bid_amount"] - _FIXED_OFF["v_bid"]
assert [_FIXED_OFF[f] for f in SCALARS] == [_FIXED_OFF["yesterday_close"] + 8 * i for i in range(7)]
assert [_FIXED_OFF["v_" + f] for f in BOOK_FIELDS] == [_FIXED_OFF["v_bid"] + _BOOK_STRIDE * i for i in range(4)]


def _numbers(out: np.ndarray) -> np.ndarray:
    """The 27 numbers of each spot of a fresh SPOT_DTYPE array as one writable (n, 27) view."""
    return np.ndarray((len(out), 27), np.float64, out, _FIRST_NUMBER, (SPOT_DTYPE.itemsize, 8))


def _block_numbers(blocks: np.ndarray, first: str, shape: tuple[int, ...], strides: tuple[int, ...]) -> np.ndarray:
    """A strided (n, *shape) float64 view of numbers inside every block, from field ``first`` on."""
    fields = blocks.dtype.fields
    assert fields is not None
    return np.ndarray((len(blocks), *shape), np.float64, blocks, fields[first][1],
                      (blocks.dtype.itemsize, *strides))


def _columns(blocks: np.ndarray, n: int, lengths: dict[str, np.ndarray], name_len: np.ndarray,
             name_raw: np.ndarray, memo: DatetimeMemo | None) -> tuple[np.ndarray, dict[str, int]]:
    out = np.zeros(n, dtype=SPOT_DTYPE)
    dropped: dict[str, int] = {}
    valid = np.ones(n, dtype=bool)

    def drop(mask: np.ndarray, reason: str) -> None:
        bad = mask & valid
        if bad.any():
            dropped[reason] = dropped.get(reason, 0) + int(bad.sum())
            valid[bad] = False

    for f in ("market", "code"):
        width = _WIDTHS[f]
        raw = blocks["s_" + f][:, :width]
        length = lengths[f]
        if (length == width).all() and (raw < 128).all():  # the usual case: full-width ASCII
            mat = raw
        else:
            mat = np.where(np.arange(width) < np.minimum(length, width)[:, None], raw, 0).astype(np.uint8)
            drop((length == 0) | (length > width) | (mat >= 128).any(axis=1), "bad_" + f)
            mat = np.where(valid[:, None], mat, 0).astype(np.uint8)
        if f == "market":  # Hikyuu compares markets without case
            lower = (mat >= 97) & (mat <= 122)
            if lower.any():
                mat = np.where(lower, mat - 32, mat).astype(np.uint8)
        out[f] = np.ascontiguousarray(mat).view(f"S{width}").ravel().astype(f"U{width}")
    if name_len.any():
        used = int(min(NAME_BYTES, name_len.max()))
        cols = np.arange(used)
        mat = np.where(cols < np.minimum(name_len, used)[:, None], name_raw[:, :used], 0).astype(np.uint8)
        raw = np.ascontiguousarray(mat).view(f"S{used}").ravel()
        names = b"\0".join(raw.tolist()).decode("utf-8", "ignore").split("\0")
        if len(names) != len(raw):
            names = [x.decode("utf-8", "ignore").replace("\0", "") for x in raw.tolist()]
        out["name"] = names
    dts, ok = _datetimes(blocks["s_datetime"], lengths["datetime"], memo)
    drop(~ok, "bad_datetime")
    out["datetime"] = dts
    _numbers(out)[:, :7] = _block_numbers(blocks, "yesterday_close", (7,), (8,))
    _numbers(out)[:, 7:] = _block_numbers(blocks, "v_bid", (4, BOOK_LEVELS), (_BOOK_STRIDE, 8)).reshape(n, -1)
    return (out if valid.all() else out[valid]), dropped
