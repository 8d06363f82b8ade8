"""Hikyuu's ``strategy_demo2`` in its Hikyuu form: a trading system built from Hikyuu components, run every
minute by ``run_in_strategy``, its orders sent through our broker (paper by default) with our checks and journal.

The original builds ``broker = crtOB(EasyTraderOrderBroker(user))``, takes the part library's double-MA system
and calls ``run_in_strategy(sys, stock, query, broker, TC_Zero())`` from a ``Strategy`` timer. Here the system
is ``ma_cross_system`` (``hikyuu_live.bridge.systems``: the same double-MA trend system from Hikyuu components,
no part library download, T+1-aware) on 1-minute bars, and the broker is a ``HikyuuBroker`` over ours. Two
runtimes:

- ``--runtime ours`` (default): our ``Strategy`` (bus, live bars on preloaded history) runs the system with
  ``SystemRunner`` on each finished 1-minute bar; ``hikyuu_parity --strategy demo2_hikyuu`` compares it with
  Hikyuu's own backtest of the same system on the same day's bars;
- ``--runtime hikyuu``: Hikyuu's own ``Strategy`` (its C++ core loads the store ``hikyuu.ini`` names, its
  ``SpotAgent`` subscribes to our collector) calls Hikyuu's ``run_in_strategy`` with ``crtOB(HikyuuBroker)``,
  exactly as the original does (see ``hikyuu_live.bridge.hikyuu_runtime``).

    python -m hikyuu_live.bridge.strategy_demo2 [--codes ...] [--fast 3] [--slow 8] [--shares 1000]
        [--runtime ours|hikyuu] [--clock market] [--broker paper|easytrader]

Needs the extra ``hikyuu`` (Hikyuu itself); start a collector first (e.g. ``spot_server --source replay
--file test_data/replay_sample.csv.gz``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hikyuu_live.bridge.system import SystemRunner
from hikyuu_live.bridge.systems import ma_cross_system, quiet_hikyuu
from hikyuu_live.strategy.cli import runtime_options, setup, split, strategy_parser
from hikyuu_live.strategy.runtime import Strategy

NAME = "demo2_hikyuu"


def build(codes: list[str], ktypes: list[str], *, fast: int = 3, slow: int = 8, shares: int = 1000,
          bars: str = "finished", **kw: Any) -> Strategy:
    """Our runtime running one ``SystemRunner`` per stock every minute (``stg.system_runners``)."""
    stg = Strategy(codes, ktypes, name=NAME, **kw)
    runners = [SystemRunner(ma_cross_system(fast, slow, shares), code, "MIN", bars=bars, name=f"{NAME} {code}")
               for code in codes]

    def every_minute(s: Strategy) -> None:
        for runner in runners:
            runner(s)

    stg.run_daily(every_minute, timedelta(minutes=1))
    stg.system_runners = runners  # type: ignore[attr-defined]
    return stg


def make_system(args: Any) -> Any:
    return ma_cross_system(args.fast, args.slow, args.shares)


def main(argv: list[str] | None = None) -> int:
    ap = strategy_parser(__doc__ or "", codes=["sh600000", "sz000001", "sh510300"], ktypes=["day", "min"])
    ap.add_argument("--fast", type=int, default=3, help="fast average length in 1-minute bars (default 3)")
    ap.add_argument("--slow", type=int, default=8, help="slow average length in 1-minute bars (default 8)")
    ap.add_argument("--shares", type=int, default=1000, help="shares per buy (default 1000)")
    ap.add_argument("--runtime", choices=("ours", "hikyuu"), default="ours",
                    help="ours: hikyuu_live's Strategy; hikyuu: Hikyuu's own Strategy and SpotAgent")
    ap.add_argument("--bars", choices=("finished", "current"), default=None,
                    help="decide on the last finished bar (default with --runtime ours) or on the bar under way, "
                         "as Hikyuu's run_in_strategy does (default with --runtime hikyuu)")
    ap.add_argument("--idle-exit", type=float, default=0,
                    help="--runtime hikyuu: exit N seconds after the last spot (for replays; default: never)")
    ap.add_argument("--summary", help="--runtime hikyuu: write decisions and the account here (JSON) as it runs")
    args = ap.parse_args(argv)
    if not 0 < args.fast < args.slow:
        ap.error("--fast must be positive and below --slow")
    setup(args)
    quiet_hikyuu(bool(args.verbose))
    if args.runtime == "hikyuu":
        from hikyuu_live.bridge.hikyuu_runtime import run_in_hikyuu

        return run_in_hikyuu(args, NAME, make_system, every="MIN")
    stg = build(split(args.codes), split(args.ktypes), fast=args.fast, slow=args.slow, shares=args.shares,
                bars=args.bars or "finished", **runtime_options(args))
    stg.start(max_seconds=args.seconds or None)
    trades = [t for r in stg.system_runners for run in r.runs for t in run.trades]  # type: ignore[attr-defined]
    orders = stg.get_broker().orders()
    print(f"[{NAME}] done: spots={stg.stats.spots} decisions={len(trades)} orders={len(orders)} "
          f"filled={sum(o.status == 'filled' for o in orders)}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
