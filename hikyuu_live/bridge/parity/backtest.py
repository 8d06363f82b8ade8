"""The backtest half of a parity run.

- **Our strategies**: the strategy's own ``Strategy`` object, built as for live, driven bar by bar: a
  ``FakeClock`` steps from one timer to the next through the day; at each step the strategy's bars are the
  day's bars as they were then (``BacktestBars``), the quote book holds the last price then, and its timers
  run. Orders go to a fresh paper broker (same cash, same checks: T+1 is enforced here as live). Spots do not
  exist in a backtest: ``on_change`` is called once per stock at each minute's end with a spot made from that
  minute's bar (``close`` the bar's close), then ``on_received_spot`` once (a minute is one cycle).
  The paper broker is asynchronous (its worker fills a moment after ``buy``), and simulated time does not
  pass while the worker works: after each step the driver waits for the worker (``drain``) and runs the
  ``on_order`` calls, so every order of a step is in the account before the next step, as it is live at any
  real pace (the paper broker fills within milliseconds; ``hikyuu_parity``'s live run checks it).
- **Portfolios**: Hikyuu's own backtest, ``Portfolio.run`` over the day's final bars of its stocks and of the
  index (Hikyuu's trading calendar) with a ``TradeManager`` opened at the day's start with the paper cash.
- **Trading systems**: Hikyuu's own backtest, ``System.run`` over the stock's history and the day's final bars
  with a ``TradeManager`` opened at the day's start (``crtTM``) holding the paper account's cash; one system
  per stock, as Hikyuu runs per-stock systems. Hikyuu's backtest does not know T+1.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any

import numpy as np

from hikyuu_live.bridge.parity.day import BacktestBars, DayBars
from hikyuu_live.bridge.parity.strategies import ParityStrategy
from hikyuu_live.bridge.parity.trades import Trade
from hikyuu_live.clock import EXCHANGE_TZ, FakeClock
from hikyuu_live.model.kdata import KType
from hikyuu_live.model.spot import Spot
from hikyuu_live.strategy.broker.paper import PaperBroker
from hikyuu_live.strategy.context import Stock

log = logging.getLogger(__name__)
SETTLE_S = 30.0  # longest wait for the backtest broker's worker at one step (it fills in milliseconds)
SETTLE_ROUNDS = 100  # on_order calls placing orders placing orders ...: a bound, not a loop forever


@dataclass(slots=True)
class BacktestResult:
    trades: list[Trade]
    labels: dict[tuple[str, str], set[np.datetime64]] = field(default_factory=dict)
    note: str = ""


def run_ours(spec: ParityStrategy, day: DayBars, workdir: Path, cash: float) -> BacktestResult:
    """Drive the strategy's own runtime bar by bar (see the module docstring)."""
    start = datetime.combine(day.day, time(9, 0), tzinfo=EXCHANGE_TZ)
    clock = FakeClock(start)
    stg = spec.build(clock=clock, broker=None, preloader=None, quotation_server="inproc://parity-backtest")
    view = BacktestBars(day)
    stg.bars = view  # type: ignore[assignment]
    broker = PaperBroker(workdir / "backtest_broker.json", cash, clock=clock, price_source=stg.quotes.price,
                         quote_source=stg.quotes.quote)
    stg.broker = broker
    try:
        trades = _drive(stg, day, view, clock)
    finally:
        broker.close()  # its worker stops before the work folder can go
    labels = {(c, k.value): day.labels(c, k) for c in day.codes for k in stg.context.ktype_list if k.is_intraday}
    return BacktestResult(trades, labels, f"{spec.name} on our runtime, bar by bar")


def _drive(stg: Any, day: DayBars, view: BacktestBars, clock: FakeClock) -> list[Trade]:
    """Step the strategy through the day (see the module docstring); the paper broker's orders, all final."""
    stg._stocks = {c: Stock(c[:2], c[2:]) for c in stg.context.stock_list}  # as prepare() makes them
    stg.quotes.yesterday.update(day.quotes)
    stg.timers.schedule_all(clock.now())
    end = datetime.combine(day.day, time(15, 5), tzinfo=EXCHANGE_TZ)
    minute_ends = _minute_ends(day) if stg._on_change is not None or stg._on_received is not None else []
    while True:
        due = stg.timers.next_due()
        nxt = minute_ends[0] if minute_ends else None
        step = min(t for t in (due, nxt) if t is not None) if (due or nxt) else None
        if step is None or step > end:
            break
        clock.set(step)
        view.at(step)
        for code in day.codes:
            price = day.price_at(code, step)
            if price is not None:
                stg.quotes.close[code] = price
        if nxt is not None and nxt == step:
            minute_ends.pop(0)
            if stg._on_change is not None:
                _call_on_change(stg, day, step)
            if stg._on_received is not None:  # one "cycle" per minute
                stg._call(stg._on_received, stg, step)
        if due is not None and due <= step:
            stg.run_pending(0)
        _settle(stg)
    return [_paper_trade(o) for o in stg.broker.orders()]


def _settle(stg: Any) -> None:
    """Simulated time stands still while the broker's worker works: wait for it, run the ``on_order`` calls
    (which may order again), until nothing is on its way."""
    for _ in range(SETTLE_ROUNDS):
        if not stg.broker.drain(SETTLE_S):
            raise RuntimeError(f"the backtest's paper broker did not finish its orders within {SETTLE_S:g} s")
        if not stg.run_pending(0):  # the queued on_order calls; none: settled
            return
    raise RuntimeError(f"{stg.name}: on_order kept placing orders at {stg.now():%H:%M:%S} "
                       f"({SETTLE_ROUNDS} rounds); a strategy answering each fill with an order never settles")


def _minute_ends(day: DayBars) -> list[datetime]:
    ends: set[np.datetime64] = set()
    for m in day.minutes.values():
        ends.update(m["datetime"].tolist())
    return [np.asarray(t).astype("M8[us]").item().replace(tzinfo=EXCHANGE_TZ) for t in sorted(ends)]


def _call_on_change(stg: Any, day: DayBars, now: datetime) -> None:
    label = np.datetime64(now.replace(tzinfo=None), "us")
    for code in day.codes:
        m = day.minutes.get(code)
        if m is None:
            continue
        row = m[m["datetime"] == label]
        if not len(row):
            continue
        r = row[0]
        yc, name = day.quotes.get(code, (0.0, ""))
        spot = Spot(code[:2], code[2:], name, now.replace(tzinfo=None), yc, float(r["open"]), float(r["high"]),
                    float(r["low"]), float(r["close"]), float(r["amount"]), float(r["volume"]))
        stg._call(stg._on_change, stg, stg._stocks.get(code, Stock(code[:2], code[2:])), spot)


def _paper_trade(order: Any) -> Trade:
    when = np.datetime64(datetime.strptime(order.datetime, "%Y-%m-%d %H:%M:%S"), "us")
    price = order.filled_price if order.filled_number else order.price
    return Trade(when, order.market + order.code, order.side, float(price), float(order.number), str(order.status),
                 order.reason)


def run_system(spec: ParityStrategy, day: DayBars, cash: float) -> BacktestResult:
    """Hikyuu's own backtest of the strategy's system, per stock (see the module docstring)."""
    from hikyuu_live.strategy.hikyuu_kdata import HIKYUU_KTYPE, from_datetime, hikyuu, hikyuu_stock, to_datetime

    hku = hikyuu()
    assert spec.make_system is not None and spec.ktype is not None
    k = spec.ktype
    end = datetime.combine(day.day, time(23, 59))
    trades: list[Trade] = []
    labels: dict[tuple[str, str], set[np.datetime64]] = {}
    for code in spec.codes:
        sys = spec.make_system()
        bars = day.bars_at(code, k, end)
        stock = hikyuu_stock(code, {k: bars})
        tm = hku.crtTM(to_datetime(np.datetime64(day.day, "us")), cash, hku.TC_Zero())
        sys.tm = tm
        sys.run(stock, hku.Query(0, ktype=HIKYUU_KTYPE[k]))
        for tr in tm.get_trade_list():
            side = {hku.BUSINESS.BUY: "buy", hku.BUSINESS.SELL: "sell"}.get(tr.business)
            if side is not None:
                trades.append(Trade(from_datetime(tr.datetime), code, side, float(tr.real_price), float(tr.number)))
        labels[(code, k.value)] = day.labels(code, k)
    return BacktestResult(trades, labels, f"Hikyuu's own backtest of {spec.name} (System.run, crtTM)")


def run_portfolio_backtest(spec: ParityStrategy, day: DayBars, cash: float) -> BacktestResult:
    """Hikyuu's own backtest of the strategy's portfolio: ``Portfolio.run`` over the history and the day's final
    bars with a ``TradeManager`` opened at the day's start holding the paper account's cash (the same
    function the live ``PortfolioRunner`` decides through, over all of the day at once)."""
    from hikyuu_live.bridge.portfolio import HikyuuMarket, check_portfolio, run_portfolio
    from hikyuu_live.strategy.hikyuu_kdata import hikyuu

    hku = hikyuu()
    assert spec.make_portfolio is not None and spec.ktype is not None
    k = spec.ktype
    pf = spec.make_portfolio()
    protos = check_portfolio(pf)
    end = datetime.combine(day.day, time(23, 59))
    bars = {code: day.bars_at(code, k, end) for code in spec.codes}
    decided = run_portfolio(pf, protos, HikyuuMarket(), k, bars, np.datetime64(day.day, "us"), cash, hku.TC_Zero())
    trades = [Trade(when, code, side, price, number) for when, code, side, price, number, _ in decided]
    labels = {(code, k.value): day.labels(code, k) for code in spec.codes}
    return BacktestResult(trades, labels, f"Hikyuu's own backtest of {spec.name} (Portfolio.run, crtTM)")


def session_end(day: DayBars, ktype: KType) -> np.datetime64:
    """The label of the day's last bar of ``ktype`` (15:00, or the day for day bars)."""
    if ktype.is_intraday:
        return np.datetime64(datetime.combine(day.day, time(15, 0)), "us")
    return np.datetime64(day.day, "us")
