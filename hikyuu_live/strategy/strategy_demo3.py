"""Demo 3: rebalance before the close, as Hikyuu's demo3 does with ``crt_sys_strategy`` (its comment says
14:55, its code 14:50; here it is 14:55 and configurable).

At ``--at`` every trading day, for each stock: hold 100,000 yuan worth when the day's price is above the
average of its 1-minute closes, hold nothing otherwise. Paper broker by default.

    python -m hikyuu_live.strategy.strategy_demo3 [--codes ...] [--at 14:55] [--clock market]
"""

from __future__ import annotations

from datetime import time

from hikyuu_live.strategy import Strategy
from hikyuu_live.strategy.broker import Order
from hikyuu_live.strategy.cli import runtime_options, setup, split, strategy_parser


def build(codes: list[str], ktypes: list[str], *, at: time = time(14, 55), value: float = 100_000.0,
          **kw: object) -> Strategy:
    stg = Strategy(codes, ktypes, name="demo3", **kw)  # type: ignore[arg-type]

    def rebalance(s: Strategy) -> None:
        for code in codes:
            closes = s.get_kdata(code, ktype="min", finished_only=True)["close"]
            price = s.get_current_price(code)
            if price is None or not len(closes):
                continue
            held = s.position(code)
            if price > closes.mean() and (held is None or held.number == 0):
                print(f"[demo3] {s.now():%H:%M} {code} above its average: {s.order_value(code, value)}", flush=True)
            elif price <= closes.mean() and held is not None and held.sellable:
                print(f"[demo3] {s.now():%H:%M} {code} below its average: {s.order(code, float('-inf'))}", flush=True)

    def result(s: Strategy, order: Order) -> None:  # the broker's answer, a moment after the call
        if order.status != "pending":
            print(f"[demo3] {s.now():%H:%M} order {order}", flush=True)

    stg.run_daily_at(rebalance, at)
    stg.on_order(result)
    return stg


def main(argv: list[str] | None = None) -> None:
    ap = strategy_parser(__doc__ or "", codes=["sh600000", "sz000001"], ktypes=["day", "min"])
    ap.add_argument("--at", default="14:55", help="rebalance time HH:MM (default 14:55)")
    args = ap.parse_args(argv)
    try:
        hh, mm = (int(x) for x in args.at.split(":"))
        at = time(hh, mm)
    except ValueError:
        ap.error(f"--at {args.at!r} is not HH:MM")
    setup(args)
    stg = build(split(args.codes), split(args.ktypes), at=at, **runtime_options(args))
    stg.start(max_seconds=args.seconds or None)


if __name__ == "__main__":
    main()
