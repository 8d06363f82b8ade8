"""Board (block) membership from a TDX install's block files, for Hikyuu's ``block(category, name,
market_code)`` table.

Files under ``<tdx>/T0002/hq_cache/`` (the client refreshes them): ``block_zs.dat`` (index boards),
``block_fg.dat`` (style boards), ``block_gn.dat`` (concept boards). Layout (the one pytdx's
``BlockReader`` reads): 384 bytes of header, a uint16 board count, then per board a 9-byte GBK name, a
uint16 member count, a uint16 board type and 400 slots of 7-byte codes (2,813 bytes a board).

Codes carry no market; it is inferred from the code rules (the market in which the code is a share,
fund or bond rather than an index), and codes that fit no market are reported, not guessed.

Industries (Hikyuu's 行业板块) come from two GBK text files of the same folder: ``tdxzs.cfg`` lists the
boards, ``name|index code|kind|?|level|ref`` (kind 2 = TDX industry with a hierarchical ``T`` code as ref,
3 = region, 4 = concept, 5 = style), and ``tdxhy.cfg`` gives each stock its industry,
``market|code|T code|...`` (0 SZ, 1 SH, 2 BJ); a stock belongs to every industry board whose ``T`` code
its own begins with (a sub-industry's stock is in its parent industry too). The boards' index codes
(880xxx, Shanghai) become Hikyuu's ``BlockIndex`` rows for industry and concept boards.
"""

from __future__ import annotations

import logging
import struct
from dataclasses import dataclass, field
from pathlib import Path

from hikyuu_live.model.codes import StockType, classify

log = logging.getLogger(__name__)

BLOCK_FILES = {"block_zs.dat": "指数板块", "block_fg.dat": "风格板块", "block_gn.dat": "概念板块"}
INDUSTRY = "行业板块"
BOARD_LIST, STOCK_INDUSTRY = "tdxzs.cfg", "tdxhy.cfg"
TDX_MARKET = {"0": "SZ", "1": "SH", "2": "BJ"}
#: tdxzs.cfg kinds -> Hikyuu's category of the board's BlockIndex row
KIND_CATEGORY = {"2": INDUSTRY, "4": "概念板块"}
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
    index_rows: list[tuple[str, str, str]] = field(default_factory=list)  # (category, name, index market_code)
    bad: list[tuple[str, str]] = field(default_factory=list)  # (line, reason) of the text files
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
    _industries(base, out, unknown)
    out.unknown_codes = sorted(unknown)
    return out


def parse_board_list(text: str) -> tuple[list[tuple[str, str, str, str]], list[tuple[str, str]]]:
    """``tdxzs.cfg``: (name, index code, kind, ref) of every board, and the malformed lines."""
    boards, bad = [], []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 6 or not (len(parts[1]) == 6 and parts[1].isdigit()) or not parts[0]:
            bad.append((f"{BOARD_LIST}:{n}", f"not name|code|kind|?|level|ref: {line[:60]!r}"))
            continue
        boards.append((parts[0], parts[1], parts[2], parts[5]))
    return boards, bad


def parse_stock_industries(text: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """``tdxhy.cfg``: market code -> TDX industry code, and the malformed lines."""
    out, bad = {}, []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        market = TDX_MARKET.get(parts[0]) if parts else None
        if len(parts) < 3 or market is None or not (len(parts[1]) == 6 and parts[1].isdigit()):
            bad.append((f"{STOCK_INDUSTRY}:{n}", f"not market|code|industry: {line[:60]!r}"))
            continue
        if parts[2]:
            out[market + parts[1]] = parts[2]
    return out, bad


def _read_gbk(path: Path, out: Blocks) -> str | None:
    if not path.is_file():
        out.missing.append(str(path))
        return None
    try:
        return path.read_bytes().decode("gbk", "replace")
    except OSError as e:
        out.missing.append(f"{path} ({e})")
        return None


def _industries(base: Path, out: Blocks, unknown: set[str]) -> None:
    """Industry boards from tdxzs.cfg + tdxhy.cfg, and the BlockIndex rows of industries and concepts."""
    board_text = _read_gbk(base / BOARD_LIST, out)
    if board_text is None:
        return
    boards, bad = parse_board_list(board_text)
    out.bad += bad
    out.files.append(str(base / BOARD_LIST))
    concepts = {name for cat, name, _ in out.rows if cat == "概念板块"}
    for name, code, kind, _ref in boards:
        category = KIND_CATEGORY.get(kind)
        if category == INDUSTRY or (category is not None and name in concepts):
            out.index_rows.append((category, name, "SH" + code))
    stock_text = _read_gbk(base / STOCK_INDUSTRY, out)
    if stock_text is None:
        return
    industries, bad = parse_stock_industries(stock_text)
    out.bad += bad
    out.files.append(str(base / STOCK_INDUSTRY))
    refs = [(name, ref) for name, _code, kind, ref in boards if kind == "2" and ref]
    for mc, tcode in sorted(industries.items()):
        if classify(mc[:2], mc[2:]) in (StockType.OTHER, StockType.INDEX):
            unknown.add(mc)
            continue
        for name, ref in refs:
            if tcode.startswith(ref):
                out.rows.append((INDUSTRY, name, mc))
