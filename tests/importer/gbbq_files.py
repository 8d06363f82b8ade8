"""TDX ``gbbq`` files for the tests. The client's file enciphers the first 24 bytes of each 29-byte record
with a 16-round Feistel cipher whose key table pytdx ships (``GbbqReader.hexdump_keys``); ``write_gbbq``
enciphers records with the inverse rounds of pytdx's reader, so production code reads them with pytdx's
own decipher, unchanged (the test below checks the round trip through pytdx's reader).

The events are in the file's real units (yuan and shares per 10 shares, share counts in 10,000 shares);
SZ000001's are 平安银行's 2023 dividend (7.19 yuan per 10 shares, ex-date 2024-06-14) and a share-count
row of its size; the others are illustrative."""

from __future__ import annotations

import struct
from pathlib import Path

from pytdx.reader.gbbq_reader import GbbqReader

KEYS = bytes.fromhex(GbbqReader.hexdump_keys)
MARKET = {"SZ": 0, "SH": 1, "BJ": 2}

REAL_EVENTS = [
    ("SH", "600000", 20230720, 1, (3.2, 0.0, 0.0, 0.0)),
    ("SZ", "000001", 20240614, 1, (7.19, 0.0, 0.0, 0.0)),
    ("SZ", "000001", 20240614, 5, (1940560.0, 1940591.875, 1940560.0, 1940591.875)),
    ("SZ", "000002", 20230721, 1, (6.8, 0.0, 0.0, 0.0)),
]


def _u32(off: int) -> int:
    return struct.unpack_from("<I", KEYS, off)[0]


def _f(x: int) -> int:
    a = (_u32(0x48 + (x >> 24) * 4) + _u32(0x448 + ((x >> 16) & 0xFF) * 4)) & 0xFFFFFFFF
    a ^= _u32(0x848 + ((x >> 8) & 0xFF) * 4)
    return (a + _u32(0xC48 + (x & 0xFF) * 4)) & 0xFFFFFFFF


def _encipher(block: bytes) -> bytes:
    a, b = struct.unpack("<II", block)
    right, left = a ^ _u32(0), b
    for j in range(4, 0x44, 4):  # the reader's rounds run 0x40 .. 4: undo them in reverse
        left, right = right, left ^ _f(right) ^ _u32(j)
    return struct.pack("<II", left ^ _u32(0x44), right)


def record(market: str, code: str, ymd: int, category: int, values: tuple[float, float, float, float],
           market_id: int | None = None) -> bytes:
    clear = struct.pack("<B7sIBffff", MARKET[market] if market_id is None else market_id, code.encode(), ymd,
                        category, *values)
    return b"".join(_encipher(clear[i:i + 8]) for i in range(0, 24, 8)) + clear[24:]


def write_gbbq(path: Path, records: list[bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(struct.pack("<I", len(records)) + b"".join(records))
    return path
