"""Encoders for the TDX quote protocol as ``pytdx`` reads it: the server half of ``pytdx/parser/*.py``.

Request frame (what ``TdxHq_API`` sends): 10 bytes of header whose uint16 at offset 6 is the length of
what follows, then that many bytes starting with the uint16 command id. Response frame (what
``BaseParser._call_api`` reads): a 16-byte header ``<IIIHH`` (magic, echo of the request, echo + command,
zipsize, unzipsize) and the body, zlib-compressed when the sizes differ. Both sizes are uint16, so a body
(compressed) must stay under 64 KiB: 800 bars or 2,000 ticks per call fit, which is why the protocol pages.

Body encodings used below (learnt from the parsers, not from any server):
- ``varint``: pytdx ``helper.get_price``: first byte = continuation bit 0x80, sign bit 0x40, 6 value bits;
  following bytes 7 value bits each, little end first.
- ``float4``: pytdx ``helper.get_volume``: for positive values it reads the bits of an IEEE float32 (exact
  for values >= 128 and for values whose mantissa byte 2 is 0); a raw 0 reads as 2**-127 (5.9e-39).
- bar datetimes: day-like categories a uint32 ``YYYYMMDD``; minute categories uint16
  ``(year-2004)*2048 + month*100 + day`` and uint16 minutes after midnight.
- bar prices in 0.001 yuan: open as a difference from the previous bar's close, close/high/low as
  differences from the open; ticks and time lines in 0.01 yuan, each a difference from the previous one.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

RSP_MAGIC = 0x0074CBB1
#: command ids (uint16 at request offset 10), named by the pytdx call that sends them
CMD_SETUP1 = 0x000D  # SetupCmd1 and SetupCmd2 (parameter byte 1 / 2)
CMD_SETUP3 = 0x0FDB
CMD_SECURITY_COUNT = 0x044E
CMD_SECURITY_LIST = 0x0450
CMD_BARS = 0x052D  # get_security_bars and get_index_bars share it; the server knows which codes are indices
CMD_XDXR = 0x000F
CMD_FINANCE = 0x0010
CMD_HISTORY_TRANSACTION = 0x0FB5
CMD_HISTORY_MINUTE_TIME = 0x0FB4
CMD_QUOTES = 0x053E
CMD_REPORT_FILE = 0x06B9  # get_report_file: a chunk of a file the server offers (tdxfin/gpcw*.zip)
REPORT_CHUNK = 0x7530  # what pytdx asks for a call

#: pytdx kline categories whose datetime is (zipday, minutes) rather than YYYYMMDD
MINUTE_CATEGORIES = frozenset({0, 1, 2, 3, 7, 8})


def frame(request_head: bytes, cmd: int, body: bytes, *, compress: bool = True) -> bytes:
    """A response frame for a request whose first 10 bytes were ``request_head``."""
    raw = len(body)
    payload = zlib.compress(body) if compress and raw > 64 else body
    if len(payload) >= raw:
        payload = body
    if len(payload) > 0xFFFF or raw > 0xFFFF:
        raise ValueError(f"body of {raw} bytes does not fit the protocol's uint16 sizes")
    head = struct.pack("<I4sBBH", RSP_MAGIC, bytes(request_head[:4]), request_head[4], 0, cmd)
    return head + struct.pack("<HH", len(payload), raw) + payload


# ----------------------------------------------------------------------------- scalar encoders


def varint(value: int) -> bytes:
    """One signed number as pytdx ``get_price`` reads it."""
    m = -value if value < 0 else value
    first = (m & 0x3F) | (0x40 if value < 0 else 0)
    m >>= 6
    if not m:
        return bytes((first,))
    out = [first | 0x80]
    while m:
        b = m & 0x7F
        m >>= 7
        out.append(b | (0x80 if m else 0))
    return bytes(out)


def float4_raw(value: float) -> int:
    """The uint32 that pytdx ``get_volume`` turns back into ``value`` (0 stays a raw 0)."""
    if value <= 0:
        return 0
    return struct.unpack("<I", struct.pack("<f", value))[0]


def float4_exact(value: float) -> float:
    """What the client will read for ``value``: the float32 nearest to it."""
    return float(np.float32(value)) if value > 0 else 0.0


def zipday(year: int, month: int, day: int) -> int:
    return (year - 2004) * 2048 + month * 100 + day


# ----------------------------------------------------------------------------- vectorised encoders


def varint_matrix(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Encode many varints at once: (n x 5 bytes, left aligned; byte count per value)."""
    v = np.asarray(values, dtype=np.int64)
    m = np.abs(v)
    if np.any(m >= 1 << 34):
        raise ValueError("varint out of range (more than 5 bytes)")
    n = 1 + (m >= 1 << 6) + (m >= 1 << 13) + (m >= 1 << 20) + (m >= 1 << 27)
    out = np.zeros((len(v), 5), dtype=np.uint8)
    out[:, 0] = (m & 0x3F) | np.where(v < 0, 0x40, 0) | np.where(n > 1, 0x80, 0)
    for k in range(1, 5):
        part = (m >> (6 + 7 * (k - 1))) & 0x7F
        out[:, k] = np.where(n > k, part | np.where(n > k + 1, 0x80, 0), 0)
    return out, n


def float4_array(values: np.ndarray) -> np.ndarray:
    """``float4_raw`` for an array (uint32)."""
    v = np.asarray(values, dtype=np.float64)
    raw = v.astype("<f4").view("<u4").copy()
    raw[~(v > 0)] = 0
    return raw


def _pack_rows(parts: list[tuple[np.ndarray, np.ndarray | None]]) -> bytes:
    """Concatenate per-row byte groups; each part is (n x w bytes, valid length per row or None = all w)."""
    mats = [p for p, _ in parts]
    rows = np.concatenate(mats, axis=1)
    masks = []
    for mat, length in parts:
        w = mat.shape[1]
        if length is None:
            masks.append(np.ones(mat.shape, dtype=bool))
        else:
            masks.append(np.arange(w)[None, :] < length[:, None])
    return rows[np.concatenate(masks, axis=1)].tobytes()


def _u32_bytes(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(a, dtype="<u4")).view(np.uint8).reshape(-1, 4)


def _u16_bytes(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(a, dtype="<u2")).view(np.uint8).reshape(-1, 2)


def bars_body(category: int, dt: np.ndarray, price1000: np.ndarray, vol_raw: np.ndarray,
              amount_raw: np.ndarray, *, index_counts: np.ndarray | None = None) -> bytes:
    """The body of a ``get_security_bars`` / ``get_index_bars`` answer.

    ``dt``: for day categories ``YYYYMMDD`` ints, for minute categories ``(zipday << 16) | minutes``;
    ``price1000``: n x 4 int (open, high, low, close) in 0.001 yuan; ``vol_raw``/``amount_raw``: uint32
    float4 raws; ``index_counts``: n x 2 (up, down) for index answers.
    """
    n = len(dt)
    head = struct.pack("<H", n)
    if n == 0:
        return head
    p = np.asarray(price1000, dtype=np.int64)
    o, h, low, c = p[:, 0], p[:, 1], p[:, 2], p[:, 3]
    prev_close = np.concatenate(([0], c[:-1]))
    if category in MINUTE_CATEGORIES:
        d = np.asarray(dt, dtype=np.int64)
        dt_bytes = np.concatenate([_u16_bytes(d >> 16), _u16_bytes(d & 0xFFFF)], axis=1)
    else:
        dt_bytes = _u32_bytes(dt)
    parts: list[tuple[np.ndarray, np.ndarray | None]] = [(dt_bytes, None)]
    for diff in (o - prev_close, c - o, h - o, low - o):
        mat, length = varint_matrix(diff)
        parts.append((mat, length))
    parts.append((_u32_bytes(vol_raw), None))
    parts.append((_u32_bytes(amount_raw), None))
    if index_counts is not None:
        parts.append((_u16_bytes(np.asarray(index_counts)[:, 0]), None))
        parts.append((_u16_bytes(np.asarray(index_counts)[:, 1]), None))
    return head + _pack_rows(parts)


def ticks_body(minutes: np.ndarray, price100: np.ndarray, vol: np.ndarray, buyorsell: np.ndarray) -> bytes:
    """The body of a ``get_history_transaction_data`` answer (prices in 0.01 yuan)."""
    n = len(minutes)
    head = struct.pack("<H4s", n, b"\x00" * 4)
    if n == 0:
        return head
    p = np.asarray(price100, dtype=np.int64)
    diff = p - np.concatenate(([0], p[:-1]))
    parts: list[tuple[np.ndarray, np.ndarray | None]] = [(_u16_bytes(minutes), None)]
    for col in (diff, np.asarray(vol, dtype=np.int64), np.asarray(buyorsell, dtype=np.int64), np.zeros(n, np.int64)):
        mat, length = varint_matrix(col)
        parts.append((mat, length))
    return head + _pack_rows(parts)


def minute_time_body(price100: np.ndarray, vol: np.ndarray) -> bytes:
    """The body of a ``get_history_minute_time_data`` answer (prices in 0.01 yuan)."""
    n = len(price100)
    head = struct.pack("<H4s", n, b"\x00" * 4)
    if n == 0:
        return head
    p = np.asarray(price100, dtype=np.int64)
    diff = p - np.concatenate(([0], p[:-1]))
    parts: list[tuple[np.ndarray, np.ndarray | None]] = []
    for col in (diff, np.zeros(n, np.int64), np.asarray(vol, dtype=np.int64)):
        mat, length = varint_matrix(col)
        parts.append((mat, length))
    return head + _pack_rows(parts)


def security_list_body(rows: list[tuple[str, str, int, float]]) -> bytes:
    """``get_security_list``: (code, name, decimal_point, pre_close) rows, 29 bytes each."""
    out = bytearray(struct.pack("<H", len(rows)))
    for code, name, decimals, pre_close in rows:
        name_bytes = name.encode("gbk")[:8]
        out += struct.pack("<6sH8s4sBI4s", code.encode("ascii"), 100, name_bytes, b"\x00" * 4, decimals,
                           float4_raw(pre_close), b"\x00" * 4)
    return bytes(out)


def xdxr_body(market: int, code: str, events: list[dict]) -> bytes:
    """``get_xdxr_info``: 9 bytes of head (market, code, 2 unknown), count, 29 bytes per event."""
    out = bytearray(struct.pack("<B6sH", market, code.encode("ascii"), 0))
    out += struct.pack("<H", len(events))
    for ev in events:
        cat = ev["category"]
        if cat == 1:
            payload = struct.pack("<ffff", ev.get("fenhong", 0.0), ev.get("peigujia", 0.0),
                                  ev.get("songzhuangu", 0.0), ev.get("peigu", 0.0))
        elif cat in (11, 12):
            payload = struct.pack("<IIfI", 0, 0, ev.get("suogu", 1.0), 0)
        elif cat in (13, 14):
            payload = struct.pack("<fIfI", ev.get("xingquanjia", 0.0), 0, ev.get("fenshu", 0.0), 0)
        else:
            payload = struct.pack("<IIII", float4_raw(ev.get("panqianliutong", 0.0)),
                                  float4_raw(ev.get("qianzongguben", 0.0)), float4_raw(ev.get("panhouliutong", 0.0)),
                                  float4_raw(ev.get("houzongguben", 0.0)))
        out += struct.pack("<B6sBIB", market, code.encode("ascii"), 0, ev["date"], cat) + payload
    return bytes(out)


FINANCE_FLOATS = 30  # after liutongguben, province, industry, updated_date, ipo_date


def finance_body(market: int, code: str, liutongguben: float, province: int, industry: int, updated_date: int,
                 ipo_date: int, floats: list[float]) -> bytes:
    """``get_finance_info``: count, market, code, ``<fHHII`` and 30 float32 (values in 10,000 units)."""
    if len(floats) != FINANCE_FLOATS:
        raise ValueError(f"finance needs {FINANCE_FLOATS} floats")
    return (struct.pack("<HB6s", 1, market, code.encode("ascii"))
            + struct.pack("<fHHII", liutongguben, province, industry, updated_date, ipo_date)
            + struct.pack(f"<{FINANCE_FLOATS}f", *floats))
