"""The importer: bar source -> validation -> store, written once for every source and store.

For each market and type (day first, so base info learns start dates) the importer asks the store for
the newest stored bar of every stock, asks the source for what comes after it, keeps the bars after
that datetime (or from the configured start date), quarantines bad bars (``validate``) and appends the
rest. Nothing stops because one stock is bad: a stock the source cannot read is reported and skipped.

Resumable: the store commits every ``commit_every_s`` seconds and at the end of each market and type
(base info first, then bars), and the next run starts from the newest stored bar, so a run killed at any
moment (``kill -9`` included) loses only the uncommitted part and continues with no duplicates and no
gaps. ``stop`` (Ctrl-C, SIGTERM) ends the run between two stocks with a last commit.

Names, listings and delistings come first, from the source's list of the day (``names(market)``: the
TDX network's security lists, or a TDX install's name files given as ``names``; see ``data.names``).
Base info then comes from what is imported plus the code rules: each stock gets its Hikyuu type, a name
(the day's list, else kept from the store, else the shipped code list), ``valid`` and its first day as
start date; each
market's ``lastDate`` is its index's newest day bar; holidays come from the list shipped in the package.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

import numpy as np

from hikyuu_live.clock import EXCHANGE_TZ, Clock, LiveClock
from hikyuu_live.data.kinds import KindReport
from hikyuu_live.data.names import apply_names
from hikyuu_live.errors import HikyuuLiveError, SourceUnavailable
from hikyuu_live.model.calendar import TradingCalendar
from hikyuu_live.model.codes import StockType, classify, shipped_codes
from hikyuu_live.model.kdata import KType
from hikyuu_live.model.validate import Quarantine, split_valid
from hikyuu_live.store.base import KDataStore
from hikyuu_live.store.baseinfo import HKU_TYPE, MARKET_ROWS, MARKETS, QUOTATION_TYPES, StockRecord, ymd
from hikyuu_live.tdx.base import BarSource, ImportJob

log = logging.getLogger(__name__)


class NameSource(Protocol):
    """The day's list of a market (code -> name); None when this source has none for ``market``."""

    def names(self, market: str) -> dict[str, str] | None: ...

KTYPES = (KType.DAY, KType.MIN, KType.MIN5)
DEFAULT_SINCE = {KType.DAY: date(1990, 12, 19), KType.MIN: date(2023, 9, 19), KType.MIN5: date(2023, 9, 19)}


@dataclass(frozen=True, slots=True)
class ImportOptions:
    ktypes: tuple[KType, ...] = KTYPES
    markets: tuple[str, ...] = MARKETS
    types: frozenset[StockType] = QUOTATION_TYPES["stock"] | QUOTATION_TYPES["fund"]
    codes: frozenset[str] | None = None  # market codes ("SH600000"); None = all
    since: dict[KType, date] = field(default_factory=lambda: dict(DEFAULT_SINCE))
    dry_run: bool = False  # read and validate, write nothing
    commit_every_s: float = 60.0
    names: bool = True  # names, listings and delistings from the source's list first (``data.names``)


@dataclass(frozen=True, slots=True)
class Progress:
    market: str
    ktype: KType
    done: int
    total: int


@dataclass(slots=True)
class UnitReport:
    """One market and type."""

    market: str
    ktype: KType
    stocks: int = 0
    done: int = 0
    rows: int = 0
    rejected: int = 0
    up_to_date: int = 0
    ignored: int = 0  # codes of the source outside the wanted types or codes
    failed: list[tuple[str, str]] = field(default_factory=list)
    elapsed_s: float = 0.0


@dataclass(slots=True)
class ImportReport:
    units: list[UnitReport] = field(default_factory=list)
    quarantine: Quarantine = field(default_factory=Quarantine)
    stocks_saved: int = 0
    holidays_added: int = 0
    names: KindReport | None = None
    interrupted: bool = False
    elapsed_s: float = 0.0

    @property
    def rows(self) -> int:
        return sum(u.rows for u in self.units)

    @property
    def failed(self) -> int:
        return sum(len(u.failed) for u in self.units)


class Importer:
    """See the module docstring."""

    def __init__(self, store: KDataStore, source: BarSource, options: ImportOptions | None = None, *,
                 clock: Clock | None = None, on_progress: Callable[[Progress], None] | None = None,
                 stop: threading.Event | None = None, names: NameSource | None = None) -> None:
        self.store = store
        self.source = source
        self.name_source: NameSource | None = names or (source if callable(getattr(source, "names", None))
                                                         else None)  # type: ignore[assignment]
        self.options = options or ImportOptions()
        self.clock = clock or LiveClock()
        self.on_progress = on_progress
        self.stop = stop or threading.Event()
        self.report = ImportReport()
        self._names = {c.market_code: c.name for c in shipped_codes()}
        self._stocks: dict[str, StockRecord] = {}  # to save at the next commit
        self._known: dict[str, StockRecord] = {}  # as stored
        self._no_start: set[str] = set()  # stored bars but no Stock row (stock.db lost): find the first day
        self._newest: dict[str, np.datetime64] = {}  # code -> newest stored bar, in the unit being imported
        self._last_commit = time.monotonic()
        self._named: set[str] = set()  # markets whose names were imported
        self._changed_names = 0

    # ------------------------------------------------------------------ run
    def run(self) -> ImportReport:
        t0 = time.monotonic()
        self.store.open()
        if not self.options.dry_run:
            self.report.holidays_added = self.store.save_holidays(TradingCalendar.shipped().holidays)
        self._known = {s.market_code: s for s in self.store.stock_records()}
        if self.options.names and self.name_source is not None and not self.options.ktypes:
            for market in self.options.markets:
                self._import_names(self.name_source, market)
        for ktype in self.options.ktypes:
            for market in self.options.markets:
                if self.stop.is_set():
                    self.report.interrupted = True
                    break
                self.report.units.append(self._unit(market, ktype))
        self.report.interrupted |= self.stop.is_set()
        self.report.elapsed_s = time.monotonic() - t0
        return self.report

    def _import_names(self, source: NameSource, market: str) -> None:
        """One market's names, listings and delistings, before its first bars (so a network source reads
        each market's list once, when that market's import begins)."""
        self._named.add(market)
        rep = self.report.names = self.report.names or KindReport("names")
        t0 = time.monotonic()
        today = ymd(now_naive(self.clock).date())
        try:
            listed = source.names(market)
        except HikyuuLiveError as e:
            if isinstance(e, SourceUnavailable) and source is self.source:
                raise  # the bar source itself is unreachable: reported once, by the import as a whole
            rep.failed.append((market, str(e)))
            log.warning("names of %s: %s", market, e)
            return
        if listed is None:
            rep.skip(f"no list of {market} (name file missing)")
            return
        self._names.update({market + c: n for c, n in listed.items()})
        ch = apply_names(list(self._known.values()), market, listed, self.options.types, today, self.options.codes)
        rep.stocks += len(listed)
        rep.updated += ch.renamed + ch.relisted
        rep.rows += ch.listed
        if ch.delisted:
            rep.skipped[f"{market}: marked delisted (valid = 0)"] = ch.delisted
        for m in ch.refused:
            rep.skip(f"{m}: list shorter than half the stored stocks: none marked delisted")
        bad = getattr(source, "bad", None)  # records a name file could not give (LocalNames)
        if isinstance(bad, dict):
            for key, reason in bad.get(market, []):
                rep.reject(f"{market}:{key}", "name file", reason)
        if ch.records and not self.options.dry_run:
            self.store.save_stocks(ch.records)
            self.store.commit()
            for r in ch.records:
                self._known[r.market_code] = r
        self._changed_names += len(ch.records)
        rep.note = f"{self._changed_names} stock rows changed" + (" (dry run)" if self.options.dry_run else "")
        rep.elapsed_s += time.monotonic() - t0

    def _wanted(self, market: str, code: str) -> bool:
        if self.options.codes is not None and market + code not in self.options.codes:
            return False
        return classify(market, code) in self.options.types

    def _unit(self, market: str, ktype: KType) -> UnitReport:
        if self.options.names and self.name_source is not None and market not in self._named:
            self._import_names(self.name_source, market)
        t0 = time.monotonic()
        unit = UnitReport(market, ktype)
        listed = self.source.list_codes(market, ktype)
        codes = [c for c in listed if self._wanted(market, c)]
        unit.stocks, unit.ignored = len(codes), len(listed) - len(codes)
        last = self.store.last_datetimes(market, ktype)
        self._newest = dict(last)
        self._repair_stocks(market, ktype, last)
        last_bars = {}
        if self.source.wants_last_bar and last:
            found = self.store.read_last_n([market + c for c in codes if c in last], ktype, 1)
            last_bars = {k[2:]: v[0] for k, v in found.items() if len(v)}
        until = np.datetime64(now_naive(self.clock), "us")
        since = np.datetime64(self.options.since.get(ktype, DEFAULT_SINCE[ktype]), "us")

        def jobs() -> Iterator[ImportJob]:
            for c in codes:
                if self.stop.is_set():
                    return
                yield ImportJob(market, c, ktype, since, until, last.get(c), last_bars.get(c))

        self._emit(unit)
        with self.store.batch():
            for res in self.source.fetch(jobs()):
                self._one(unit, res.job, res.bars, res.error, until)
                unit.done += 1
                self._emit(unit)
                if time.monotonic() - self._last_commit >= self.options.commit_every_s:
                    self._commit()
                if self.stop.is_set():
                    break
            self._commit()
        if ktype is KType.DAY and not self.options.dry_run:
            self._market_last_date(market)
        unit.elapsed_s = time.monotonic() - t0
        self._emit(unit)
        log.info("import market=%s ktype=%s stocks=%d rows=%d rejected=%d failed=%d up_to_date=%d elapsed=%.1fs",
                 market, ktype.value, unit.stocks, unit.rows, unit.rejected, len(unit.failed), unit.up_to_date,
                 unit.elapsed_s)
        return unit

    def _one(self, unit: UnitReport, job: ImportJob, bars: np.ndarray, error: str | None,
             until: np.datetime64) -> None:
        mc = job.market_code
        if error is not None:
            unit.failed.append((mc, error))
            log.warning("%s %s: %s", mc, job.ktype.value, error)
            return
        dt = bars["datetime"]
        keep = dt > job.after if job.after is not None else ~(dt < job.since)  # NaT stays: quarantined
        bars = bars[keep]
        if not len(bars):
            unit.up_to_date += 1
            return
        good, reasons = split_valid(bars, job.ktype, until)
        rejected = len(bars) - len(good)
        if rejected:
            unit.rejected += rejected
            self.report.quarantine.add(mc, job.ktype, bars, reasons)
        if not len(good) or self.options.dry_run:
            return
        try:
            stored = self.store.append(mc, job.ktype, good)
        except ValueError as e:  # the validator should have caught it: report, keep going
            unit.failed.append((mc, str(e)))
            log.error("%s %s: not stored: %s", mc, job.ktype.value, e)
            return
        unit.rows += stored
        if stored:
            self._newest[job.code] = good["datetime"][-1]
        self._note_stock(job, good)

    def _repair_stocks(self, market: str, ktype: KType, last: dict[str, np.datetime64]) -> None:
        """Stocks with stored bars but no ``Stock`` row (a store that writes at once, like MySQL, killed
        before the importer's commit; or a lost ``stock.db``) get one now."""
        for code in last:
            mc = market + code
            if mc in self._known or mc in self._stocks or classify(market, code) not in HKU_TYPE:
                continue
            self._stocks[mc] = StockRecord(market, code, self._names.get(mc, ""), HKU_TYPE[classify(market, code)])
            if ktype is KType.DAY:
                self._no_start.add(mc)

    def _note_stock(self, job: ImportJob, good: np.ndarray) -> None:
        mc = job.market_code
        kind = classify(job.market, job.code)
        start = 0
        if job.ktype is KType.DAY:
            if job.after is None:
                start = ymd(good["datetime"][0].astype("M8[D]").item())
            elif mc not in self._known:
                self._no_start.add(mc)
        old = self._stocks.get(mc) or self._known.get(mc)
        if old is not None and old.valid and (not start or (old.start_date and old.start_date <= start)):
            return
        name = (old.name if old is not None else "") or self._names.get(mc, "")
        self._stocks[mc] = StockRecord(job.market, job.code, name, HKU_TYPE[kind], True, start)

    # ------------------------------------------------------------------ commits and base info
    def _commit(self) -> None:
        for mc in sorted(self._no_start):
            first = self.store.read_range(mc, KType.DAY)
            if len(first) and mc in self._stocks:
                r = self._stocks[mc]
                self._stocks[mc] = StockRecord(r.market, r.code, r.name, r.type, True,
                                               ymd(first["datetime"][0].astype("M8[D]").item()))
        self._no_start.clear()
        if not self.options.dry_run and self._stocks:
            records = list(self._stocks.values())
            self.report.stocks_saved += self.store.save_stocks(records)
            for r in records:
                self._known[r.market_code] = r
            self._stocks.clear()
        if not self.options.dry_run:
            self.store.commit()
        self._last_commit = time.monotonic()

    def _market_last_date(self, market: str) -> None:
        """The market's last date: its index's newest day bar, else the newest of any stock. Known without
        reading the store again: the unit started from the stored last bars and noted every append."""
        index = next(m.code for m in MARKET_ROWS if m.market == market)
        last = self._newest.get(index)
        if last is None and self._newest:
            last = max(self._newest.values())
        if last is not None:
            self.store.set_market_last_date(market, last.astype("M8[D]").item())

    def _emit(self, unit: UnitReport) -> None:
        if self.on_progress is not None:
            self.on_progress(Progress(unit.market, unit.ktype, unit.done, unit.stocks))


def now_naive(clock: Clock) -> datetime:
    """The clock's time as naive exchange wall time (what bar datetimes are)."""
    return clock.now().astimezone(EXCHANGE_TZ).replace(tzinfo=None)
