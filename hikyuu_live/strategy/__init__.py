"""Strategies: a process that subscribes to the quote bus, keeps live bars on preloaded history, runs
your callbacks and timers, and trades through a broker (paper by default).

    from hikyuu_live.strategy import Strategy

Importing this package is a strategy process's start, so mysql-connector's C extension is loaded here,
before a broker or preload brings pandas (see ``hikyuu_live.store.mysql.connection``).
"""

from hikyuu_live.store.mysql.connection import load_c_extension

load_c_extension()

from hikyuu_live.strategy.broker import (  # noqa: E402 - after the process-start step above
    Account,
    Broker,
    Fill,
    Order,
    OrderStatus,
    Position,
    create_broker,
)
from hikyuu_live.strategy.context import Stock, StrategyContext  # noqa: E402
from hikyuu_live.strategy.orders import Fees, Side, check_order  # noqa: E402
from hikyuu_live.strategy.preload import StorePreloader, config_preloader  # noqa: E402
from hikyuu_live.strategy.runtime import Strategy  # noqa: E402

__all__ = ["Account", "Broker", "Fees", "Fill", "Order", "OrderStatus", "Position", "Side", "Stock",
           "StorePreloader", "Strategy", "StrategyContext", "check_order", "config_preloader", "create_broker"]
