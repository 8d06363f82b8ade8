"""Names, listings and delistings (the original's ``import_stock_name``): the day's list of securities
(a TDX install's name files or the TDX network's security lists) against the stored ``Stock`` rows.

As the original: a stored stock whose name changed gets the new name; one that is listed again becomes
valid (end date open); a new code of a wanted type gets a row dated today (the bar import moves its start
date to its first bar); a stored stock missing from its market's list is marked invalid (delisted).

Beyond the original: a list that holds less than half of a market's valid stored stocks is taken as a
broken list (a half-written file, a server that pages short), and then nothing of that market is marked
delisted; the report says so. Pure logic over records; the importer reads and saves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hikyuu_live.model.codes import StockType, classify
from hikyuu_live.store.baseinfo import END_DATE_OPEN, HKU_TYPE, StockRecord

#: a market's list must hold at least this share of its valid stored stocks to delist anything
MIN_LIST_SHARE = 0.5


@dataclass(slots=True)
class NameChanges:
    records: list[StockRecord] = field(default_factory=list)
    renamed: int = 0
    listed: int = 0  # new rows
    relisted: int = 0
    delisted: int = 0
    refused: list[str] = field(default_factory=list)  # markets whose list was too short to delist by


def apply_names(stored: list[StockRecord], market: str, listed: dict[str, str], types: frozenset[StockType],
                today: int, codes: frozenset[str] | None = None) -> NameChanges:
    """Changes of ``market``'s rows from its ``listed`` code -> name; see the module docstring."""
    out = NameChanges()
    mine = {s.code: s for s in stored if s.market == market}
    valid = [s for s in mine.values() if s.valid]
    can_delist = len(listed) >= MIN_LIST_SHARE * len(valid)
    if not can_delist:
        out.refused.append(market)
    for code, old in mine.items():
        name = listed.get(code)
        if name is None:
            if old.valid and can_delist:
                out.records.append(StockRecord(market, code, old.name, old.type, False, old.start_date,
                                               old.end_date))
                out.delisted += 1
            continue
        if name != old.name or not old.valid:
            out.renamed += name != old.name
            out.relisted += not old.valid
            out.records.append(StockRecord(market, code, name, old.type, True, old.start_date, END_DATE_OPEN))
    for code, name in listed.items():
        kind = classify(market, code)
        if code in mine or kind not in types or kind not in HKU_TYPE:
            continue
        if codes is not None and market + code not in codes:
            continue
        out.records.append(StockRecord(market, code, name, HKU_TYPE[kind], True, today))
        out.listed += 1
    return out
