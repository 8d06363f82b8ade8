"""A parity run from start to end (``run_parity``) and its report: both trade lists side by side, then every
difference with its cause."""

from __future__ import annotations

import contextlib
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from hikyuu_live.bridge.parity.backtest import BacktestResult, run_ours, run_portfolio_backtest, run_system, session_end
from hikyuu_live.bridge.parity.day import DayBars, History, load_day, recording_day
from hikyuu_live.bridge.parity.live import LiveResult, run_live
from hikyuu_live.bridge.parity.strategies import ParityStrategy, system_ktype
from hikyuu_live.bridge.parity.trades import BarSets, Difference, Trade, compare
from hikyuu_live.fetcher.stock.replay import load_replay
from hikyuu_live.model.kdata import parse_ktype

log = logging.getLogger(__name__)
WIDTH = 58


@dataclass(slots=True)
class ParityReport:
    strategy: ParityStrategy
    day: date
    bars_source: str
    live: LiveResult
    backtest: BacktestResult
    differences: list[Difference]

    @property
    def identical(self) -> bool:
        return not self.differences

    def text(self) -> str:
        return format_report(self)


def run_parity(spec: ParityStrategy, recording: Path, history: History | None, *, cash: float = 1_000_000.0,
               bars: str = "auto", speed: float = 60.0, timeout_s: float = 300.0, preload: int = 1000,
               workdir: Path | None = None, is_trading_day: Callable[[date], bool] | None = None) -> ParityReport:
    """Run ``spec`` live over ``recording`` and as a backtest on the same day's bars; compare."""
    cycles = load_replay(recording)
    day = recording_day(cycles)
    ktypes = [parse_ktype(k) for k in spec.ktypes]
    if spec.is_system:
        ktypes.append(system_ktype(spec))
    with tempfile.TemporaryDirectory(prefix="hikyuu_parity_") as tmp:
        work = Path(workdir or tmp)
        work.mkdir(parents=True, exist_ok=True)
        data: DayBars = load_day(spec.codes, ktypes, day, cycles, history, source=bars, preload=preload,
                                 is_trading_day=is_trading_day)
        # what the strategy prints goes to a file: the report is the output
        with open(work / "strategy.out", "a", encoding="utf-8") as out, contextlib.redirect_stdout(out):
            log.info("parity %s on %s: live run", spec.name, day)
            live = run_live(spec, recording, day, history, work, cash, speed=speed, timeout_s=timeout_s,
                            preload=preload)
            log.info("parity %s on %s: backtest", spec.name, day)
            if spec.make_portfolio is not None:
                backtest = run_portfolio_backtest(spec, data, cash)
            elif spec.is_system:
                backtest = run_system(spec, data, cash)
            else:
                backtest = run_ours(spec, data, work, cash)
    sets = BarSets(live.labels, backtest.labels, live.unfinished_reads, live.unsettled_reads)
    ends = {c: session_end(data, system_ktype(spec)) for c in spec.codes} if spec.is_system else None
    return ParityReport(spec, day, data.source, live, backtest, compare(live.trades, backtest.trades, sets, ends))


def _cell(t: Trade | None) -> str:
    if t is None:
        return ""
    when = str(t.when.astype("M8[s]"))[11:]
    status = "" if t.status == "filled" else f" {t.status}"
    return f"{when} {t.side:<4} {t.code} x{t.number:g} @ {t.price:.3f}{status}"


def format_report(r: ParityReport) -> str:
    lines = [f"hikyuu_parity: {r.strategy.name} on {r.day} ({r.strategy.description})",
             f"  live:     {r.live.note}  [{', '.join(f'{k}={v}' for k, v in r.live.stats.items())}]",
             f"  backtest: {r.backtest.note}, on {r.bars_source}", ""]
    head = f"{'live':<{WIDTH}} | backtest"
    lines += [head, "-" * len(head)]
    lv = {t.key: t for t in r.live.trades}
    bt = {t.key: t for t in r.backtest.trades}
    for key in sorted(set(lv) | set(bt), key=lambda k: (k[0], k[1], k[2])):
        lines.append(f"{_cell(lv.get(key)):<{WIDTH}} | {_cell(bt.get(key))}")
    if not lv and not bt:
        lines.append(f"{'(no orders)':<{WIDTH}} | (no orders)")
    lines.append("")
    if r.identical:
        lines.append(f"no difference: the live path placed exactly the {len(lv)} orders the backtest placed.")
    else:
        lines.append(f"{len(r.differences)} difference(s):")
        for i, d in enumerate(r.differences, 1):
            t = d.live or d.backtest
            assert t is not None
            side = "live only" if d.backtest is None else "backtest only" if d.live is None else "both"
            lines.append(f"  {i}. {str(t.when.astype('M8[s]'))[11:]} {t.side} {t.code} ({side}) - "
                         f"{d.cause}: {d.detail}")
    return "\n".join(lines)
