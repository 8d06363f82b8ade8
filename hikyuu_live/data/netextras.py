"""What ``importdata`` imports besides bars: weights (权息), current finance, trades (分笔), time lines (分时)
from the TDX network, and board membership from a TDX install's block files.

Runs after the bar import, on the same store and server pool. Incremental like the bars: weights from
the newest stored weight date (that row updated, later ones added), trades and time lines from the day
after the newest stored one (or the configured start date) to the last finished trading day. Every kind
ends with a line in the report saying what was imported, what was skipped and why, and which stocks
failed; a kind the store cannot hold is reported as skipped, never silently dropped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from hikyuu_live.clock import EXCHANGE_TZ, Clock, LiveClock
from hikyuu_live.config import ImportIni
from hikyuu_live.data.boards import import_blocks
from hikyuu_live.data.em_blocks import BoardOptions
from hikyuu_live.data.kinds import EXTRA_KINDS, KindReport
from hikyuu_live.data.webdata import WebDataImporter, WebOptions
from hikyuu_live.model.calendar import TradingCalendar
from hikyuu_live.model.codes import StockType, classify
from hikyuu_live.store.base import KDataStore
from hikyuu_live.store.baseinfo import ymd
from hikyuu_live.store.trades import TradeStore
from hikyuu_live.tdx.gbbq import gbbq_path, read_gbbq
from hikyuu_live.tdx.network.jobs import FinanceJob, TimeLineJob, TransJob, XdxrJob
from hikyuu_live.tdx.network.pool import Outcome
from hikyuu_live.tdx.network.source import DAY_FINAL_AT, NetworkSource, network_source
from hikyuu_live.tdx.network.weights import WEIGHT_FIELDS, WeightRow, finance_row, xdxr_to_weights

log = logging.getLogger(__name__)

#: securities that have weights and trades (indices have neither)
TRADED = frozenset(StockType) - {StockType.INDEX, StockType.OTHER}
#: trades (分笔) of share types only
TICK_TYPES = frozenset({StockType.A, StockType.STAR, StockType.GEM, StockType.BJ, StockType.B})
#: time lines (分时) of every stock and fund type, indices, ETFs and funds included, as the original
TIME_TYPES = TICK_TYPES | {StockType.INDEX, StockType.ETF, StockType.FUND}


@dataclass(frozen=True, kw_only=True, slots=True)
class ExtrasOptions:
    weight: bool = True
    finance: bool = True
    trans: bool = False
    time: bool = False
    block: bool = True
    hfinance: bool = False  # history finance (gpcw files): the original's "历史财务数据" ([finance] enable)
    bond10: bool = False  # zh_bond10 from the web (the original runs it with every import)
    holidays: bool = False  # holidays from the web (likewise)
    # the web sources (bond yield, holidays, Eastmoney boards): off unless asked for (importdata turns them
    # on unless --offline), so that a library call never reaches the internet by surprise
    web: WebOptions = field(default_factory=lambda: WebOptions(offline=True))
    boards: BoardOptions = field(default_factory=BoardOptions)
    download_dir: str | None = None  # where downloaded gpcw zips are kept (default <config>/downloads/finance)
    trans_since: date = date(2023, 12, 11)
    time_since: date = date(2023, 12, 11)
    tdx_dir: str | None = None
    markets: tuple[str, ...] = ("SH", "SZ", "BJ")
    codes: frozenset[str] | None = None
    dry_run: bool = False
    commit_every: int = 200  # stocks between commits of weights
    commit_every_s: float = 30.0  # seconds between commits of trades and time lines

    @property
    def needs_trade_store(self) -> bool:
        """Trades, time lines and finance go to the ``TradeStore`` beside the bars."""
        return self.trans or self.time or self.finance


@dataclass(slots=True)
class ExtrasReport:
    kinds: list[KindReport] = field(default_factory=list)
    interrupted: bool = False

    @property
    def failed(self) -> int:
        return sum(len(k.failed) for k in self.kinds)

    dry_run: bool = False

    def describe(self) -> str:
        text = "\n".join(k.line() for k in self.kinds) if self.kinds else "no weights, finance, trades or blocks"
        return text + ("\n(dry run: rows counted, nothing written)" if self.dry_run else "")


class ExtrasImporter:
    """See the module docstring. ``source`` may be None when only block files are wanted."""

    def __init__(self, store: KDataStore, source: NetworkSource | None, options: ExtrasOptions | None = None, *,
                 trades: TradeStore | None = None, clock: Clock | None = None,
                 calendar: TradingCalendar | None = None, stop: threading.Event | None = None) -> None:
        self.store = store
        self.trades = trades
        self.source = source
        self.options = options or ExtrasOptions()
        self.clock = clock or LiveClock()
        self.calendar = calendar or TradingCalendar.shipped()
        self.stop = stop or threading.Event()
        self.report = ExtrasReport(dry_run=self.options.dry_run)

    def run(self) -> ExtrasReport:
        o = self.options
        steps: list[tuple[bool, Callable[[], KindReport]]] = [
            (o.block, self._blocks), (o.weight, self._weights), (o.finance, self._finance),
            (o.hfinance, self._history_finance), (o.bond10, self._bond10), (o.holidays, self._holidays),
            (o.trans, lambda: self._days("trans")), (o.time, lambda: self._days("time"))]
        for wanted, step in steps:
            if not wanted:
                continue
            if self.stop.is_set():
                self.report.interrupted = True
                break
            t0 = time.monotonic()
            rep = step()
            if rep.kind not in ("blocks", "hfinance", "bond10", "holidays") and rep.stocks == 0 and not rep.note:
                rep.note = "no stocks in the store yet: import bars first (stock rows come with them)"
            rep.elapsed_s = time.monotonic() - t0
            self.report.kinds.append(rep)
            log.info("import %s", rep.line().splitlines()[0])
        return self.report

    # ------------------------------------------------------------------ universe
    def _stocks(self, types: frozenset[StockType]) -> list[str]:
        """Market codes to import for: the store's valid stocks (a dry run, which saves no stocks, takes
        the servers' lists instead)."""
        o = self.options
        if o.dry_run and self.source is not None:
            listed = [(m, code) for m in o.markets for code, *_ in self.source.security_list(m)]
        else:
            listed = [(s.market, s.code) for s in self.store.stock_records() if s.valid]
        return [m + c for m, c in listed if m in o.markets and classify(m, c) in types
                and (o.codes is None or m + c in o.codes)]

    def _run_jobs(self, rep: KindReport, jobs: list, handle: Callable[[Outcome], None]) -> None:
        if self.source is None:
            rep.skip("no TDX network source (set [pytdx] enable = True to import it beside local files)",
                     rep.stocks)
            return
        for outcome in self.source.pool().run(jobs):
            if outcome.ok:
                try:
                    handle(outcome)
                except ValueError as e:  # a row the store refuses: report it, go on
                    rep.failed.append((outcome.job.key, str(e)))
            else:
                rep.failed.append((outcome.job.key, outcome.error or "failed"))
            if self.stop.is_set():
                self.report.interrupted = True
                break

    # ------------------------------------------------------------------ blocks
    def _blocks(self) -> KindReport:
        rep = import_blocks(self.store, self.options.tdx_dir, web=not self.options.web.offline,
                            boards=self.options.boards, download_dir=self.options.download_dir,
                            dry_run=self.options.dry_run, stop=self.stop)
        self.report.interrupted |= self.stop.is_set()
        return rep

    # ------------------------------------------------------------------ weights
    def _weights(self) -> KindReport:
        rep = KindReport("weights")
        codes = self._stocks(TRADED)
        rep.stocks = len(codes)
        pending = [0]

        def save(mc: str, events: list[dict]) -> None:
            stored = self.store.weights(mc)
            last = _weight_row(stored[-1]) if stored else None
            rows, updated = xdxr_to_weights(events, last)
            if not rows and updated is None:
                rep.unchanged += 1
                return
            out = ([updated] if updated is not None else []) + rows
            if not self.options.dry_run:
                self.store.save_weights(mc, [_weight_dict(r) for r in out])
            rep.rows += len(rows)
            rep.updated += updated is not None
            pending[0] += 1
            if pending[0] >= self.options.commit_every:
                self.store.commit()
                pending[0] = 0

        if self.source is None and self.options.tdx_dir:
            self._local_weights(rep, codes, save)
        else:
            self._run_jobs(rep, [XdxrJob(mc[:2], mc[2:]) for mc in codes],
                           lambda o: save(o.job.market + o.job.code, o.result))
        self.store.commit()
        return rep

    def _local_weights(self, rep: KindReport, codes: list[str], save: Callable[[str, list[dict]], None]) -> None:
        """The install's own gbbq file (``tdx.gbbq``): weights with no network."""
        assert self.options.tdx_dir is not None
        path = gbbq_path(self.options.tdx_dir)
        if not path.is_file():
            rep.note = f"no {path}: set [pytdx] enable = True to import weights from the TDX network"
            rep.skip("no weight source", len(codes))
            return
        try:
            events = read_gbbq(path)
        except (OSError, ValueError) as e:
            rep.failed.append((str(path), str(e)))
            return
        rep.note = f"from {path}"
        for key, why in events.bad:
            rep.reject(key, "gbbq", why)
        for mc in codes:
            if self.stop.is_set():
                self.report.interrupted = True
                break
            try:
                save(mc, events.by_stock.get(mc, []))
            except ValueError as e:
                rep.failed.append((mc, str(e)))

    # ------------------------------------------------------------------ finance
    def _finance(self) -> KindReport:
        rep = KindReport("finance")
        trades = self.trades
        codes = self._stocks(TRADED - {StockType.ETF, StockType.FUND, StockType.BOND})
        rep.stocks = len(codes)
        if self.source is None:
            rep.note = "current finance comes from the TDX network: set [pytdx] enable = True beside the local install"
            rep.skip("no TDX network source", len(codes))
            return rep
        if trades is None and not self.options.dry_run:
            rep.skip("no trade store opened for current finance", len(codes))
            return rep
        rows: list[tuple[str, dict]] = []

        def handle(outcome: Outcome) -> None:
            row = finance_row(outcome.result)
            if row is None:
                rep.skip("server has no finance data")
            else:
                rows.append((outcome.job.market + outcome.job.code, row))

        self._run_jobs(rep, [FinanceJob(mc[:2], mc[2:]) for mc in codes], handle)
        if self.options.dry_run:
            rep.rows = len(rows)
        elif rows and trades is not None:
            rep.rows = trades.save_finance(rows)
            trades.commit()
            if rep.rows < len(rows):
                rep.skip("no Stock row to attach finance to", len(rows) - rep.rows)
        return rep

    # ------------------------------------------------------------------ history finance
    def _history_finance(self) -> KindReport:
        from hikyuu_live.data.finance_history import HistoryFinanceImporter

        o = self.options
        down = o.download_dir or "downloads/finance"
        return HistoryFinanceImporter(self.store, download_dir=down, tdx_dir=o.tdx_dir, network=self.source,
                                      dry_run=o.dry_run, stop=self.stop).run()

    # ------------------------------------------------------------------ web: bond yields and holidays
    def _web(self) -> WebDataImporter:
        today = self.clock.now().astimezone(EXCHANGE_TZ).date()
        return WebDataImporter(self.store, replace(self.options.web, dry_run=self.options.dry_run), today=today)

    def _bond10(self) -> KindReport:
        return self._web().bond10()

    def _holidays(self) -> KindReport:
        return self._web().holidays()

    # ------------------------------------------------------------------ trades and time lines
    def _days(self, kind: str) -> KindReport:
        rep = KindReport(kind)
        trades = self.trades
        codes = self._stocks(TICK_TYPES if kind == "trans" else TIME_TYPES)
        rep.stocks = len(codes)
        if trades is None and not self.options.dry_run:
            rep.skip(f"no trade store opened for {kind}", len(codes))
            return rep
        since = self.options.trans_since if kind == "trans" else self.options.time_since
        end = self._last_finished_day()
        jobs: list = []
        for market in sorted({mc[:2] for mc in codes}):
            last = trades.last_datetimes(kind, market) if trades is not None else {}
            for mc in (c for c in codes if c[:2] == market):
                stored = last.get(mc[2:])
                first = since if stored is None else stored.astype("M8[D]").item() + timedelta(days=1)
                for day in self.calendar.trading_days(max(first, since), end):
                    job_cls = TransJob if kind == "trans" else TimeLineJob
                    jobs.append(job_cls(market, mc[2:], ymd(day)))
        rep.note = f"{len(jobs)} stock-days up to {end}"
        # stock-days of one stock must be written oldest first: finish them in order per stock
        done: dict[str, dict[int, object]] = {}
        next_day: dict[str, list[int]] = {}
        for j in jobs:
            next_day.setdefault(j.market + j.code, []).append(j.day)
        last_commit = [time.monotonic()]

        def handle(outcome: Outcome) -> None:
            mc = outcome.job.market + outcome.job.code
            done.setdefault(mc, {})[outcome.job.day] = outcome.result
            queue = next_day[mc]
            while queue and queue[0] in done[mc]:
                res = done[mc].pop(queue.pop(0))
                if res.skipped:
                    rep.skip(res.skipped)
                elif trades is not None and not self.options.dry_run:
                    rep.rows += trades.append(kind, mc, res.rows)
                else:
                    rep.rows += len(res.rows)  # a dry run counts what it would write
            if trades is not None and not queue and time.monotonic() - last_commit[0] >= self.options.commit_every_s:
                trades.commit()  # any point is consistent: each stock's days are appended oldest first
                last_commit[0] = time.monotonic()

        self._run_jobs(rep, jobs, handle)
        held = sum(len(q) for q in next_day.values())
        if held:  # days after a failed day are not written: the next run retries from the failed one
            rep.skip("stock-days held back behind a failed day of the stock (retried next run)", held)
        if trades is not None:
            trades.commit()
        return rep

    def _last_finished_day(self) -> date:
        now = self.clock.now().astimezone(EXCHANGE_TZ)
        today = now.date()
        if self.calendar.is_trading_day(today) and now.time() >= DAY_FINAL_AT:
            return today
        return self.calendar.previous_trading_day(today)


def _weight_row(d: dict) -> WeightRow:
    return WeightRow(int(d["date"]), **{f: (float(d[f]) if f == "suogu" else int(d[f] or 0)) for f in WEIGHT_FIELDS})


def _weight_dict(r: WeightRow) -> dict[str, float]:
    return {"date": r.date, **{f: getattr(r, f) for f in WEIGHT_FIELDS}}



def extras_plan(cfg: ImportIni, *, bar_source: object, tdx_dir: str | None, codes: frozenset[str] | None,
                ignore_kdata: bool, dry_run: bool, only: frozenset[str] | None = None,
                download_dir: str | None = None, local_install: bool = False, offline: bool = False
                ) -> tuple[ExtrasOptions, NetworkSource | None]:
    """Options from ``importdata-gui.ini`` (or ``--only``) and the network source to use (the bar source
    when it is the network; else a new one when ``[pytdx] enable`` asks for it or no local TDX source is
    used).

    As in the original, ``[weight] enable`` imports weights and current finance (``stkfinance``) and
    ``[finance] enable`` (the GUI's "历史财务数据") imports history finance (``HistoryFinance``).
    ``--ignore-kdata`` turns trades and time lines off like bars (the original's rule); weights, finance
    and blocks still run. Blocks and local history finance need a TDX directory (``--tdx-dir`` or
    ``[tdx] dir``).
    """
    if only is not None:
        want = {k: k in only for k in EXTRA_KINDS}
    else:
        want = {"weight": cfg.weight.enable, "finance": cfg.weight.enable, "hfinance": cfg.finance.enable,
                "blocks": cfg.block.enable, "trans": cfg.ktype.trans and not ignore_kdata,
                "time": cfg.ktype.time and not ignore_kdata, "bond10": True, "holidays": True}
    opts = ExtrasOptions(weight=want["weight"], finance=want["finance"], hfinance=want["hfinance"],
                         block=want["blocks"], trans=want["trans"], time=want["time"],
                         trans_since=cfg.ktype.trans_start_date, time_since=cfg.ktype.time_start_date,
                         tdx_dir=tdx_dir or cfg.tdx.dir, codes=codes, dry_run=dry_run, download_dir=download_dir,
                         bond10=want["bond10"], holidays=want["holidays"], web=WebOptions(offline=offline))
    if isinstance(bar_source, NetworkSource):
        return opts, bar_source
    wants_network = opts.weight or opts.finance or opts.trans or opts.time or opts.hfinance
    local = local_install or (bar_source is not None and getattr(bar_source, "name", "") == "tdx")
    if wants_network and (cfg.pytdx.enable or not local):
        return opts, network_source(cfg)
    return opts, None
