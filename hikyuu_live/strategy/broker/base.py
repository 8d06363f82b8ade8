"""The broker protocol: what a strategy calls, and the few hooks a backend implements.

Public API (Hikyuu's broker adapter, ``hikyuu/trade_manage/broker.py``, plus what live trading needs):

- ``buy(market, code, price, num, stoploss=0.0, goal_price=0.0, part_from=None, remark="",
  client_order_id=None) -> Order`` and ``sell(...)`` with the same arguments. ``price`` 0 means "at the
  live price" (taken from the ``price_source`` callable the runtime passes). The call runs the A-share
  pre-trade checks of ``hikyuu_live.strategy.orders`` (lots, tick, daily limits from ``quote_source``,
  T+1 sellable, cash with fees), a kill switch (``halt``) and a rate limit.
- **buy/sell never raise for a refused order**: a failed check (or an account that cannot be read, or
  a broker that says no) comes back as an ``Order`` with status ``rejected`` and ``reason`` saying
  exactly why, logged as a warning and counted. Strategies run in an event loop where an exception
  would only be logged and swallowed anyway; a returned status is something they can act on. Only
  ``orders.check_order`` itself raises (``OrderRejected``); a broken state file or a bug still raises.
- An accepted order gets a client order id (uuid4 hex unless given), is logged and counted, and goes to
  ``_place_order``. ``Order.status``: ``filled`` (paper; or seen filled at the broker), ``submitted``
  (seen at the broker, not filled yet), ``unconfirmed`` (the broker said yes but never showed it: see
  ``easytrader.py``), ``rejected``; easytrader also reports ``cancelled`` (已撤 at the exchange) and
  journals ``pending`` (being sent) until the order is confirmed.
- Idempotence: calling again with a ``client_order_id`` that is already known returns the known order
  instead of placing another one (a rejected one may be retried). Brokers with a journal keep this
  across restarts.
- ``get_asset_info() -> dict`` in Hikyuu's JSON shape: ``{"datetime": "YYYY-MM-DD HH:MM:SS", "cash":
  float, "positions": [{"market", "code", "number", "stoploss", "goal_price", "cost_price"}]}``;
  ``number`` is the whole holding (see ``easytrader.py`` for why not the sellable part).
- ``orders()`` (every order, rejected ones included), ``fills()`` (orders with shares filled),
  ``trades()`` (execution records, ``Fill``), ``positions()``, ``position(market, code)``, ``cash()``,
  ``stats``.

A backend subclasses ``Broker`` and implements ``_place_order``, ``_query_orders``, ``_query_trades``,
``_query_asset`` and ``_known_order`` (plus ``_start``/``_close``/``_record_rejected`` when it keeps
state, ``_query_cash``/``_query_positions`` when one half of the account is cheaper to ask for).
Constructors do no I/O; the first call starts the broker. Brokers never hold credentials in anything
that is logged, raised, repr'd or saved (``secrets.Secret``).
"""

from __future__ import annotations

import enum
import logging
import threading
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from hikyuu_live.clock import Clock, LiveClock
from hikyuu_live.errors import BrokerError, OrderRejected
from hikyuu_live.strategy.orders import Fees, Side, check_order, snap_price

log = logging.getLogger(__name__)

PriceSource = Callable[[str, str], "float | None"]  # (market, code) -> live price or None
QuoteSource = Callable[[str, str], "tuple[float, str] | None"]  # -> (yesterday's close, name) or None
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class OrderStatus(enum.StrEnum):
    FILLED = "filled"
    REJECTED = "rejected"  # refused by a check or by the broker; ``reason`` says why
    SUBMITTED = "submitted"  # the broker lists it, not (fully) filled yet
    UNCONFIRMED = "unconfirmed"  # the broker said yes, but never listed it
    CANCELLED = "cancelled"  # listed, then cancelled at the exchange (easytrader only)
    PENDING = "pending"  # journalled while being sent; resolved by the next call with its client id


def _from_dict(cls: type, data: dict[str, Any]) -> Any:
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(slots=True)
class Order:
    """One order as the broker knows it; ``datetime`` is exchange time ``YYYY-MM-DD HH:MM:SS``."""

    client_order_id: str
    datetime: str
    market: str
    code: str
    side: str  # "buy" | "sell"
    price: float  # limit price sent, yuan (0 in a call is resolved to the live price first)
    number: int  # shares
    status: str = OrderStatus.PENDING
    reason: str = ""
    filled_price: float = 0.0  # average, yuan
    filled_number: int = 0  # shares
    remark: str = ""
    stoploss: float = 0.0
    goal_price: float = 0.0
    part_from: Any = None
    broker_order_id: str = ""
    fee: float = 0.0  # yuan, when the broker reports it (paper)

    def __str__(self) -> str:
        why = f" ({self.reason})" if self.reason else ""
        return (f"{self.side} {self.market}{self.code} x{self.number} @ {self.price:.3f} {self.status}{why} "
                f"[{self.client_order_id}]")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Order:
        return _from_dict(cls, data)


@dataclass(slots=True)
class Fill:
    """One execution (a paper fill, a row of the client's ``today_trades``)."""

    client_order_id: str
    market: str
    code: str
    side: str
    price: float
    number: int
    amount: float
    fee: float
    datetime: str
    broker_fill_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fill:
        return _from_dict(cls, data)


@dataclass(slots=True)
class Position:
    market: str
    code: str
    number: int  # shares held
    sellable: int  # shares that may be sold today (T+1)
    cost_price: float = 0.0
    stoploss: float = 0.0
    goal_price: float = 0.0
    name: str = ""

    @property
    def bought_today(self) -> int:
        return max(0, self.number - self.sellable)

    def asset_row(self) -> dict[str, Any]:
        return {"market": self.market, "code": self.code, "number": self.number, "stoploss": self.stoploss,
                "goal_price": self.goal_price, "cost_price": self.cost_price}


@dataclass(slots=True)
class Account:
    cash: float  # available cash, yuan
    positions: list[Position] = field(default_factory=list)


@dataclass(slots=True)
class BrokerStats:
    submitted: int = 0  # orders that passed the checks and went to the backend
    rejected: int = 0
    filled: int = 0
    confirmed: int = 0  # seen at the broker, not filled yet (status "submitted")
    unconfirmed: int = 0
    duplicates: int = 0  # calls answered from a known client order id
    retries: int = 0  # resends after a transport failure
    errors: int = 0


class Broker:
    """Base of every broker; see the module docstring."""

    name = "base"

    def __init__(self, *, clock: Clock | None = None, price_source: PriceSource | None = None,
                 quote_source: QuoteSource | None = None, fees: Fees | None = None,
                 max_orders_per_minute: int | None = 60) -> None:
        self.clock = clock or LiveClock()
        self.price_source = price_source
        self.quote_source = quote_source
        self.fees = fees or Fees()
        self.max_orders_per_minute = max_orders_per_minute
        self.stats = BrokerStats()
        self._lock = threading.RLock()
        self._recent: deque[float] = deque()
        self._halted: str | None = None
        self._started = False

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        with self._lock:
            if not self._started:
                self._start()
                self._started = True

    def close(self) -> None:
        with self._lock:
            if self._started:
                self._close()
                self._started = False

    def __enter__(self) -> Broker:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def halt(self, reason: str) -> None:
        """Kill switch: refuse every new order until ``resume()``."""
        self._halted = reason or "halted"
        log.warning("%s broker halted: %s", self.name, self._halted)

    def resume(self) -> None:
        self._halted = None
        log.warning("%s broker resumed", self.name)

    # ------------------------------------------------------------------ orders
    def buy(self, market: str, code: str, price: float, num: int, stoploss: float = 0.0, goal_price: float = 0.0,
            part_from: Any = None, remark: str = "", client_order_id: str | None = None) -> Order:
        return self._submit(Side.BUY, market, code, price, num, stoploss, goal_price, part_from, remark,
                            client_order_id)

    def sell(self, market: str, code: str, price: float, num: int, stoploss: float = 0.0, goal_price: float = 0.0,
             part_from: Any = None, remark: str = "", client_order_id: str | None = None) -> Order:
        return self._submit(Side.SELL, market, code, price, num, stoploss, goal_price, part_from, remark,
                            client_order_id)

    def _submit(self, side: Side, market: str, code: str, price: float, num: int, stoploss: float,
                goal_price: float, part_from: Any, remark: str, client_order_id: str | None) -> Order:
        with self._lock:
            market = market.upper()
            cid = client_order_id or uuid.uuid4().hex
            if part_from is not None and not isinstance(part_from, str | int | float):
                part_from = str(part_from)
            order = Order(cid, self.clock.now().strftime(TIME_FORMAT), market, code, str(side), float(price), num,
                          remark=remark, stoploss=float(stoploss), goal_price=float(goal_price), part_from=part_from)
            try:
                self.start()
                known = self._known_order(cid)
            except BrokerError as e:  # corrupt state, failed login: nothing can be sent, and nothing is saved
                return self._rejected(order, f"{market}{code}: not sent, the {self.name} broker is not usable: {e}",
                                      record=False)
            if known is not None and known.status != OrderStatus.REJECTED:
                self.stats.duplicates += 1
                log.info("%s: order %s already known (%s); not placed again", self.name, cid, known.status)
                return self._resume_order(known)
            try:
                self._pre_trade(order)
            except OrderRejected as e:
                return self._rejected(order, str(e))
            except BrokerError as e:  # an unreadable account (cash, position) stops the order: nothing was sent
                return self._rejected(order, f"{market}{code}: not sent, the account could not be checked: {e}")
            self.stats.submitted += 1
            self._recent.append(self.clock.monotonic())
            log.info("%s: %s %s%s x%d @ %.3f [%s] %s", self.name, side, market, code, order.number, order.price,
                     cid, remark)
            try:
                placed = self._place_order(order)
            except BrokerError as e:  # a backend that could not place it says so by raising before it sent
                return self._rejected(order, f"{market}{code}: not placed: {e}")
            self._count(placed)
            return placed

    def _rejected(self, order: Order, reason: str, *, record: bool = True) -> Order:
        """Record, log and count a refused order; the caller returns it (see the module docstring)."""
        order.status, order.reason = OrderStatus.REJECTED, reason
        self.stats.rejected += 1
        log.warning("%s: %s %s%s x%s rejected: %s [%s]", self.name, order.side, order.market, order.code,
                    order.number, reason, order.client_order_id)
        if record:
            try:
                self._record_rejected(order)
            except BrokerError as e:  # the refusal stands; only its record is lost
                log.error("%s: rejected order %s not recorded: %s", self.name, order.client_order_id, e)
        return order

    def _pre_trade(self, order: Order) -> None:
        """Kill switch, rate limit, live price for price 0, then ``orders.check_order``."""
        key = order.market + order.code
        if self._halted:
            raise OrderRejected(f"{key}: broker halted ({self._halted})")
        if self.max_orders_per_minute:
            now = self.clock.monotonic()
            while self._recent and now - self._recent[0] > 60.0:
                self._recent.popleft()
            if len(self._recent) >= self.max_orders_per_minute:
                raise OrderRejected(f"{key}: rate limit, {len(self._recent)} orders in the last minute "
                                    f"(max_orders_per_minute={self.max_orders_per_minute})")
        if not order.price > 0:
            live = self.price_source(order.market, order.code) if self.price_source else None
            if not live or not live > 0:
                raise OrderRejected(f"{key}: no live price (not quoted yet or suspended); give a price")
            order.price = float(live)
        quote = self.quote_source(order.market, order.code) if self.quote_source else None
        yesterday, name = quote if quote else (None, "")
        cash = sellable = held = None
        if order.side == Side.BUY:
            cash = self.cash()
        else:
            pos = self.position(order.market, order.code)
            sellable, held = (pos.sellable, pos.number) if pos else (0, 0)
            name = name or (pos.name if pos else "")
        if yesterday is None:
            log.debug("%s: no yesterday's close for %s; daily limits not checked", self.name, key)
        check_order(order.side, order.market, order.code, order.price, order.number, name=name,
                    yesterday_close=yesterday, cash=cash, sellable=sellable, held=held, fees=self.fees,
                    day=self.clock.now().date())
        order.price = snap_price(order.market, order.code, order.price)  # what is sent: on the tick grid

    def _count(self, order: Order) -> None:
        if order.status == OrderStatus.FILLED:
            self.stats.filled += 1
        elif order.status == OrderStatus.SUBMITTED:
            self.stats.confirmed += 1
        elif order.status == OrderStatus.UNCONFIRMED:
            self.stats.unconfirmed += 1

    # ------------------------------------------------------------------ account
    def get_asset_info(self) -> dict[str, Any]:
        """Account state in Hikyuu's ``get_asset_info`` shape (see the module docstring)."""
        self.start()
        with self._lock:
            account = self._query_asset()
        return {"datetime": self.clock.now().strftime(TIME_FORMAT), "cash": round(float(account.cash), 2),
                "positions": [p.asset_row() for p in account.positions if p.number > 0]}

    def cash(self) -> float:
        """Cash available for buying, yuan."""
        self.start()
        with self._lock:
            return self._query_cash()

    def positions(self) -> list[Position]:
        self.start()
        with self._lock:
            return list(self._query_positions())

    def position(self, market: str, code: str) -> Position | None:
        market = market.upper()
        return next((p for p in self.positions() if p.market == market and p.code == code), None)

    def orders(self) -> list[Order]:
        """Every order of this account known to the broker, oldest first, rejected ones included."""
        self.start()
        with self._lock:
            return self._query_orders()

    def fills(self) -> list[Order]:
        """The orders with shares filled (``filled_number``, ``filled_price``), oldest first."""
        return [o for o in self.orders() if o.filled_number > 0]

    def trades(self) -> list[Fill]:
        """Execution records (one per paper fill or per row of the client's ``today_trades``)."""
        self.start()
        with self._lock:
            return self._query_trades()

    # ------------------------------------------------------------------ hooks
    def _start(self) -> None:
        """Load state or connect (called once, on first use)."""

    def _close(self) -> None:
        """Release what ``_start`` took."""

    def _known_order(self, client_order_id: str) -> Order | None:
        raise NotImplementedError

    def _resume_order(self, order: Order) -> Order:
        """A known order asked for again; a backend may finish confirming it."""
        return order

    def _record_rejected(self, order: Order) -> None:
        """Keep a rejected order (for ``orders()`` and the GUI); default: not kept."""

    def _place_order(self, order: Order) -> Order:
        """Send (or fill) ``order`` and return it with its status. Raise ``BrokerError`` only when
        certainly nothing was placed and the account is unchanged (the order becomes ``rejected``)."""
        raise NotImplementedError

    def _query_orders(self) -> list[Order]:
        raise NotImplementedError

    def _query_trades(self) -> list[Fill]:
        raise NotImplementedError

    def _query_asset(self) -> Account:
        raise NotImplementedError

    def _query_cash(self) -> float:
        return self._query_asset().cash

    def _query_positions(self) -> list[Position]:
        return self._query_asset().positions
