"""Order helpers of ``Strategy``: ``order``, ``order_value``, ``buy``, ``sell``, over any ``Broker``.

Hikyuu's semantics, with its faults fixed:

- ``order(stock, num)``: ``num > 0`` buys ``num`` rounded *down* to a valid lot (Hikyuu computed the
  rounding and then sent the unrounded number); below the minimum lot nothing is sent. ``num < 0`` sells
  ``-num`` rounded to lots, capped at what is sellable today (T+1); when what would remain is below a lot,
  the whole holding is sold; ``num = -inf`` sells everything.
- ``order_value(stock, value)``: buys as many lots as ``value`` yuan pays for at the current price, fees
  included, stepping down a lot at a time until the cash suffices; a negative value sells ``-value`` yuan.
- ``buy``/``sell`` pass price (0 = at the live price), quantity, stop-loss and goal price to the broker.

The broker runs the A-share checks (lots, tick, price limits, T+1, cash) and answers with an ``Order``
whose ``status`` and ``reason`` say what happened; nothing here raises for a rejected order.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np

from hikyuu_live.model.spot import market_codes
from hikyuu_live.strategy.context import Stock, normalize_code

log = logging.getLogger(__name__)


class QuoteBook:
    """The newest price, yesterday's close and name of every stock seen on the bus (for brokers)."""

    def __init__(self) -> None:
        self.close: dict[str, float] = {}
        self.yesterday: dict[str, tuple[float, str]] = {}
        self._unnamed: set[str] = set()  # keys whose yesterday entry still lacks a name

    def update(self, spots: np.ndarray, keys: list[str] | None = None) -> None:
        """Take in spots; ``keys``: their ``market + code`` when the caller has them already. Yesterday's close
        and the name are kept from the first spot of a stock (a later one only fills a missing name)."""
        if keys is None:
            keys = market_codes(spots).tolist()
        self.close.update(zip(keys, spots["close"].tolist(), strict=True))
        todo = set(keys) - self.yesterday.keys()  # set operations in C: the usual spot changes nothing here
        if self._unnamed:
            todo |= self._unnamed.intersection(keys)
        if not todo:
            return
        yesterday, names = spots["yesterday_close"], spots["name"]
        for i, k in enumerate(keys):
            if k not in todo:
                continue
            name = str(names[i])
            if k not in self.yesterday or (name and not self.yesterday[k][1]):
                self.yesterday[k] = (float(yesterday[i]), name)
                if name:
                    self._unnamed.discard(k)
                else:
                    self._unnamed.add(k)

    def price(self, market: str, code: str) -> float | None:
        value = self.close.get(market + code)
        return value if value and value > 0 else None

    def quote(self, market: str, code: str) -> tuple[float, str] | None:
        return self.yesterday.get(market + code)


class TradingMixin:
    """Mixed into ``Strategy``; needs ``self.broker`` (a ``Broker``) and ``self.quotes`` (a ``QuoteBook``)."""

    broker: Any
    quotes: QuoteBook
    name: str

    def _split(self, stock: Stock | str) -> tuple[str, str]:
        key = stock.market_code if isinstance(stock, Stock) else normalize_code(stock)
        return key[:2], key[2:]

    def _need_broker(self) -> Any:
        return self._open_broker()

    def get_broker(self) -> Any:
        """The strategy's broker (created on first use)."""
        return self._need_broker()

    def position(self, stock: Stock | str) -> Any:
        """The broker's position in ``stock`` (``number``, ``sellable``, ``cost_price``), or None."""
        market, code = self._split(stock)
        return self._need_broker().position(market, code)

    def _open_broker(self) -> Any:  # Strategy creates the broker on first use
        raise NotImplementedError

    def buy(self, stock: Stock | str, price: float, num: int, stoploss: float = 0.0, goal_price: float = 0.0,
            part: Any = None, remark: str = "") -> Any:
        market, code = self._split(stock)
        return self._need_broker().buy(market, code, price, int(num), stoploss, goal_price, part, remark)

    def sell(self, stock: Stock | str, price: float, num: int, stoploss: float = 0.0, goal_price: float = 0.0,
             part: Any = None, remark: str = "") -> Any:
        market, code = self._split(stock)
        return self._need_broker().sell(market, code, price, int(num), stoploss, goal_price, part, remark)

    def order(self, stock: Stock | str, num: float, remark: str = "") -> Any:
        """Buy (``num > 0``) or sell (``num < 0``) at the live price; see the module docstring."""
        from hikyuu_live.strategy.orders import min_lot, round_lot

        market, code = self._split(stock)
        broker = self._need_broker()
        if num > 0:
            qty = round_lot(market, code, int(num))
            if qty <= 0:
                log.info("%s: order %s%s x%s is below the minimum lot; nothing sent", self.name, market, code, num)
                return None
            return broker.buy(market, code, 0.0, qty, remark=remark)
        if num < 0:
            pos = broker.position(market, code)
            if pos is None or pos.sellable <= 0:
                log.info("%s: nothing sellable of %s%s", self.name, market, code)
                return None
            want = pos.sellable if math.isinf(num) else min(int(-num), pos.sellable)
            lot = min_lot(market, code)
            qty = want - want % 100 if lot == 100 else want
            if pos.sellable - qty < lot:  # what would remain is an odd lot: sell the whole holding
                qty = pos.sellable
            if qty <= 0:
                return None
            return broker.sell(market, code, 0.0, qty, remark=remark)
        return None

    def order_value(self, stock: Stock | str, value: float, remark: str = "") -> Any:
        """Buy ``value`` yuan worth (fees included) or sell ``-value`` yuan worth, at the live price."""
        from hikyuu_live.strategy.orders import Fees, min_lot, round_lot

        market, code = self._split(stock)
        price = self.quotes.price(market, code)
        if price is None:
            log.warning("%s: no live price for %s%s yet; order_value skipped", self.name, market, code)
            return None
        if value < 0:
            return self.order(stock, -(-value // price), remark)
        broker = self._need_broker()
        qty = round_lot(market, code, int(value // price))
        fees = getattr(broker, "fees", None) or Fees()
        cash = broker.cash()
        step = min_lot(market, code) if min_lot(market, code) == 100 else 1
        while qty > 0 and fees.buy_cost(price, qty) > min(cash, value):
            qty = round_lot(market, code, qty - step)
        if qty <= 0:
            log.info("%s: %.2f yuan does not buy a lot of %s%s at %.3f", self.name, value, market, code, price)
            return None
        return broker.buy(market, code, 0.0, qty, remark=remark)
