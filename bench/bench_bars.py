"""Strategy hot path: one full-market cycle (6,000 stocks) through live bars (day + 1-min + 5-min) and
``on_change`` dispatched to a trivial callback, in the strategy's event loop.

Baseline measured in the same run: the same bar rules applied spot by spot in plain Python (what a
per-tick handler does), over the same cycles.
Run: ``python -m bench.bench_bars [--stocks 6000] [--cycles 40]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime

import numpy as np

from bench.common import summary_ms, verdict
from hikyuu_live.clock import EXCHANGE_TZ, FakeClock
from hikyuu_live.model.bars import LiveBars
from hikyuu_live.model.kdata import KType
from hikyuu_live.model.spot import market_codes
from hikyuu_live.strategy.runtime import Strategy
from tests.spot_factory import make_spots

KTYPES = (KType.DAY, KType.MIN, KType.MIN5)


def cycles(n_stocks: int, n_cycles: int) -> list[np.ndarray]:
    base = make_spots(n_stocks, seed=3, micro=False)
    base["market"] = "SH"
    out = []
    vol = np.zeros(n_stocks)
    rng = np.random.default_rng(1)
    for k in range(n_cycles):  # every 3 s from 09:30:00
        s = base.copy()
        s["datetime"] = np.datetime64("2026-11-24T09:30:00") + np.timedelta64(3 * k, "s")
        vol += rng.integers(0, 50, n_stocks)
        s["volume"] = vol
        s["amount"] = vol * s["close"] / 100
        s["close"] = np.round(s["close"] * (1 + rng.normal(0, 0.001, n_stocks)), 2)
        out.append(s)
    return out


def python_baseline(data: list[np.ndarray]) -> list[float]:
    """Per-spot dict-based bars (1-min only, plus day): the straightforward per-tick approach."""
    bars: dict[str, dict] = {}
    times = []
    for spots in data:
        t = time.perf_counter()
        for row in spots:
            key = row["market"] + row["code"]
            dt = row["datetime"].astype("M8[s]").item()
            label = dt.replace(second=0) if dt.second or dt.microsecond else dt
            b = bars.setdefault(key, {"label": None, "o": 0, "h": 0, "l": 0, "c": 0, "base": 0.0, "last": 0.0})
            close, vol = float(row["close"]), float(row["volume"])
            if b["label"] != label:
                b.update(label=label, o=close, h=close, l=close, base=b["last"])
            b["h"], b["l"], b["c"] = max(b["h"], close), min(b["l"], close), close
            b["vol"] = vol - b["base"]
            b["last"] = vol
        times.append(time.perf_counter() - t)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--stocks", type=int, default=6000)
    ap.add_argument("--cycles", type=int, default=40)
    args = ap.parse_args()
    data = cycles(args.stocks, args.cycles)
    codes = market_codes(data[0]).tolist()

    clock = FakeClock(datetime(2026, 11, 24, 9, 30, tzinfo=EXCHANGE_TZ))
    stg = Strategy(codes, [k.value for k in KTYPES], clock=clock, quotation_server="ipc:///unused")
    calls = 0

    def on_change(s, stock, spot):  # trivial callback
        nonlocal calls
        calls += 1

    stg.on_change(on_change)
    stg.prepare()
    runtime_times = []
    for spots in data:
        stg._push("batch", spots)
        t = time.perf_counter()
        stg.run_pending()
        runtime_times.append(time.perf_counter() - t)
    assert calls == args.stocks * args.cycles, "on_change must fire once per spot"

    lb = LiveBars(codes, KTYPES, datetime(2026, 11, 24).date())
    bar_times = []
    for spots in data:
        t = time.perf_counter()
        lb.update(spots)
        bar_times.append(time.perf_counter() - t)
    minutes = lb.bars(codes[0], KType.MIN)
    assert len(minutes) == -(-args.cycles * 3 // 60) or len(minutes) == args.cycles * 3 // 60 + 1
    assert minutes["volume"].sum() == data[-1]["volume"][0], "minute volumes must add up to the day's"

    base = python_baseline(data)
    m = statistics.median
    print(f"bars: {args.stocks} stocks, {args.cycles} cycles of 3 s, ktypes {', '.join(k.value for k in KTYPES)}")
    print(f"  bars only (LiveBars.update)          {summary_ms(bar_times)}")
    print(f"  full cycle: bars + on_change x{args.stocks}   {summary_ms(runtime_times)}")
    print(f"  baseline: per-spot Python, 1-min only {summary_ms(base)}")
    print("targets:")
    print(verdict("full-market cycle in the strategy loop (p99)", sorted(runtime_times)[-1] * 1e3, 60, unit=" ms"))
    print(f"  speed-up of bars vs per-spot Python: {m(base) / m(bar_times):.1f}x")
    print(f"  memory held by bars: {lb.memory_bytes() / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
