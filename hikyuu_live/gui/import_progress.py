"""How ``importdata`` shows progress and its summary: tqdm bars on a terminal, plain lines otherwise.

Plain lines are what HikyuuTDX's import tab parses (``gui/widgets/run_import_tab.py:parse_progress``)::

    progress market=SH ktype=DAY done=120 total=300

They are printed when a market and type starts and ends, and in between at most once a second.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from tqdm import tqdm

from hikyuu_live.data.importer import ImportReport, Progress


class LineProgress:
    """``progress market=.. ktype=.. done=.. total=..`` lines, throttled to one a second per unit."""

    def __init__(self, out: TextIO | None = None, interval_s: float = 1.0) -> None:
        self.out = out or sys.stdout
        self.interval_s = interval_s
        self._last: dict[tuple[str, str], float] = {}
        self._shown: dict[tuple[str, str], tuple[int, int]] = {}

    def __call__(self, p: Progress) -> None:
        key = (p.market, p.ktype.value)
        now = time.monotonic()
        edge = p.done == 0 or p.done >= p.total
        if self._shown.get(key) == (p.done, p.total) or (not edge and now - self._last.get(key, 0.0) < self.interval_s):
            return
        self._last[key], self._shown[key] = now, (p.done, p.total)
        print(f"progress market={p.market} ktype={p.ktype.value} done={p.done} total={p.total}", file=self.out,
              flush=True)

    def close(self) -> None:
        """Nothing to release."""


class BarProgress:
    """One tqdm bar per market and type, left on screen when done."""

    def __init__(self) -> None:
        self._bars: dict[tuple[str, str], tqdm] = {}

    def __call__(self, p: Progress) -> None:
        key = (p.market, p.ktype.value)
        bar = self._bars.get(key)
        if bar is None:
            bar = self._bars[key] = tqdm(total=p.total, desc=f"{p.market} {p.ktype.value:<4}", unit="stock",
                                         dynamic_ncols=True, leave=True)
        bar.update(p.done - bar.n)
        if p.done >= p.total:
            bar.close()

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()


def make_progress(mode: str) -> LineProgress | BarProgress | None:
    """``auto`` (bars on a terminal, else lines), ``bars``, ``lines`` or ``none``."""
    if mode == "none":
        return None
    if mode == "bars" or (mode == "auto" and sys.stderr.isatty()):
        return BarProgress()
    return LineProgress()


def summary(report: ImportReport) -> str:
    """Rows per market and type, rejected bars, failures and the elapsed time, as text."""
    lines = [f"{'market':<6} {'ktype':<5} {'stocks':>7} {'rows':>10} {'rejected':>8} {'failed':>6} "
             f"{'current':>7} {'seconds':>8}"]
    for u in report.units:
        lines.append(f"{u.market:<6} {u.ktype.value:<5} {u.stocks:>7} {u.rows:>10} {u.rejected:>8} "
                     f"{len(u.failed):>6} {u.up_to_date:>7} {u.elapsed_s:>8.1f}")
    rate = report.rows / report.elapsed_s if report.elapsed_s > 0 else 0.0
    lines.append(f"total: {report.rows} rows in {report.elapsed_s:.1f} s ({rate:,.0f} rows/s), "
                 f"{report.quarantine.total} bars rejected, {report.failed} stocks failed, "
                 f"{report.stocks_saved} stock rows and {report.holidays_added} holidays saved")
    for reason, n in report.quarantine.by_reason.most_common():
        lines.append(f"  rejected: {n} x {reason}")
    for u in report.units:
        for mc, why in u.failed[:20]:
            lines.append(f"  failed: {mc} {u.ktype.value}: {why}")
        if len(u.failed) > 20:
            lines.append(f"  failed: ... {len(u.failed) - 20} more {u.market} {u.ktype.value} stocks")
    if report.interrupted:
        lines.append("interrupted: everything committed is kept; run importdata again to continue")
    return "\n".join(lines)
