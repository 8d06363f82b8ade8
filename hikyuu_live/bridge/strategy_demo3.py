"""Hikyuu's ``strategy_demo3`` in its Hikyuu form: a strategy made directly from a trading system with
``crt_sys_strategy(sys, code, query, broker, cost, name)``, trading through our broker.

The original: ``crt_sys_strategy(sys, "sz000001", Query(Datetime(20240101), ktype=Query.DAY),
crtOB(EasyTraderOrderBroker(user)), TC_Zero(), "demo3")`` - a day system run at 14:50, an intraday one on
every bar. Here the system is the demo's double-MA system (``hikyuu_live.bridge.systems``) on 5-minute bars
by default (``--ktype``), and the broker a ``HikyuuBroker`` over ours (paper by default):

- ``--runtime ours`` (default): ``hikyuu_live.bridge.crt_sys_strategy`` makes our ``Strategy`` with a
  ``SystemRunner`` on the bar grid (each finished bar; a day system at 14:50 on the day's bar under way,
  as Hikyuu's does); ``hikyuu_parity --strategy demo3_hikyuu`` compares it with Hikyuu's backtest;
- ``--runtime hikyuu``: Hikyuu's own ``crt_sys_strategy`` and ``Strategy`` with ``crtOB(HikyuuBroker)``; with
  ``--clock market`` (a replay) its wall-clock timers cannot follow the recording, so the system is run by
  ``run_in_strategy`` from a timer on the replay's time instead (``hikyuu_live.bridge.hikyuu_runtime``).

    python -m hikyuu_live.bridge.strategy_demo3 [--code sz000001] [--ktype min5] [--runtime ours|hikyuu]
"""

from __future__ import annotations

import argparse
from typing import Any

from hikyuu_live.bridge.system import crt_sys_strategy
from hikyuu_live.bridge.systems import ma_cross_system, quiet_hikyuu
from hikyuu_live.model.kdata import KType, parse_ktype
from hikyuu_live.strategy.cli import runtime_options, setup, strategy_parser
from hikyuu_live.strategy.runtime import Strategy

NAME = "demo3_hikyuu"


def build(codes: list[str], ktypes: list[str], *, ktype: str | KType = KType.MIN5, fast: int = 2, slow: int = 4,
          shares: int = 1000, **kw: Any) -> Strategy:
    """``crt_sys_strategy`` of the demo system on the first of ``codes`` (the others are ignored, as Hikyuu's
    takes one stock); ``ktypes`` are implied by ``ktype``."""
    return crt_sys_strategy(ma_cross_system(fast, slow, shares), codes[0], ktype, name=NAME, **kw)


def main(argv: list[str] | None = None) -> int:
    ap = strategy_parser(__doc__ or "", codes=["sz000001"], ktypes=["day", "min5"])
    ap.add_argument("--ktype", default="min5", help="the system's bars: min, min5, ..., day (default min5)")
    ap.add_argument("--fast", type=int, default=2, help="fast average length in bars (default 2)")
    ap.add_argument("--slow", type=int, default=4, help="slow average length in bars (default 4)")
    ap.add_argument("--shares", type=int, default=1000, help="shares per buy (default 1000)")
    ap.add_argument("--runtime", choices=("ours", "hikyuu"), default="ours",
                    help="ours: hikyuu_live's Strategy; hikyuu: Hikyuu's own crt_sys_strategy and Strategy")
    ap.add_argument("--bars", choices=("finished", "current"), default=None, help="see strategy_demo2 --help")
    ap.add_argument("--idle-exit", type=float, default=0, help="--runtime hikyuu: see strategy_demo2 --help")
    ap.add_argument("--summary", help="--runtime hikyuu: see strategy_demo2 --help")
    args = ap.parse_args(argv)
    try:
        ktype = parse_ktype(args.ktype)
    except ValueError as e:
        ap.error(str(e))
    if not 0 < args.fast < args.slow:
        ap.error("--fast must be positive and below --slow")
    args.codes = args.codes.split(",")[0]
    setup(args)
    quiet_hikyuu(bool(args.verbose))
    if args.runtime == "hikyuu":
        return _hikyuu_runtime(args, ktype)
    stg = build([args.codes], [], ktype=ktype, fast=args.fast, slow=args.slow, shares=args.shares,
                **runtime_options(args))
    stg.start(max_seconds=args.seconds or None)
    runner = stg.system_runner  # type: ignore[attr-defined]
    trades = [t for run in runner.runs for t in run.trades]
    print(f"[{NAME}] done: spots={stg.stats.spots} runs={len(runner.runs)} decisions={len(trades)} "
          f"orders={len(stg.get_broker().orders())}", flush=True)
    return 0


def _hikyuu_runtime(args: argparse.Namespace, ktype: KType) -> int:
    if args.clock == "market":
        from hikyuu_live.bridge.hikyuu_runtime import run_in_hikyuu

        return run_in_hikyuu(args, NAME, lambda a: ma_cross_system(a.fast, a.slow, a.shares), every=ktype.value)
    from hikyuu_live.bridge.broker import HikyuuBroker
    from hikyuu_live.bridge.hikyuu_ob import follow_spots
    from hikyuu_live.config import config_home
    from hikyuu_live.strategy.hikyuu_kdata import HIKYUU_KTYPE, hikyuu

    hku = hikyuu()
    home = config_home(args.config)
    kw: dict[str, Any] = {}
    if args.broker == "paper":
        kw["state_path"] = args.broker_state or str(home / f"paper_broker_{NAME}.json")
    bridge = HikyuuBroker(args.broker, name=NAME, ktype=ktype, **kw)
    broker = hku.crtOB(bridge, NAME)
    sys = ma_cross_system(args.fast, args.slow, args.shares)
    stg = hku.crt_sys_strategy(sys, args.codes, hku.Query(-1000, ktype=HIKYUU_KTYPE[ktype]), broker, hku.TC_Zero(),
                               name=NAME, config=str(home / "hikyuu.ini"))
    follow_spots(stg, bridge=bridge)  # the broker's live and reference prices, from Hikyuu's spots
    stg.start()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
