"""Generate ``test_data/replay_sample.csv.gz``: a deterministic recorded quote stream.

Several hundred A-share codes (SH/SZ main boards, ChiNext, STAR, BJ, indices, ETFs) over parts of one
trading day, polled every 15 s: the 09:25 call-auction print, the first quarter hour, the minutes
around the 11:30 close (with a trailing 11:30:0x print), the 13:00 reopen and the close (with a
trailing 15:00:0x print). Prices move on the right tick (0.01 yuan, 0.001 for ETFs) inside each
board's daily limit; volume (lots) and amount (10,000 yuan) are day-cumulative and consistent with
the prices. Run ``python scripts/make_replay_data.py [--codes N] [--out F]``.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np

DAY = date(2026, 11, 24)  # a Tuesday
WINDOWS = [  # (first poll, last poll) on a 15 s grid; trailing prints added separately
    (time(9, 30, 0), time(9, 45, 0)),
    (time(11, 28, 0), time(11, 30, 0)),
    (time(13, 0, 0), time(13, 2, 0)),
    (time(14, 58, 0), time(15, 0, 0)),
]
TRAILING = [time(11, 30, 5), time(15, 0, 5)]
SYLLABLES = "华中国海天金新东方光大信通电子科技能源医药银行证券汽车化工材料钢铁建设环保传媒食品农业航空"
COLUMNS = (
    ["cycle_time", "market", "code", "name", "datetime", "yesterday_close", "open", "high", "low", "close",
     "amount", "volume"]
    + [f"bid{i}" for i in range(1, 6)] + [f"bid_amount{i}" for i in range(1, 6)]
    + [f"ask{i}" for i in range(1, 6)] + [f"ask_amount{i}" for i in range(1, 6)]
)


def universe(n: int, rng: np.random.Generator) -> list[tuple[str, str, str, str]]:
    """(market, code, name, kind) with kind in A, GEM, STAR, BJ, INDEX, ETF."""
    fixed = [("SH", "000001", "上证指数", "INDEX"), ("SH", "000300", "沪深300", "INDEX"),
             ("SZ", "399001", "深证成指", "INDEX"), ("SZ", "399006", "创业板指", "INDEX"),
             ("SH", "510050", "50ETF", "ETF"), ("SH", "510300", "300ETF", "ETF"), ("SZ", "159915", "创业板ETF", "ETF"),
             ("SH", "600000", "浦发银行", "A"), ("SZ", "000001", "平安银行", "A")]
    pools = [("SH", "60", 4, "A", 0.35), ("SZ", "00", 4, "A", 0.25), ("SZ", "30", 4, "GEM", 0.15),
             ("SH", "688", 3, "STAR", 0.12), ("BJ", "83", 4, "BJ", 0.08), ("SH", "51", 4, "ETF", 0.05)]
    out = list(fixed)
    seen = {(m, c) for m, c, _, _ in out}
    weights = np.array([p[4] for p in pools])
    while len(out) < n:
        m, prefix, digits, kind, _ = pools[rng.choice(len(pools), p=weights / weights.sum())]
        code = prefix + f"{int(rng.integers(0, 10**digits)):0{digits}d}"
        if (m, code) in seen:
            continue
        seen.add((m, code))
        name = "".join(rng.choice(list(SYLLABLES), size=int(rng.integers(2, 5))))
        out.append((m, code, name + ("ETF" if kind == "ETF" else ""), kind))
    return out[:n]


LIMIT = {"A": 0.10, "GEM": 0.20, "STAR": 0.20, "BJ": 0.30, "ETF": 0.10, "INDEX": 0.10}


def poll_times() -> list[datetime]:
    times = [datetime.combine(DAY, time(9, 25, 0))]
    for start, end in WINDOWS:
        t = datetime.combine(DAY, start)
        while t <= datetime.combine(DAY, end):
            times.append(t)
            t += timedelta(seconds=15)
    times += [datetime.combine(DAY, t) for t in TRAILING]
    return sorted(times)


def generate(n_codes: int, seed: int = 20261124) -> list[list[object]]:
    rng = np.random.default_rng(seed)
    stocks = universe(n_codes, rng)
    rows: list[list[object]] = []
    state = []
    for _m, _c, _n, kind in stocks:
        tick = 0.001 if kind == "ETF" else 0.01
        base = 3000.0 if kind == "INDEX" else (rng.uniform(0.8, 5) if kind == "ETF" else rng.uniform(3, 80))
        pre = round(base / tick) * tick
        state.append({"kind": kind, "tick": tick, "pre": pre, "last": pre, "open": 0.0, "high": 0.0, "low": 0.0,
                      "vol": 0.0, "amt": 0.0})
    for cycle_time in poll_times():
        auction = cycle_time.time() == time(9, 25)
        for (market, code, name, kind), st in zip(stocks, state, strict=True):
            tick, pre = st["tick"], st["pre"]
            lo_lim, hi_lim = pre * (1 - LIMIT[kind]), pre * (1 + LIMIT[kind])
            move = rng.normal(0, 0.002 if not auction else 0.01) * st["last"]
            price = min(max(st["last"] + move, lo_lim), hi_lim)
            price = round(round(price / tick) * tick, 3)
            lots = float(rng.integers(1, 400) * (50 if kind == "INDEX" else 1))
            if auction:
                st["open"] = st["high"] = st["low"] = price
            st["high"], st["low"] = max(st["high"], price), min(st["low"], price)
            st["last"] = price
            st["vol"] += lots
            st["amt"] += price * lots * 100 / 10_000
            # a quote's own time is its last trade: up to 3 s before the poll, never before 09:25
            lag = 0 if auction or cycle_time.time() in TRAILING else int(rng.integers(0, 4))
            dt = max(cycle_time - timedelta(seconds=lag), datetime.combine(DAY, time(9, 25)))
            if cycle_time.time() in TRAILING:  # the exchange's closing print, stamped just after the bell
                dt = cycle_time - timedelta(seconds=3)
            bids = [round(price - tick * k, 3) for k in range(5)] if kind != "INDEX" else [0.0] * 5
            asks = [round(price + tick * (k + 1), 3) for k in range(5)] if kind != "INDEX" else [0.0] * 5
            bid_sz = [float(rng.integers(1, 500)) if kind != "INDEX" else 0.0 for _ in range(5)]
            ask_sz = [float(rng.integers(1, 500)) if kind != "INDEX" else 0.0 for _ in range(5)]
            rows.append([cycle_time.strftime("%Y-%m-%d %H:%M:%S"), market, code, name,
                         dt.strftime("%Y-%m-%d %H:%M:%S"), round(pre, 3), st["open"], st["high"], st["low"], price,
                         round(st["amt"], 4), st["vol"], *bids, *bid_sz, *asks, *ask_sz])
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--codes", type=int, default=300, help="number of codes (default 300)")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "test_data"
                    / "replay_sample.csv.gz", help="output file (.csv or .csv.gz)")
    args = ap.parse_args()
    text = io.StringIO()
    w = csv.writer(text, lineterminator="\n")
    w.writerow(COLUMNS)
    w.writerows(generate(args.codes))
    data = text.getvalue().encode("utf-8")
    if args.out.suffix == ".gz":
        # mtime=0 keeps the file byte-identical across runs
        with open(args.out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
            gz.write(data)
    else:
        args.out.write_bytes(data)
    print(f"wrote {args.out} ({len(data)} bytes of CSV)")


if __name__ == "__main__":
    main()
