"""Base information in Hikyuu's terms: markets, stock types, code rules, stocks, weights (pure data).

Every store writes these same rows into its own tables (SQLite ``stock.db``, MySQL and ClickHouse
``hku_base``) so that Hikyuu's C++ core finds what it needs: without ``Market`` rows every stock is
invalid, without ``StockTypeInfo`` rows there are no stocks.

Stock type numbers are Hikyuu's (``STOCKTYPE``): 1 A share, 2 index, 3 B share, 4 fund, 5 ETF, 6 national
debt, 7 other bond, 8 ChiNext, 9 STAR, 11 Beijing. Our ``StockType`` maps onto them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

from hikyuu_live.model.codes import CODE_RULES, StockType, classify

MARKETS = ("SH", "SZ", "BJ")
END_DATE_OPEN = 99999999  # Hikyuu's endDate of a listed stock

#: our type -> Hikyuu's stock type number
HKU_TYPE: dict[StockType, int] = {
    StockType.A: 1, StockType.INDEX: 2, StockType.B: 3, StockType.FUND: 4, StockType.ETF: 5,
    StockType.BOND: 7, StockType.GEM: 8, StockType.STAR: 9, StockType.BJ: 11,
}
TYPE_OF_HKU = {v: k for k, v in HKU_TYPE.items()}

#: which security classes the ``[quotation]`` switches of importdata-gui.ini select
QUOTATION_TYPES: dict[str, frozenset[StockType]] = {
    "stock": frozenset({StockType.A, StockType.INDEX, StockType.B, StockType.GEM, StockType.STAR, StockType.BJ}),
    "fund": frozenset({StockType.FUND, StockType.ETF}),
}


@dataclass(frozen=True, slots=True)
class MarketRecord:
    market: str
    name: str
    description: str
    code: str  # the market's index (its last day bar dates the market)
    last_date: int  # YYYYMMDD
    open_time1: int = 930
    close_time1: int = 1130
    open_time2: int = 1300
    close_time2: int = 1500


MARKET_ROWS = (
    MarketRecord("SH", "上海证券交易所", "上海市场", "000001", 19901219),
    MarketRecord("SZ", "深圳证券交易所", "深圳市场", "399001", 19901219),
    MarketRecord("BJ", "北京证券交易所", "北京市场", "899050", 19901219),
)
MARKET_ID = {m.market: i + 1 for i, m in enumerate(MARKET_ROWS)}  # Hikyuu's marketid: SH=1, SZ=2, BJ=3


@dataclass(frozen=True, slots=True)
class StockTypeRecord:
    type: int
    description: str
    tick: float
    tick_value: float
    precision: int
    min_trade: int
    max_trade: int


STOCK_TYPE_ROWS = (
    StockTypeRecord(0, "Block", 100, 100, 2, 100, 1000000),
    StockTypeRecord(1, "A股", 0.01, 0.01, 2, 100, 1000000),
    StockTypeRecord(2, "指数", 0.001, 0.001, 3, 1, 1000000),
    StockTypeRecord(3, "B股", 0.001, 0.001, 3, 100, 1000000),
    StockTypeRecord(4, "基金（不含ETF）", 0.001, 0.001, 3, 100, 1000000),
    StockTypeRecord(5, "ETF", 0.001, 0.001, 3, 100, 1000000),
    StockTypeRecord(6, "国债", 0.01, 0.01, 2, 10, 10000),
    StockTypeRecord(7, "其他债券", 0.01, 0.01, 2, 10, 10000),
    StockTypeRecord(8, "创业板", 0.01, 0.01, 2, 100, 1000000),
    StockTypeRecord(9, "科创板", 0.01, 0.01, 2, 200, 1000000),
    StockTypeRecord(11, "北交所", 0.01, 0.01, 2, 100, 1000000),
)


def code_rule_rows() -> list[tuple[int, str, str, int, str]]:
    """``CodeRuleType`` rows (id, market, prefix, Hikyuu type, description) from our code rules."""
    rows: list[tuple[int, str, str, int, str]] = []
    for market, rules in CODE_RULES.items():
        for prefix, kind in rules:
            if kind in HKU_TYPE:
                rows.append((len(rows) + 1, market, prefix, HKU_TYPE[kind], f"{market} {kind.value}"))
    return rows


@dataclass(frozen=True, slots=True)
class StockRecord:
    """One row of Hikyuu's ``Stock`` table; ``start_date``/``end_date`` are ``YYYYMMDD``."""

    market: str
    code: str
    name: str
    type: int
    valid: bool = True
    start_date: int = 0
    end_date: int = END_DATE_OPEN

    @property
    def market_code(self) -> str:
        return self.market + self.code


def hku_type(market: str, code: str) -> int | None:
    """Hikyuu's stock type number of a code, None when our code rules do not know it."""
    return HKU_TYPE.get(classify(market, code))


def merge_stock(old: StockRecord | None, new: StockRecord) -> StockRecord:
    """``new`` over ``old``: the earlier start date wins, a known name is not blanked."""
    if old is None:
        return new
    start = min(d for d in (old.start_date, new.start_date) if d) if (old.start_date or new.start_date) else 0
    return StockRecord(new.market, new.code, new.name or old.name, new.type, new.valid, start, new.end_date)


#: Hikyuu's ``stkWeight`` columns after ``date`` (integers, scaled as Hikyuu stores them)
WEIGHT_FIELDS = ("countAsGift", "countForSell", "priceForSell", "bonus", "countOfIncreasement", "totalCount",
                 "freeCount", "suogu")


def ymd(d: date) -> int:
    return d.year * 10000 + d.month * 100 + d.day


def from_ymd(n: int) -> date:
    return date(n // 10000, n // 100 % 100, n % 100)


@cache
def history_finance_fields() -> tuple[str, ...]:
    """Hikyuu's ``HistoryFinanceField`` names, field 1 first (shipped beside this module)."""
    text = resources.files(__package__).joinpath("history_finance_fields.txt").read_text(encoding="utf-8")
    return tuple(line for line in text.splitlines() if line and not line.startswith("#"))
