"""Order helpers of ``Strategy``: ``order``, ``order_value``, ``buy``, ``sell``, over any ``Broker``.

Hikyuu's semantics, with its faults fixed:

- ``order(stock, num)``: ``num > 0`` buys ``num`` rounded *down* to a valid lot (Hikyuu computed the
  rounding and then sent the unrounded number); below the minimum lot nothing is sent. ``num < 0`` sells
  ``-num`` rounded to lots, capped at what is sellable today (T+1); when what would remain is below a lot,
  the whole holding is sold; ``num = -inf`` sells everything.
- ``order_value(stock, value)``: buys as many lots as ``value`` yuan pays for at the current price, fees
  included, stepping down a lot at a time until the cash suffices; a negative value sells ``-value`` yuan.
- ``buy``/``sell`` pass price (0 = at the live price), quantity, stop-loss and goal price to the broker.

None of them waits for the broker: the broker runs the A-share checks and answers with an ``Order`` whose
``status`` is ``pending`` (on its way) or ``rejected`` (with the ``reason``); the outcome arrives as the
strategy's ``on_order(stg, order)`` callback. Sizing that needs the account (a sell's sellable shares,
``order_value``'s cash) is done by the broker's worker from a fresh account (``Broker.submit_sized``), so
the strategy's loop never waits for a slow or absent trading client; nothing here raises for a refused
order. ``position()`` does query the broker (it may wait for the client).
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np

from hikyuu_live.errors import OrderRejected
from hikyuu_live.model.spot import market_codes
from hikyuu_live.strategy.broker.records import Account
from hikyuu_live.strategy.context import Stock, normalize_code
from hikyuu_live.strategy.orders import Fees, Side, order_value_quantity, round_lot, sell_quantity

log = logging.getLogger(__name__)


class QuoteBook:
    """The newest price, yesterday's close and name of every stock seen on the bus (for brokers)."""

    def __init__(self) -> None:
        self.close: dict[str, float] = {}
        self.yesterday: dict[str, tuple[float, str]] = {}
        self._unnamed: set[str] = set()  # keys whose yesterday entry still lacks a name or a usable close

    def update(self, spots: np.ndarray, keys: list[str] | None = None) -> None:
        """Take in spots; ``keys``: their ``market + code`` when the caller has them already. The newest close;
        yesterday's close and the name from the first spot that has them (a spot without a usable close, e.g.
        0 before the open, does not stick)."""
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
            yc, name = float(yesterday[i]), str(names[i])
            known = self.yesterday.get(k)
            usable = math.isfinite(yc) and yc > 0
            if known is None or (usable and not known[0] > 0) or (name and not known[1]):
                self.yesterday[k] = (yc if usable or known is None else known[0], name or (known or (0.0, ""))[1])
            close, held_name = self.yesterday[k]
            if close > 0 and held_name:  # complete: later spots of this stock need no look
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
        return self._need_broker().buy(market, code, price, num, stoploss, goal_price, part, remark)

    def sell(self, stock: Stock | str, price: float, num: int, stoploss: float = 0.0, goal_price: float = 0.0,
             part: Any = None, remark: str = "") -> Any:
        market, code = self._split(stock)
        return self._need_broker().sell(market, code, price, num, stoploss, goal_price, part, remark)

    def order(self, stock: Stock | str, num: float, remark: str = "") -> Any:
        """Buy (``num > 0``) or sell (``num < 0``) at the live price; see the module docstring. Returns the
        broker's ``Order`` (``pending`` or ``rejected``), or None when nothing is to be sent."""
        market, code = self._split(stock)
        if not num or math.isnan(num):
            return None
        if num > 0:
            qty = round_lot(market, code, num)
            if qty <= 0:
                log.info("%s: order %s%s x%s is below the minimum lot; nothing sent", self.name, market, code, num)
                return None
            return self._need_broker().buy(market, code, 0.0, qty, remark=remark)

        def size(account: Account, price: float) -> int:
            return _sell_size(account, market, code, -num)

        return self._need_broker().submit_sized(Side.SELL, market, code, 0.0, size, remark=remark)

    def order_value(self, stock: Stock | str, value: float, remark: str = "") -> Any:
        """Buy ``value`` yuan worth (fees included) or sell ``-value`` yuan worth, at the live price."""
        market, code = self._split(stock)
        price = self.quotes.price(market, code)
        if price is None:
            log.warning("%s: no live price for %s%s yet; order_value skipped", self.name, market, code)
            return None
        if not value or math.isnan(value):
            return None
        broker = self._need_broker()
        fees = getattr(broker, "fees", None) or Fees()
        if value < 0:
            shares = math.floor(-value / price)

            def size_sell(account: Account, px: float) -> int:
                return _sell_size(account, market, code, shares)

            return broker.submit_sized(Side.SELL, market, code, 0.0, size_sell, remark=remark)

        def size_buy(account: Account, px: float) -> int:
            qty = order_value_quantity(market, code, value, px, cash=account.cash, fees=fees)
            if qty <= 0:
                raise OrderRejected(f"{market}{code}: {value:,.2f} yuan (cash {account.cash:,.2f}) does not buy "
                                    f"a lot at {px:.3f} with fees")
            return qty

        return broker.submit_sized(Side.BUY, market, code, 0.0, size_buy, remark=remark)


def _sell_size(account: Account, market: str, code: str, num: float) -> int:
    """Shares a sell of ``num`` (``inf``: all) sends from the account's sellable shares; why not, if none."""
    pos = next((p for p in account.positions if (p.market, p.code) == (market, code)), None)
    if pos is None or pos.sellable <= 0:
        locked = f" ({pos.number} held, bought today: T+1)" if pos is not None and pos.number > 0 else ""
        raise OrderRejected(f"{market}{code}: nothing sellable today{locked}")
    qty = sell_quantity(market, code, num, pos.sellable)
    if qty <= 0:
        raise OrderRejected(f"{market}{code}: selling {num:g} of {pos.sellable} sellable shares is below a lot")
    return qty
