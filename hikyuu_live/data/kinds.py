"""The report of one data kind besides bars (weights, finance, history finance, blocks, names, time lines,
bond yields, holidays): what was imported, skipped and why, what failed and the rows refused
(quarantined) with their reason. Pure data, shared by every importer of ``data``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from hikyuu_live.errors import SourceUnavailable

#: the kinds ``importdata --only`` accepts besides the bar types (day, min, min5)
EXTRA_KINDS = ("weight", "finance", "hfinance", "blocks", "trans", "time", "bond10", "holidays")
#: kinds the bar importer itself does (before the bars)
BASE_KINDS = ("names",)
#: what each kind is, for ``--help``
KIND_HELP = {
    "day": "day bars", "min": "1-minute bars", "min5": "5-minute bars",
    "names": "names, listings and delistings (Stock)",
    "weight": "weights (权息, stkWeight)", "finance": "current finance (stkfinance)",
    "hfinance": "history finance (历史财务, the TDX gpcw files, HistoryFinance)",
    "blocks": "boards (block, BlockIndex)", "trans": "trades (分笔)", "time": "time lines (分时)",
    "bond10": "10-year government bond yield (zh_bond10)", "holidays": "exchange holidays (Holiday)",
}

#: rows refused, kept in full up to this many per kind (all are counted)
MAX_KEPT = 10_000


@dataclass(slots=True)
class KindReport:
    kind: str
    stocks: int = 0
    rows: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    failed: list[tuple[str, str]] = field(default_factory=list)
    # a web source that could not be reached: the kind fell back to what ships with the package or waits for
    # the next run; reported, but it does not make the import partial (exit code 6 is for failures)
    unavailable: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""
    elapsed_s: float = 0.0
    rejected: list[tuple[str, str, str]] = field(default_factory=list)  # (key, what, reason)
    rejected_by_reason: Counter = field(default_factory=Counter)

    def fail(self, key: str, error: BaseException) -> None:
        """A failure of ``key``: ``unavailable`` when the source gave no answer at all (``SourceUnavailable``,
        itself or as the cause), else failed."""
        cause: BaseException | None = error
        while cause is not None and not isinstance(cause, SourceUnavailable):
            cause = cause.__cause__
        (self.failed if cause is None else self.unavailable).append((key, str(error)))

    def skip(self, why: str, n: int = 1) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + n

    def reject(self, key: str, what: str, reason: str) -> None:
        """A row refused (not stored): counted by reason, kept for the quarantine file."""
        self.rejected_by_reason[reason] += 1
        if len(self.rejected) < MAX_KEPT:
            self.rejected.append((key, what, reason))

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected_by_reason.values())

    def line(self) -> str:
        parts = [f"{self.kind:<8} stocks={self.stocks} rows={self.rows}"]
        if self.updated:
            parts.append(f"updated={self.updated}")
        if self.unchanged:
            parts.append(f"unchanged={self.unchanged}")
        if self.rejected_total:
            parts.append(f"rejected={self.rejected_total}")
        parts.append(f"failed={len(self.failed)}")
        if self.unavailable:
            parts.append(f"unavailable={len(self.unavailable)}")
        parts.append(f"{self.elapsed_s:.1f}s")
        out = [" ".join(parts) + (f"  ({self.note})" if self.note else "")]
        out += [f"  skipped {n} x {why}" for why, n in sorted(self.skipped.items())]
        out += [f"  rejected {n} x {why}" for why, n in self.rejected_by_reason.most_common(10)]
        out += [f"  failed: {mc}: {why}" for mc, why in self.failed[:20]]
        out += [f"  unavailable: {mc}: {why}" for mc, why in self.unavailable[:5]]
        if len(self.failed) > 20:
            out.append(f"  failed: ... {len(self.failed) - 20} more")
        return "\n".join(out)
