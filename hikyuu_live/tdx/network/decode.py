"""Vectorised decoding of TDX bar answers: the same numbers as pytdx's ``GetSecurityBarsCmd`` and
``GetIndexBarsCmd`` parsers, about 20 times faster, straight into ``KDATA_DTYPE``.

Why: pytdx decodes bars one field at a time in Python (about 6 us a bar); importing millions of bars that
way costs more CPU than everything else of an import together. The layout (see
``tests/standins/tdx_wire.py``) is a count, then per bar a 4-byte datetime, four signed varints (open as a
difference from the previous close, close/high/low as differences from the open, in 0.001 yuan), two
4-byte pytdx floats (volume, amount) and, for index answers, two uint16 (advancers, decliners).

Records have variable length, so the start of each one depends on the previous one. A regular
expression (run by the C regex engine) splits the answer into consecutive records; the four varints of
a record are contiguous, so their ends are the next four bytes without the continuation bit, found for
all records at once with ``searchsorted``; the fields are then gathered with array indexing.

Differences from pytdx, on purpose: a raw volume/amount of 0 decodes to 0.0 (pytdx's formula gives
5.9e-39, a value that then looks like garbage); a datetime that is no calendar date (year 0, month 13)
decodes to NaT so that validation can quarantine the bar instead of the import crashing on it.
"""

from __future__ import annotations

import re

import numpy as np

from hikyuu_live.errors import SourceDataError
from hikyuu_live.model.datenum import from_number
from hikyuu_live.model.kdata import KDATA_DTYPE

#: pytdx kline categories whose datetime is (zipday, minutes) instead of YYYYMMDD
MINUTE_CATEGORIES = frozenset({0, 1, 2, 3, 7, 8})
_PAD = 32
_MAX_VARINT = 5


def decode_float4(raw: np.ndarray) -> np.ndarray:
    """pytdx ``helper.get_volume`` on an array of uint32, bit for bit (raw 0 -> 0.0, see module doc)."""
    r = np.asarray(raw, dtype=np.int64)
    lp = r >> 24
    h = (r >> 16) & 0xFF
    lo = (r >> 8) & 0xFF
    ll = r & 0xFF
    ecx = 2 * lp - 0x7F
    edx = 2 * lp - 0x86
    esi = 2 * lp - 0x8E
    eax = 2 * lp - 0x96
    two = np.float64(2.0)
    xmm6 = np.power(two, ecx.astype(np.float64))
    big = 2.0 ** edx.astype(np.float64) * 128.0 + (h & 0x7F) * 2.0 ** (edx + 1).astype(np.float64)
    # pytdx divides by 2**edx when edx < 0, i.e. multiplies by 2**-edx: a quirk we keep for equal numbers
    small = np.where(edx >= 0, 2.0 ** edx.astype(np.float64), 2.0 ** (-edx).astype(np.float64)) * h
    xmm4 = np.where(h > 0x80, big, small)
    scale = np.where((h & 0x80) != 0, 2.0, 1.0)
    xmm3 = 2.0 ** esi.astype(np.float64) * lo * scale
    xmm1 = 2.0 ** eax.astype(np.float64) * ll * scale
    out = xmm6 + xmm4 + xmm3 + xmm1
    out[r == 0] = 0.0
    return out


def _varint_values(data: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Values of the varints occupying ``data[start..end]`` (inclusive)."""
    length = end - start + 1
    if length.size and int(length.max()) > _MAX_VARINT:
        raise SourceDataError("bars: a number longer than 5 bytes")
    b0 = data[start].astype(np.int64)
    value = b0 & 0x3F
    for k in range(1, _MAX_VARINT):
        bk = data[start + k].astype(np.int64) & 0x7F
        value += np.where(length > k, bk << (6 + 7 * (k - 1)), 0)
    return np.where((b0 & 0x40) != 0, -value, value)


def _record_pattern(tail: int) -> re.Pattern[bytes]:
    """One bar: 4 bytes, four varints (any continuation bytes then one without), ``tail`` fixed bytes."""
    return re.compile(rb".{4}(?:[\x80-\xff]*[\x00-\x7f]){4}.{%d}" % tail, re.S)


_PATTERNS = {8: _record_pattern(8), 12: _record_pattern(12)}


def _record_starts(data: np.ndarray, body: bytes, n: int, tail: int) -> tuple[np.ndarray, np.ndarray]:
    """Start of each record and the ends of its 4 varints: arrays (n,) and (n, 4).

    Every position can start a record, so the C regex engine, searching from the end of the previous
    match, matches exactly the consecutive records; its match lengths give the starts.
    """
    lengths = [len(m) for m in _PATTERNS[tail].findall(body, 2)][:n]
    if len(lengths) < n:
        raise SourceDataError(f"bars: answer ends inside bar {len(lengths) + 1} of {n}")
    starts = 2 + np.concatenate(([0], np.cumsum(lengths[:-1], dtype=np.int64)))
    # the 4 varints are contiguous: their ends are the next 4 bytes without the continuation bit
    stops = np.flatnonzero((data & 0x80) == 0)
    first = np.searchsorted(stops, starts + 4)
    var_ends = stops[first[:, None] + np.arange(4)[None, :]]
    return starts, var_ends


def _datetimes(data: np.ndarray, starts: np.ndarray, minute: bool) -> np.ndarray:
    """``M8[us]`` of each bar; NaT where the encoded date or time is not a real one."""
    b = [data[starts + k].astype(np.int64) for k in range(4)]
    if minute:
        zip_day = b[0] | (b[1] << 8)
        minutes = b[2] | (b[3] << 8)
        year = (zip_day >> 11) + 2004
        month = (zip_day % 2048) // 100
        day = (zip_day % 2048) % 100
        hour, minute_ = minutes // 60, minutes % 60
    else:
        ymd = b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)
        year, month, day = ymd // 10000, (ymd % 10000) // 100, ymd % 100
        hour = np.zeros_like(year)
        minute_ = np.zeros_like(year)
    number = ((year * 100 + month) * 100 + day) * 10000 + hour * 100 + minute_
    # 0 (NaT) before 1970 and past 23:59 (an hour of 100 or more would carry into the day's digits);
    # from_number gives NaT to every other impossible date or time
    return from_number(np.where((year >= 1970) & (hour < 24), number, 0))


def decode_bars(body: bytes, category: int, *, index: bool = False) -> np.ndarray:
    """The bars of one answer as ``KDATA_DTYPE``, oldest first.

    Units: prices yuan, ``amount`` 10,000 yuan (the protocol sends yuan), ``volume`` as sent (lots for
    shares). Raises ``SourceDataError`` for a body that does not hold the announced number of bars.
    """
    if len(body) < 2:
        raise SourceDataError("bars: answer shorter than its count")
    n = int.from_bytes(body[:2], "little")
    out = np.zeros(n, dtype=KDATA_DTYPE)
    if n == 0:
        return out
    data = np.frombuffer(bytes(body) + b"\x00" * _PAD, dtype=np.uint8)
    tail = 8 + (4 if index else 0)
    starts, var_ends = _record_starts(data, bytes(body), n, tail)
    var_starts = np.concatenate([starts[:, None] + 4, var_ends[:, :3] + 1], axis=1)
    diffs = [_varint_values(data, var_starts[:, k], var_ends[:, k]) for k in range(4)]
    open_d, close_d, high_d, low_d = diffs
    close = np.cumsum(open_d + close_d)
    open_ = close - close_d
    fixed = var_ends[:, 3] + 1
    raw = np.stack([data[fixed + k].astype(np.int64) for k in range(8)], axis=1)
    vol_raw = raw[:, 0] | (raw[:, 1] << 8) | (raw[:, 2] << 16) | (raw[:, 3] << 24)
    amt_raw = raw[:, 4] | (raw[:, 5] << 8) | (raw[:, 6] << 16) | (raw[:, 7] << 24)
    out["datetime"] = _datetimes(data, starts, category in MINUTE_CATEGORIES)
    out["open"] = open_ / 1000.0
    out["close"] = close / 1000.0
    out["high"] = (open_ + high_d) / 1000.0
    out["low"] = (open_ + low_d) / 1000.0
    out["volume"] = decode_float4(vol_raw)
    out["amount"] = decode_float4(amt_raw) / 10000.0
    return out
