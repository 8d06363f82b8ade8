"""What brokers hand out: orders, fills, positions, the account and counters (plain data).

``Order.status`` values are ``OrderStatus``; see ``base.py`` for the lifecycle. ``to_dict``/``from_dict``
are the journal and state-file shapes (unknown keys are ignored on reading, so newer files load).
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field, fields
from typing import Any

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class OrderStatus(enum.StrEnum):
    """Where an order stands; see the module docstring for what each means and who sets it."""

    PENDING = "pending"  # accepted by the checks; being sized, checked against the account, sent, confirmed
    FILLED = "filled"  # all shares filled (paper: at once; easytrader: as the client shows it)
    SUBMITTED = "submitted"  # the broker lists it, not (fully) filled yet
    REJECTED = "rejected"  # refused by a check or by the broker, certainly not placed; ``reason`` says why
    UNCONFIRMED = "unconfirmed"  # may or may not be placed: never sent again, looked for at each reconciliation
    CANCELLED = "cancelled"  # listed, then cancelled at the exchange (easytrader only)

    @property
    def is_final(self) -> bool:
        """True once the order will not change without the exchange (filled, rejected, cancelled)."""
        return self in (OrderStatus.FILLED, OrderStatus.REJECTED, OrderStatus.CANCELLED)


def _from_dict(cls: type, data: dict[str, Any]) -> Any:
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(slots=True)
class Order:
    """One order as the broker knows it; ``datetime`` is exchange time ``YYYY-MM-DD HH:MM:SS``."""

    client_order_id: str
    datetime: str
    market: str
    code: str
    side: str  # "buy" | "sell"
    price: float  # limit price sent, yuan (0 in a call is resolved to the live price first)
    number: int  # shares
    status: str = OrderStatus.PENDING
    reason: str = ""
    filled_price: float = 0.0  # average, yuan
    filled_number: int = 0  # shares
    remark: str = ""
    stoploss: float = 0.0
    goal_price: float = 0.0
    part_from: Any = None
    broker_order_id: str = ""
    fee: float = 0.0  # yuan, when the broker reports it (paper)

    def __str__(self) -> str:
        why = f" ({self.reason})" if self.reason else ""
        qty = self.number or "?"  # sized by the broker's worker, not yet
        return (f"{self.side} {self.market}{self.code} x{qty} @ {self.price:.3f} {self.status}{why} "
                f"[{self.client_order_id}]")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Order:
        return _from_dict(cls, data)


@dataclass(slots=True)
class Fill:
    """One execution (a paper fill, a row of the client's ``today_trades``)."""

    client_order_id: str
    market: str
    code: str
    side: str
    price: float
    number: int
    amount: float
    fee: float
    datetime: str
    broker_fill_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fill:
        return _from_dict(cls, data)


@dataclass(slots=True)
class Position:
    market: str
    code: str
    number: int  # shares held
    sellable: int  # shares that may be sold today (T+1)
    cost_price: float = 0.0
    stoploss: float = 0.0
    goal_price: float = 0.0
    name: str = ""

    @property
    def bought_today(self) -> int:
        return max(0, self.number - self.sellable)

    def asset_row(self) -> dict[str, Any]:
        return {"market": self.market, "code": self.code, "number": self.number, "stoploss": self.stoploss,
                "goal_price": self.goal_price, "cost_price": self.cost_price}


@dataclass(slots=True)
class Account:
    cash: float  # available cash, yuan
    positions: list[Position] = field(default_factory=list)


@dataclass(slots=True)
class BrokerStats:
    submitted: int = 0  # orders that passed the checks and went to the backend
    rejected: int = 0
    filled: int = 0
    confirmed: int = 0  # seen at the broker, not filled yet (status "submitted")
    unconfirmed: int = 0
    duplicates: int = 0  # calls answered from a known client order id
    retries: int = 0  # resends, only after a send that provably never left this machine
    errors: int = 0  # failed sends and internal errors of the worker
    late_confirmed: int = 0  # unconfirmed orders that showed up at a later reconciliation
