"""Demo 1: print quotes as they arrive, and run timers.

What Hikyuu's ``strategy_demo1.py`` does, on hikyuu_live: a strategy for SH600000 and SZ000001 with
1-minute and day bars; ``on_change`` prints each quote, ``on_received_spot`` each cycle, a
``run_daily`` timer every minute of the trading sessions and two ``run_daily_at`` timers 10 and 20
seconds after start.

    python -m hikyuu_live.strategy.strategy_demo1 [--codes ...] [--quotation-server ADDR] [--seconds N]

Start a collector first (e.g. ``spot_server --source replay --file test_data/replay_sample.csv.gz``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hikyuu_live.strategy import Strategy
from hikyuu_live.strategy.cli import runtime_options, setup, split, strategy_parser
from hikyuu_live.strategy.context import Stock


def on_change(stg: Strategy, stock: Stock, spot) -> None:  # noqa: ANN001
    print(f"[on_change] {stock.market_code} {stock.name} close={spot.close:.2f} "
          f"bid1={spot.bid[0]:.2f} ask1={spot.ask[0]:.2f} at {spot.datetime}", flush=True)


def on_spot(stg: Strategy, rev_time: datetime) -> None:
    print(f"[on_received_spot] cycle received at {rev_time:%H:%M:%S.%f}", flush=True)


def every_minute(stg: Strategy) -> None:
    bars = stg.get_last_kdata("SH600000", 3, "min")
    print(f"[run_daily] {stg.now():%H:%M:%S} last 1-min bars of SH600000: {bars.tolist()}", flush=True)


def once(stg: Strategy) -> None:
    print(f"[run_daily_at] {stg.now():%H:%M:%S} current price SH600000 = {stg.get_current_price('SH600000')}",
          flush=True)


def build(codes: list[str], ktypes: list[str], **kw: object) -> Strategy:
    stg = Strategy(codes, ktypes, name="demo1", **kw)  # type: ignore[arg-type]
    stg.on_change(on_change)
    stg.on_received_spot(on_spot)
    stg.run_daily(every_minute, timedelta(minutes=1))
    now = stg.now()
    for delay in (10, 20):
        stg.run_daily_at(once, (now + timedelta(seconds=delay)).time().replace(microsecond=0), ignore_holiday=False)
    return stg


def main(argv: list[str] | None = None) -> None:
    args = strategy_parser(__doc__ or "", codes=["sh600000", "sz000001"], ktypes=["min", "day"]).parse_args(argv)
    setup(args)
    build(split(args.codes), split(args.ktypes), **runtime_options(args)).start(max_seconds=args.seconds or None)


if __name__ == "__main__":
    main()
