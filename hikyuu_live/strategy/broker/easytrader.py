"""``EasyTraderBroker``: real orders through ``easytrader.remoteclient`` to an ``easytrader.server``.

Topology: the broker's desktop client and ``python -m easytrader.server`` (Flask, port 1430) run on a
Windows box; this broker talks plain HTTP to it from anywhere (Linux included) via
``easytrader.remoteclient.use(broker_name, host, port)``. Everything below runs on the broker's worker
thread (``base.py``): ``buy``/``sell`` return ``pending`` at once and the result arrives as a callback.

**At most one real order per client order id.** easytrader drives the client's GUI: a pop-up can hold an
order for a minute and then place it, or swallow it while answering success (easytrader #376, #457).
So an order is sent again **only when it is proven that the previous attempt did not reach the client**
(the connection was refused or could not be opened: the request never left this machine). Otherwise:

1. Before sending, ``today_entrusts`` and ``today_trades`` are read, so rows that existed before are
   never taken for ours; the order, that snapshot and the send's start are journalled (``state_path``)
   first, so a process killed mid-send leaves a record to resolve.
2. The order is sent (``/buy`` or ``/sell``), waiting up to ``send_timeout_s`` (60 s) for the answer.
3. The books are polled with back-off (tenacity; ``confirm_retries`` more checks after the first,
   starting ``confirm_wait_s`` apart, at most ``max_wait_s``) for the order (``easytrader_match``: by
   contract number, else by code, side, quantity and price in the window after the first send; fills in
   ``today_trades`` count too). Found: ``submitted`` or ``filled``.
4. Not found although the client answered yes, or the answer never came (timeout, HTTP error, the
   client's GUI error): ``unconfirmed``. It is **never sent again**; an ERROR is logged, counted
   (``stats.unconfirmed``) and published (the strategy's ``on_order``), and every reconciliation (the
   worker's, every ``reconcile_every_s`` while it is open; ``orders()``; ``refresh()``) looks for it
   again and upgrades it when it shows up (``stats.late_confirmed``). What to do: look at the client.
5. A ``TradeError`` from the client (the broker refused: 资金不足, ...): ``rejected`` with its words,
   unless the order is in the books after all.
6. A process that died mid-send: at the next start the worker looks for its pending orders; found:
   confirmed; never sent: ``rejected`` (calling again with the same client order id sends it);
   maybe sent: ``unconfirmed``.

Price 0 becomes a limit order at the live price (``price_source``): remoteclient has no market orders.

Credentials: ``user``/``password``/``comm_password`` come from arguments (the caller's config) or
``HIKYUU_BROKER_USER``/``_PASSWORD``/``_COMM_PASSWORD``; when given they are sent once to ``/prepare``
(log in, on first use) and otherwise held only as ``Secret``. Leave them unset when the server is
already logged in. Host, port and easytrader broker name come from arguments, else
``HIKYUU_BROKER_HOST``/``_PORT``/``_NAME``, else ``127.0.0.1``, 1430 and ``universal_client``.

``get_asset_info`` reports ``number`` as the whole holding (``股票余额``) rather than Hikyuu's
``可用余额`` (the sellable part), which made a position bought today look absent and invited a second
buy; the sellable part is ``Position.sellable``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from tenacity import Retrying, retry_if_exception, retry_if_result, stop_after_attempt
from tenacity import wait_exponential as wait_exp

from hikyuu_live.clock import Clock
from hikyuu_live.errors import BrokerError, ConfigError, OrderRejected, is_retryable
from hikyuu_live.strategy.broker import easytrader_rows as rows
from hikyuu_live.strategy.broker.base import (
    TIME_FORMAT,
    Account,
    Broker,
    Fill,
    Order,
    OrderStatus,
    Position,
    PriceSource,
    QuoteSource,
)
from hikyuu_live.strategy.broker.easytrader_http import NotSent, TimeoutSession, map_error
from hikyuu_live.strategy.broker.easytrader_match import Attempt, match_entrust, match_trades
from hikyuu_live.strategy.broker.journal import read_json, write_json_atomic
from hikyuu_live.strategy.broker.secrets import Secret, secret_from
from hikyuu_live.strategy.limits import LimitTable
from hikyuu_live.strategy.orders import Fees, Side, price_tick

log = logging.getLogger(__name__)
ENV_PREFIX = "HIKYUU_BROKER_"
OPEN = (OrderStatus.SUBMITTED, OrderStatus.UNCONFIRMED)


class EasyTraderBroker(Broker):
    """Orders through a remote ``easytrader.server``, each one confirmed; see the module docstring."""

    name = "easytrader"
    reconciles = True

    def __init__(self, broker_name: str | None = None, host: str | None = None, port: int | None = None, *,
                 clock: Clock | None = None, confirm_retries: int = 3, user: str | Secret | None = None,
                 password: str | Secret | None = None, comm_password: str | Secret | None = None,
                 exe_path: str | None = None, price_source: PriceSource | None = None,
                 quote_source: QuoteSource | None = None, fees: Fees | None = None,
                 state_path: str | Path | None = None, timeout_s: float = 10.0, send_timeout_s: float = 60.0,
                 send_attempts: int = 3, confirm_wait_s: float = 0.5, max_wait_s: float = 5.0,
                 clock_skew_s: float = 120.0, max_orders_per_minute: int | None = 30,
                 reconcile_every_s: float = 30.0, limits: LimitTable | None = None,
                 env: Mapping[str, str] | None = None) -> None:
        """``broker_name``/``host``/``port`` default to the environment, then ``"universal_client"``,
        ``"127.0.0.1"``, 1430; ``env`` replaces ``os.environ`` (tests). ``timeout_s`` bounds queries,
        ``send_timeout_s`` the wait for the client's answer to an order; ``clock_skew_s`` is how far the
        client's clock may be behind ours when its entrust times are compared with our send time."""
        super().__init__(clock=clock, price_source=price_source, quote_source=quote_source, fees=fees,
                         max_orders_per_minute=max_orders_per_minute, limits=limits,
                         reconcile_every_s=reconcile_every_s)
        env = os.environ if env is None else env
        self.broker_name = broker_name or env.get(ENV_PREFIX + "NAME") or "universal_client"
        self.host = host or env.get(ENV_PREFIX + "HOST") or "127.0.0.1"
        try:
            self.port = int(port or env.get(ENV_PREFIX + "PORT") or 1430)
        except ValueError as e:
            raise ConfigError("easytrader server port must be a number", key="port",
                              value=env.get(ENV_PREFIX + "PORT")) from e
        self._user = secret_from(user, ENV_PREFIX + "USER", env)
        self._password = secret_from(password, ENV_PREFIX + "PASSWORD", env)
        self._comm_password = secret_from(comm_password, ENV_PREFIX + "COMM_PASSWORD", env)
        self.exe_path = exe_path or env.get(ENV_PREFIX + "EXE_PATH") or None
        self.state_path = Path(state_path) if state_path else None
        if confirm_retries < 0 or send_attempts < 1:
            raise ConfigError("confirm_retries must be >= 0 and send_attempts >= 1", key="confirm_retries",
                              value=f"{confirm_retries}/{send_attempts}")
        self.timeout_s, self.send_timeout_s = timeout_s, send_timeout_s
        self.send_attempts, self.confirm_retries = send_attempts, confirm_retries
        self.confirm_wait_s, self.max_wait_s, self.clock_skew_s = confirm_wait_s, max_wait_s, clock_skew_s
        self._client: Any = None
        self._logged_in = False
        self._orders: dict[str, Order] = {}
        self._before: dict[str, dict[str, list[str]]] = {}  # cid -> {"entrusts": keys, "trades": keys}
        self._sends: dict[str, dict[str, Any]] = {}  # cid -> {"at": first send time, "maybe_sent": bool}

    def __repr__(self) -> str:
        return f"EasyTraderBroker(broker_name={self.broker_name!r}, host={self.host!r}, port={self.port})"

    @property
    def confirm_checks(self) -> int:
        """How many times the books are read to confirm one order (the first check + retries)."""
        return self.confirm_retries + 1

    @property
    def where(self) -> str:
        return f"easytrader server {self.host}:{self.port}"

    # ------------------------------------------------------------------ lifecycle
    def _start(self) -> None:
        try:
            from easytrader import remoteclient
        except ImportError as e:
            raise ConfigError("the easytrader broker needs the easytrader package "
                              "(pip install 'hikyuu_live[broker]')", key="broker", value="easytrader") from e
        client = remoteclient.use(self.broker_name, self.host, self.port)
        if hasattr(client, "_s"):
            client._s = TimeoutSession(self.timeout_s, self.send_timeout_s)
        else:  # pragma: no cover - a future remoteclient without the attribute keeps its own session
            log.warning("easytrader remoteclient changed: requests to %s have no timeout", self.where)
        self._client = client
        self._load_journal()
        log.info("easytrader broker %s at %s ready", self.broker_name, self.where)

    def _connect(self) -> None:
        if self._logged_in or not (self._user and self._password):
            return
        try:
            self._client.prepare(user=self._user.reveal(), password=self._password.reveal(),
                                 comm_password=self._comm_password.reveal() if self._comm_password else None,
                                 exe_path=self.exe_path)
        except Exception as e:  # noqa: BLE001 - remoteclient raises bare Exception with the server's text
            raise self._map_error("log in", e) from None
        self._logged_in = True
        log.info("logged in to %s (%s)", self.where, self.broker_name)

    def _close(self) -> None:
        session = getattr(self._client, "_s", None)
        if session is not None:
            session.close()
        self._client, self._logged_in = None, False

    # ------------------------------------------------------------------ transport
    def _map_error(self, what: str, e: BaseException) -> BrokerError:
        status = getattr(getattr(self._client, "_s", None), "last_status", 0)
        return map_error(self.where, what, e, status, (self._user, self._password, self._comm_password))

    def _call(self, what: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except Exception as e:  # noqa: BLE001 - mapped right here, at the adapter's edge
            raise self._map_error(what, e) from None

    def _sleep(self, seconds: float) -> None:
        self.clock.sleep(seconds)

    def _retrying(self, attempts: int, **kw: Any) -> Retrying:
        return Retrying(stop=stop_after_attempt(max(1, attempts)), sleep=self._sleep,
                        wait=wait_exp(multiplier=self.confirm_wait_s, max=self.max_wait_s), **kw)

    def _query(self, endpoint: str) -> Any:
        """A GET through remoteclient (``balance``, ``today_entrusts``, ...), retried on transport errors."""
        retrying = self._retrying(self.confirm_checks, retry=retry_if_exception(is_retryable), reraise=True)
        return retrying(self._call, endpoint, lambda: getattr(self._client, endpoint))

    # ------------------------------------------------------------------ journal
    def _load_journal(self) -> None:
        if self.state_path is None:
            return
        data = read_json(self.state_path) or {}
        self._orders = {o["client_order_id"]: Order.from_dict(o) for o in data.get("orders", [])}
        before = data.get("before", {})
        self._before = {k: v if isinstance(v, dict) else {"entrusts": list(v), "trades": []}
                        for k, v in before.items()}
        self._sends = {k: dict(v) for k, v in data.get("sends", {}).items()}

    def _journal(self, *, required: bool = False) -> None:
        """Save the orders; a failure after an order was sent is logged (the order stands as it is),
        before it (``required``) it raises, so the order is not sent without its write-ahead record."""
        if self.state_path is None:
            return
        today = self.clock.now().strftime("%Y-%m-%d")
        live = {k for k, o in self._orders.items() if o.datetime.startswith(today)}
        try:
            write_json_atomic(self.state_path, {
                "version": 2, "broker": self.name, "host": self.host, "port": self.port,
                "orders": [o.to_dict() for o in self._orders.values()],
                "before": {k: v for k, v in self._before.items() if k in live},
                "sends": {k: v for k, v in self._sends.items() if k in live},
            })
        except BrokerError as e:
            if required:
                raise
            log.error("%s: journal not saved (a crash now could not resume these orders): %s", self.name, e)

    # ------------------------------------------------------------------ orders
    def _stored_orders(self) -> list[Order]:
        return list(self._orders.values())

    def _record_rejected(self, order: Order) -> None:
        self._orders[order.client_order_id] = order
        self._journal()

    def _place_order(self, order: Order) -> Order:
        try:
            entrusts = [e.key for e in rows.entrusts_of(self._query("today_entrusts"))]
            trades = [t.key for t in rows.trades_of(self._query("today_trades"))]
        except BrokerError as e:
            return self._refuse(order, f"not sent: cannot read today's entrusts and trades first ({e})")
        cid = order.client_order_id
        self._orders[cid] = order
        self._before[cid] = {"entrusts": entrusts, "trades": trades}
        self._sends[cid] = {"at": self.clock.now().strftime(TIME_FORMAT), "maybe_sent": True}
        try:
            self._journal(required=True)  # write-ahead: a crash from here on leaves a pending order to resolve
        except BrokerError:
            del self._orders[cid], self._before[cid], self._sends[cid]
            raise  # not sent: the base class rejects it with this reason
        return self._send_and_confirm(order)

    def _send_and_confirm(self, order: Order) -> Order:
        cid, last_error = order.client_order_id, ""
        for attempt in range(1, self.send_attempts + 1):
            if attempt > 1:  # only after a send that provably never left: see the module docstring
                self.stats.retries += 1
                self.clock.sleep(min(self.max_wait_s, self.confirm_wait_s * 2 ** (attempt - 2)))
                self._sends[cid]["maybe_sent"] = True
                try:
                    self._journal(required=True)
                except BrokerError as e:
                    return self._refuse(order, f"not placed: {last_error}; not resent, the journal failed: {e}")
            try:
                answer = self._send(order)
            except NotSent as e:
                last_error = str(e)
                self._sends[cid]["maybe_sent"] = False
                self._journal()
                log.warning("%s: order %s not sent (attempt %d/%d): %s", self.name, cid, attempt,
                            self.send_attempts, e)
                continue
            except OrderRejected as e:
                found = self._look_for(order, polls=1)
                return self._confirm(order, found) if found is not None else self._refuse(order, str(e))
            except BrokerError as e:  # no answer, or an error: the client may have placed it, or may yet
                self.stats.errors += 1
                log.warning("%s: sending %s failed: %s; looking for it, it will not be sent again", self.name,
                            cid, e)
                found = self._look_for(order, self.confirm_checks)
                if found is not None:
                    return self._confirm(order, found)
                return self._unconfirmed(order, f"sending failed ({e}) and the order is not among today's "
                                                f"entrusts or trades after {self.confirm_checks} checks; it may "
                                                f"still appear, so it is not sent again")
            order.broker_order_id = rows.entrust_no_of(answer)
            found = self._look_for(order, self.confirm_checks)
            if found is not None:
                return self._confirm(order, found)
            return self._unconfirmed(order, f"the client answered {answer!r} but the order is not among today's "
                                            f"entrusts or trades after {self.confirm_checks} checks")
        return self._refuse(order, f"not placed: the client could not be reached in {self.send_attempts} "
                                   f"attempts: {last_error}")

    def _send(self, order: Order) -> Any:
        fn = self._client.buy if order.side == Side.BUY else self._client.sell
        return self._call(f"{order.side} {order.market}{order.code}",
                          lambda: fn(order.code, price=order.price, amount=order.number))

    def _attempt(self, order: Order) -> Attempt:
        cid = order.client_order_id
        sent = self._sends.get(cid, {}).get("at", "")
        not_before = rows.seconds_of_day(sent)
        before = self._before.get(cid, {})
        claimed = tuple(o.broker_order_id for o in self._orders.values() if o.broker_order_id and o is not order
                        and o.client_order_id != cid)
        return Attempt(order.code, order.side, order.number, order.price, price_tick(order.market, order.code) / 2,
                       order.broker_order_id, None if not_before is None else int(not_before - self.clock_skew_s),
                       tuple(before.get("entrusts", ())), tuple(before.get("trades", ())), claimed)

    def _find(self, order: Order, books: dict[str, Any] | None = None) -> rows.Entrust | None:
        """The order in today's entrusts, else among today's trades; None when absent or unreadable.
        ``books`` caches what was read (one reconciliation reads each grid once for all its orders)."""
        books = {} if books is None else books
        attempt = self._attempt(order)
        try:
            if "entrusts" not in books:
                books["entrusts"] = rows.entrusts_of(self._query("today_entrusts"))
            found = match_entrust(attempt, books["entrusts"])
            if found is None:
                if "trades" not in books:
                    books["trades"] = rows.trades_of(self._query("today_trades"))
                found = match_trades(attempt, books["trades"], order.market)
            return found
        except BrokerError as e:
            log.warning("%s: reading today's entrusts and trades failed: %s", self.name, e)
            return None

    def _look_for(self, order: Order, polls: int) -> rows.Entrust | None:
        """Poll the books (with back-off) for ``order``; None when it never shows up."""
        retrying = self._retrying(polls, retry=retry_if_result(lambda r: r is None),
                                  retry_error_callback=lambda state: None)
        return retrying(self._find, order)

    def _confirm(self, order: Order, e: rows.Entrust) -> Order:
        order.broker_order_id = e.key
        self._apply(order, e)
        self._journal()
        log.info("%s: order %s confirmed as entrust %s (%s)", self.name, order.client_order_id, e.key, order.status)
        return order

    def _apply(self, order: Order, e: rows.Entrust) -> None:
        order.filled_number, order.filled_price = e.filled, e.filled_price
        order.reason = ""
        if e.dead and e.filled < order.number:
            order.status = OrderStatus.REJECTED if "废" in e.status_text else OrderStatus.CANCELLED
            order.reason = e.status_text
        elif e.filled >= order.number:
            order.status = OrderStatus.FILLED
        else:
            order.status = OrderStatus.SUBMITTED

    def _unconfirmed(self, order: Order, reason: str) -> Order:
        order.status, order.reason = OrderStatus.UNCONFIRMED, f"{order.market}{order.code}: {reason}"
        self._orders[order.client_order_id] = order
        self._journal()
        log.error("%s: order %s %s %s%s x%d @ %.3f NOT CONFIRMED: %s. Check the client (pop-ups, its order "
                  "list); the order is looked for at every reconciliation and never sent again", self.name,
                  order.client_order_id, order.side, order.market, order.code, order.number, order.price, reason)
        return order

    def _refuse(self, order: Order, reason: str) -> Order:
        """Certainly not placed (by the client, or never delivered): ``rejected``, returned, not raised."""
        order.status, order.reason = OrderStatus.REJECTED, f"{order.market}{order.code}: {reason}"
        self._orders[order.client_order_id] = order
        self._journal()
        self.stats.rejected += 1
        log.error("%s: order %s rejected: %s", self.name, order.client_order_id, order.reason)
        return order

    def _startup(self) -> list[Order]:
        """Resolve the pending orders a previous process left (see the module docstring, point 6)."""
        changed = []
        today = self.clock.now().strftime("%Y-%m-%d")
        for order in [o for o in self._orders.values() if o.status == OrderStatus.PENDING]:
            maybe_sent = self._sends.get(order.client_order_id, {}).get("maybe_sent", True)
            if not maybe_sent:
                self._refuse(order, "not sent: the process stopped before sending it; call again with the same "
                                    "client order id to send it")
            elif not order.datetime.startswith(today):
                self._unconfirmed(order, f"the process stopped while sending it on {order.datetime[:10]}; "
                                         f"today's books cannot show it")
            else:
                self._connect()
                found = self._look_for(order, self.confirm_checks)
                if found is not None:
                    self._confirm(order, found)
                else:
                    self._unconfirmed(order, "the process stopped while sending it and it is not among today's "
                                             "entrusts or trades; it is not sent again")
            changed.append(order)
        return changed

    # ------------------------------------------------------------------ queries
    def _query_orders(self) -> list[Order]:
        """Reconciliation: today's open orders (submitted, unconfirmed) against the client's books."""
        today = self.clock.now().strftime("%Y-%m-%d")
        live = [o for o in self._orders.values() if o.datetime.startswith(today) and o.status in OPEN]
        if live:
            books: dict[str, Any] = {}
            try:
                self._connect()
                books["entrusts"] = rows.entrusts_of(self._query("today_entrusts"))
            except BrokerError as e:
                log.warning("%s: orders not reconciled: %s", self.name, e)
                return []
            for o in live:
                found = self._find(o, books)
                if found is None:
                    continue
                if o.status == OrderStatus.UNCONFIRMED:
                    log.warning("%s: unconfirmed order %s showed up late as entrust %s", self.name,
                                o.client_order_id, found.key)
                o.broker_order_id = found.key
                self._apply(o, found)
            self._journal()
        return live

    def _query_trades(self) -> list[Fill]:
        by_entrust = {o.broker_order_id: o.client_order_id for o in self._orders.values() if o.broker_order_id}
        return [Fill(by_entrust.get(t.entrust_key, ""), t.market, t.code, t.side, t.price, t.number, t.amount, 0.0,
                     t.time, t.trade_id) for t in rows.trades_of(self._query("today_trades"))]

    def _query_cash(self) -> float:
        return rows.cash_of(self._query("balance"))

    def _query_positions(self) -> list[Position]:
        return rows.positions_of(self._query("position"))

    def _query_asset(self) -> Account:
        return Account(self._query_cash(), self._query_positions())

