"""``StrategyContext``: which stocks, bar types and history depths a strategy needs.

Like Hikyuu's: ``"ALL"`` (any case) means the whole universe, ktypes are validated, preload keys are
``<ktype>_max`` in lower case with positive values, and ``SH000001`` and ``SH000300`` are always
loaded. Unlike Hikyuu's, duplicates are really removed (its seen-set was never filled), bad codes and
ktypes raise ``ValueError`` with the offending value instead of a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from hikyuu_live.model.kdata import KType, parse_ktype

MUST_LOAD = ("SH000001", "SH000300")
DEFAULT_PRELOAD = 1000
_CODE = re.compile(r"^(SH|SZ|BJ)([0-9]{6})$")


def normalize_code(code: str) -> str:
    """``sh600000`` / ``600000.SH`` / ``SH600000`` -> ``SH600000``; ValueError for anything else."""
    text = str(code).strip().upper()
    if "." in text:
        num, _, market = text.partition(".")
        text = market + num
    if not _CODE.match(text):
        raise ValueError(f"not a stock code: {code!r} (expected e.g. sh600000, SZ000001 or 600000.SH)")
    return text


@dataclass(frozen=True, slots=True)
class Stock:
    """What ``on_change`` receives as ``stock``: Hikyuu's ``Stock`` attribute names."""

    market: str
    code: str
    name: str = ""

    @property
    def market_code(self) -> str:
        return self.market + self.code


@dataclass(frozen=True, slots=True)
class StrategyContext:
    """Stocks (``SH600000`` keys, or ``all_stocks``), ktypes and per-ktype preload depth."""

    stock_list: tuple[str, ...]
    ktype_list: tuple[KType, ...]
    preload_num: Mapping[str, int] = field(default_factory=dict)
    all_stocks: bool = False

    @classmethod
    def create(cls, stock_list: Iterable[str] = (), ktype_list: Iterable[str | KType] = (),
               preload_num: Mapping[str, int] | None = None) -> StrategyContext:
        stocks = [stock_list] if isinstance(stock_list, str) else list(stock_list)
        all_stocks = any(str(s).strip().upper() == "ALL" for s in stocks)
        codes = [] if all_stocks else [normalize_code(s) for s in stocks]
        codes = list(dict.fromkeys([*codes, *MUST_LOAD]))
        ktypes = tuple(dict.fromkeys(parse_ktype(k) for k in ktype_list)) or (KType.DAY,)
        preload: dict[str, int] = {}
        for key, value in (preload_num or {}).items():
            k = str(key).strip().lower()
            kt = parse_ktype(k.removesuffix("_max"))
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"preload_num[{key!r}] must be an integer >= 0 (0 = every bar), got {value!r}")
            preload[f"{kt.value.lower()}_max"] = value
        return cls(tuple(codes), ktypes, preload, all_stocks)

    def preload_for(self, ktype: KType, default: int = DEFAULT_PRELOAD) -> int:
        return self.preload_num.get(f"{ktype.value.lower()}_max", default)
