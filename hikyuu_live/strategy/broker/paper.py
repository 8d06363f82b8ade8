"""``PaperBroker``: the default broker; fills every accepted order at once and keeps its books in a file.

- Fills at the order's price: the price given, or (price 0) the live price from ``price_source``. That
  is an idealisation (no queue, no partial fills, no slippage) good enough for rehearsing a strategy; the
  A-share checks of ``Broker`` still apply, so an order the exchange would refuse is refused here too.
- Asynchronous like every broker: ``buy``/``sell`` return ``pending`` and the worker fills the order a
  moment later (``on_order``/listeners, ``orders()``, ``wait()``), so a strategy rehearsed on paper meets
  the same order lifecycle it will meet on a real account.
- Cash moves by amount plus fees (``Fees``); a buy raises the position's average ``cost_price`` by its
  amount and fees; the position's ``bought_today`` is not sellable until the clock shows another day.
- A refused order (a failed check) is kept with status ``rejected`` and its reason, in ``orders()`` and
  in the file, so the GUI shows why nothing happened.
- State file (JSON, replaced atomically after every change, see ``journal.py``)::

    {"version": 1, "broker": "paper", "trading_day": "YYYY-MM-DD", "updated": "YYYY-MM-DD HH:MM:SS",
     "initial_cash": float, "cash": float,
     "positions": [{"market", "code", "number", "sellable", "bought_today", "cost_price", "stoploss",
                    "goal_price"}],
     "orders": [{"client_order_id", "datetime", "market", "code", "side", "price", "number", "status",
                 "reason", "filled_price", "filled_number", "remark", ...}],
     "fills": [{"client_order_id", "market", "code", "side", "price", "number", "amount", "fee",
                "datetime", "broker_fill_id"}]}

  ``cash``, ``positions``, ``orders`` and ``fills`` are what the HikyuuTDX strategy tab and ``make demo``
  read; ``sellable`` is derived (``number - bought_today``) and written for them, never read back.

  A new ``PaperBroker`` on the same file carries on where the last one stopped (``cash`` given to the
  constructor only seeds a new file). A retried order with a known client order id is not filled twice,
  across restarts too. The HikyuuTDX strategy tab reads this file while the strategy runs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from hikyuu_live.clock import Clock
from hikyuu_live.errors import BrokerError
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
from hikyuu_live.strategy.broker.journal import read_json, write_json_atomic
from hikyuu_live.strategy.orders import Fees, Side

log = logging.getLogger(__name__)
STATE_VERSION = 1


@dataclass(slots=True)
class _Holding:
    market: str
    code: str
    number: int = 0
    bought_today: int = 0
    cost_price: float = 0.0
    stoploss: float = 0.0
    goal_price: float = 0.0

    def to_position(self) -> Position:
        return Position(self.market, self.code, self.number, self.number - self.bought_today,
                        round(self.cost_price, 4), self.stoploss, self.goal_price)


_HOLDING = frozenset(_Holding.__slots__)


class PaperBroker(Broker):
    """Simulated account in a JSON file; see the module docstring."""

    name = "paper"

    def __init__(self, state_path: str | Path, cash: float = 1_000_000.0, *, clock: Clock | None = None,
                 price_source: PriceSource | None = None, quote_source: QuoteSource | None = None,
                 fees: Fees | None = None, max_orders_per_minute: int | None = 60) -> None:
        super().__init__(clock=clock, price_source=price_source, quote_source=quote_source, fees=fees,
                         max_orders_per_minute=max_orders_per_minute)
        if cash < 0:
            raise ValueError(f"initial cash must not be negative, got {cash}")
        self.state_path = Path(state_path)
        self.initial_cash = float(cash)
        self._cash = float(cash)
        self._day = ""
        self._holdings: dict[tuple[str, str], _Holding] = {}
        self._orders: dict[str, Order] = {}
        self._fills: list[Fill] = []

    def __repr__(self) -> str:
        return f"PaperBroker(state_path={str(self.state_path)!r})"

    # ------------------------------------------------------------------ state
    def _start(self) -> None:
        data = read_json(self.state_path)
        if data is None:
            self._day = self._today().isoformat()
            log.info("paper broker: new account %s with %.2f yuan", self.state_path, self._cash)
            self._save()
            return
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            raise BrokerError(f"broker state {self.state_path}: not a version-{STATE_VERSION} paper broker file")
        try:
            self.initial_cash = float(data.get("initial_cash", self.initial_cash))
            self._cash = float(data["cash"])
            self._day = str(data.get("trading_day", ""))
            self._holdings = {(h["market"], h["code"]): _Holding(**{k: v for k, v in h.items() if k in _HOLDING})
                              for h in data.get("positions", [])}
            self._orders = {o["client_order_id"]: Order.from_dict(o) for o in data.get("orders", [])}
            self._fills = [Fill.from_dict(f) for f in data.get("fills", [])]
        except (KeyError, TypeError, ValueError) as e:
            raise BrokerError(f"broker state {self.state_path} is malformed: {e!r}") from e
        log.info("paper broker: resumed %s (cash %.2f, %d positions, %d orders)", self.state_path, self._cash,
                 len(self._holdings), len(self._orders))
        self._roll_day()

    def _save(self) -> None:
        write_json_atomic(self.state_path, {
            "version": STATE_VERSION, "broker": self.name, "trading_day": self._day,
            "updated": self.clock.now().strftime(TIME_FORMAT), "initial_cash": self.initial_cash,
            "cash": round(self._cash, 2),
            "positions": [{"market": h.market, "code": h.code, "number": h.number,
                           "sellable": h.number - h.bought_today, "bought_today": h.bought_today,
                           "cost_price": h.cost_price, "stoploss": h.stoploss, "goal_price": h.goal_price}
                          for h in self._holdings.values()],
            "orders": [o.to_dict() for o in self._orders.values()],
            "fills": [f.to_dict() for f in self._fills],
        })

    def _today(self) -> date:
        return self.clock.now().date()

    def _roll_day(self) -> None:
        """Another day than the stored one: what was bought on it becomes sellable (T+1)."""
        today = self._today().isoformat()
        if today == self._day:
            return
        unlocked = sum(h.bought_today for h in self._holdings.values())
        for h in self._holdings.values():
            h.bought_today = 0
        log.info("paper broker: trading day %s -> %s, %d shares bought earlier are now sellable",
                 self._day or "-", today, unlocked)
        self._day = today
        self._save()

    # ------------------------------------------------------------------ hooks
    def _stored_orders(self) -> list[Order]:
        return list(self._orders.values())

    def _connect(self) -> None:
        self._roll_day()

    def _record_rejected(self, order: Order) -> None:
        self._orders[order.client_order_id] = order
        self._save()

    def _place_order(self, order: Order) -> Order:
        """Fill at once; when the file cannot be written the fill is undone (``BrokerError``: rejected)."""
        undo = (self._cash, {k: replace(h) for k, h in self._holdings.items()}, len(self._fills))
        try:
            return self._fill(order)
        except BrokerError:
            self._cash, self._holdings = undo[0], undo[1]
            del self._fills[undo[2]:]
            self._orders.pop(order.client_order_id, None)
            order.filled_number, order.filled_price, order.fee = 0, 0.0, 0.0
            raise

    def _fill(self, order: Order) -> Order:
        key = (order.market, order.code)
        fee = self.fees.breakdown(order.side, order.price, order.number, order.market, order.code).total
        amount = round(order.price * order.number, 2)
        h = self._holdings.get(key) or _Holding(order.market, order.code)
        if order.side == Side.BUY:
            self._cash = round(self._cash - amount - fee, 2)  # fen-exact, as in the file
            h.cost_price = (h.cost_price * h.number + amount + fee) / (h.number + order.number)
            h.number += order.number
            h.bought_today += order.number
            h.stoploss = order.stoploss or h.stoploss
            h.goal_price = order.goal_price or h.goal_price
            self._holdings[key] = h
        else:
            self._cash = round(self._cash + amount - fee, 2)
            h.number -= order.number
            if h.number <= 0:
                self._holdings.pop(key, None)
        order.status = OrderStatus.FILLED
        order.filled_number, order.filled_price, order.fee = order.number, order.price, fee
        self._orders[order.client_order_id] = order
        self._fills.append(Fill(order.client_order_id, order.market, order.code, order.side, order.price,
                                order.number, amount, fee, self.clock.now().strftime(TIME_FORMAT)))
        self._save()
        log.info("paper broker: filled %s %s%s x%d @ %.3f, fee %.2f, cash %.2f", order.side, order.market,
                 order.code, order.number, order.price, fee, self._cash)
        return order

    def _query_asset(self) -> Account:
        self._roll_day()
        return Account(self._cash, [h.to_position() for h in self._holdings.values()])

    def _query_orders(self) -> list[Order]:
        return list(self._orders.values())

    def _query_trades(self) -> list[Fill]:
        return list(self._fills)

    def state(self) -> dict[str, Any]:
        """The state document as saved (for tools and the GUI)."""
        self.start()
        return read_json(self.state_path) or {}
