"""Generate ``hikyuu_live/data/codes_a.csv``: the fallback universe shipped in the package.

About 5,500 codes in the real numbering ranges of every board (SH/SZ main, ChiNext, STAR, BJ), the major
indices and ETFs, deterministic. Real collectors should use the store's stock list (after ``importdata``);
this list keeps them and the demos working before that. Names are placeholders except for a few well-known
codes.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "hikyuu_live" / "data" / "codes_a.csv"
KNOWN = [("SH", "000001", "上证指数"), ("SH", "000300", "沪深300"), ("SH", "000016", "上证50"),
         ("SH", "000905", "中证500"), ("SZ", "399001", "深证成指"), ("SZ", "399006", "创业板指"),
         ("BJ", "899050", "北证50"), ("SH", "600000", "浦发银行"), ("SH", "600519", "贵州茅台"),
         ("SH", "601318", "中国平安"), ("SZ", "000001", "平安银行"), ("SZ", "000858", "五粮液"),
         ("SZ", "300750", "宁德时代"), ("SH", "688981", "中芯国际"), ("SH", "510050", "50ETF"),
         ("SH", "510300", "300ETF"), ("SH", "510500", "500ETF"), ("SZ", "159915", "创业板ETF"),
         ("SZ", "159919", "300ETF")]
#: (market, first code, last code, how many)
RANGES = [("SH", 600000, 605999, 1700), ("SH", 688000, 689009, 580), ("SZ", 1, 3999, 1500),
          ("SZ", 300001, 301599, 1350), ("BJ", 830000, 839999, 130), ("BJ", 870000, 873999, 60),
          ("BJ", 920000, 920999, 60), ("SH", 510010, 518999, 120), ("SZ", 159001, 159999, 80)]


def main() -> None:
    rng = np.random.default_rng(20261125)
    rows = {(m, c): n for m, c, n in KNOWN}
    for market, lo, hi, n in RANGES:
        for num in sorted(rng.choice(np.arange(lo, hi + 1), size=n, replace=False)):
            code = f"{int(num):06d}"
            rows.setdefault((market, code), f"{market}{code}")
    with open(OUT, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["market", "code", "name"])
        for (m, c), n in sorted(rows.items()):
            w.writerow([m, c, n])
    print(f"wrote {len(rows)} codes to {OUT}")


if __name__ == "__main__":
    main()
