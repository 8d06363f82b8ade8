"""The Hikyuu-form demos on Hikyuu's own runtime: Hikyuu's ``Strategy`` (C++ core, ``SpotAgent`` on our quote
bus, bars from the store its ``hikyuu.ini`` names) calling Hikyuu's ``run_in_strategy`` with our bridge as the
order broker, as the originals do with ``crtOB(...)``; nothing of Hikyuu is changed. The bridge is wrapped by
``order_broker`` (``crtOB`` that keeps the decision's bar), so a decision repeated on every call is placed once.

Two things differ from the originals, both because a demo must also run against a replay:

- time: Hikyuu's timers run on the wall clock; with ``--clock market`` a ``MarketClock`` fed from Hikyuu's
  ``on_change`` (``follow_spots``) gives the bridge the replayed market's time, and the system runs four times
  a second (``run_daily(..., ignore_market=True)``) instead of on the wall clock's session grid;
- exit: Hikyuu's ``Strategy.start()`` never returns (Ctrl-C ends the process), so decisions, the bridge's
  counters and the account (as our broker and as Hikyuu's ``BrokerTradeManager`` read it) are written to
  ``--summary`` after every run, and ``--idle-exit N`` ends the process N seconds after the last spot, once
  the broker has finished the orders on their way (up to ``EXIT_DRAIN_S``).

Orders: the bridge never waits for our broker on Hikyuu's loop; the broker's worker fills (paper) or sends them
a moment later, and until an order is final the next one of that stock and side is held back (``HikyuuBroker``).
The broker's live and reference prices come from the spots Hikyuu receives (``follow_spots``).

``--bars current`` (default here) runs the bar under way on every call, as Hikyuu's ``run_in_strategy`` does:
the same decision comes back on every call until the bar ends; the bridge places it once.
``--bars finished`` decides once on each finished bar, as ``SystemRunner`` does on our runtime.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys as _sys
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

from hikyuu_live.bridge.broker import HikyuuBroker
from hikyuu_live.bridge.hikyuu_ob import follow_spots, order_broker
from hikyuu_live.clock import EXCHANGE_TZ, LiveClock, MarketClock
from hikyuu_live.model.kdata import parse_ktype
from hikyuu_live.strategy.bar_time import is_final
from hikyuu_live.strategy.cli import split
from hikyuu_live.strategy.context import normalize_code
from hikyuu_live.strategy.hikyuu_kdata import HIKYUU_KTYPE, from_datetime, hikyuu, to_datetime

log = logging.getLogger(__name__)
EXIT_DRAIN_S = 10.0  # at --idle-exit, time given to orders still on their way before the summary


def hikyuu_ini(home: Path, quotation_server: str | None, ktypes: list[str], name: str = "strategy") -> str:
    """The ``hikyuu.ini`` Hikyuu's ``Strategy`` reads: ``<home>/run/<name>.hikyuu.ini``, the home's
    ``hikyuu.ini`` rewritten at every start with the strategy's bar types preloaded (Hikyuu's ``SpotAgent`` only
    builds live bars of preloaded types) and, when given, another quotation server (Hikyuu's ``Strategy``
    takes the address from its config file only)."""
    from hikyuu_live.config import update_ini

    path = home / "hikyuu.ini"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: Hikyuu's Strategy needs it (hikyuu_doctor --init)")
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)
    copy = home / "run" / f"{safe}.hikyuu.ini"
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, copy)
    updates: dict[str, dict[str, object]] = {"preload": {parse_ktype(k).value.lower(): True for k in ktypes}}
    if quotation_server:
        updates["hikyuu"] = {"quotation_server": quotation_server}
    update_ini(copy, updates)
    return str(copy)


def _bridge(args: argparse.Namespace, name: str, ktype: Any) -> tuple[Path, Any, HikyuuBroker]:
    """(config home, clock, bridge) of a Hikyuu-form demo's arguments: the paper account lives in the home."""
    from hikyuu_live.config import config_home

    home = config_home(args.config)
    clock: Any = MarketClock() if args.clock == "market" else LiveClock()
    broker_kw: dict[str, Any] = {}
    if args.broker == "paper":
        broker_kw["state_path"] = args.broker_state or str(home / f"paper_broker_{name}.json")
    return home, clock, HikyuuBroker(args.broker, name=name, clock=clock, ktype=ktype, **broker_kw)


def run_in_hikyuu(args: argparse.Namespace, name: str, make_system: Callable[[argparse.Namespace], Any], *,
                  every: str = "MIN") -> int:
    """Run the demo's system per stock in Hikyuu's own ``Strategy`` until Ctrl-C or ``--idle-exit``."""
    hku = hikyuu()
    ktype = parse_ktype(every)
    codes = [normalize_code(c) for c in split(args.codes)]
    home, clock, bridge = _bridge(args, name, ktype)
    ob = order_broker(bridge, name)  # crtOB(bridge) works too, but drops the decision's bar (see HikyuuBroker)
    cost = hku.TC_Zero()
    systems = {code: make_system(args) for code in codes}
    for sys in systems.values():
        sys.tm = hku.crtTM()  # run_in_strategy wants one; it runs the system on our account instead
    mode = args.bars or "current"
    ktypes = list(dict.fromkeys([*split(args.ktypes), ktype.value.lower()]))
    stg = hku.Strategy(["sh000001", *codes], ktypes, {}, name, hikyuu_ini(home, args.quotation_server, ktypes, name))
    decisions: list[dict[str, Any]] = []
    seen: dict[str, np.datetime64] = {}
    state: dict[str, Any] = {"runs": 0, "last_clock": None, "last_change": time.monotonic()}

    def run_system(code: str, sys: Any) -> None:
        stk = hku.get_stock(code)
        if stk.is_null():
            log.error("%s: Hikyuu does not know %s (not in the store's stock list)", name, code)
            return
        kq = HIKYUU_KTYPE[ktype]
        if mode == "current":
            hku.run_in_strategy(sys, stk, hku.Query(-1000, ktype=kq), ob, cost)
        else:
            k = stk.get_kdata(hku.Query(-2, ktype=kq))
            labels = [from_datetime(r.datetime) for r in k]
            final = [t for t in labels if is_final(t, ktype, clock.now())]
            if not final or seen.get(code) == final[-1]:
                return
            first = code not in seen
            seen[code] = final[-1]
            if first:
                return
            end = to_datetime(final[-1] + np.timedelta64(1, "s"))
            with bridge.deciding_on(final[-1]):
                hku.run_in_strategy(sys, stk, hku.Query(hku.Datetime(1990, 1, 1), end, ktype=kq), ob, cost)
        for tr in sys.get_trade_record_list():
            side = {hku.BUSINESS.BUY: "buy", hku.BUSINESS.SELL: "sell"}.get(tr.business)
            if side:
                decisions.append({"code": code, "bar": str(from_datetime(tr.datetime)), "side": side,
                                  "price": float(tr.real_price), "number": float(tr.number),
                                  "at": clock.now().strftime("%H:%M:%S")})

    def tick(s: Any) -> None:
        if args.clock == "market" and not clock.observed:
            return
        for code, sys in systems.items():
            try:
                run_system(code, sys)
            except Exception:  # a failing system must not stop the others, nor the summary
                log.exception("%s: %s failed", name, code)
        state["runs"] += 1
        write_summary()
        now = clock.now()
        if now != state["last_clock"]:
            state["last_clock"], state["last_change"] = now, time.monotonic()
        elif args.idle_exit and time.monotonic() - state["last_change"] > args.idle_exit:
            log.info("%s: no spot for %.0f s; exiting", name, args.idle_exit)
            if not bridge.drain(EXIT_DRAIN_S):  # the process ends: nothing more is decided on this loop
                log.error("%s: orders still on their way at exit (see the broker's journal): %s", name,
                          ", ".join(f"{d.side} {d.market}{d.code}" for d in bridge.in_flight()))
            write_summary()
            _sys.stdout.flush()
            os._exit(0)  # Hikyuu's Strategy.start() has no stop()

    def write_summary() -> None:
        if not args.summary:
            return
        tm = hku.crtBrokerTM(ob, cost, name)
        tm.fetch_asset_info_from_broker(ob)
        doc = {"runs": state["runs"], "mode": mode, "decisions": decisions, "bridge": asdict(bridge.stats),
               "keys": {d.key: [d.market + d.code, d.side, d.decided_at, d.status] for d in bridge.decisions()},
               "unsettled": bridge.unsettled,
               "asset_info": bridge.get_asset_info(),
               "hikyuu_account": {"cash": tm.current_cash,
                                  "positions": {p.stock.market_code: p.number for p in tm.get_position_list()}},
               "clock": clock.now().astimezone(EXCHANGE_TZ).strftime("%Y-%m-%d %H:%M:%S")}
        tmp = Path(args.summary + ".tmp")
        tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=str))
        os.replace(tmp, args.summary)

    follow_spots(stg, clock if isinstance(clock, MarketClock) else None, bridge=bridge)
    if isinstance(clock, MarketClock):
        stg.run_daily(tick, hku.Milliseconds(250), "SH", True)  # a replay runs faster than the wall clock
    else:
        step = timedelta(minutes=ktype.minutes or 1)
        stg.run_daily(tick, hku.Seconds(int(step.total_seconds())), "SH", False)
    log.info("%s: Hikyuu's Strategy trades %s through %r (bars: %s)", name, ", ".join(codes), bridge, mode)
    stg.start()
    return 0


class HikyuuBars:
    """What a ``PortfolioRunner`` reads of a strategy, from Hikyuu's own ``Strategy``: the newest bars of a stock
    as Hikyuu's ``SpotAgent`` builds them in its ``StockManager``, and the (market) clock's time."""

    def __init__(self, clock: Any) -> None:
        self.hku = hikyuu()
        self.clock = clock

    def now(self) -> Any:
        return self.clock.now()

    def get_kdata(self, code: str, *, ktype: Any, finished_only: bool = False) -> np.ndarray:
        from hikyuu_live.strategy.hikyuu_kdata import from_kdata

        k = parse_ktype(ktype)
        stock = self.hku.get_stock(code)
        if stock.is_null():
            raise ValueError(f"Hikyuu does not know {code} (not in the store's stock list)")
        bars = from_kdata(stock.get_kdata(self.hku.Query(-2, ktype=HIKYUU_KTYPE[k])))
        if finished_only:
            bars = bars[[is_final(t, k, self.now()) for t in bars["datetime"]]]
        return bars


def run_pf_in_hikyuu(args: argparse.Namespace, name: str, make_portfolio: Callable[[argparse.Namespace], Any], *,
                     every: str = "MIN") -> int:
    """Run a portfolio in Hikyuu's own ``Strategy`` (its ``SpotAgent`` on our bus, its bars from our store) until
    Ctrl-C or ``--idle-exit``: a ``PortfolioRunner`` on Hikyuu's bars in its ``StockManager`` (``in_place``),
    Hikyuu's ``Portfolio.run`` deciding, the bridge sending (Hikyuu's ``run_in_strategy(pf, ...)`` would send
    nothing: see ``hikyuu_live.bridge.portfolio``)."""
    from hikyuu_live.bridge.portfolio import INDEX, PortfolioRunner
    hku = hikyuu()
    ktype = parse_ktype(every)
    codes = [normalize_code(c) for c in split(args.codes) if normalize_code(c) != INDEX]
    home, clock, bridge = _bridge(args, name, ktype)
    ktypes = list(dict.fromkeys([*split(args.ktypes), ktype.value.lower()]))
    stg = hku.Strategy([INDEX.lower(), *[c.lower() for c in codes]], ktypes, {}, name,
                       hikyuu_ini(home, args.quotation_server, ktypes, name))
    view = HikyuuBars(clock)
    state: dict[str, Any] = {"last_clock": None, "last_change": time.monotonic(), "runner": None}

    def tick(s: Any) -> None:
        if args.clock == "market" and not clock.observed:
            return
        try:
            if state["runner"] is None:  # the portfolio over Hikyuu's own stocks, once its Strategy loaded them
                state["runner"] = PortfolioRunner(make_portfolio(args), ktype, bridge, bars=args.bars or "current",
                                                  name=name, in_place=True)
            state["runner"](view)
        except Exception:  # a failing run must not stop the strategy, nor the summary
            log.exception("%s: the portfolio failed", name)
        now = clock.now()
        if now != state["last_clock"]:
            state["last_clock"], state["last_change"] = now, time.monotonic()
        elif args.idle_exit and time.monotonic() - state["last_change"] > args.idle_exit:
            log.info("%s: no spot for %.0f s; exiting", name, args.idle_exit)
            if args.summary and state["runner"] is not None:
                from hikyuu_live.bridge.strategy_demo_pf import write_summary

                write_summary(state["runner"], args.summary)
            _sys.stdout.flush()
            os._exit(0)  # Hikyuu's Strategy.start() has no stop()

    follow_spots(stg, clock if isinstance(clock, MarketClock) else None, bridge=bridge)
    if isinstance(clock, MarketClock):
        stg.run_daily(tick, hku.Milliseconds(250), "SH", True)
    else:
        stg.run_daily(tick, hku.Seconds(int(timedelta(minutes=ktype.minutes or 1).total_seconds())), "SH", False)
    log.info("%s: Hikyuu's Strategy trades its portfolio through %r", name, bridge)
    stg.start()
    return 0
