"""A-share trading costs (``Fees``): commission, stamp duty and transfer fee, each rounded to the fen.

Commission at a configurable rate with a 5 yuan minimum; stamp duty 0.05% on sells only (the rate since
2023-08-28); transfer fee 0.001% both ways; funds and ETFs pay neither stamp duty nor transfer fee. Each
fee is rounded half-up to the fen, as brokers bill. ``side`` is ``"buy"``/``"sell"`` (or ``orders.Side``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from hikyuu_live.model.codes import FUND_TYPES, classify


@dataclass(frozen=True, slots=True)
class FeeBreakdown:
    commission: float
    stamp_duty: float
    transfer_fee: float

    @property
    def total(self) -> float:
        return round(self.commission + self.stamp_duty + self.transfer_fee, 2)


def _fen(x: float) -> float:
    return float(Decimal(repr(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class Fees:
    """A-share trading costs in yuan. Rates are fractions of the traded amount."""

    commission_rate: float = 0.00025
    min_commission: float = 5.0
    stamp_duty: float = 0.0005  # rate, sells only (since 2023-08-28)
    transfer_fee: float = 0.00001  # rate, both sides

    def breakdown(self, side: str, price: float, num: int, market: str = "", code: str = "") -> FeeBreakdown:
        amount = price * num
        if amount <= 0:
            return FeeBreakdown(0.0, 0.0, 0.0)
        fund = bool(market) and classify(market.upper(), code) in FUND_TYPES
        commission = max(self.min_commission, _fen(amount * self.commission_rate))
        stamp = 0.0 if fund or str(side) == "buy" else _fen(amount * self.stamp_duty)
        transfer = 0.0 if fund else _fen(amount * self.transfer_fee)
        return FeeBreakdown(commission, stamp, transfer)

    def buy_cost(self, price: float, num: int, market: str = "", code: str = "") -> float:
        """Cash a buy takes: amount plus fees (funds' exemptions apply only when the stock is given)."""
        return round(price * num + self.breakdown("buy", price, num, market, code).total, 2)

    def sell_proceeds(self, price: float, num: int, market: str = "", code: str = "") -> float:
        """Cash a sell brings: amount minus fees."""
        return round(price * num - self.breakdown("sell", price, num, market, code).total, 2)


#: the default fee schedule (``Fees`` is frozen, so one shared instance is safe)
DEFAULT_FEES = Fees()
