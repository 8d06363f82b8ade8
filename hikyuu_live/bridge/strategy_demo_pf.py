"""A Hikyuu portfolio in its Hikyuu form: ``PF_Simple`` over the demo's stocks, each traded by the demo's double-MA
system (``SE_Fixed``), funds split equally (``AF_EqualWeight``), re-allocated on every 1-minute bar
(``adjust_cycle=1``), its orders sent through our broker (paper by default) with our checks and journal.

What a Hikyuu user writes for a backtest::

    pf = PF_Simple(tm, se=SE_Fixed([sm["sh600000"], ...], sys), af=AF_EqualWeight(), adjust_cycle=1)
    pf.run(Query(..., ktype=Query.MIN))

is run live here by ``hikyuu_live.bridge.crt_pf_strategy`` (our ``Strategy``: bus, live bars on preloaded
history, the index ``SH000001`` for Hikyuu's trading calendar) with a ``PortfolioRunner`` deciding on each
finished 1-minute bar through Hikyuu's own ``Portfolio.run`` (see ``hikyuu_live.bridge.portfolio`` for why not
through Hikyuu's ``run_in_strategy(pf, ...)``). ``hikyuu_parity --strategy demo_pf_hikyuu`` compares the live
orders with Hikyuu's own backtest of the same portfolio on the same day's bars.

    python -m hikyuu_live.strategy_demo_pf_hikyuu [--codes sh600000,sz000001,sh510300] [--fast 3] [--slow 8]
        [--shares 1000] [--clock market] [--broker paper|easytrader]

Needs the extra ``hikyuu`` (Hikyuu itself) and a store (``importdata``: Hikyuu's ``StockManager`` reads its
markets); start a collector first (e.g. ``spot_server --source replay --file test_data/replay_sample.csv.gz``).
"""

from __future__ import annotations

import json
import os
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from hikyuu_live.bridge.portfolio import HikyuuMarket, crt_pf_strategy
from hikyuu_live.bridge.systems import ma_cross_system, quiet_hikyuu
from hikyuu_live.model.kdata import KType
from hikyuu_live.strategy.cli import runtime_options, setup, split, strategy_parser
from hikyuu_live.strategy.context import normalize_code
from hikyuu_live.strategy.hikyuu_kdata import hikyuu
from hikyuu_live.strategy.runtime import Strategy

NAME = "demo_pf_hikyuu"
DEMO_CODES = ["SH600000", "SZ000001", "SH510300"]


def demo_portfolio(codes: list[str], *, fast: int = 3, slow: int = 8, shares: int = 1000, broken: bool = False,
                   hikyuu_ini: str | Path | None = None) -> Any:
    """``PF_Simple(SE_Fixed(codes, ma_cross_system), AF_EqualWeight, adjust_cycle=1)`` over Hikyuu's stocks
    (its ``StockManager`` over our store, ``hikyuu_ini`` or the config home's): the runner gives them our
    bars at every run. ``broken``: the system buys at the next bar's open (``buy_delay``), which no live run
    can follow (refused with the reason)."""
    hku = hikyuu()
    sys = ma_cross_system(fast, slow, shares)
    if broken:
        sys.set_param("buy_delay", True)
    stocks = HikyuuMarket(hikyuu_ini).stocks([normalize_code(c) for c in codes], KType.MIN)
    pf = hku.PF_Simple(hku.crtTM(), hku.SE_Fixed(stocks, sys), hku.AF_EqualWeight(), 1, "query")
    pf.name = NAME
    return pf


def build(codes: list[str], ktypes: list[str], *, fast: int = 3, slow: int = 8, shares: int = 1000,
          bars: str = "finished", every: timedelta | None = None, **kw: Any) -> Strategy:
    """Our runtime trading the demo portfolio on each finished 1-minute bar (``stg.portfolio_runner``), or every
    ``every`` (with ``bars="current"``: on the bar under way); ``ktypes`` are implied (1-minute and day bars)."""
    pf = demo_portfolio([c for c in codes if normalize_code(c) != "SH000001"], fast=fast, slow=slow, shares=shares,
                        hikyuu_ini=kw.get("home"))
    return crt_pf_strategy(pf, "MIN", name=NAME, bars=bars, every=every, hikyuu_ini=kw.get("home"), **kw)


def main(argv: list[str] | None = None) -> int:
    ap = strategy_parser(__doc__ or "", codes=[c.lower() for c in DEMO_CODES], ktypes=["day", "min"])
    ap.add_argument("--fast", type=int, default=3, help="fast average length in 1-minute bars (default 3)")
    ap.add_argument("--slow", type=int, default=8, help="slow average length in 1-minute bars (default 8)")
    ap.add_argument("--shares", type=int, default=1000, help="shares per buy (default 1000)")
    ap.add_argument("--bars", choices=("finished", "current"), default=None,
                    help="decide on the last finished bar (default with --runtime ours) or on the bar under way "
                         "(default with --runtime hikyuu, as Hikyuu's run_in_strategy does)")
    ap.add_argument("--every", type=float, default=0,
                    help="run the portfolio every N seconds (default: once a bar); with --bars current the same "
                         "decision comes back until the bar ends, and the bridge places it once")
    ap.add_argument("--idle-exit", type=float, default=0,
                    help="stop N seconds (wall clock) after the last spot (for replays; default: never)")
    ap.add_argument("--runtime", choices=("ours", "hikyuu"), default="ours",
                    help="ours: hikyuu_live's Strategy; hikyuu: Hikyuu's own Strategy and SpotAgent (its bars)")
    ap.add_argument("--summary", help="at the end write the decisions, the bridge's counters and the account as "
                                      "our broker and Hikyuu's BrokerTradeManager read it here (JSON)")
    args = ap.parse_args(argv)
    if not 0 < args.fast < args.slow:
        ap.error("--fast must be positive and below --slow")
    setup(args)
    quiet_hikyuu(bool(args.verbose))
    if args.runtime == "hikyuu":
        from hikyuu_live.bridge.hikyuu_runtime import run_pf_in_hikyuu

        return run_pf_in_hikyuu(args, NAME, lambda a: demo_portfolio(
            [c for c in split(a.codes) if normalize_code(c) != "SH000001"], fast=a.fast, slow=a.slow,
            shares=a.shares), every="MIN")
    stg = build(split(args.codes), split(args.ktypes), fast=args.fast, slow=args.slow, shares=args.shares,
                bars=args.bars or "finished", every=timedelta(seconds=args.every) if args.every else None,
                **runtime_options(args))
    if args.idle_exit:
        threading.Thread(target=_stop_when_idle, args=(stg, args.idle_exit), name="idle-exit", daemon=True).start()
    stg.start(max_seconds=args.seconds or None)
    runner = stg.portfolio_runner  # type: ignore[attr-defined]
    if args.summary:
        write_summary(runner, args.summary)
    trades = [t for run in runner.runs for t in run.trades]
    orders = stg.get_broker().orders()
    print(f"[{NAME}] done: spots={stg.stats.spots} runs={len(runner.runs)} decisions={len(trades)} "
          f"orders={len(orders)} filled={sum(o.status == 'filled' for o in orders)}", flush=True)
    return 0


def _stop_when_idle(stg: Strategy, idle_s: float) -> None:
    """Stop the strategy ``idle_s`` seconds after the last spot (a replay has ended)."""
    seen, since = -1, time.monotonic()
    while not stg.stop_requested:
        if stg.stats.spots != seen:
            seen, since = stg.stats.spots, time.monotonic()
        elif seen > 0 and time.monotonic() - since > idle_s:
            stg.stop()
            return
        time.sleep(0.2)


def write_summary(runner: Any, path: str) -> None:
    """What the runner decided, what the bridge placed (client order id -> stock, side, bar, status) and the
    account: our broker's ``get_asset_info`` and Hikyuu's ``BrokerTradeManager`` reading it through the bridge."""
    from dataclasses import asdict

    from hikyuu_live.bridge.hikyuu_ob import order_broker

    hku = hikyuu()
    bridge = runner.bridge
    doc: dict[str, Any] = {"runs": len(runner.runs), "missed": [list(map(str, m)) for m in runner.missed],
                           "run_seconds": [round(r.seconds, 4) for r in runner.runs],
                           "decisions": [{"bar": str(b), "code": c, "side": s, "price": p, "number": n}
                                         for run in runner.runs for b, c, s, p, n in run.trades]}
    if bridge is not None:
        bridge.drain(10.0)
        ob = order_broker(bridge)
        tm = hku.crtBrokerTM(ob, hku.TC_Zero(), NAME)
        tm.fetch_asset_info_from_broker(ob)
        doc |= {"bridge": asdict(bridge.stats),
                "keys": {d.key: [d.market + d.code, d.side, d.decided_at, d.status] for d in bridge.decisions()},
                "asset_info": bridge.get_asset_info(),
                "hikyuu_account": {"cash": tm.current_cash,
                                   "positions": {p.stock.market_code: p.number for p in tm.get_position_list()}}}
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1, default=str)
    os.replace(tmp, path)


if __name__ == "__main__":
    raise SystemExit(main())
