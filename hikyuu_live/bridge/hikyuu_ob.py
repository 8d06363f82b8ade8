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
"""

from __future__ import annotations

import json
import logging
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


def follow_spots(stg: Any, clock: MarketClock, on_change: Callable[[Any, Any, Any], None] | None = None) -> None:
    """Register on Hikyuu's ``Strategy`` an ``on_change`` that moves ``clock`` to each spot's time (then calls
    ``on_change`` of yours): the bridge's decisions and account dates then follow a replayed market."""

    def observe(s: Any, stock: Any, spot: Any) -> None:
        clock.observe(spot.datetime.datetime())
        if on_change is not None:
            on_change(s, stock, spot)

    stg.on_change(observe)
