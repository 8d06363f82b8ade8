"""The daily price-limit table: which band applies to which stock on which trading day.

The bands are data, not code: ``price_limits.csv`` beside this module lists each rule with the first
trading day it applied (see its header), so an exchange's change is one new row. :class:`LimitTable`
reads it and answers two questions for a limit class (main, chinext, star, bj, fund, fund_20), whether
the name carries a risk warning, and the trading day:

- ``band``: the limit as a fraction of the reference price (yesterday's close);
- ``no_limit_days``: how many trading days a new listing trades without a band.

Names tell what the exchanges flag: ``ST``/``*ST`` is a risk warning; a new listing is named ``N...`` on
its first day and ``C...`` on days 2-5 of a registration-system listing (STAR, ChiNext, the main board
since 2023-04-10). :func:`listing_day` reads that prefix; :meth:`LimitTable.limit_pct` combines both.
Pure: the shipped table is read once from the package (``importlib.resources``), nothing else.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from importlib import resources

RULES = ("band", "no_limit_days")
LIMIT_CLASSES = ("main", "chinext", "star", "bj", "fund", "fund_20")


@dataclass(frozen=True, slots=True)
class LimitRule:
    """One row of the table; ``risk_warning`` None means the row covers both."""

    rule: str
    limit_class: str
    risk_warning: bool | None
    start: date
    value: float
    note: str = ""


def is_risk_warning(name: str) -> bool:
    """``ST``, ``*ST``, ``SST``, ``S*ST`` names: the exchanges' risk-warning marker."""
    return "ST" in name.upper()


def listing_day(name: str) -> int | None:
    """1 for a first-day name (``N华兴``), 2 for days 2-5 (``C华兴``), None otherwise.

    Only a Latin ``N``/``C`` followed by a non-ASCII character counts, so a name that merely starts
    with a Latin letter (``TCL科技``) is not taken for a new listing.
    """
    if len(name) >= 2 and name[0] in "NC" and not name[1].isascii():
        return 1 if name[0] == "N" else 2
    return None


class LimitTable:
    """Dated limit rules; see the module docstring. Build with :meth:`shipped` or :meth:`parse`."""

    def __init__(self, rules: Iterable[LimitRule]) -> None:
        # specific rows (risk_warning 0/1) after "*" rows of the same day: the last match wins
        self.rules = tuple(sorted(rules, key=lambda r: (r.start, r.risk_warning is not None)))

    def __repr__(self) -> str:
        return f"LimitTable({len(self.rules)} rules)"

    @classmethod
    def shipped(cls) -> LimitTable:
        """The table shipped with hikyuu_live (``price_limits.csv``), read once."""
        return _shipped()

    @classmethod
    def parse(cls, text: str, source: str = "<limits>") -> LimitTable:
        """Rows of ``text`` (the CSV format of ``price_limits.csv``); ValueError naming the bad line."""
        lines = [(n, line) for n, line in enumerate(text.splitlines(), 1)
                 if line.strip() and not line.lstrip().startswith("#")]
        if not lines:
            raise ValueError(f"{source}: no rows")
        reader = csv.DictReader([line for _, line in lines])
        rules = []
        for (n, _), row in zip(lines[1:], reader, strict=True):
            try:
                rules.append(_rule(row))
            except (KeyError, TypeError, ValueError) as e:
                raise ValueError(f"{source} line {n}: {e}") from None
        return cls(rules)

    def _lookup(self, rule: str, limit_class: str, risk_warning: bool, day: date | None) -> LimitRule | None:
        found = None
        for r in self.rules:
            if r.rule != rule or r.limit_class != limit_class or r.risk_warning not in (None, risk_warning):
                continue
            if day is not None and r.start > day:
                break
            found = r
        return found

    def band(self, limit_class: str, risk_warning: bool, day: date | None = None) -> float:
        """The band as a fraction (0.10) on ``day`` (None: the newest rule); the earliest rule before it."""
        r = self._lookup("band", limit_class, risk_warning, day) or self._lookup("band", limit_class, risk_warning,
                                                                               date.max)
        if r is None:
            raise ValueError(f"no price-limit band for class {limit_class!r} in {self!r}")
        return r.value / 100.0

    def no_limit_days(self, limit_class: str, day: date | None = None) -> int:
        """Trading days a new listing of this class trades without a band (0: none)."""
        r = self._lookup("no_limit_days", limit_class, False, day)
        return int(r.value) if r is not None else 0

    def limit_pct(self, limit_class: str, name: str = "", day: date | None = None) -> float | None:
        """Today's band for a stock of ``limit_class`` named ``name``; None on a new listing's no-limit day."""
        first = listing_day(name)
        if first is not None and self.no_limit_days(limit_class, day) >= first:
            return None
        return self.band(limit_class, is_risk_warning(name), day)


def _rule(row: dict[str, str]) -> LimitRule:
    rule, cls, rw = row["rule"].strip(), row["class"].strip(), row["risk_warning"].strip()
    if rule not in RULES:
        raise ValueError(f"rule {rule!r} is not one of {', '.join(RULES)}")
    if cls not in LIMIT_CLASSES:
        raise ValueError(f"class {cls!r} is not one of {', '.join(LIMIT_CLASSES)}")
    if rw not in ("0", "1", "*"):
        raise ValueError(f"risk_warning must be 0, 1 or *, got {rw!r}")
    value = float(row["value"])
    if not 0 <= value <= 1000:
        raise ValueError(f"value {value} out of range")
    return LimitRule(rule, cls, None if rw == "*" else rw == "1", date.fromisoformat(row["from"].strip()), value,
                     (row.get("note") or "").strip())


@functools.cache
def _shipped() -> LimitTable:
    text = resources.files("hikyuu_live.strategy").joinpath("price_limits.csv").read_text(encoding="utf-8")
    return LimitTable.parse(text, "price_limits.csv")
