"""``HikyuuBroker``: Hikyuu's Python broker protocol over one of our brokers (paper, easytrader).

Hikyuu sends a trading system's orders to an ``OrderBrokerBase``; ``crtOB(obj)`` wraps any object with
``buy``/``sell(market, code, price, num, stoploss, goal_price, part_from, remark)`` and, optionally,
``get_asset_info()`` returning ``{"datetime", "cash", "positions": [{"market", "code", "number", "stoploss",
"goal_price", "cost_price"}]}``; ``run_in_strategy``/``crt_sys_strategy`` size positions from that answer.
A ``HikyuuBroker`` is such an object:

- every order goes through our broker's public ``buy``/``sell``, so it gets our pre-trade checks (lots, tick,
  daily limits, T+1, cash with fees, kill switch, rate limit), its confirmation and its journal; the call
  never raises into Hikyuu's C++ (a refused order is an ``Order`` with status ``rejected`` and the reason,
  logged, and kept in ``records``);
- **one decision, one order**: each order gets a client order id derived from (bridge name, side, stock,
  decision bar), so a system that decides the same thing again (a timer running twice on one bar, a restart
  re-running today's bars) is answered with the order already placed, across restarts too (the paper and
  easytrader journals keep client ids). The decision bar is the ``datetime`` Hikyuu passes when the bridge
  is wrapped by :func:`hikyuu_live.bridge.order_broker` (preferred), else the first bar of ``ktype`` labelled
  at or after the bridge clock's now, where Hikyuu's ``run_in_strategy`` window starts (what Hikyuu's own
  ``crtOB`` wrapper allows: it drops the datetime, and a caller whose decision time is not its clock's now,
  such as a backtest-style loop, needs ``order_broker`` or ``deciding_on``);
- **never waits for the broker**: Hikyuu calls ``buy``/``sell`` on its strategy's loop (``run_in_strategy``
  in a timer), and our brokers are asynchronous (``hikyuu_live.strategy.broker.base``): the call returns at
  once with what is known, the broker's ``Order`` as ``pending`` (its worker checks it against the account,
  sends and confirms it a moment later) or ``rejected`` with the reason. Hikyuu ignores the answer; the
  outcome reaches the broker's journal, ``orders()`` and its listeners;
- **an order not final yet holds back the next** of the same stock and side (``pending`` on every broker,
  then ``submitted`` or ``unconfirmed`` at a real one): another such order is refused ("an earlier ... is
  not final yet"): Hikyuu, reading an account that does not show the first order yet, would otherwise buy
  twice. ``refresh()`` re-reads their status from the broker (``orders()``, never waits), ``in_flight()``
  lists them; ``drain(timeout_s)`` waits for the broker's worker, then refreshes: for scripts, tests and
  backtests, never on a strategy's loop;
- ``get_asset_info()`` answers from the broker's account (cash and whole holdings) with ``datetime`` = the
  decision time: Hikyuu's ``System.run`` trades only bars at or after it. Orders still on their way are not
  in it yet; such a read is logged and kept in ``unsettled`` (decision time -> those orders), so a decision
  taken on it can be told apart (``hikyuu_parity`` names it). An account that cannot be read answers ``""``:
  Hikyuu then sees no cash and no position and sends nothing (never a guessed account).

Hikyuu's "no price" (NaN, for a stop-loss or goal it does not set) is sent and reported as 0.0: a NaN in the
account JSON makes Hikyuu's parser drop the whole account. Quantities: Hikyuu passes shares as a float; a
whole positive number is sent as is; Hikyuu's "sell everything" (``MAX_DOUBLE``) sells the whole holding;
anything else (NaN, fractions, <= 0) is refused.
Prices are sent as Hikyuu computed them (a system on adjusted prices sends prices the exchange does not
know: the tick and limit checks refuse them, with the reason).
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from hikyuu_live.clock import EXCHANGE_TZ, Clock
from hikyuu_live.errors import BrokerError
from hikyuu_live.model.kdata import KType, intraday_label_minutes, parse_ktype
from hikyuu_live.strategy.broker import Broker, Order, OrderStatus, create_broker
from hikyuu_live.strategy.broker.base import TIME_FORMAT

log = logging.getLogger(__name__)

FINAL = frozenset({OrderStatus.FILLED, OrderStatus.REJECTED, OrderStatus.CANCELLED})
SELL_ALL = 1e15  # Hikyuu's MAX_DOUBLE (and anything this large) means "the whole holding"
UNSETTLED_KEPT = 1000  # account reads with orders on their way remembered (the newest)


@dataclass(slots=True)
class BridgeStats:
    calls: int = 0  # buy/sell calls from Hikyuu
    placed: int = 0  # orders handed to our broker (whatever it answered)
    duplicates: int = 0  # calls for a decision already placed: answered with that order
    held_back: int = 0  # refused: an earlier order of the stock and side is not final yet
    invalid: int = 0  # refused: quantity or price Hikyuu should never send
    asset_queries: int = 0
    asset_failures: int = 0


@dataclass(slots=True)
class Decision:
    """One order decision of the system and what became of it."""

    key: str  # the client order id
    side: str
    market: str
    code: str
    decided_at: str  # the decision bar, exchange time
    number: float  # as Hikyuu sent it
    price: float
    order: Order | None  # None when the bridge refused it itself
    reason: str = ""

    @property
    def status(self) -> str:
        return self.order.status if self.order is not None else OrderStatus.REJECTED


class HikyuuBroker:
    """Hikyuu's broker protocol over our ``broker`` (an object or a registry name); see the module docstring."""

    def __init__(self, broker: Broker | str = "paper", *, name: str = "hikyuu", clock: Clock | None = None,
                 ktype: str | KType = KType.DAY, hold_while_in_flight: bool = True, **broker_kwargs: Any) -> None:
        if isinstance(broker, str):
            if clock is not None:
                broker_kwargs.setdefault("clock", clock)
            broker = create_broker(broker, **broker_kwargs)
        elif broker_kwargs:
            raise TypeError(f"broker options {sorted(broker_kwargs)} need a broker name, not a broker object")
        self.broker: Broker = broker
        self.name = name
        self.clock: Clock = clock or broker.clock
        self.ktype = parse_ktype(ktype)
        self.hold_while_in_flight = hold_while_in_flight
        self.stats = BridgeStats()
        self.records: dict[str, Decision] = {}
        self.unsettled: dict[str, str] = {}  # decision time -> the orders not final when Hikyuu read the account
        self._decided_at: datetime | None = None

    def __repr__(self) -> str:
        return f"HikyuuBroker(name={self.name!r}, broker={self.broker!r})"

    # ------------------------------------------------------------------ Hikyuu's protocol
    def buy(self, market: str, code: str, price: float, num: float, stoploss: float = 0.0, goal_price: float = 0.0,
            part_from: Any = None, remark: str = "", *, decided_at: datetime | None = None) -> Order | None:
        """Hikyuu's ``buy``; never waits. Returns our broker's order as known now (``pending``: on its way, or
        ``rejected`` with the reason), the order already placed for this decision, or None when the bridge
        refused it itself (the reason is in ``decisions()``)."""
        return self._order("buy", market, code, price, num, stoploss, goal_price, part_from, remark, decided_at)

    def sell(self, market: str, code: str, price: float, num: float, stoploss: float = 0.0, goal_price: float = 0.0,
             part_from: Any = None, remark: str = "", *, decided_at: datetime | None = None) -> Order | None:
        """Hikyuu's ``sell``; as ``buy``."""
        return self._order("sell", market, code, price, num, stoploss, goal_price, part_from, remark, decided_at)

    def get_asset_info(self) -> dict[str, Any] | str:
        """The account in Hikyuu's shape, dated at the decision time; ``""`` when it cannot be read."""
        self.stats.asset_queries += 1
        try:
            info = self.broker.get_asset_info()
        except BrokerError as e:
            self.stats.asset_failures += 1
            log.error("%s: account not readable, Hikyuu gets no account (it will not trade): %s", self.name, e)
            return ""
        info["datetime"] = self.decision_time().strftime(TIME_FORMAT)
        info["cash"] = _finite(info.get("cash"))
        for row in info.get("positions", []):
            for key in ("number", "stoploss", "goal_price", "cost_price"):
                row[key] = _finite(row.get(key))
        self._note_unsettled(info["datetime"])
        return info

    def _note_unsettled(self, when: str) -> None:
        """Remember (and log) the orders of the account that are not final yet: the account just read lacks
        them (every broker's orders are ``pending`` for a moment; a real one's may stay ``submitted``)."""
        self.refresh()
        try:
            waiting = [o for o in self.broker.orders() if o.status not in FINAL]
        except BrokerError as e:
            log.warning("%s: order status not readable now: %s", self.name, e)
            return
        if not waiting:
            return
        note = ", ".join(f"{o.side} {o.market}{o.code} x{o.number or '?'} ({o.status})" for o in waiting)
        log.info("%s: %d orders not final yet (%s); Hikyuu sees the account without them", self.name,
                 len(waiting), note)
        self.unsettled[when] = note
        while len(self.unsettled) > UNSETTLED_KEPT:
            del self.unsettled[next(iter(self.unsettled))]

    # ------------------------------------------------------------------ decision time
    def decision_time(self) -> datetime:
        """The time a decision is taken at: the bar a runner is deciding on, else the clock's now."""
        return self._decided_at or self.clock.now().replace(tzinfo=None)

    @contextmanager
    def deciding_on(self, bar_label: datetime | np.datetime64) -> Iterator[None]:
        """Decisions inside this block are on the bar labelled ``bar_label`` (``SystemRunner`` uses it)."""
        previous = self._decided_at
        self._decided_at = _naive(bar_label)
        try:
            yield
        finally:
            self._decided_at = previous

    def decision_bar(self, decided_at: datetime | None) -> datetime:
        """The bar a call is about: Hikyuu's datetime, the runner's bar, else the ``ktype`` bar holding now."""
        if decided_at is not None:
            return _naive(decided_at)
        if self._decided_at is not None:
            return self._decided_at
        now = self.clock.now().astimezone(EXCHANGE_TZ).replace(tzinfo=None)
        if not self.ktype.is_intraday:
            return now.replace(hour=0, minute=0, second=0, microsecond=0)
        # the first bar whose label is at or after now: the bar Hikyuu's System.run starts its window with
        exact = now.second == 0 and now.microsecond == 0
        minute = now.hour * 60 + now.minute + now.second / 60.0 + now.microsecond / 60e6
        label = int(intraday_label_minutes(np.array([minute - (1e-9 if exact else 0.0)]), self.ktype)[0])
        if not label:  # outside the sessions: the minute itself
            return now.replace(second=0, microsecond=0)
        return now.replace(hour=label // 60, minute=label % 60, second=0, microsecond=0)

    def order_key(self, side: str, market: str, code: str, bar: datetime) -> str:
        """The client order id of a decision: the same decision always gets the same id."""
        text = f"{self.name}|{side}|{market.upper()}{code}|{bar:%Y-%m-%d %H:%M:%S.%f}"
        return "hk" + hashlib.sha256(text.encode()).hexdigest()[:30]

    # ------------------------------------------------------------------ order state
    def refresh(self) -> None:
        """Re-read the status of every order not final yet from the broker."""
        open_keys = {d.key for d in self.records.values() if d.order is not None and d.order.status not in FINAL}
        if not open_keys:
            return
        try:
            known = {o.client_order_id: o for o in self.broker.orders() if o.client_order_id in open_keys}
        except BrokerError as e:
            log.warning("%s: order status not readable now: %s", self.name, e)
            return
        for key, order in known.items():
            decision = self.records[key]
            if decision.order is not None and order.status != decision.order.status:
                log.info("%s: %s %s%s is now %s", self.name, decision.side, decision.market, decision.code,
                         order.status)
            decision.order = order

    def drain(self, timeout_s: float | None = 30.0) -> bool:
        """Wait until the broker's worker finished every queued order (True) or ``timeout_s`` passed (False),
        then refresh the decisions. Blocks: for scripts, tests, backtests and shutdown, never for a
        decision on a strategy's loop (the next decision is held back by ``in_flight`` instead)."""
        done = self.broker.drain(timeout_s)
        self.refresh()
        return done

    def in_flight(self) -> list[Decision]:
        """Orders placed through the bridge whose final status is not known yet (after a refresh)."""
        self.refresh()
        return [d for d in self.records.values() if d.order is not None and d.order.status not in FINAL]

    def decisions(self) -> list[Decision]:
        """Every decision received, oldest first."""
        return list(self.records.values())

    # ------------------------------------------------------------------ the one path
    def _order(self, side: str, market: str, code: str, price: float, num: float, stoploss: float,
               goal_price: float, part_from: Any, remark: str, decided_at: datetime | None) -> Order | None:
        self.stats.calls += 1
        market = str(market).upper()
        code = str(code)
        bar = self.decision_bar(decided_at)
        key = self.order_key(side, market, code, bar)
        known = self.records.get(key)
        if known is not None:
            self.stats.duplicates += 1
            log.info("%s: %s %s%s on bar %s already decided (%s); not placed again", self.name, side, market, code,
                     bar, known.status)
            return known.order
        part = getattr(part_from, "name", part_from)
        decision = Decision(key, side, market, code, bar.strftime(TIME_FORMAT), float(num), float(price), None)
        self.records[key] = decision
        qty, why = self._quantity(side, market, code, num)
        if why:
            self.stats.invalid += 1
            self._refuse(decision, why)
            return None
        if self.hold_while_in_flight:
            earlier = next((d for d in self.in_flight() if d.side == side and d.market == market
                            and d.code == code and d.key != key), None)
            if earlier is not None:
                self.stats.held_back += 1
                self._refuse(decision, f"an earlier {side} of {market}{code} ({earlier.decided_at}) is "
                                       f"{earlier.status}, not final yet; not sending another")
                return None
        note = remark or f"hikyuu {self.name} {part or ''}".strip()
        send = self.broker.buy if side == "buy" else self.broker.sell
        order = send(market, code, float(price), qty, _finite(stoploss), _finite(goal_price),
                     None if part is None else str(part), note, client_order_id=key)
        self.stats.placed += 1
        decision.order = order
        if order.status == OrderStatus.REJECTED:
            decision.reason = order.reason
        log.info("%s: %s %s%s x%d @ %.3f for bar %s -> %s", self.name, side, market, code, qty, price, bar,
                 order.status)
        return order

    def _quantity(self, side: str, market: str, code: str, num: float) -> tuple[int, str]:
        """(shares to send, "") or (0, why the number cannot be sent)."""
        try:
            n = float(num)
        except (TypeError, ValueError):
            return 0, f"quantity {num!r} is not a number"
        if math.isnan(n) or n <= 0:
            return 0, f"quantity {num!r} is not positive"
        if n >= SELL_ALL:
            if side == "buy":
                return 0, f"buy quantity {num!r} is not a real quantity"
            try:
                pos = self.broker.position(market, code)
            except BrokerError as e:
                return 0, f"the holding to sell could not be read: {e}"
            if pos is None or pos.number <= 0:
                return 0, "sell everything: nothing held"
            return pos.number, ""
        if n != int(n):
            return 0, f"quantity {num!r} is not a whole number of shares"
        return int(n), ""

    def _refuse(self, decision: Decision, why: str) -> None:
        decision.reason = why
        log.warning("%s: %s %s%s x%s for bar %s not sent: %s", self.name, decision.side, decision.market,
                    decision.code, decision.number, decision.decided_at, why)


def _finite(value: Any) -> float:
    """Hikyuu's "no price" is NaN (``Null<price_t>``): sent and stored as 0.0, never as a NaN that makes the
    account JSON unreadable for Hikyuu's parser."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return 0.0
    return x if math.isfinite(x) else 0.0


def _naive(value: datetime | np.datetime64 | Any) -> datetime:
    """An exchange-time naive datetime from a datetime, a numpy datetime64 or a Hikyuu Datetime."""
    if isinstance(value, np.datetime64):
        out = value.astype("M8[us]").item()
    elif isinstance(value, datetime):
        out = value
    else:  # a Hikyuu Datetime
        out = value.datetime()
    if out.tzinfo is not None:
        out = out.astimezone(EXCHANGE_TZ).replace(tzinfo=None)
    return out
