"""Run a Hikyuu trading system (``SYS``) from our runtime's timers, on our bars, through our broker: the role of
Hikyuu's ``run_in_strategy`` and ``crt_sys_strategy`` inside a hikyuu_live ``Strategy``.

``SystemRunner(sys, code, ktype)`` is a timer callback. Each time it runs it takes the stock's bars from the
strategy (preloaded history and live bars, as a Hikyuu ``KData`` of a stand-alone ``Stock``), and when there
is a new bar to decide on it calls Hikyuu's own ``run_in_strategy(sys, stock, query, broker, cost)`` with the
bridge as the broker: Hikyuu reads the account from our broker, runs the system, and sends what it decides
through the bridge to our broker, one order per decision.

Which bar it decides on (``bars=``):

- ``"finished"`` (default): the newest bar that was final at the timer's time (``strategy.bar_time``), once,
  trading at that bar's close: what a backtest on the stored bars does, so live and backtest agree
  (``hikyuu_parity`` checks it). The first look only notes the newest bar: bars that were already there when
  the strategy started are history, not news.
- ``"current"``: the bar under way, on every call, as Hikyuu's own ``run_in_strategy`` does (its window starts
  at the account's time, so it always runs the bar being built). Needed for day systems that trade "at the
  close" at 14:50; a backtest sees the finished bar instead, and ``hikyuu_parity`` names the difference.

Orders: the runner is a timer on the strategy's loop and never waits for the broker. Hikyuu's orders leave
through the bridge as ``pending`` and are filled (paper) or sent by the broker's worker a moment later; the
outcome reaches ``on_order``, the journal and the account the next run reads. Until an order is final the
bridge holds back the next one of that stock and side (``HikyuuBroker``).

Hikyuu's ``run_in_strategy`` only supports systems trading on the bar's close: ``buy_delay`` and ``sell_delay``
must be False (checked here with a clear error). Minute bars built from polled quotes often have
``high == low``; Hikyuu then postpones the trade unless ``can_trade_when_high_eq_low`` is True.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Any

import numpy as np

from hikyuu_live.bridge.broker import HikyuuBroker
from hikyuu_live.bridge.hikyuu_ob import order_broker
from hikyuu_live.model.kdata import KType, parse_ktype
from hikyuu_live.strategy.bar_time import is_final
from hikyuu_live.strategy.context import normalize_code
from hikyuu_live.strategy.hikyuu_kdata import HIKYUU_KTYPE, from_datetime, hikyuu, hikyuu_stock
from hikyuu_live.strategy.runtime import Strategy

log = logging.getLogger(__name__)


@dataclass(slots=True)
class SystemRun:
    """One run of the system: the bar it decided on and the trades Hikyuu decided there."""

    bar: np.datetime64
    final: bool  # the bar was final when the system ran on it
    trades: list[tuple[np.datetime64, str, float, float]] = field(default_factory=list)  # (bar, side, price, number)


class SystemRunner:
    """A timer callback running ``sys`` on ``code``'s ``ktype`` bars; see the module docstring."""

    def __init__(self, sys: Any, code: str, ktype: str | KType, bridge: HikyuuBroker | None = None,
                 cost: Any = None, *, bars: str = "finished", name: str | None = None) -> None:
        if bars not in ("finished", "current"):
            raise ValueError(f"bars must be 'finished' or 'current', not {bars!r}")
        for param in ("buy_delay", "sell_delay"):
            if sys.get_param(param):
                raise ValueError(f"{sys.name}: {param} is True; a system run live trades on the close of the bar "
                                 "it decides on (Hikyuu's run_in_strategy refuses it too): "
                                 f"sys.set_param({param!r}, False)")
        self.hku = hikyuu()
        self.sys = sys
        self.code = normalize_code(code)
        self.ktype = parse_ktype(ktype)
        self.bars = bars
        self.name = name or f"{sys.name} {self.code}"
        self.cost = cost if cost is not None else self.hku.TC_Zero()
        self.bridge = bridge
        self._ob: Any = None
        self.last: np.datetime64 | None = None
        self.runs: list[SystemRun] = []
        if sys.tm is None:
            sys.tm = self.hku.crtTM()  # replaced by Hikyuu with one on our account at every run

    def _broker(self, stg: Strategy) -> Any:
        if self._ob is None:
            if self.bridge is None:
                self.bridge = HikyuuBroker(stg.get_broker(), name=self.name, clock=stg.clock, ktype=self.ktype)
            self._ob = order_broker(self.bridge)
        return self._ob

    def __call__(self, stg: Strategy) -> None:
        finished = self.bars == "finished"
        bars = stg.get_kdata(self.code, ktype=self.ktype, finished_only=finished)
        if not len(bars):
            return
        last = bars["datetime"][-1]
        if self.last is None and finished:
            self.last = last
            log.info("%s: starts after bar %s (earlier bars are history)", self.name, last)
            return
        if finished and last == self.last:
            return  # no new bar since the last run
        self.last = last
        self.run(stg, bars)

    def run(self, stg: Strategy, bars: np.ndarray) -> SystemRun:
        """Run the system once over ``bars``, deciding on the last one."""
        hku = self.hku
        ob = self._broker(stg)
        assert self.bridge is not None
        last = bars["datetime"][-1]
        record = SystemRun(last, is_final(last, self.ktype, stg.now()))
        stock = hikyuu_stock(self.code, {self.ktype: bars})
        with self.bridge.deciding_on(last):
            hku.run_in_strategy(self.sys, stock, hku.Query(0, ktype=HIKYUU_KTYPE[self.ktype]), ob, self.cost)
        for tr in self.sys.get_trade_record_list():
            side = {hku.BUSINESS.BUY: "buy", hku.BUSINESS.SELL: "sell"}.get(tr.business)
            if side is not None:
                record.trades.append((from_datetime(tr.datetime), side, float(tr.real_price), float(tr.number)))
        self.runs.append(record)
        if record.trades:
            log.info("%s: bar %s -> %s", self.name, last, ", ".join(f"{s} {n:g} @ {p:.3f}"
                                                                   for _, s, p, n in record.trades))
        return record


def crt_sys_strategy(sys: Any, code: str, ktype: str | KType = KType.DAY, cost: Any = None,
                     name: str = "SYSStrategy", *, at: time = time(14, 50), bars: str | None = None,
                     bridge: HikyuuBroker | None = None, **strategy_kwargs: Any) -> Strategy:
    """Hikyuu's ``crt_sys_strategy`` on our runtime: a ``Strategy`` trading ``sys`` on ``code``.

    As Hikyuu's: intraday systems run every bar (on the session grid, ``run_daily``), day and longer at
    ``at`` (14:50) on the day's bar under way. ``strategy_kwargs`` go to ``Strategy`` (quotation server,
    broker, clock, preloader...); the runner is ``stg.system_runner``.
    """
    k = parse_ktype(ktype)
    ktypes = [k] if k is KType.DAY else [k, KType.DAY]
    stg = Strategy([code], ktypes, name=name, **strategy_kwargs)
    runner = SystemRunner(sys, code, k, bridge, cost, bars=bars or ("finished" if k.is_intraday else "current"),
                          name=name)
    if k.is_intraday:
        stg.run_daily(runner, timedelta(minutes=k.minutes))
    else:
        stg.run_daily_at(runner, at)
    stg.system_runner = runner  # type: ignore[attr-defined]
    stg.system_runners = [runner]  # type: ignore[attr-defined]
    return stg
