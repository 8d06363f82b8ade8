"""The bridge as a Hikyuu ``OrderBrokerBase`` (what ``crtBrokerTM``, ``run_in_strategy`` and ``crt_sys_strategy``
take), and what Hikyuu's own ``Strategy`` needs to follow a replay's time.

``order_broker(bridge)`` is ``crtOB(bridge)`` that keeps the decision's ``datetime`` (Hikyuu's ``crtOB``
wrapper receives it and drops it): with it every order is keyed by the bar the system decided on, so "one
decision, one order" holds whatever the timer interval. Hikyuu's own ``crtOB(bridge)`` works too (the bridge
then keys by the bar holding the clock's now, see ``HikyuuBroker``).

Hikyuu's ``Strategy`` runs its timers on the wall clock and builds its bars from the spots' own times. For a
replay (a recorded day rehearsed now) the bridge must see the market's time, not the wall's: give it a
``MarketClock`` and let :func:`follow_spots` feed it from Hikyuu's ``on_change`` (it chains a callback of
yours). Live, keep the default clock.

Our brokers check every order against the day's price band from the stock's reference price (yesterday's
close) and refuse it without one; an order at price 0 needs the live price. Inside our ``Strategy`` these come
from its quote book; inside Hikyuu's ``Strategy`` :func:`follow_spots` with ``bridge=`` takes them from the
spots Hikyuu receives (``yesterday_close``, ``close``, ``name``), for a broker that has no sources of its own.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from typing import Any

from hikyuu_live.bridge.broker import HikyuuBroker
from hikyuu_live.clock import MarketClock
from hikyuu_live.strategy.hikyuu_kdata import hikyuu

log = logging.getLogger(__name__)


def order_broker(bridge: HikyuuBroker, name: str | None = None) -> Any:
    """A Hikyuu ``OrderBrokerBase`` sending through ``bridge``, the decision's datetime kept (see module)."""
    hku = hikyuu()

    class LiveOrderBroker(hku.OrderBrokerBase):  # type: ignore[name-defined]
        """Hikyuu order broker over a ``HikyuuBroker`` (hikyuu_live)."""

        def __init__(self) -> None:
            super().__init__(name or bridge.name)
            self.bridge = bridge

        def _buy(self, datetime: Any, market: str, code: str, price: float, num: float, stoploss: float,
                 goal_price: float, part_from: Any, remark: str = "") -> None:
            self.bridge.buy(market, code, price, num, stoploss, goal_price, part_from, remark, decided_at=datetime)

        def _sell(self, datetime: Any, market: str, code: str, price: float, num: float, stoploss: float,
                  goal_price: float, part_from: Any, remark: str = "") -> None:
            self.bridge.sell(market, code, price, num, stoploss, goal_price, part_from, remark, decided_at=datetime)

        def _get_asset_info(self) -> str:
            info = self.bridge.get_asset_info()
            return json.dumps(info) if isinstance(info, dict) else info

    return LiveOrderBroker()


class SpotQuotes:
    """The newest price and the reference (yesterday's close, name) of each stock, from Hikyuu's spots: the
    ``price_source`` and ``quote_source`` of our broker inside Hikyuu's ``Strategy``. A spot without a usable
    price (0 before the open, NaN) leaves what is known."""

    def __init__(self) -> None:
        self.close: dict[str, float] = {}
        self.yesterday: dict[str, tuple[float, str]] = {}

    def take(self, spot: Any) -> None:
        key = str(spot.market).upper() + str(spot.code)
        close, yesterday = _positive(spot.close), _positive(spot.yesterday_close)
        if close is not None:
            self.close[key] = close
        if yesterday is not None:
            self.yesterday[key] = (yesterday, str(spot.name or "") or self.yesterday.get(key, (0.0, ""))[1])

    def price(self, market: str, code: str) -> float | None:
        return self.close.get(market.upper() + code)

    def quote(self, market: str, code: str) -> tuple[float, str] | None:
        return self.yesterday.get(market.upper() + code)


def _positive(value: Any) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) and x > 0 else None


def follow_spots(stg: Any, clock: MarketClock | None = None, on_change: Callable[[Any, Any, Any], None] | None = None,
                 *, bridge: HikyuuBroker | None = None) -> SpotQuotes | None:
    """Register on Hikyuu's ``Strategy`` an ``on_change`` that moves ``clock`` (when given) to each spot's time:
    the bridge's decisions and account dates then follow a replayed market; with ``bridge``, its broker takes
    live prices and reference prices from the spots (see the module docstring; returned). Calls ``on_change`` of
    yours after."""
    quotes: SpotQuotes | None = None
    if bridge is not None:
        broker = bridge.broker
        if broker.price_source is None or broker.quote_source is None:
            quotes = SpotQuotes()
            broker.price_source = broker.price_source or quotes.price
            broker.quote_source = broker.quote_source or quotes.quote
        else:
            log.info("%s: the broker has its own price sources; spots are not taken for it", bridge.name)

    def observe(s: Any, stock: Any, spot: Any) -> None:
        if clock is not None:
            clock.observe(spot.datetime.datetime())
        if quotes is not None:
            quotes.take(spot)
        if on_change is not None:
            on_change(s, stock, spot)

    stg.on_change(observe)
    return quotes
