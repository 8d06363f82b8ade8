"""Board (block) membership from a TDX install's block files, for Hikyuu's ``block(category, name,
market_code)`` table.

Files under ``<tdx>/T0002/hq_cache/`` (the client refreshes them): ``block_zs.dat`` (index boards),
``block_fg.dat`` (style boards), ``block_gn.dat`` (concept boards). Layout (the one pytdx's
``BlockReader`` reads): 384 bytes of header, a uint16 board count, then per board a 9-byte GBK name, a
uint16 member count, a uint16 board type and 400 slots of 7-byte codes (2,813 bytes a board).

Codes carry no market; it is inferred from the code rules (the market in which the code is a share,
fund or bond rather than an index), and codes that fit no market are reported, not guessed.
"""

from __future__ import annotations

import logging
import struct
from dataclasses import dataclass, field
from pathlib import Path

from hikyuu_live.model.codes import StockType, classify

log = logging.getLogger(__name__)

BLOCK_FILES = {"block_zs.dat": "指数板块", "block_fg.dat": "风格板块", "block_gn.dat": "概念板块"}
BLOCK_DIR = Path("T0002") / "hq_cache"
HEADER = 384
NAME_BYTES = 9
SLOTS = 400
CODE_BYTES = 7
BOARD_BYTES = NAME_BYTES + 4 + SLOTS * CODE_BYTES
#: the market that owns a code when several could: shares first
_MARKET_ORDER = ("SH", "SZ", "BJ")


@dataclass(slots=True)
class Blocks:
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # (category, name, market_code)
    unknown_codes: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def categories(self) -> list[str]:
        return sorted({r[0] for r in self.rows})


def market_of(code: str) -> str | None:
    """The market where ``code`` is a tradable security (not an index); None when no rule fits."""
    for market in _MARKET_ORDER:
        kind = classify(market, code)
        if kind not in (StockType.OTHER, StockType.INDEX):
            return market
    return None


def parse_block_file(data: bytes) -> list[tuple[str, list[str]]]:
    """(board name, member codes) of one block file; ``ValueError`` if it is cut short."""
    if len(data) < HEADER + 2:
        raise ValueError("shorter than the block file header")
    (count,) = struct.unpack_from("<H", data, HEADER)
    pos = HEADER + 2
    if len(data) < pos + count * BOARD_BYTES - SLOTS * CODE_BYTES:
        raise ValueError(f"announces {count} boards but is {len(data)} bytes")
    out = []
    for _ in range(count):
        name = data[pos:pos + NAME_BYTES].split(b"\x00", 1)[0].decode("gbk", "replace")
        members, _kind = struct.unpack_from("<HH", data, pos + NAME_BYTES)
        first = pos + NAME_BYTES + 4
        codes = []
        for i in range(min(members, SLOTS)):
            raw = data[first + i * CODE_BYTES:first + (i + 1) * CODE_BYTES].split(b"\x00", 1)[0]
            if raw:
                codes.append(raw.decode("ascii", "replace"))
        out.append((name, codes))
        pos += BOARD_BYTES
    return out


def read_blocks(tdx_dir: str | Path) -> Blocks:
    """All boards of the block files found under ``tdx_dir`` (missing files are listed, not fatal)."""
    base = Path(tdx_dir) / BLOCK_DIR
    out = Blocks()
    unknown: set[str] = set()
    for fname, category in BLOCK_FILES.items():
        path = base / fname
        if not path.is_file():
            out.missing.append(str(path))
            continue
        try:
            boards = parse_block_file(path.read_bytes())
        except (OSError, ValueError) as e:
            log.warning("block file %s unreadable: %s", path, e)
            out.missing.append(f"{path} ({e})")
            continue
        out.files.append(str(path))
        for name, codes in boards:
            for code in codes:
                market = market_of(code)
                if market is None:
                    unknown.add(code)
                    continue
                out.rows.append((category, name, market + code))
    out.unknown_codes = sorted(unknown)
    return out
