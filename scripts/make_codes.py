"""Generate ``hikyuu_live/model/codes_a.csv``: the fallback universe shipped in the package.

About 5,500 codes (92 Tencent requests of 60) in the real numbering ranges of every board (SH/SZ main,
ChiNext, STAR, BJ), indices (SH 000xxx, SZ 399xxx, BJ 899xxx) and ETFs (SH 51x/56x/588, SZ 159),
deterministic. Real collectors should use the store's stock list (after ``importdata``);
this list keeps them and the demos working before that. Names are real for the well-known codes of
``KNOWN`` and the placeholder ``MARKETCODE`` (e.g. ``SH600123``) for the others: invented names that look
real would end up published (QMT ticks carry no names) or stored as if they were facts.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "hikyuu_live" / "data" / "codes_a.csv"
#: real codes with their real short names (all others get the placeholder name MARKETCODE)
KNOWN_TEXT = """
indices:
SH000001 上证指数  SH000009 上证380  SH000010 上证180  SH000015 红利指数  SH000016 上证50  SH000300 沪深300
SH000688 科创50  SH000852 中证1000  SH000905 中证500  SH000922 中证红利  SZ399001 深证成指  SZ399005 中小100
SZ399006 创业板指  SZ399106 深证综指  SZ399300 沪深300  SZ399673 创业板50  SZ399905 中证500  BJ899050 北证50
shares:
SH600000 浦发银行  SH600028 中国石化  SH600030 中信证券  SH600036 招商银行  SH600050 中国联通  SH600276 恒瑞医药
SH600309 万华化学  SH600519 贵州茅台  SH600585 海螺水泥  SH600887 伊利股份  SH600900 长江电力  SH601012 隆基绿能
SH601166 兴业银行  SH601288 农业银行  SH601318 中国平安  SH601398 工商银行  SH601628 中国人寿  SH601668 中国建筑
SH601857 中国石油  SH601888 中国中免  SH601899 紫金矿业  SH601939 建设银行  SH601988 中国银行  SH688012 中微公司
SH688111 金山办公  SH688981 中芯国际  SZ000001 平安银行  SZ000002 万科A  SZ000333 美的集团  SZ000568 泸州老窖
SZ000651 格力电器  SZ000725 京东方A  SZ000858 五粮液  SZ002415 海康威视  SZ002475 立讯精密  SZ002594 比亚迪
SZ300015 爱尔眼科  SZ300059 东方财富  SZ300124 汇川技术  SZ300750 宁德时代  SZ300760 迈瑞医疗  BJ830799 艾融软件
BJ835185 贝特瑞
ETFs:
SH510050 50ETF  SH510180 180ETF  SH510300 300ETF  SH510500 500ETF  SH510880 红利ETF  SH512480 半导体ETF
SH512880 证券ETF  SH513100 纳指ETF  SH518880 黄金ETF  SZ159915 创业板ETF  SZ159919 300ETF  SZ159949 创业板50
SZ159995 芯片ETF
"""
KNOWN = [(t[:2], t[2:8], n) for t, n in (pair.split() for pair in re.findall(r"[A-Z]{2}\d{6} \S+", KNOWN_TEXT))]
#: (market, first code, last code, how many) in each board's real numbering range
RANGES = [
    ("SH", 600000, 605999, 1560), ("SH", 688000, 689009, 560),                           # SH main board, STAR
    ("SZ", 1, 3999, 1420), ("SZ", 300001, 301599, 1200),                                # SZ main board, ChiNext
    ("BJ", 830000, 839999, 120), ("BJ", 870000, 873999, 60), ("BJ", 920000, 920999, 70),  # BJ
    ("SH", 1, 999, 70), ("SZ", 399001, 399999, 50),                                     # indices
    ("SH", 510010, 518999, 130), ("SH", 560000, 563999, 40), ("SH", 588000, 588999, 30),  # SH ETFs
    ("SZ", 159001, 159999, 100),                                                        # SZ ETFs
]


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
    print(f"wrote {len(rows)} codes ({-(-len(rows) // 60)} Tencent requests of 60) to {OUT}")


if __name__ == "__main__":
    main()
