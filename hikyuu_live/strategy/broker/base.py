"""The broker protocol: what a strategy calls, and the few hooks a backend implements.

Public API (Hikyuu's broker adapter, ``hikyuu/trade_manage/broker.py``, plus what live trading needs):

- ``buy(market, code, price, num, stoploss=0.0, goal_price=0.0, part_from=None, remark="",
  client_order_id=None) -> Order`` and ``sell(...)`` with the same arguments. ``price`` 0 means "at the
  live price" (a market order: it needs a live quote from the ``price_source`` callable the runtime
  passes, and is sent as a limit order at that price).
- **buy/sell never block and never raise for a refused order.** They run the checks that need no I/O
  (``orders.check_terms``: numbers, lots, tick, reference price and the day's band from ``quote_source``,
  see ``orders.py``), the kill switch (``halt``) and the rate limit, then hand the order to the broker's
  **worker thread** and return at once (well under 50 ms) with status ``pending``. The worker checks it
  against the account (cash with fees, T+1 sellable), sends it and confirms it. A failed check returns
  (or later reports) the order with status ``rejected`` and a ``reason`` naming the stock and saying
  exactly why, logged as a warning and counted.
- **Results arrive as callbacks**: ``add_listener(fn)`` registers ``fn(order)``, called with a copy of the
  order each time its status, filled quantity or reason changes (``pending`` included), from the
  worker's thread (or, for a refusal by the checks, from the caller's). ``Strategy`` forwards these to its
  ``on_order(stg, order)`` callback on its own loop. ``orders()`` shows the same state without waiting;
  ``wait(order)`` blocks until an order has left ``pending`` (scripts and tests), ``drain()`` until the
  worker is idle.
- ``Order.status``: ``pending`` (accepted, on its way), ``filled``, ``submitted`` (listed at the broker,
  not filled yet), ``rejected`` (certainly not placed), ``unconfirmed`` (the broker may hold it or not:
  it is never sent again; an ERROR is logged, ``stats.unconfirmed`` counted, and the broker looks for it
  at every reconciliation, see ``easytrader.py``), ``cancelled``.
- **At most one real order per client order id.** Every order gets a client order id (uuid4 hex unless
  given); calling again with a known id returns the known order instead of placing another one (a
  rejected one may be retried). Brokers with a journal keep this across restarts.
- Sizing on the worker: ``submit_sized(side, market, code, price, sizer)`` lets the quantity be decided
  from a fresh ``Account`` just before the checks (``Strategy.order``/``order_value`` use it, so they
  never query the broker on the strategy's loop).
- Queries do I/O on the caller's thread and may wait for the client (easytrader: up to its timeouts,
  and behind an order being sent): ``get_asset_info()`` (Hikyuu's JSON shape: ``{"datetime":
  "YYYY-MM-DD HH:MM:SS", "cash": float, "positions": [{"market", "code", "number", "stoploss",
  "goal_price", "cost_price"}]}``, ``number`` the whole holding), ``cash()``, ``positions()``,
  ``position(market, code)``, ``trades()`` (``Fill`` records), ``refresh()`` (reconcile, then
  ``orders()``). ``orders()`` and ``fills()`` never wait.

A backend subclasses ``Broker`` and implements ``_place_order`` (on the worker), ``_query_orders``
(reconciliation), ``_query_trades``, ``_query_asset``; optionally ``_start``/``_close`` (local state, no
network), ``_stored_orders`` (orders known from its state file), ``_connect`` (log in; called before
client I/O), ``_startup`` (first job of the worker: resolve what a previous process left),
``_record_rejected``, ``_query_cash``/``_query_positions``. Constructors do no I/O; the first call starts
the broker. Brokers never hold credentials in anything that is logged, raised, repr'd or saved
(``secrets.Secret``).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from hikyuu_live.clock import Clock, LiveClock
from hikyuu_live.errors import BrokerError, OrderRejected
from hikyuu_live.strategy.broker.pretrade import (
    PriceSource,
    QuoteSource,
    RateLimit,
    Sizer,
    as_number,
    as_shares,
    check_terms_now,
    check_with_account,
)
from hikyuu_live.strategy.broker.records import (
    TIME_FORMAT,
    Account,
    BrokerStats,
    Fill,
    Order,
    OrderStatus,
    Position,
)
from hikyuu_live.strategy.broker.worker import Job, OrderWorker
from hikyuu_live.strategy.limits import LimitTable
from hikyuu_live.strategy.orders import Fees, Side

log = logging.getLogger(__name__)

OrderListener = Callable[[Order], None]
RECONCILE_ASK_S = 2.0  # orders() asks the worker to reconcile at most this often

__all__ = ["TIME_FORMAT", "Account", "Broker", "BrokerStats", "Fill", "Order", "OrderListener", "OrderStatus",
           "Position", "PriceSource", "QuoteSource", "Sizer"]


class Broker:
    """Base of every broker; see the module docstring."""

    name = "base"
    reconciles = False  # True: orders change at the broker after placing; the worker looks at them again

    def __init__(self, *, clock: Clock | None = None, price_source: PriceSource | None = None,
                 quote_source: QuoteSource | None = None, fees: Fees | None = None,
                 max_orders_per_minute: int | None = 60, limits: LimitTable | None = None,
                 reconcile_every_s: float = 30.0) -> None:
        self.clock = clock or LiveClock()
        self.price_source = price_source
        self.quote_source = quote_source
        self.fees = fees or Fees()
        self.limits = limits or LimitTable.shipped()
        self.stats = BrokerStats()
        self._lock = threading.RLock()  # the backend's state and client: the worker per job, and queries
        self._book_cv = threading.Condition()  # the order book and listeners; never held across I/O
        self._book: dict[str, Order] = {}
        self._listeners: list[OrderListener] = []
        self._worker = OrderWorker(f"broker-{self.name}", self._run_job, idle=self._idle,
                                   idle_every_s=reconcile_every_s if self.reconciles else 0.0)
        self._rate = RateLimit(max_orders_per_minute)
        self._asked_at = -RECONCILE_ASK_S
        self._submit_lock = threading.Lock()  # one submission at a time: a client order id is checked once
        self._halted: str | None = None
        self._started = False

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"

    @property
    def max_orders_per_minute(self) -> int | None:
        return self._rate.per_minute

    @max_orders_per_minute.setter
    def max_orders_per_minute(self, value: int | None) -> None:
        self._rate.per_minute = value

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Load local state (no network); the worker then resolves what a previous process left."""
        if self._started:
            return
        with self._lock:
            if self._started:
                return
            self._start()
            with self._book_cv:
                self._book = {o.client_order_id: replace(o) for o in self._stored_orders()}
            self._started = True
        self._worker.put(("startup",))

    def close(self, timeout_s: float | None = 30.0) -> None:
        """Finish queued orders (up to ``timeout_s``), then release the backend. When the worker is still
        busy after that (a client that does not answer), the backend stays open for it and its journal
        keeps the orders in flight; they are resolved by the next start."""
        if not self._worker.stop(timeout_s):
            with self._book_cv:
                flying = [str(o) for o in self._book.values() if o.status == OrderStatus.PENDING]
            log.error("%s broker: orders still in flight after %s s, left to the worker: %s", self.name, timeout_s,
                      ", ".join(flying) or "-")
            return
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

    def add_listener(self, fn: OrderListener) -> None:
        """Call ``fn(order)`` (a copy) on every change of an order's status, filled quantity or reason.

        ``fn`` runs on the worker's thread (or the caller's, for a refusal by the checks): it must be quick
        and must not wait for orders (``wait``, ``drain``, ``refresh``) - hand the order to your own loop,
        as ``Strategy`` does. An exception in ``fn`` is logged and does not stop the broker."""
        with self._book_cv:
            self._listeners.append(fn)

    def remove_listener(self, fn: OrderListener) -> None:
        with self._book_cv:
            self._listeners = [f for f in self._listeners if f is not fn]

    # ------------------------------------------------------------------ orders
    def buy(self, market: str, code: str, price: float, num: int, stoploss: float = 0.0, goal_price: float = 0.0,
            part_from: Any = None, remark: str = "", client_order_id: str | None = None) -> Order:
        return self._submit(Side.BUY, market, code, price, num, stoploss, goal_price, part_from, remark,
                            client_order_id)

    def sell(self, market: str, code: str, price: float, num: int, stoploss: float = 0.0, goal_price: float = 0.0,
             part_from: Any = None, remark: str = "", client_order_id: str | None = None) -> Order:
        return self._submit(Side.SELL, market, code, price, num, stoploss, goal_price, part_from, remark,
                            client_order_id)

    def submit_sized(self, side: Side | str, market: str, code: str, price: float, sizer: Sizer, *,
                     remark: str = "", client_order_id: str | None = None) -> Order:
        """An order whose quantity ``sizer(account, price)`` decides on the worker, from a fresh account."""
        return self._submit(Side(side), market, code, price, 0, 0.0, 0.0, None, remark, client_order_id, sizer)

    def _submit(self, side: Side, market: str, code: str, price: Any, num: Any, stoploss: float,
                goal_price: float, part_from: Any, remark: str, client_order_id: str | None,
                sizer: Sizer | None = None) -> Order:
        with self._submit_lock:
            return self._accept(side, str(market).upper(), str(code), price, num, stoploss, goal_price, part_from,
                                remark, client_order_id, sizer)

    def _accept(self, side: Side, market: str, code: str, price: Any, num: Any, stoploss: float,
                goal_price: float, part_from: Any, remark: str, client_order_id: str | None,
                sizer: Sizer | None) -> Order:
        cid = client_order_id or uuid.uuid4().hex
        if part_from is not None and not isinstance(part_from, str | int | float):
            part_from = str(part_from)
        order = Order(cid, self.clock.now().strftime(TIME_FORMAT), market, code, str(side), as_number(price),
                      as_shares(num), remark=str(remark), stoploss=as_number(stoploss) if stoploss else 0.0,
                      goal_price=as_number(goal_price) if goal_price else 0.0, part_from=part_from)
        try:
            self.start()
        except BrokerError as e:  # corrupt state: nothing can be sent, and nothing is saved
            return self._reject(order, f"{market}{code}: not sent, the {self.name} broker is not usable: {e}",
                                record=False)
        with self._book_cv:
            known = self._book.get(cid)
        if known is not None and known.status != OrderStatus.REJECTED:
            self.stats.duplicates += 1
            log.info("%s: order %s already known (%s); not placed again", self.name, cid, known.status)
            return replace(known)
        try:
            if self._halted:
                raise OrderRejected(f"{market}{code}: broker halted ({self._halted})")
            self._rate.check(market + code, self.clock.monotonic())
            check_terms_now(order, price, num, sized=sizer is not None, price_source=self.price_source,
                            quote_source=self.quote_source, limits=self.limits, day=self.clock.now().date())
        except OrderRejected as e:
            return self._reject(order, str(e))
        self.stats.submitted += 1
        self._rate.record(self.clock.monotonic())
        log.info("%s: %s %s%s x%s @ %.3f [%s] %s", self.name, side, market, code, order.number or "(sized)",
                 order.price, cid, remark)
        self._publish(order)  # before the worker can publish anything newer
        if not self._worker.put(("place", replace(order), sizer)):
            return self._reject(order, f"{market}{code}: not sent, the {self.name} broker is closing", record=False)
        return replace(order)

    def _reject(self, order: Order, reason: str, *, record: bool = True) -> Order:
        """Mark, log, count and publish a refused order; kept by the backend (``_record_rejected``)."""
        order.status, order.reason = OrderStatus.REJECTED, reason
        self.stats.rejected += 1
        log.warning("%s: %s %s%s x%s rejected: %s [%s]", self.name, order.side, order.market, order.code,
                    order.number, reason, order.client_order_id)
        self._publish(order)
        if record:
            self._worker.put(("record", replace(order)))
        return replace(order)

    def _publish(self, order: Order) -> None:
        """Put a copy of ``order`` in the book; tell the listeners when something they care about changed."""
        snap = replace(order)
        with self._book_cv:
            old = self._book.get(snap.client_order_id)
            self._book[snap.client_order_id] = snap
            self._book_cv.notify_all()
            listeners = list(self._listeners)
        if old is not None and (old.status, old.filled_number, old.reason) == (snap.status, snap.filled_number,
                                                                                snap.reason):
            return
        for fn in listeners:
            try:
                fn(replace(snap))
            except Exception:  # a listener's fault must not stop the broker
                log.exception("%s: order listener %r failed", self.name, fn)

    # ------------------------------------------------------------------ the worker's jobs
    def _run_job(self, job: Job) -> None:
        kind = job[0]
        with self._lock:
            if kind == "place":
                self._place_job(job[1], job[2])
            elif kind == "record":
                try:
                    self._record_rejected(job[1])
                except BrokerError as e:  # the refusal stands; only its record is lost
                    log.error("%s: rejected order %s not recorded: %s", self.name, job[1].client_order_id, e)
            elif kind == "startup":
                for order in self._startup():
                    self._count(order)
                    self._publish(order)
            elif kind == "reconcile":
                self._reconcile()
                if len(job) > 1 and job[1] is not None:
                    job[1].set()

    def _place_job(self, order: Order, sizer: Sizer | None) -> None:
        try:
            self._connect()
            check_with_account(order, sizer, asset=self._query_asset, cash=self._query_cash,
                               positions=self._query_positions, quote_source=self.quote_source, fees=self.fees,
                               limits=self.limits, day=self.clock.now().date())
        except OrderRejected as e:
            self._reject(order, str(e))
            return
        except BrokerError as e:  # an unreadable account stops the order: nothing was sent
            self._reject(order, f"{order.market}{order.code}: not sent, the account could not be checked: {e}")
            return
        except Exception as e:  # a sizer's or a check's bug: nothing was sent, and the order must not hang
            self.stats.errors += 1
            log.exception("%s: checking %s failed unexpectedly", self.name, order.client_order_id)
            self._reject(order, f"{order.market}{order.code}: not sent, checking it failed: {e!r}")
            return
        try:
            placed = self._place_order(order)
        except BrokerError as e:  # a backend that could not place it says so by raising before it sent
            self._reject(order, f"{order.market}{order.code}: not placed: {e}")
            return
        except Exception as e:
            self.stats.errors += 1
            log.exception("%s: placing %s failed unexpectedly", self.name, order.client_order_id)
            order.status, order.reason = OrderStatus.UNCONFIRMED, f"internal error while placing: {e!r}"
            placed = order
        self._count(placed)
        self._publish(placed)

    def _reconcile(self) -> None:
        """Publish what the backend's reconciliation changed; an order waiting in the worker's queue (a
        rejected id submitted again) is newer than anything the backend holds, so it is left alone."""
        for order in self._query_orders():
            with self._book_cv:
                old = self._book.get(order.client_order_id)
            if old is not None and old.status == OrderStatus.PENDING:
                continue
            if old is not None and old.status == OrderStatus.UNCONFIRMED and order.status != old.status:
                self.stats.late_confirmed += 1
            self._publish(order)

    def _idle(self) -> None:
        if self._started and self._open_orders():
            with self._lock:
                self._reconcile()

    def _open_orders(self) -> list[Order]:
        with self._book_cv:
            return [o for o in self._book.values() if o.status in (OrderStatus.SUBMITTED, OrderStatus.UNCONFIRMED)]

    def _count(self, order: Order) -> None:
        if order.status == OrderStatus.FILLED:
            self.stats.filled += 1
        elif order.status == OrderStatus.SUBMITTED:
            self.stats.confirmed += 1
        elif order.status == OrderStatus.UNCONFIRMED:
            self.stats.unconfirmed += 1

    # ------------------------------------------------------------------ waiting
    def wait(self, order: Order | str, timeout_s: float | None = 30.0) -> Order:
        """The order once it left ``pending`` (or as it is after ``timeout_s``); for scripts and tests."""
        cid = order if isinstance(order, str) else order.client_order_id
        with self._book_cv:
            self._book_cv.wait_for(lambda: cid in self._book and self._book[cid].status != OrderStatus.PENDING,
                                   timeout_s)
            if cid not in self._book:
                raise KeyError(f"{self.name}: no order {cid}")
            return replace(self._book[cid])

    def drain(self, timeout_s: float | None = 30.0) -> bool:
        """Wait until the worker finished every queued order (True) or ``timeout_s`` passed (False)."""
        return self._worker.drain(timeout_s)

    # ------------------------------------------------------------------ account and order queries
    def orders(self) -> list[Order]:
        """Every order known to the broker, oldest first, rejected ones included; never waits (a broker
        whose orders change at the exchange is asked to reconcile the open ones on its worker)."""
        self.start()
        now = self.clock.monotonic()
        if self.reconciles and now - self._asked_at >= RECONCILE_ASK_S and self._open_orders():
            self._asked_at = now  # a strategy calling orders() on every spot asks the client at most every 2 s
            self._worker.put(("reconcile", None), once=True)
        with self._book_cv:
            return [replace(o) for o in self._book.values()]

    def refresh(self, timeout_s: float | None = 60.0) -> list[Order]:
        """Reconcile the open orders with the broker now (waits for the worker), then ``orders()``."""
        self.start()
        if self.reconciles:
            done = threading.Event()
            self._worker.put(("reconcile", done))
            if not done.wait(timeout_s):
                log.warning("%s: reconciliation still running after %s s", self.name, timeout_s)
        with self._book_cv:
            return [replace(o) for o in self._book.values()]

    def fills(self) -> list[Order]:
        """The orders with shares filled (``filled_number``, ``filled_price``), oldest first."""
        return [o for o in self.orders() if o.filled_number > 0]

    def get_asset_info(self) -> dict[str, Any]:
        """Account state in Hikyuu's ``get_asset_info`` shape (see the module docstring)."""
        self.start()
        with self._lock:
            self._connect()
            account = self._query_asset()
        return {"datetime": self.clock.now().strftime(TIME_FORMAT), "cash": round(float(account.cash), 2),
                "positions": [p.asset_row() for p in account.positions if p.number > 0]}

    def cash(self) -> float:
        """Cash available for buying, yuan."""
        self.start()
        with self._lock:
            self._connect()
            return self._query_cash()

    def positions(self) -> list[Position]:
        self.start()
        with self._lock:
            self._connect()
            return list(self._query_positions())

    def position(self, market: str, code: str) -> Position | None:
        market = market.upper()
        return next((p for p in self.positions() if p.market == market and p.code == code), None)

    def trades(self) -> list[Fill]:
        """Execution records (one per paper fill or per row of the client's ``today_trades``)."""
        self.start()
        with self._lock:
            self._connect()
            return self._query_trades()

    # ------------------------------------------------------------------ hooks
    def _start(self) -> None:
        """Load local state (called once, on first use; no network)."""

    def _close(self) -> None:
        """Release what ``_start`` took."""

    def _stored_orders(self) -> list[Order]:
        """Orders known from the backend's state (they seed the book: idempotence across restarts)."""
        return []

    def _connect(self) -> None:
        """Make the client usable (log in); called before client I/O, on the worker or a query's thread."""

    def _startup(self) -> list[Order]:
        """The worker's first job: resolve orders a previous process left; returns those that changed."""
        return []

    def _record_rejected(self, order: Order) -> None:
        """Keep a rejected order (for ``orders()`` after a restart and the GUI); default: not kept."""

    def _place_order(self, order: Order) -> Order:
        """Send (or fill) ``order`` and return it with its status (on the worker, under the backend lock).
        Raise ``BrokerError`` only when certainly nothing was placed and the account is unchanged."""
        raise NotImplementedError

    def _query_orders(self) -> list[Order]:
        """Reconciliation (on the worker): the orders whose state was checked with the broker."""
        raise NotImplementedError

    def _query_trades(self) -> list[Fill]:
        raise NotImplementedError

    def _query_asset(self) -> Account:
        raise NotImplementedError

    def _query_cash(self) -> float:
        return self._query_asset().cash

    def _query_positions(self) -> list[Position]:
        return self._query_asset().positions
