"""``EasyTraderBroker``: real orders through ``easytrader.remoteclient`` to an ``easytrader.server``.

Topology: the broker's desktop client and ``python -m easytrader.server`` (Flask, port 1430) run on a
Windows box; this broker talks plain HTTP to it from anywhere (Linux included) via
``easytrader.remoteclient.use(broker_name, host, port)``.

easytrader drives the client's GUI, and GUI automation can report success for an order that was never
placed (a popup swallowed the keystrokes: easytrader #376, #457). So every order is **confirmed**:

1. Before sending, ``today_entrusts`` is read, so rows that existed before are never taken for ours.
2. The order is sent (``/buy`` or ``/sell``); the client order id and the pre-send snapshot are
   journalled first (``state_path``), so a crash between send and confirmation can be resolved later.
3. ``today_entrusts`` is polled with exponential back-off (tenacity; ``confirm_retries`` more checks
   after the first, starting ``confirm_wait_s`` apart, at most ``max_wait_s``) for the order: by the
   contract number the answer carried, else by a new, unclaimed row with the same code, side, quantity
   and price. Found: ``submitted`` (``filled`` when the row shows it filled). Not found although the
   client said yes: ``unconfirmed``, logged as an error and counted (``stats.unconfirmed``);
   ``orders()`` checks again later and upgrades it if it shows up.
4. A send that failed (HTTP error, timeout, a GUI exception on the server) may still have placed the
   order, so the same polling runs first; only when the order is not there is it sent again (up to
   ``send_attempts``). A retry therefore never doubles an order. When every attempt failed, the order is
   ``rejected`` only if no request ever reached the server (connection refused); otherwise it may still
   show up, so it is ``unconfirmed``. A ``TradeError`` from the client (the broker refused: 资金不足,
   ...) is not resent: the order is ``rejected`` with the broker's words as its reason.
5. Calling ``buy``/``sell`` again with a known ``client_order_id`` returns the known order; a pending
   one (the process died mid-confirmation) is looked for first and resent only when absent.

Price 0 becomes a limit order at the live price (``price_source``): remoteclient has no market orders.

Credentials: ``user``/``password``/``comm_password`` come from arguments (the caller's config) or
``HIKYUU_BROKER_USER``/``_PASSWORD``/``_COMM_PASSWORD``; when given they are sent once to ``/prepare``
(log in) and otherwise held only as ``Secret``. Leave them unset when the server is already logged in.
Host, port and easytrader broker name come from arguments, else ``HIKYUU_BROKER_HOST``/``_PORT``/
``_NAME``, else ``127.0.0.1``, 1430 and ``universal_client``.

``get_asset_info`` reports ``number`` as the whole holding (``股票余额``) rather than Hikyuu's
``可用余额`` (the sellable part), which made a position bought today look absent and invited a second
buy; the sellable part is ``Position.sellable``.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from tenacity import Retrying, retry_if_exception, retry_if_result, stop_after_attempt
from tenacity import wait_exponential as wait_exp

from hikyuu_live.clock import Clock
from hikyuu_live.errors import BrokerError, ConfigError, OrderRejected, is_retryable
from hikyuu_live.strategy.broker import easytrader_rows as rows
from hikyuu_live.strategy.broker.base import (
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
from hikyuu_live.strategy.broker.journal import read_json, write_json_atomic
from hikyuu_live.strategy.broker.secrets import Secret, secret_from
from hikyuu_live.strategy.orders import Fees, Side, price_tick

log = logging.getLogger(__name__)
ENV_PREFIX = "HIKYUU_BROKER_"


class EasyTraderBroker(Broker):
    """Orders through a remote ``easytrader.server``, each one confirmed; see the module docstring."""

    name = "easytrader"

    def __init__(self, broker_name: str | None = None, host: str | None = None, port: int | None = None, *,
                 clock: Clock | None = None, confirm_retries: int = 3, user: str | Secret | None = None,
                 password: str | Secret | None = None, comm_password: str | Secret | None = None,
                 exe_path: str | None = None, price_source: PriceSource | None = None,
                 quote_source: QuoteSource | None = None, fees: Fees | None = None,
                 state_path: str | Path | None = None, timeout_s: float = 10.0, send_attempts: int = 3,
                 confirm_wait_s: float = 0.5, max_wait_s: float = 5.0, max_orders_per_minute: int | None = 30,
                 env: Mapping[str, str] | None = None) -> None:
        """``broker_name``/``host``/``port`` default to the environment, then ``"universal_client"``,
        ``"127.0.0.1"``, 1430; ``env`` replaces ``os.environ`` (tests)."""
        super().__init__(clock=clock, price_source=price_source, quote_source=quote_source, fees=fees,
                         max_orders_per_minute=max_orders_per_minute)
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
        self.timeout_s, self.send_attempts, self.confirm_retries = timeout_s, send_attempts, confirm_retries
        self.confirm_wait_s, self.max_wait_s = confirm_wait_s, max_wait_s
        self._client: Any = None
        self._orders: dict[str, Order] = {}
        self._before: dict[str, list[str]] = {}  # client order id -> entrust keys seen before its first send

    def __repr__(self) -> str:
        return f"EasyTraderBroker(broker_name={self.broker_name!r}, host={self.host!r}, port={self.port})"

    @property
    def confirm_checks(self) -> int:
        """How many times ``today_entrusts`` is read to confirm one order (the first check + retries)."""
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
            client._s = TimeoutSession(self.timeout_s)
        else:  # pragma: no cover - a future remoteclient without the attribute keeps its own session
            log.warning("easytrader remoteclient changed: requests to %s have no timeout", self.where)
        self._client = client
        self._load_journal()
        if self._user and self._password:
            self._login()
        log.info("easytrader broker %s at %s ready", self.broker_name, self.where)

    def _login(self) -> None:
        assert self._user is not None and self._password is not None
        try:
            self._client.prepare(user=self._user.reveal(), password=self._password.reveal(),
                                 comm_password=self._comm_password.reveal() if self._comm_password else None,
                                 exe_path=self.exe_path)
        except Exception as e:  # noqa: BLE001 - remoteclient raises bare Exception with the server's text
            raise self._map_error("log in", e) from None
        log.info("logged in to %s (%s)", self.where, self.broker_name)

    def _close(self) -> None:
        session = getattr(self._client, "_s", None)
        if session is not None:
            session.close()
        self._client = None

    # ------------------------------------------------------------------ transport
    def _map_error(self, what: str, e: BaseException) -> BrokerError:
        status = getattr(getattr(self._client, "_s", None), "last_status", 0)
        return map_error(self.where, what, e, status, (self._user, self._password, self._comm_password))

    def _call(self, what: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except Exception as e:  # noqa: BLE001 - mapped right here, at the adapter's edge
            raise self._map_error(what, e) from None

    def _retrying(self, attempts: int, **kw: Any) -> Retrying:
        return Retrying(stop=stop_after_attempt(max(1, attempts)), sleep=self.clock.sleep,
                        wait=wait_exp(multiplier=self.confirm_wait_s, max=self.max_wait_s), **kw)

    def _query(self, endpoint: str) -> Any:
        """A GET through remoteclient (``balance``, ``today_entrusts``, ...), retried on transport errors."""
        retrying = self._retrying(self.confirm_checks, retry=retry_if_exception(is_retryable),
                                  reraise=True)
        return retrying(self._call, endpoint, lambda: getattr(self._client, endpoint))

    # ------------------------------------------------------------------ journal
    def _load_journal(self) -> None:
        if self.state_path is None:
            return
        data = read_json(self.state_path) or {}
        self._orders = {o["client_order_id"]: Order.from_dict(o) for o in data.get("orders", [])}
        self._before = {k: list(v) for k, v in data.get("before", {}).items()}

    def _journal(self, *, required: bool = False) -> None:
        """Save the orders; a failure after an order was sent is logged (the order stands as it is),
        before it (``required``) it raises, so the order is not sent without its write-ahead record."""
        if self.state_path is None:
            return
        today = self.clock.now().strftime("%Y-%m-%d")
        try:
            write_json_atomic(self.state_path, {
                "version": 1, "broker": self.name, "host": self.host, "port": self.port,
                "orders": [o.to_dict() for o in self._orders.values()],
                "before": {k: v for k, v in self._before.items()
                           if k in self._orders and self._orders[k].datetime.startswith(today)},
            })
        except BrokerError as e:
            if required:
                raise
            log.error("%s: journal not saved (a crash now could not resume these orders): %s", self.name, e)

    # ------------------------------------------------------------------ orders
    def _known_order(self, client_order_id: str) -> Order | None:
        return self._orders.get(client_order_id)

    def _record_rejected(self, order: Order) -> None:
        self._orders[order.client_order_id] = order
        self._journal()

    def _place_order(self, order: Order) -> Order:
        try:
            before = sorted(e.key for e in rows.entrusts_of(self._query("today_entrusts")))
        except BrokerError as e:
            return self._reject(order, f"not sent: cannot read today's entrusts first ({e})")
        self._orders[order.client_order_id] = order
        self._before[order.client_order_id] = before
        try:
            self._journal(required=True)  # write-ahead: a crash from here on leaves a pending order to resolve
        except BrokerError:
            del self._orders[order.client_order_id], self._before[order.client_order_id]
            raise  # not sent: the base class rejects it with this reason
        return self._send_and_confirm(order)

    def _resume_order(self, order: Order) -> Order:
        if order.status in (OrderStatus.PENDING, OrderStatus.UNCONFIRMED):
            polls = 1 if order.status == OrderStatus.UNCONFIRMED else self.confirm_checks
            found = self._look_for(order, polls)
            if found is not None:
                return self._confirm(order, found)
            if order.status == OrderStatus.PENDING:  # never confirmed: only now is sending again safe
                log.warning("%s: pending order %s not at the broker; sending it again", self.name,
                            order.client_order_id)
                self.stats.retries += 1
                return self._send_and_confirm(order)
        return order

    def _send_and_confirm(self, order: Order) -> Order:
        last_error, maybe_sent = "", False
        for attempt in range(1, self.send_attempts + 1):
            if attempt > 1:
                self.stats.retries += 1
            try:
                answer = self._send(order)
            except OrderRejected as e:
                found = self._look_for(order, polls=1)
                return self._confirm(order, found) if found is not None else self._reject(order, str(e))
            except BrokerError as e:
                last_error, maybe_sent = str(e), maybe_sent or not isinstance(e, NotSent)
                self.stats.errors += 1
                log.warning("%s: sending %s failed (attempt %d/%d): %s; looking for it before any resend",
                            self.name, order.client_order_id, attempt, self.send_attempts, e)
                found = self._look_for(order, self.confirm_checks)
                if found is not None:
                    return self._confirm(order, found)
                continue
            order.broker_order_id = rows.entrust_no_of(answer)
            found = self._look_for(order, self.confirm_checks)
            if found is not None:
                return self._confirm(order, found)
            return self._unconfirmed(order, f"the client answered {answer!r} but the order is not among "
                                            f"today's entrusts after {self.confirm_checks} checks")
        if maybe_sent:  # a request may have reached the client: never call that "not placed"
            return self._unconfirmed(order, f"sending failed {self.send_attempts} times and the order is not "
                                            f"among today's entrusts, but may still appear (last: {last_error})")
        return self._reject(order, f"not placed after {self.send_attempts} attempts: {last_error}")

    def _send(self, order: Order) -> Any:
        fn = self._client.buy if order.side == Side.BUY else self._client.sell
        return self._call(f"{order.side} {order.market}{order.code}",
                          lambda: fn(order.code, price=order.price, amount=order.number))

    def _look_for(self, order: Order, polls: int) -> rows.Entrust | None:
        """Poll today's entrusts (with back-off) for ``order``; None when it never shows up."""
        def find() -> rows.Entrust | None:
            try:
                return self._match(order, rows.entrusts_of(self._query("today_entrusts")))
            except BrokerError as e:
                log.warning("%s: reading today's entrusts failed: %s", self.name, e)
                return None

        retrying = self._retrying(polls, retry=retry_if_result(lambda r: r is None),
                                  retry_error_callback=lambda state: None)
        return retrying(find)

    def _match(self, order: Order, entrusts: list[rows.Entrust]) -> rows.Entrust | None:
        if order.broker_order_id and any(not e.fingerprinted for e in entrusts):
            return next((e for e in entrusts if e.key == order.broker_order_id), None)
        # no contract number to go by (none in the answer, or the grid shows none): a new, unclaimed row
        # that looks exactly like the order. Keys are counted, because fingerprints of identical orders
        # placed within the same second are equal: the n-th copy is new when n exceeds the copies that
        # existed before the send (or that other orders of ours already claimed).
        before = Counter(self._before.get(order.client_order_id, ()))
        claimed = Counter(o.broker_order_id for o in self._orders.values() if o.broker_order_id and o is not order)
        half_tick = price_tick(order.market, order.code) / 2
        seen: Counter[str] = Counter()
        for e in entrusts:
            seen[e.key] += 1
            if (seen[e.key] > max(before[e.key], claimed[e.key]) and e.code == order.code and e.side == order.side
                    and e.number == order.number and (not e.price or abs(e.price - order.price) < half_tick)):
                return e
        return None

    def _confirm(self, order: Order, e: rows.Entrust) -> Order:
        order.broker_order_id = e.key
        self._apply(order, e)
        self._journal()
        log.info("%s: order %s confirmed as entrust %s (%s)", self.name, order.client_order_id, e.key, order.status)
        return order

    def _apply(self, order: Order, e: rows.Entrust) -> None:
        order.filled_number, order.filled_price = e.filled, e.filled_price
        if e.dead and e.filled < order.number:
            order.status = OrderStatus.REJECTED if "废" in e.status_text else OrderStatus.CANCELLED
            order.reason = e.status_text
        elif e.filled >= order.number:
            order.status = OrderStatus.FILLED
        else:
            order.status = OrderStatus.SUBMITTED

    def _unconfirmed(self, order: Order, reason: str) -> Order:
        order.status, order.reason = OrderStatus.UNCONFIRMED, reason
        self._journal()
        log.error("%s: order %s %s %s%s x%d NOT CONFIRMED: %s", self.name, order.client_order_id, order.side,
                  order.market, order.code, order.number, reason)
        return order

    def _reject(self, order: Order, reason: str) -> Order:
        """Refused after the checks passed (by the client, or never delivered): returned, not raised."""
        order.status, order.reason = OrderStatus.REJECTED, f"{order.market}{order.code}: {reason}"
        self._orders[order.client_order_id] = order
        self._journal()
        self.stats.rejected += 1
        log.error("%s: order %s rejected: %s", self.name, order.client_order_id, order.reason)
        return order

    # ------------------------------------------------------------------ queries
    def _query_orders(self) -> list[Order]:
        today = self.clock.now().strftime("%Y-%m-%d")
        live = [o for o in self._orders.values() if o.datetime.startswith(today)
                and o.status in (OrderStatus.SUBMITTED, OrderStatus.UNCONFIRMED)]
        if live:
            try:
                entrusts = rows.entrusts_of(self._query("today_entrusts"))
            except BrokerError as e:
                log.warning("%s: orders not refreshed: %s", self.name, e)
                entrusts = []
            for o in live:
                found = self._match(o, entrusts)
                if found is not None:
                    if o.status == OrderStatus.UNCONFIRMED:
                        log.warning("%s: unconfirmed order %s showed up late as entrust %s", self.name,
                                    o.client_order_id, found.key)
                        o.broker_order_id = found.key
                    self._apply(o, found)
            self._journal()
        return list(self._orders.values())

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
