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


#: ``tdxzs.cfg`` lines in TDX's format (the煤炭/银行 lines and their codes as public TDX readers document them)
BOARD_LIST = ["煤炭|880301|2|1|0|T0101", "煤炭开采|880302|2|1|1|T010101", "银行|880471|2|1|1|T1001",
              "黑龙江|880201|3|1|0|1", "人工智能|880800|4|2|0|人工智能", "高分红股|880526|5|2|0|高分红股", "bad line"]
#: ``tdxhy.cfg`` lines: market (0 SZ, 1 SH, 2 BJ) | code | TDX industry | | | research industry
STOCK_INDUSTRY = ["1|600000|T1001|||X1", "0|000001|T1001|||X1", "1|601088|T010101|||X2", "1|600004|T9999|||",
                  "9|600519|T1001|||"]


def write_industries(tdx_dir: Path, boards: list[str] = BOARD_LIST, stocks: list[str] = STOCK_INDUSTRY) -> Path:
    """``tdxzs.cfg`` and ``tdxhy.cfg`` (GBK text) beside the block files."""
    base = Path(tdx_dir) / "T0002" / "hq_cache"
    base.mkdir(parents=True, exist_ok=True)
    (base / "tdxzs.cfg").write_bytes(("\r\n".join(boards) + "\r\n").encode("gbk"))
    (base / "tdxhy.cfg").write_bytes(("\r\n".join(stocks) + "\r\n").encode("gbk"))
    return base
