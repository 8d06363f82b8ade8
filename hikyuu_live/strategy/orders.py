"""A-share pre-trade checks and order sizing, shared by every broker (pure: no I/O, no clock).

Every broker runs these checks for every ``buy``/``sell`` before anything leaves the process, so a paper
fill and a real order obey the same rules. A failed check raises ``OrderRejected`` whose message names
the stock and says exactly why (``"SH688001: STAR orders need at least 200 shares, got 100"``,
``"SZ000001: price 11.27 above today's limit 11.00 ..."``, ``"SH600000: only 300 shares sellable today
(T+1), asked 500 ..."``, ``"SH600000: not enough cash: need 10,005.10, have 3,000.00 ..."``); the broker
turns it into an order with status ``rejected`` and that reason. :func:`check_terms` is the part that
needs no account (the broker runs it inside ``buy``/``sell``); :func:`check_order` adds T+1 and cash.

Rules (SSE/SZSE/BSE trading rules):

- **Numbers.** A price must be a finite number of yuan above zero and a quantity a positive whole number
  of shares: NaN, infinities, zero and negatives are refused with their value in the reason (price 0
  reaches these checks only as "at the live price", resolved by the broker first: a market order needs
  a live quote).
- **Quantity.** Main boards, ChiNext and funds/ETFs buy in lots of 100. STAR (688/689) buys at least 200
  shares, then any count in steps of 1; Beijing (BJ) at least 100, then steps of 1. A sell must be a
  valid buy quantity, except that an odd remainder (what is left below a lot) may only be sold whole:
  on lot-100 boards ``qty % 100`` must be 0 or equal ``sellable % 100``; on STAR/BJ a sell below the
  minimum must close the whole sellable holding. Limit orders are capped per order at 1,000,000 shares
  (main boards, BJ), 300,000 (ChiNext) and 100,000 (STAR).
- **Tick.** 0.01 yuan; 0.001 for funds/ETFs (``model.codes``: SZ 159/16/18, SH 50/51/52/56/58). A price
  within 1e-6 ticks of the grid (float noise such as ``11.110000000000001``) is snapped onto it, anything
  else is rejected, and so is a price below one tick (1e-9 would snap to 0.00).
- **Reference price.** Every order needs the day's reference price (yesterday's close, the exchanges'
  ex-rights reference on an ex-dividend day): without it the daily band cannot be checked, so the order
  is rejected rather than sent unchecked.
- **Daily limits** from the reference price, rounded half-up to the tick as the exchanges do, from the
  dated table ``price_limits.csv`` (:mod:`hikyuu_live.strategy.limits`; data, not code): 10% main board
  and funds, 20% ChiNext and STAR including their ST names, 30% BJ; main-board risk-warning names
  (``ST``/``*ST``) 5% until the exchanges' 2026-07-06 change to 10%; SZ 159 and SH 588/589 funds 20%
  because ChiNext/STAR ETFs share those prefixes with 10% ones and a pre-trade check must never refuse
  what the exchange accepts. The check follows the trading day it is given. A new listing trades without
  a band on its first days (``N`` name: day 1; ``C`` name: days 2-5; STAR, ChiNext and the main board
  since 2023-04-10: five days, BJ: the first day): then only the numbers, tick and reference are checked.
- **T+1.** Shares bought today are not sellable today (the reason names how many of the holding are
  locked). Applied to every product, ETFs included, although bond, gold, money-market and cross-border
  ETFs are T+0 at the exchange: the simple rule is safe (it can only refuse a same-day round trip) and
  needs no product table.
- **Cash**, fees included (:class:`Fees`, ``fees.py``).
- Indices, bonds, B shares and unknown codes are not tradable here (rejected with the reason).

Sizing helpers implement Hikyuu's ``order``/``order_value`` semantics with its fault fixed (Hikyuu
computed the lot rounding and then sent the unrounded number): :func:`round_lot`,
:func:`order_quantity` (signed result; ``-inf`` sells everything sellable), :func:`order_value_quantity`.
"""

from __future__ import annotations

import enum
import math
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from hikyuu_live.errors import OrderRejected
from hikyuu_live.model.codes import FUND_TYPES, StockType, classify
from hikyuu_live.model.codes import price_tick as price_tick  # one source for the tick; re-exported here
from hikyuu_live.strategy.fees import DEFAULT_FEES, FeeBreakdown, Fees
from hikyuu_live.strategy.limits import LimitTable

__all__ = ["DEFAULT_FEES", "Board", "FeeBreakdown", "Fees", "LimitTable", "Side", "board_of", "check_cash",
           "check_order", "check_price", "check_quantity", "check_reference", "check_sellable", "check_terms",
           "check_tradable", "is_fund", "limit_class", "limit_pct", "lot_step", "min_lot", "order_quantity",
           "order_value_quantity", "price_limits", "price_tick", "round_lot", "sell_quantity", "snap_price"]

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


# ---------------------------------------------------------------------------------------------- checks
def check_tradable(market: str, code: str) -> Board:
    board = board_of(market, code)
    if board is Board.UNTRADABLE:
        kind = classify(market.upper(), code)
        what = {StockType.INDEX: "an index", StockType.BOND: "a bond", StockType.B: "a B share"}.get(
            kind, "not a known A-share or fund code")
        raise OrderRejected(f"{_key(market, code)}: {what}; only A shares and funds/ETFs can be ordered here")
    return board


def _check_count(market: str, code: str, num: int) -> int:
    """A positive whole number of shares within the board's per-order cap."""
    board = check_tradable(market, code)
    key, label = _key(market, code), _BOARD_LABEL[board]
    ok = isinstance(num, int | float) and not isinstance(num, bool)
    if not (ok and math.isfinite(num) and num > 0 and num == int(num)):
        raise OrderRejected(f"{key}: quantity must be a positive whole number of shares, got {num}")
    count = int(num)
    cap = _MAX_ORDER.get(board)
    if cap is not None and count > cap:
        got = f"{count:,}" if count < 10**12 else f"{count:.3g}"
        raise OrderRejected(f"{key}: {label} orders are capped at {cap:,} shares, got {got}")
    return count


def check_quantity(side: Side | str, market: str, code: str, num: int, sellable: int | None = None) -> None:
    """Lot rules of the board; for sells ``sellable`` (T+1 quantity) decides whether an odd lot is allowed."""
    side = Side(side)
    num = _check_count(market, code, num)
    key, label = _key(market, code), _BOARD_LABEL[board_of(market, code)]
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
    """``price`` on the tick grid; ``OrderRejected`` for a non-number, a price off the grid by more than
    float noise, or one below a tick (which would otherwise snap to 0.00)."""
    key = _key(market, code)
    if isinstance(price, bool) or not isinstance(price, int | float) or not (math.isfinite(price) and price > 0):
        raise OrderRejected(f"{key}: price must be a positive number of yuan, got {price!r}")
    tick = Decimal("0.001") if is_fund(market, code) else Decimal("0.01")
    ticks = Decimal(repr(float(price))) / tick
    whole = ticks.to_integral_value(rounding=ROUND_HALF_UP)
    if whole < 1:
        raise OrderRejected(f"{key}: price {price!r} is below one tick ({tick} yuan)")
    if abs(ticks - whole) > _SNAP:
        raise OrderRejected(f"{key}: price {price} is not a multiple of the {tick} yuan tick")
    return float(whole * tick)


def limit_class(market: str, code: str) -> str:
    """The row class of ``price_limits.csv`` for a stock: main, chinext, star, bj, fund or fund_20."""
    board = check_tradable(market, code)
    if board is Board.FUND:
        wide = code.startswith("159") if market.upper() == "SZ" else code.startswith(("588", "589"))
        return "fund_20" if wide else "fund"
    return str(board)


def limit_pct(market: str, code: str, name: str = "", day: date | None = None,
              table: LimitTable | None = None) -> float | None:
    """The day's band as a fraction of the reference price; None on a new listing's no-limit day.

    ``name`` matters for risk-warning (``ST``) and new-listing (``N``/``C``) names, ``day`` (the trading
    day; None: the newest rules) for dated changes; ``table`` defaults to the shipped one.
    """
    return (table or LimitTable.shipped()).limit_pct(limit_class(market, code), name, day)


def price_limits(market: str, code: str, name: str, yesterday_close: float, day: date | None = None,
                 table: LimitTable | None = None) -> tuple[float, float] | None:
    """(limit-down, limit-up) in yuan, rounded half-up to the tick from the reference price (at least one
    tick); None when the stock trades without a band today (see :func:`limit_pct`)."""
    pct_f = limit_pct(market, code, name, day, table)
    if pct_f is None:
        return None
    tick = Decimal("0.001") if is_fund(market, code) else Decimal("0.01")
    pct = Decimal(repr(pct_f))
    base = Decimal(repr(float(yesterday_close)))
    up = (base * (1 + pct)).quantize(tick, rounding=ROUND_HALF_UP)
    down = max((base * (1 - pct)).quantize(tick, rounding=ROUND_HALF_UP), tick)
    return float(down), float(up)


def check_reference(market: str, code: str, yesterday_close: float | None) -> float:
    """The reference price (yesterday's close) as a positive number; ``OrderRejected`` when unknown."""
    if (isinstance(yesterday_close, int | float) and not isinstance(yesterday_close, bool)
            and math.isfinite(yesterday_close) and yesterday_close > 0):
        return float(yesterday_close)
    raise OrderRejected(f"{_key(market, code)}: no reference price (yesterday's close) known for today, "
                        f"got {yesterday_close!r}; the daily price limits cannot be checked, so the order "
                        f"is not sent")


def check_price(market: str, code: str, price: float, yesterday_close: float | None = None, name: str = "",
                day: date | None = None, table: LimitTable | None = None) -> float:
    """Number, tick, reference price and the day's band; returns the price snapped onto the tick grid."""
    price = snap_price(market, code, price)
    reference = check_reference(market, code, yesterday_close)
    limits = price_limits(market, code, name, reference, day, table)
    if limits is None:
        return price  # a new listing's no-limit day: nothing more to check
    down, up = limits
    pct = round(100 * (limit_pct(market, code, name, day, table) or 0.0))
    d = 3 if is_fund(market, code) else 2
    why = f"yesterday's close {reference:.{d}f}, {pct}% band"
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


def check_terms(side: Side | str, market: str, code: str, price: float, num: int, *, name: str = "",
                yesterday_close: float | None = None, day: date | None = None,
                table: LimitTable | None = None) -> float:
    """Every check that needs no account: tradable, quantity (a buy's lots; a sell's lot rule waits for its
    sellable count), numbers, tick, reference price and band. Returns the price to send (on the grid)."""
    side = Side(side)
    check_tradable(market, code)
    if side is Side.BUY:
        check_quantity(side, market, code, num)
    else:
        _check_count(market, code, num)
    return check_price(market, code, price, yesterday_close, name, day, table)


def check_order(side: Side | str, market: str, code: str, price: float, num: int, *, name: str = "",
                yesterday_close: float | None = None, cash: float | None = None, sellable: int | None = None,
                held: int | None = None, fees: Fees = DEFAULT_FEES, day: date | None = None,
                table: LimitTable | None = None) -> float:
    """Every pre-trade check, in the order a trader would think of them; raises ``OrderRejected``.

    ``price`` in yuan (see :func:`snap_price`); ``yesterday_close`` is the reference price (required) and
    ``name`` (ST, new listing) with ``day`` (the trading day) picks the band from ``table``. ``cash``
    (buys, fees included) and ``sellable`` (sells, T+1) are checked when given; ``held`` is the whole
    holding, so a reason can say how much of it was bought today. Returns the price to send.
    """
    side = Side(side)
    check_tradable(market, code)
    if side is Side.SELL and sellable is not None:
        _check_count(market, code, num)
        check_sellable(market, code, int(num), sellable, held)
    check_quantity(side, market, code, num, sellable)
    price = check_price(market, code, price, yesterday_close, name, day, table)
    if side is Side.BUY and cash is not None:
        check_cash(market, code, price, int(num), cash, fees)
    return price


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
