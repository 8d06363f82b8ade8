"""Brokers: a lazy registry of backends behind one protocol (``base.Broker``).

``create_broker("paper", state_path=..., clock=..., price_source=...)`` imports the backend only when
it is chosen, so ``easytrader`` (and its Flask/requests/pandas imports) loads only for the easytrader
broker. An unknown name raises ``ConfigError`` listing the valid ones.
"""

from __future__ import annotations

from typing import Any

from hikyuu_live.registry import load_registered
from hikyuu_live.strategy.broker.base import Account, Broker, BrokerStats, Fill, Order, OrderStatus, Position

BROKERS: dict[str, str] = {
    "easytrader": "hikyuu_live.strategy.broker.easytrader:EasyTraderBroker",
    "paper": "hikyuu_live.strategy.broker.paper:PaperBroker",
}


def broker_class(name: str) -> type[Broker]:
    """The broker class registered as ``name``; ConfigError listing the valid ones otherwise."""
    cls: type[Broker] = load_registered(BROKERS, name, what="broker", key="broker", fold=True,
                                         valid="valid brokers")
    return cls


def create_broker(name: str, **kwargs: Any) -> Broker:
    """A new broker of the registered kind ``name``; ``kwargs`` go to its constructor."""
    return broker_class(name)(**kwargs)


__all__ = [
    "BROKERS",
    "Account",
    "Broker",
    "BrokerStats",
    "Fill",
    "Order",
    "OrderStatus",
    "Position",
    "broker_class",
    "create_broker",
]
