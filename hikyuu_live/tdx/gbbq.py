"""Weights (权息) of a TDX install: ``T0002/hq_cache/gbbq`` (股本变迁), the file the client refreshes with
every market's dividend, rights issue and share-change events, so that a local import needs no network
for adjusted prices.

The file is a uint32 record count, then 29-byte records whose first 24 bytes are enciphered; pytdx's
``GbbqReader`` (pytdx is a dependency) deciphers it. A clear record is the market (0 SZ, 1 SH, 2 BJ), the
code, the date (YYYYMMDD), the event category and four float32 whose meaning depends on the category
exactly as in the network's xdxr answer: category 1 dividend per 10 shares, rights price, bonus shares
per 10, rights shares per 10; categories 11/12 the split ratio in the third; 13/14 warrants; the others
share counts in 10,000 shares (float before, total before, float after, total after). Each record is
turned into the event dict of the network's xdxr answer, so one mapping (``network.weights``) makes the
Hikyuu rows from either. Records of no known market or with an impossible date are returned as bad.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

GBBQ = Path("T0002") / "hq_cache" / "gbbq"
MARKET_OF = {0: "SZ", 1: "SH", 2: "BJ"}


@dataclass(slots=True)
class GbbqEvents:
    by_stock: dict[str, list[dict]] = field(default_factory=dict)  # market code -> xdxr-like events
    bad: list[tuple[str, str]] = field(default_factory=list)


def gbbq_path(tdx_dir: str | Path) -> Path:
    base = Path(tdx_dir)
    return (base.parent if base.name.lower() == "vipdoc" else base) / GBBQ


def event(category: int, ymd: int, v: tuple[float, float, float, float]) -> dict:
    """One gbbq record as the event dict pytdx's xdxr parser returns."""
    ev: dict = {"year": ymd // 10000, "month": ymd // 100 % 100, "day": ymd % 100, "category": category}
    keys = ("fenhong", "peigujia", "songzhuangu", "peigu", "suogu", "panqianliutong", "panhouliutong",
            "qianzongguben", "houzongguben")
    ev.update(dict.fromkeys(keys))
    if category == 1:
        ev["fenhong"], ev["peigujia"], ev["songzhuangu"], ev["peigu"] = v
    elif category in (11, 12):
        ev["suogu"] = v[2]
    elif category in (13, 14):
        pass  # warrants: no weight
    else:
        ev["panqianliutong"], ev["qianzongguben"], ev["panhouliutong"], ev["houzongguben"] = v
    return ev


def read_gbbq(path: str | Path) -> GbbqEvents:
    """Every record of a gbbq file, by stock; ``OSError``/``ValueError`` when the file is unreadable."""
    from pytdx.reader.gbbq_reader import GbbqReader  # deciphers; imports pandas, so only when used

    data = Path(path).read_bytes()
    if len(data) < 4:
        raise ValueError(f"{path}: {len(data)} bytes, no record count")
    count = int.from_bytes(data[:4], "little")
    if 4 + count * 29 > len(data):
        raise ValueError(f"{path}: announces {count} records but is {len(data)} bytes")
    out = GbbqEvents()
    frame = GbbqReader().get_df(str(path))
    for market, code, ymd, category, *values in frame.itertuples(index=False):
        mk = MARKET_OF.get(int(market))
        key = f"{mk or market}{code}"
        if mk is None or not (len(code) == 6 and code.isdigit()):
            out.bad.append((key, f"market {market} / code {code!r} unknown"))
            continue
        try:
            date(int(ymd) // 10000, int(ymd) // 100 % 100, int(ymd) % 100)
        except ValueError:
            out.bad.append((key, f"date {ymd} is not a date"))
            continue
        a, b, c, d = (float(x) for x in values)  # the record's four figures, by category
        out.by_stock.setdefault(key, []).append(event(int(category), int(ymd), (a, b, c, d)))
    return out
