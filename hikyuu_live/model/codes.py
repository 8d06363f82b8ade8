"""A-share code rules: which board or product a code is, by market and prefix (longest prefix wins).

The rules are the exchanges' numbering (the same facts Hikyuu seeds into its ``CodeRuleType`` table):
SH 60x main board, 688/689 STAR, 000 indices, 5x funds and ETFs, 900 B shares, 11/12 bonds, 880 TDX board
indices; SZ 00x main board, 30x ChiNext, 399 indices, 159 ETFs, 16 LOFs, 18 funds, 20 B shares, 12 bonds;
BJ 43/83/87/88/92 shares, 899 indices.

``universe()`` is what collectors poll: the store's valid stocks when a store is given, else the list
shipped in ``codes_a.csv``: real listed codes with their real names, built by ``scripts/make_codes.py``
from a real code list, whose first line says the date it describes (``shipped_codes_date()``). It keeps
the collectors and demos working before any import; the current universe comes from ``importdata``.
"""

from __future__ import annotations

import csv
import enum
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Protocol


class StockType(enum.StrEnum):
    A = "A"
    STAR = "STAR"
    GEM = "GEM"
    BJ = "BJ"
    INDEX = "INDEX"
    ETF = "ETF"
    FUND = "FUND"
    B = "B"
    BOND = "BOND"
    OTHER = "OTHER"


#: market -> [(prefix, type)], checked longest prefix first
CODE_RULES: dict[str, list[tuple[str, StockType]]] = {
    "SH": [("000", StockType.INDEX), ("60", StockType.A), ("688", StockType.STAR), ("689", StockType.STAR),
           ("51", StockType.ETF), ("56", StockType.ETF), ("58", StockType.ETF), ("52", StockType.ETF),
           ("50", StockType.FUND), ("900", StockType.B), ("11", StockType.BOND), ("10", StockType.BOND),
           ("12", StockType.BOND), ("880", StockType.INDEX)],
    "SZ": [("00", StockType.A), ("30", StockType.GEM), ("399", StockType.INDEX), ("159", StockType.ETF),
           ("16", StockType.FUND), ("18", StockType.FUND), ("20", StockType.B), ("12", StockType.BOND)],
    "BJ": [("43", StockType.BJ), ("83", StockType.BJ), ("87", StockType.BJ), ("88", StockType.BJ),
           ("92", StockType.BJ), ("899", StockType.INDEX)],
}
_SORTED = {m: sorted(rules, key=lambda r: -len(r[0])) for m, rules in CODE_RULES.items()}

#: what collectors publish: shares of every board, indices and ETFs (the original left ETFs out for qq)
COLLECTED_TYPES = frozenset({StockType.A, StockType.STAR, StockType.GEM, StockType.BJ, StockType.INDEX,
                             StockType.ETF})
#: funds and ETFs quote in 0.001 yuan, everything else in 0.01
FUND_TYPES = frozenset({StockType.ETF, StockType.FUND})


def classify(market: str, code: str) -> StockType:
    for prefix, kind in _SORTED.get(market.upper(), ()):
        if code.startswith(prefix):
            return kind
    return StockType.OTHER


def share_market(code: str) -> str | None:
    """The exchange of a listed company's code by the exchanges' numbering, for lists that carry no market
    (finance files, board members): Shanghai 6xxxxx and B shares 900xxx; Shenzhen 0xxxxx, 2xxxxx (B) and
    3xxxxx; Beijing 4xxxxx, 8xxxxx and 920xxx. None for anything else."""
    if not (len(code) == 6 and code.isdigit()):
        return None
    if code.startswith(("6", "900")):
        return "SH"
    if code.startswith(("0", "2", "3")):
        return "SZ"
    if code.startswith(("4", "8", "92")):
        return "BJ"
    return None


def price_tick(market: str, code: str) -> float:
    return 0.001 if classify(market, code) in FUND_TYPES else 0.01


@dataclass(frozen=True, slots=True)
class CodeInfo:
    market: str
    code: str
    name: str
    type: StockType

    @property
    def market_code(self) -> str:
        return self.market + self.code


class BaseInfoSource(Protocol):
    """What a store offers for the universe (``hikyuu_live.store`` implements it)."""

    def stocks(self) -> list[tuple[str, str, str, bool]]:
        """(market, code, name, valid) of every stock in the base info."""
        ...


def _shipped_text() -> str:
    return resources.files("hikyuu_live.model").joinpath("codes_a.csv").read_text(encoding="utf-8")


def shipped_codes() -> list[CodeInfo]:
    rows = csv.DictReader(line for line in _shipped_text().splitlines() if not line.startswith("#"))
    return [CodeInfo(r["market"], r["code"], r["name"], classify(r["market"], r["code"])) for r in rows]


def shipped_codes_date() -> date | None:
    """The date the shipped list describes (its first line ``# describes YYYY-MM-DD; ...``)."""
    first = _shipped_text().split("\n", 1)[0]
    if first.startswith("# describes "):
        try:
            return date.fromisoformat(first.removeprefix("# describes ")[:10])
        except ValueError:
            return None
    return None


def universe(store: BaseInfoSource | None = None, types: frozenset[StockType] = COLLECTED_TYPES) -> list[CodeInfo]:
    """Codes to collect: the store's valid stocks of ``types`` if a store is given, else the shipped list."""
    if store is not None:
        infos = [CodeInfo(m.upper(), c, n, classify(m, c)) for m, c, n, valid in store.stocks() if valid]
    else:
        infos = shipped_codes()
    return [i for i in infos if i.type in types]
