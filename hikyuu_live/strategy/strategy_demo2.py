"""Demo 2: a double moving-average system on 1-minute bars, trading through the paper broker.

What Hikyuu's demo2 does with its "趋势双均线" system, on hikyuu_live: every minute of the sessions, for each
stock, buy 100,000 yuan worth when the fast average of 1-minute closes crosses above the slow one, and sell
the holding when it crosses below. Orders go to the paper broker by default (state kept in a file), or to
easytrader with ``--broker easytrader``.

It decides on **finished** bars only (``get_kdata(..., finished_only=True)``), once per new bar, so what it
trades live is what a backtest on the stored bars trades (``hikyuu_parity --strategy demo2`` shows it); bars
already there at start are history, not signals. Its Hikyuu form is ``hikyuu_live.bridge.strategy_demo2``.

    python -m hikyuu_live.strategy.strategy_demo2 [--codes ...] [--fast 3] [--slow 8] [--clock market]
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from hikyuu_live.strategy import Strategy
from hikyuu_live.strategy.broker import Order
from hikyuu_live.strategy.cli import runtime_options, setup, split, strategy_parser


def crossing(closes: np.ndarray, fast: int, slow: int) -> int:
    """+1 when the fast mean crossed above the slow one on the last bar, -1 below, else 0."""
    if len(closes) < slow + 1:
        return 0
    f_now, f_prev = closes[-fast:].mean(), closes[-fast - 1:-1].mean()
    s_now, s_prev = closes[-slow:].mean(), closes[-slow - 1:-1].mean()
    if f_prev <= s_prev and f_now > s_now:
        return 1
    if f_prev >= s_prev and f_now < s_now:
        return -1
    return 0


def build(codes: list[str], ktypes: list[str], *, fast: int = 3, slow: int = 8, value: float = 100_000.0,
          every: timedelta = timedelta(minutes=1), unfinished: bool = False, **kw: object) -> Strategy:
    """The demo strategy. ``unfinished=True`` (with a shorter ``every``) is the classic mistake of deciding on
    the bar still being built; ``hikyuu_parity --strategy broken_demo2`` shows what it costs."""
    stg = Strategy(codes, ktypes, name="demo2", **kw)  # type: ignore[arg-type]
    stg.signals = {"buy": 0, "sell": 0}  # type: ignore[attr-defined]
    seen: dict[str, np.datetime64] = {}  # newest finished bar looked at, per stock

    def check(s: Strategy) -> None:
        for code in codes:
            bars = s.get_kdata(code, ktype="min", finished_only=not unfinished)
            if not len(bars) or seen.get(code) == bars["datetime"][-1]:
                continue  # no new bar: nothing new to decide
            first = code not in seen
            seen[code] = bars["datetime"][-1]
            if first:
                continue  # what is there at start is history
            signal = crossing(bars["close"], fast, slow)
            if signal > 0:
                s.signals["buy"] += 1  # type: ignore[attr-defined]
                order = s.order_value(code, value, remark="MA cross up")
                print(f"[demo2] {s.now():%H:%M:%S} {code} MA{fast} crossed above MA{slow}: {order}", flush=True)
            elif signal < 0:
                s.signals["sell"] += 1  # type: ignore[attr-defined]
                order = s.order(code, float("-inf"), remark="MA cross down")
                print(f"[demo2] {s.now():%H:%M:%S} {code} MA{fast} crossed below MA{slow}: {order}", flush=True)

    def result(s: Strategy, order: Order) -> None:  # the broker's answer, a moment after the call
        if order.status != "pending":
            print(f"[demo2] {s.now():%H:%M:%S} order {order}", flush=True)

    stg.run_daily(check, every)
    stg.on_order(result)
    return stg


def main(argv: list[str] | None = None) -> None:
    ap = strategy_parser(__doc__ or "", codes=["sh600000", "sz000001", "sh510300"], ktypes=["day", "min"])
    ap.add_argument("--fast", type=int, default=3, help="fast average length in 1-minute bars (default 3)")
    ap.add_argument("--slow", type=int, default=8, help="slow average length in 1-minute bars (default 8)")
    ap.add_argument("--value", type=float, default=100_000.0, help="yuan per buy (default 100000)")
    args = ap.parse_args(argv)
    if not 0 < args.fast < args.slow:
        ap.error("--fast must be positive and below --slow")
    setup(args)
    stg = build(split(args.codes), split(args.ktypes), fast=args.fast, slow=args.slow, value=args.value,
                **runtime_options(args))
    stg.start(max_seconds=args.seconds or None)
    orders = stg.get_broker().orders()
    bars = stg.bars.stats.bars_finished if stg.bars is not None else 0
    print(f"[demo2] done: preloaded={stg.stats.preloaded_bars} spots={stg.stats.spots} "
          f"cycles={stg.stats.cycles} bars={bars} "
          f"signals={stg.signals} orders={len(orders)} "  # type: ignore[attr-defined]
          f"filled={sum(o.status == 'filled' for o in orders)}", flush=True)


if __name__ == "__main__":
    main()
