"""``BarSource`` over the TDX network (``tdx/base.py``): what ``importdata`` uses when ``[pytdx]`` is
the source.

On first use the configured hosts are probed and the agreeing servers ranked (``probe.py``); a
``ServerPool`` of ``use_tdx_number`` of them then fetches the importer's jobs in parallel, streaming
results back as they finish. Each result is judged in the worker before it is handed over: bars the
validator rejects, or a newest stored bar that the server's copy contradicts (the overlap check: its
prices differ by more than 2 %), send the job to a second server; a server proven wrong is dropped
(``pool.py``).

Differences from a plain fetch, all reported in the result's notes:
- a day bar dated on a trading day whose close has not passed yet (importing during trading hours) is
  left out: it is unfinished, would be stored as final, and would fail the overlap check tomorrow;
- a stock whose stored newest bar disagrees with the servers is not appended to (the result carries
  the reason as its error; run with the store's last bar removed, or another server, to repair).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np

from hikyuu_live.config import ImportIni
from hikyuu_live.errors import SourceUnavailable
from hikyuu_live.model.calendar import TradingCalendar
from hikyuu_live.model.codes import StockType, classify
from hikyuu_live.model.kdata import KType
from hikyuu_live.model.validate import REASONS, check_bars
from hikyuu_live.tdx.base import ImportJob, SourceResult
from hikyuu_live.tdx.network.hosts import TdxHost, configured_hosts
from hikyuu_live.tdx.network.jobs import BarsJob, BarsResult, SecurityListJob
from hikyuu_live.tdx.network.pool import Outcome, ServerPool
from hikyuu_live.tdx.network.probe import Reference, Selection, select_servers

log = logging.getLogger(__name__)

BARS_PER_DAY = {KType.DAY: 1, KType.MIN: 240, KType.MIN5: 48}
#: a day bar is final once the exchange has closed and TDX has settled it
DAY_FINAL_AT = time(15, 30)


@dataclass(frozen=True, kw_only=True, slots=True)
class NetworkOptions:
    use_tdx_number: int = 10
    timeout_s: float = 5.0
    probe_timeout_s: float = 1.0
    probe_budget_s: float | None = None
    max_attempts: int = 3
    reference: Reference = field(default_factory=Reference)
    queue_size: int = 64


@dataclass(slots=True)
class NetworkReport:
    """What the servers did, for the import summary."""

    selection: Selection | None = None
    dropped: list[tuple[TdxHost, str]] = field(default_factory=list)
    jobs: int = 0
    retried: int = 0
    requests: int = 0
    unfinished_day_bars: int = 0
    searches: int = 1
    gaps: list[str] = field(default_factory=list)  # stored history and the servers' do not meet

    def describe(self) -> str:
        if self.selection is None:
            return "TDX network: not used"
        lines = [self.selection.describe(), f"TDX network: {self.jobs} jobs, {self.requests} requests, "
                 f"{self.retried} asked again on another server"]
        if self.searches > 1:
            lines.append("  every server was dropped once; the servers were searched again")
        lines += [f"  dropped {h.label}: {why}" for h, why in self.dropped]
        for g in self.gaps[:20]:
            lines.append(f"  gap: {g}")
        if len(self.gaps) > 20:
            lines.append(f"  gap: ... {len(self.gaps) - 20} more")
        if self.unfinished_day_bars:
            lines.append(f"  {self.unfinished_day_bars} unfinished day bars of today left out (market not closed)")
        return "\n".join(lines)


class NetworkSource:
    """See the module docstring. ``hosts`` fastest-first is not required: they are probed and ranked."""

    name = "pytdx"
    wants_last_bar = True

    def __init__(self, hosts: list[TdxHost], options: NetworkOptions | None = None, *,
                 calendar: TradingCalendar | None = None) -> None:
        if not hosts:
            raise SourceUnavailable("no TDX hosts configured")
        self.hosts = hosts
        self.options = options or NetworkOptions()
        self.calendar = calendar or TradingCalendar.shipped()
        self.report = NetworkReport()
        self._holidays = np.array(sorted(self.calendar.holidays), dtype="M8[D]")  # paging estimates
        self._pool: ServerPool | None = None
        self._lists: dict[str, list[tuple[str, str, int, int]]] = {}
        self._lock = threading.Lock()
        self._reprobed = False
        self._dropped_before: list[tuple[TdxHost, str]] = []
        self._requests_before = 0

    # ------------------------------------------------------------------ servers
    def pool(self) -> ServerPool:
        """The server pool, searching for servers on first use; ``SourceUnavailable`` when none agree."""
        with self._lock:
            if self._pool is not None and not self._reprobed and all(st.dropped for st in self._pool.stats.values()):
                # every server was dropped (a network outage, say): search once more before giving up
                self._sync_report()
                self.report.searches += 1
                self._dropped_before = list(self.report.dropped)
                self._requests_before = self.report.requests
                self._pool, self._reprobed = None, True
            if self._pool is None:
                o = self.options
                sel = select_servers(self.hosts, reference=o.reference, timeout_s=o.probe_timeout_s,
                                     budget_s=o.probe_budget_s)
                self.report.selection = sel
                if not sel.servers:
                    raise SourceUnavailable(f"TDX network: no usable TDX server ({sel.summary()}); -v lists each")
                self._pool = ServerPool(sel.hosts, workers=o.use_tdx_number, timeout_s=o.timeout_s,
                                        max_attempts=o.max_attempts)
            return self._pool

    def _sync_report(self) -> None:
        if self._pool is not None:
            self.report.dropped = self._dropped_before + self._pool.dropped()
            self.report.requests = self._requests_before + sum(s.requests for s in self._pool.stats.values())

    # ------------------------------------------------------------------ BarSource
    def security_list(self, market: str) -> list[tuple[str, str, int, int]]:
        """(code, name, decimal_point, volunit) of everything the servers list for ``market``."""
        market = market.upper()
        if market not in self._lists:
            (outcome,) = list(self.pool().run([SecurityListJob(market)]))
            self._sync_report()
            if not outcome.ok:
                raise SourceUnavailable(f"security list of {market}: {outcome.error}")
            self._lists[market] = outcome.result
        return self._lists[market]

    def names(self, market: str) -> dict[str, str]:
        return {code: name for code, name, _, _ in self.security_list(market)}

    def list_codes(self, market: str, ktype: KType) -> list[str]:
        return sorted({code for code, *_ in self.security_list(market)})

    def fetch(self, jobs: Iterable[ImportJob]) -> Iterator[SourceResult]:
        by_key: dict[str, ImportJob] = {}
        work: list[BarsJob] = []
        for job in jobs:
            bj = self._bars_job(job)
            by_key[bj.key] = job
            work.append(bj)
        if not work:
            return
        pool = self.pool()
        self.report.jobs += len(work)
        try:
            for outcome in pool.run(work, _judge, queue_size=self.options.queue_size):
                yield self._result(by_key[outcome.job.key], outcome)
        finally:
            self._sync_report()

    def close(self) -> None:
        """Nothing long-lived to release: connections close when a run ends."""
        self._sync_report()

    def describe(self) -> str:
        """Servers chosen, left out and dropped, for the import summary."""
        self._sync_report()
        return self.report.describe()

    # ------------------------------------------------------------------ helpers
    def _bars_job(self, job: ImportJob) -> BarsJob:
        start = job.after if job.after is not None else job.since
        first = _day(start)
        last = _day(job.until)
        days = 1 if first > last else int(np.busday_count(first, last + timedelta(days=1),
                                                          holidays=self._holidays))
        return BarsJob(job.market, job.code, job.ktype, until=job.until, since=job.since, after=job.after,
                       last_bar=job.last_bar, index=classify(job.market, job.code) is StockType.INDEX,
                       expected=days * BARS_PER_DAY[job.ktype])

    def _result(self, job: ImportJob, outcome: Outcome) -> SourceResult:
        notes = list(outcome.notes)
        if outcome.attempts > 1:
            self.report.retried += 1
        if not outcome.ok:
            return SourceResult(job, error=outcome.error, notes=notes)
        res: BarsResult = outcome.result
        if res.overlap is not None:
            return SourceResult(job, error=f"stored bar {_text(job.last_bar)} differs from the server's: "
                                           f"{res.overlap}; not appended", notes=notes)
        if res.fetched == 0 and job.after is None:
            # never a silent zero: a first import that finds nothing says so (new listing, delisted, or
            # servers without this code)
            return SourceResult(job, error="the servers have no bars of it", notes=notes)
        bars = res.bars
        if job.ktype is KType.DAY and len(bars):
            cut = self._unfinished_day(job.until)
            if cut is not None:
                keep = np.isnat(bars["datetime"]) | (bars["datetime"] < cut)
                dropped = int((~keep).sum())
                if dropped:
                    self.report.unfinished_day_bars += dropped
                    notes.append(f"today's unfinished day bar left out (before {DAY_FINAL_AT:%H:%M})")
                    bars = bars[keep]
        if res.too_new:
            notes.append(f"{res.too_new} bars after {_text_dt(job.until)} left out")
        if job.after is not None and res.exhausted and res.oldest is not None and res.oldest > job.after:
            gap = (f"{job.market_code} {job.ktype.value}: stored up to {_text_dt(job.after)}, the servers' history "
                   f"starts at {_text_dt(res.oldest)}: bars in between are not available")
            log.warning("%s", gap)
            self.report.gaps.append(gap)
            notes.append(gap)
        return SourceResult(job, bars, notes=notes)

    def _unfinished_day(self, until: np.datetime64) -> np.datetime64 | None:
        """The label of today's day bar when ``until`` is before the day is final, else None."""
        when = until.astype("M8[us]").item()
        if not isinstance(when, datetime):
            return None
        if when.time() >= DAY_FINAL_AT or not self.calendar.is_trading_day(when.date()):
            return None
        return np.datetime64(when.date(), "us")


def _judge(job: BarsJob, result: BarsResult) -> str | None:
    """What is wrong with a result, in terms that two servers sending the same data share."""
    if result.overlap is not None:
        return f"overlap: {result.overlap}"
    if result.fetched == 0:
        return "no bars at all"
    if job.after is not None and result.newest is not None and result.newest < job.after:
        return f"behind the store: newest bar {_text_dt(result.newest)}"
    if not len(result.bars):
        return None
    reasons = check_bars(result.bars, job.ktype, job.until)
    bad = np.flatnonzero(reasons >= 0)
    if not len(bad):
        return None
    dts = result.bars["datetime"][bad]
    shown = [f"{'NaT' if np.isnat(d) else str(d.astype('M8[m]'))}:{REASONS[int(r)]}"
             for d, r in zip(dts[:5], reasons[bad][:5], strict=True)]
    return f"{len(bad)} bad bars ({', '.join(shown)})"


def _day(value: np.datetime64) -> date:
    return value.astype("M8[D]").item()


def _text(bar: np.void | None) -> str:
    return "-" if bar is None else _text_dt(bar["datetime"])


def _text_dt(value: np.datetime64) -> str:
    return str(value.astype("M8[m]")).replace("T", " ")


def network_source(cfg: ImportIni) -> NetworkSource:
    """The importdata factory: hosts (``[pytdx] hosts``, else ``hosts.py`` beside the ini, else pytdx's list)
    and ``use_tdx_number`` from ``importdata-gui.ini``."""
    config_dir = Path(cfg.path).parent if cfg.path else None
    hosts, where = configured_hosts(cfg.pytdx.hosts, config_dir)
    log.info("TDX hosts from %s: %d", where, len(hosts))
    return NetworkSource(hosts, NetworkOptions(use_tdx_number=cfg.pytdx.use_tdx_number))


