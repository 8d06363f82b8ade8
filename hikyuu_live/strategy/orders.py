"""A-share pre-trade checks and order sizing, shared by every broker (pure: no I/O, no clock).

Every broker's public ``buy``/``sell`` runs :func:`check_order` before anything leaves the process, so a
paper fill and a real order obey the same rules. A failed check raises ``OrderRejected`` whose message
names the stock and says exactly why (``"SH688001: STAR orders need at least 200 shares, got 100"``,
``"SZ000001: price 11.27 above today's limit 11.00 ..."``, ``"SH600000: only 300 shares sellable today
(T+1), asked 500 ..."``, ``"SH600000: not enough cash: need 10,005.10, have 3,000.00 ..."``); the broker
turns it into an order with status ``rejected`` and that reason.

Rules (SSE/SZSE/BSE trading rules, as of 2025):

- **Quantity.** Main boards, ChiNext and funds/ETFs buy in lots of 100. STAR (688/689) buys at least 200
  shares, then any count in steps of 1; Beijing (BJ) at least 100, then steps of 1. A sell must be a
  valid buy quantity, except that an odd remainder (what is left below a lot) may only be sold whole:
  on lot-100 boards ``qty % 100`` must be 0 or equal ``sellable % 100``; on STAR/BJ a sell below the
  minimum must close the whole sellable holding. Limit orders are capped per order at 1,000,000 shares
  (main boards, BJ), 300,000 (ChiNext) and 100,000 (STAR).
- **Tick.** 0.01 yuan; 0.001 for funds/ETFs (``data.codes``: SZ 159/16/18, SH 50/51/52/56/58). A price
  within 1e-6 ticks of the grid (float noise such as ``11.110000000000001``) is snapped onto it, anything
  else is rejected.
- **Daily limits** from yesterday's close, rounded half-up to the tick as the exchanges do: 10% main
  board and funds, 20% ChiNext (300/301) and STAR (688/689) including their ST names, 30% BJ; main-board
  ST names (name contains "ST") 5%. The exchanges moved main-board risk-warning stocks to 10% from
  2025-07-07 (proposal of 2025-06-27); the date is ``ST_MAIN_BOARD_10PCT_FROM`` and the check follows the
  trading day it is given. SZ 159 and SH 588 ETFs get 20% because ChiNext/STAR ETFs share those
  prefixes with 10% ones and a pre-trade check must never refuse what the exchange accepts. Unknown
  yesterday close (0 or None, e.g. a new listing whose first days have other bands) skips the check.
- **T+1.** Shares bought today are not sellable today (the reason names how many of the holding are
  locked). Applied to every product, ETFs included, although bond, gold, money-market and cross-border
  ETFs are T+0 at the exchange: the simple rule is safe (it can only refuse a same-day round trip) and
  needs no product table.
- **Cash**, fees included (:class:`Fees`): commission (configurable rate, 5 yuan minimum), stamp duty
  0.05% on sells (the rate since 2023-08-28), transfer fee 0.001% both ways; funds pay neither stamp
  duty nor transfer fee. Each fee is rounded half-up to the fen, as brokers bill.
- Indices, bonds, B shares and unknown codes are not tradable here (rejected with the reason).

Sizing helpers implement Hikyuu's ``order``/``order_value`` semantics with its fault fixed (Hikyuu
computed the lot rounding and then sent the unrounded number): :func:`round_lot`,
:func:`order_quantity` (signed result; ``-inf`` sells everything sellable), :func:`order_value_quantity`.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from hikyuu_live.errors import OrderRejected
from hikyuu_live.model.codes import FUND_TYPES, StockType, classify
from hikyuu_live.model.codes import price_tick as price_tick  # one source for the tick; re-exported here

#: first trading day on which main-board ST/*ST names trade within 10% instead of 5%
ST_MAIN_BOARD_10PCT_FROM = date(2025, 7, 7)
_SNAP = Decimal("0.000001")  # how far off the tick grid (in ticks) a float price may be and still count


class Side(enum.StrEnum):
    BUY = "buy"
    SELL = "sell"


class Board(enum.StrEnum):
    """What decides lots, ticks and limits; ``UNTRADABLE`` covers indices, bonds, B shares, unknown codes."""

    MAIN = "main"
    CHINEXT = "chinext"
    STAR = "star"
    BJ = "bj"
    FUND = "fund"
    UNTRADABLE = "untradable"


_BOARD_OF_TYPE = {StockType.A: Board.MAIN, StockType.GEM: Board.CHINEXT, StockType.STAR: Board.STAR,
                  StockType.BJ: Board.BJ}
_MAX_ORDER = {Board.MAIN: 1_000_000, Board.CHINEXT: 300_000, Board.STAR: 100_000, Board.BJ: 1_000_000}
_BOARD_LABEL = {Board.MAIN: "main-board", Board.CHINEXT: "ChiNext", Board.STAR: "STAR", Board.BJ: "Beijing",
                Board.FUND: "fund"}


def board_of(market: str, code: str) -> Board:
    """The board by the exchanges' numbering (``data.codes.classify``); funds and ETFs are one board."""
    kind = classify(market.upper(), code)
    return Board.FUND if kind in FUND_TYPES else _BOARD_OF_TYPE.get(kind, Board.UNTRADABLE)


def is_fund(market: str, code: str) -> bool:
    return board_of(market, code) is Board.FUND


def min_lot(market: str, code: str) -> int:
    """Smallest buy quantity in shares (200 on STAR, 100 elsewhere)."""
    return 200 if board_of(market, code) is Board.STAR else 100


def lot_step(market: str, code: str) -> int:
    """Step above the minimum: 1 share on STAR and BJ, 100 elsewhere."""
    return 1 if board_of(market, code) in (Board.STAR, Board.BJ) else 100


def round_lot(market: str, code: str, num: float) -> int:
    """The largest valid buy quantity <= ``num`` shares (0 when below the minimum)."""
    if not num > 0:  # also False for NaN
        return 0
    n = int(min(num, 1e15))
    step = lot_step(market, code)
    n -= n % step
    return n if n >= min_lot(market, code) else 0


def _key(market: str, code: str) -> str:
    return f"{market.upper()}{code}"


# ---------------------------------------------------------------------------------------------- fees
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

    def breakdown(self, side: Side | str, price: float, num: int, market: str = "", code: str = "") -> FeeBreakdown:
        amount = price * num
        if amount <= 0:
            return FeeBreakdown(0.0, 0.0, 0.0)
        fund = bool(market) and is_fund(market, code)
        commission = max(self.min_commission, _fen(amount * self.commission_rate))
        stamp = 0.0 if fund or Side(side) is Side.BUY else _fen(amount * self.stamp_duty)
        transfer = 0.0 if fund else _fen(amount * self.transfer_fee)
        return FeeBreakdown(commission, stamp, transfer)

    def buy_cost(self, price: float, num: int, market: str = "", code: str = "") -> float:
        """Cash a buy takes: amount plus fees (funds' exemptions apply only when the stock is given)."""
        return round(price * num + self.breakdown(Side.BUY, price, num, market, code).total, 2)

    def sell_proceeds(self, price: float, num: int, market: str = "", code: str = "") -> float:
        """Cash a sell brings: amount minus fees."""
        return round(price * num - self.breakdown(Side.SELL, price, num, market, code).total, 2)


#: the default fee schedule (``Fees`` is frozen, so one shared instance is safe)
DEFAULT_FEES = Fees()


# ---------------------------------------------------------------------------------------------- checks
def check_tradable(market: str, code: str) -> Board:
    board = board_of(market, code)
    if board is Board.UNTRADABLE:
        kind = classify(market.upper(), code)
        what = {StockType.INDEX: "an index", StockType.BOND: "a bond", StockType.B: "a B share"}.get(
            kind, "not a known A-share or fund code")
        raise OrderRejected(f"{_key(market, code)}: {what}; only A shares and funds/ETFs can be ordered here")
    return board


def check_quantity(side: Side | str, market: str, code: str, num: int, sellable: int | None = None) -> None:
    """Lot rules of the board; for sells ``sellable`` (T+1 quantity) decides whether an odd lot is allowed."""
    side = Side(side)
    board = check_tradable(market, code)
    key, label = _key(market, code), _BOARD_LABEL[board]
    if not (isinstance(num, int | float) and math.isfinite(num) and num > 0 and num == int(num)):
        raise OrderRejected(f"{key}: quantity must be a positive whole number of shares, got {num}")
    num = int(num)
    cap = _MAX_ORDER.get(board)
    if cap is not None and num > cap:
        got = f"{num:,}" if num < 10**12 else f"{num:.3g}"
        raise OrderRejected(f"{key}: {label} orders are capped at {cap:,} shares, got {got}")
    lot, step = min_lot(market, code), lot_step(market, code)
    closes_all = side is Side.SELL and sellable is not None and num == sellable
    if step == 1:
        if num < lot and not closes_all:
            extra = f" unless selling the whole {sellable} sellable" if side is Side.SELL else ""
            raise OrderRejected(f"{key}: {label} orders need at least {lot} shares{extra}, got {num}")
        return
    if num % step == 0:
        return
    if side is Side.SELL and sellable is not None and num % step == sellable % step:
        return  # the odd remainder goes out whole, with or without whole lots beside it
    if side is Side.BUY:
        raise OrderRejected(f"{key}: buy quantity must be a multiple of {step} shares, got {num}")
    odd = sellable % step if sellable is not None else 0
    hint = f"include the whole odd remainder of {odd} " if odd else ""
    raise OrderRejected(f"{key}: sell quantity must be a multiple of {step} shares or {hint}"
                        f"(sellable {sellable}), got {num}")


def snap_price(market: str, code: str, price: float) -> float:
    """``price`` on the tick grid; ``OrderRejected`` when it is off the grid by more than float noise."""
    key = _key(market, code)
    if not (price > 0 and math.isfinite(price)):
        raise OrderRejected(f"{key}: price must be a positive number, got {price}")
    tick = Decimal("0.001") if is_fund(market, code) else Decimal("0.01")
    ticks = Decimal(repr(price)) / tick
    whole = ticks.to_integral_value(rounding=ROUND_HALF_UP)
    if abs(ticks - whole) > _SNAP:
        raise OrderRejected(f"{key}: price {price} is not a multiple of the {tick} yuan tick")
    return float(whole * tick)


def limit_pct(market: str, code: str, name: str = "", day: date | None = None) -> float:
    """Today's limit band as a fraction of yesterday's close (see the module docstring)."""
    board = board_of(market, code)
    if board in (Board.CHINEXT, Board.STAR):
        return 0.20
    if board is Board.BJ:
        return 0.30
    if board is Board.FUND:
        return 0.20 if code.startswith(("159", "588")) else 0.10
    if "ST" in name.upper() and (day is None or day < ST_MAIN_BOARD_10PCT_FROM):
        return 0.05
    return 0.10


def price_limits(market: str, code: str, name: str, yesterday_close: float,
                 day: date | None = None) -> tuple[float, float]:
    """(limit-down, limit-up) in yuan, rounded half-up to the tick from yesterday's close.

    ``name`` matters only for main-board ST names; ``day`` (the trading day) only for them too, see
    ``ST_MAIN_BOARD_10PCT_FROM`` (None: the 5% rule).
    """
    tick = Decimal("0.001") if is_fund(market, code) else Decimal("0.01")
    pct = Decimal(repr(limit_pct(market, code, name, day)))
    base = Decimal(repr(yesterday_close))
    up = (base * (1 + pct)).quantize(tick, rounding=ROUND_HALF_UP)
    down = max((base * (1 - pct)).quantize(tick, rounding=ROUND_HALF_UP), tick)
    return float(down), float(up)


def check_price(market: str, code: str, price: float, yesterday_close: float | None = None, name: str = "",
                day: date | None = None) -> float:
    """Tick and daily-limit check; returns the price snapped onto the tick grid."""
    price = snap_price(market, code, price)
    if yesterday_close and yesterday_close > 0:
        down, up = price_limits(market, code, name, yesterday_close, day)
        pct = round(limit_pct(market, code, name, day) * 100)
        d = 3 if is_fund(market, code) else 2
        why = f"yesterday's close {yesterday_close:.{d}f}, {pct}% band"
        key = _key(market, code)
        if price > up:
            raise OrderRejected(f"{key}: price {price:.{d}f} above today's limit {up:.{d}f} (limit-up; {why})")
        if price < down:
            raise OrderRejected(f"{key}: price {price:.{d}f} below today's limit {down:.{d}f} (limit-down; {why})")
    return price


def check_sellable(market: str, code: str, num: int, sellable: int, held: int | None = None) -> None:
    """T+1: at most ``sellable`` shares; ``held`` (the whole holding) names the part bought today."""
    key = _key(market, code)
    if held is not None and held <= 0:
        raise OrderRejected(f"{key}: no position to sell, asked {num}")
    if num > sellable:
        locked = held - sellable if held is not None and held > sellable else 0
        t1 = f"; {locked} bought today become sellable on the next trading day" if locked else ""
        raise OrderRejected(f"{key}: only {sellable} shares sellable today (T+1), asked {num}{t1}")


def check_cash(market: str, code: str, price: float, num: int, cash: float, fees: Fees = DEFAULT_FEES) -> None:
    cost = fees.buy_cost(price, num, market, code)
    if cost > cash + 1e-9:
        d = 3 if is_fund(market, code) else 2
        raise OrderRejected(f"{_key(market, code)}: not enough cash: need {cost:,.2f}, have {cash:,.2f} "
                            f"({num} shares at {price:.{d}f} with fees)")


def check_order(side: Side | str, market: str, code: str, price: float, num: int, *, name: str = "",
                yesterday_close: float | None = None, cash: float | None = None, sellable: int | None = None,
                held: int | None = None, fees: Fees = DEFAULT_FEES, day: date | None = None) -> None:
    """Every pre-trade check, in the order a trader would think of them; raises ``OrderRejected``.

    ``price`` in yuan (tick-checked; float noise such as ``11.110000000000001`` passes, see
    :func:`snap_price` for the price to send). ``yesterday_close`` and ``name`` give the daily limits
    (skipped when the close is unknown); ``day`` is the trading day (for the ST band change). ``cash``
    (buys, fees included) and ``sellable`` (sells, T+1) are checked when given; ``held`` is the whole
    holding, so a reason can say how much of it was bought today.
    """
    side = Side(side)
    check_tradable(market, code)
    if side is Side.SELL and sellable is not None:
        check_sellable(market, code, num, sellable, held)
    check_quantity(side, market, code, num, sellable)
    price = check_price(market, code, price, yesterday_close, name, day)
    if side is Side.BUY and cash is not None:
        check_cash(market, code, price, int(num), cash, fees)


# ---------------------------------------------------------------------------------------------- sizing
def sell_quantity(market: str, code: str, num: float, sellable: int) -> int:
    """How many of ``sellable`` shares a sell of ``num`` (``inf`` = all) sends, as Hikyuu's ``order``.

    Rounded down to a valid quantity; when what would stay behind is below a lot, the whole sellable
    holding goes (an odd lot left alone can only be sold whole later anyway).
    """
    if sellable <= 0 or not num > 0:
        return 0
    if num >= sellable:
        return sellable
    lot, step = min_lot(market, code), lot_step(market, code)
    qty = int(num)
    qty -= qty % step
    if qty < lot:
        return 0
    return sellable if sellable - qty < lot else qty


def order_quantity(market: str, code: str, num: float, sellable: int = 0) -> int:
    """Hikyuu's ``order(stock, num)`` done right: a signed quantity (+ buy, - sell, 0 nothing).

    ``num > 0`` buys ``num`` rounded down to a lot (0 below the minimum); ``num < 0`` sells
    :func:`sell_quantity` of ``-num``; ``-inf`` (Hikyuu's ``-MAX_DOUBLE``) sells everything sellable.
    """
    if num > 0:
        return round_lot(market, code, num)
    if num < 0:
        return -sell_quantity(market, code, -num, sellable)
    return 0


def order_value_quantity(market: str, code: str, value: float, price: float, *, cash: float | None = None,
                         sellable: int = 0, fees: Fees | None = None) -> int:
    """Hikyuu's ``order_value(stock, value)``: signed quantity worth ``value`` yuan at ``price``.

    A buy spends at most ``min(value, cash)`` including fees, stepping down from the best estimate until
    it fits; a negative value sells ``-value / price`` shares through :func:`sell_quantity`.
    """
    if not price > 0 or value == 0:
        return 0
    if value < 0:
        return -sell_quantity(market, code, math.floor(-value / price), sellable)
    fees = fees or DEFAULT_FEES
    budget = value if cash is None else min(value, cash)
    rates = fees.commission_rate + fees.transfer_fee
    qty = round_lot(market, code, budget / (price * (1 + rates)))
    step = lot_step(market, code)
    while qty > 0 and fees.buy_cost(price, qty, market, code) > budget:
        qty = round_lot(market, code, qty - step)
    return qty
