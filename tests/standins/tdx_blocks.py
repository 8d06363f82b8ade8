"""Writes TDX block files (``T0002/hq_cache/block_*.dat``) in the layout pytdx's ``BlockReader`` reads."""

from __future__ import annotations

import struct
from pathlib import Path

HEADER = 384
SLOTS = 400


def block_file(boards: list[tuple[str, list[str]]], kind: int = 2) -> bytes:
    out = bytearray(b"\x00" * HEADER)
    out += struct.pack("<H", len(boards))
    for name, codes in boards:
        out += name.encode("gbk")[:9].ljust(9, b"\x00")
        out += struct.pack("<HH", len(codes), kind)
        slots = b"".join(c.encode("ascii").ljust(7, b"\x00") for c in codes[:SLOTS])
        out += slots.ljust(SLOTS * 7, b"\x00")
    return bytes(out)


def write_blocks(tdx_dir: Path, files: dict[str, list[tuple[str, list[str]]]]) -> Path:
    base = Path(tdx_dir) / "T0002" / "hq_cache"
    base.mkdir(parents=True, exist_ok=True)
    for fname, boards in files.items():
        (base / fname).write_bytes(block_file(boards))
    return base


SAMPLE = {
    "block_gn.dat": [("人工智能", ["600004", "300001", "830799"]), ("银行", ["600000", "000001"])],
    "block_fg.dat": [("大盘股", ["600519", "000002"])],
    "block_zs.dat": [("上证50", ["600000", "600519", "999999"])],
}
