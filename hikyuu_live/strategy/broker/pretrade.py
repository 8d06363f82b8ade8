"""The checks a broker runs around ``orders.py``: what needs no I/O (in ``buy``/``sell``), what needs the
account (on the worker), and the rate limit.

- :func:`check_terms_now`: price 0 becomes the live price (a market order needs a live quote: none,
  no order), then the account-free checks of ``orders.check_terms`` against the reference price and name
  from ``quote_source`` (or only the price checks when the quantity is sized later).
- :func:`check_with_account`: sizes the order (``Sizer``) from a fresh account when asked, then runs
  every check of ``orders.check_order`` with cash (buys, fees included) or the position (sells, T+1).
- :class:`RateLimit`: at most ``per_minute`` accepted orders in any 60 s.

Numbers handed in by strategies are taken as they are: a non-number price or quantity is refused with
its value in the reason (:func:`as_number` keeps NaN for the record instead of raising).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from datetime import date
from typing import Any

from hikyuu_live.errors import OrderRejected
from hikyuu_live.strategy.broker.records import Account, Order, Position
from hikyuu_live.strategy.limits import LimitTable
from hikyuu_live.strategy.orders import Fees, Side, check_order, check_price, check_terms, check_tradable

PriceSource = Callable[[str, str], "float | None"]  # (market, code) -> live price or None
QuoteSource = Callable[[str, str], "tuple[float, str] | None"]  # -> (yesterday's close, name) or None
Sizer = Callable[[Account, float], int]  # (fresh account, order price) -> shares (raise OrderRejected: why not)


def as_number(value: Any) -> float:
    """``value`` as a float for the order record; NaN for anything that is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return math.nan
    return float(value)


def as_shares(value: Any) -> int:
    v = as_number(value)
    return int(v) if math.isfinite(v) and v == int(v) else 0


def quote_of(quote_source: QuoteSource | None, market: str, code: str) -> tuple[float | None, str]:
    quote = quote_source(market, code) if quote_source else None
    return (quote[0], quote[1] or "") if quote else (None, "")


class RateLimit:
    """At most ``per_minute`` orders in any 60 s of ``clock.monotonic`` time (None or 0: no limit)."""

    def __init__(self, per_minute: int | None) -> None:
        self.per_minute = per_minute
        self._recent: deque[float] = deque()

    def check(self, key: str, now: float) -> None:
        if not self.per_minute:
            return
        while self._recent and now - self._recent[0] > 60.0:
            self._recent.popleft()
        if len(self._recent) >= self.per_minute:
            raise OrderRejected(f"{key}: rate limit, {len(self._recent)} orders in the last minute "
                                f"(max_orders_per_minute={self.per_minute})")

    def record(self, now: float) -> None:
        self._recent.append(now)


def check_terms_now(order: Order, price: Any, num: Any, *, sized: bool, price_source: PriceSource | None,
                    quote_source: QuoteSource | None, limits: LimitTable, day: date) -> None:
    """The checks that need no I/O; sets ``order.price`` to what will be sent. Raises ``OrderRejected``."""
    key = order.market + order.code
    check_tradable(order.market, order.code)
    if isinstance(price, int | float) and not isinstance(price, bool) and price == 0:
        live = price_source(order.market, order.code) if price_source else None
        if not isinstance(live, int | float) or not (math.isfinite(live) and live > 0):
            raise OrderRejected(f"{key}: no live quote (not quoted yet or suspended); an order at price 0 "
                                f"(the live price) needs one: give a price")
        price = order.price = float(live)
    yesterday, name = quote_of(quote_source, order.market, order.code)
    if sized:  # the quantity is decided on the worker, and checked there with everything else
        order.price = check_price(order.market, order.code, price, yesterday, name, day, limits)
    else:
        order.price = check_terms(order.side, order.market, order.code, price, num, name=name,
                                  yesterday_close=yesterday, day=day, table=limits)


def check_with_account(order: Order, sizer: Sizer | None, *, asset: Callable[[], Account],
                       cash: Callable[[], float], positions: Callable[[], list[Position]],
                       quote_source: QuoteSource | None, fees: Fees, limits: LimitTable, day: date) -> None:
    """Size (``sizer``) and run every check with the account (queried through the callables, on the
    worker): cash with fees for buys, T+1 sellable shares for sells. Raises ``OrderRejected``."""
    money = sellable = held = None
    if sizer is not None:
        account = asset()
        order.number = int(sizer(account, order.price))
        if order.number <= 0:
            raise OrderRejected(f"{order.market}{order.code}: nothing to {order.side} (sized to 0 shares)")
        money = account.cash if order.side == Side.BUY else None
        held_positions = account.positions
    elif order.side == Side.BUY:
        money, held_positions = cash(), []
    else:
        held_positions = positions()
    pos = next((p for p in held_positions if (p.market, p.code) == (order.market, order.code)), None)
    yesterday, name = quote_of(quote_source, order.market, order.code)
    if order.side == Side.SELL:
        sellable, held = (pos.sellable, pos.number) if pos else (0, 0)
        name = name or (pos.name if pos else "")
    order.price = check_order(order.side, order.market, order.code, order.price, order.number, name=name,
                              yesterday_close=yesterday, cash=money, sellable=sellable, held=held, fees=fees,
                              day=day, table=limits)
