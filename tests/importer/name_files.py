"""TDX name files (``T0002/hq_cache/shm.tnf``...) for the tests, in the layout TDX writes: a 50-byte header,
314-byte records with the code at byte 0, the GBK name at byte 23 (NUL-ended) and the pinyin initials at 285
(layout: Hikyuu's ``tdx_import_stock_name_from_file`` and other public readers agree on it). The names are
the securities' real short names."""

from __future__ import annotations

from pathlib import Path

from hikyuu_live.tdx.names import HEADER, HQ_CACHE, NAME_AT, NAME_FILES, RECORD

#: test_data's securities (and one more per market) with their real names
REAL_NAMES = {
    "SH": {"000001": "上证指数", "600000": "浦发银行", "510300": "沪深300ETF", "688371": "菲沃泰",
           "600519": "贵州茅台"},
    "SZ": {"399001": "深证成指", "000001": "平安银行", "159915": "创业板ETF", "300995": "奇德新材", "000002": "万科Ａ"},
    "BJ": {"833824": "润普食品", "838599": "艾融软件", "899050": "北证50"},
}


def record(code: str, name: str, pinyin: str = "") -> bytes:
    rec = bytearray(RECORD)
    rec[0:6] = code.encode("ascii")
    raw = name.encode("gbk")
    rec[NAME_AT:NAME_AT + len(raw)] = raw
    rec[285:285 + len(pinyin)] = pinyin.encode("ascii")
    return bytes(rec)


def write_name_files(tdx: Path, names: dict[str, dict[str, str]], *, extra: dict[str, bytes] | None = None) -> Path:
    folder = tdx / HQ_CACHE
    folder.mkdir(parents=True, exist_ok=True)
    for market, listed in names.items():
        body = b"".join(record(c, n) for c, n in listed.items()) + (extra or {}).get(market, b"")
        (folder / NAME_FILES[market]).write_bytes(b"\x00" * HEADER + body)
    return tdx
