"""The quarantine file of an import: the bars validation rejected, as CSV, for the user to look at."""

from __future__ import annotations

import csv
from pathlib import Path

from hikyuu_live.data.kinds import KindReport
from hikyuu_live.model.validate import Quarantine


def write_quarantine_csv(quarantine: Quarantine, path: str | Path) -> Path:
    """Write ``quarantine``'s rows to ``path`` (its folder made if needed); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(quarantine.csv_lines())
    return path


def write_kind_quarantine_csv(reports: list[KindReport], path: str | Path) -> Path | None:
    """The refused rows of every kind in ``reports`` (kind, key, what, reason) to ``path``; None when none."""
    if not any(r.rejected_total for r in reports):
        return None
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["kind", "key", "what", "reason"])
        for r in reports:
            out.writerows([r.kind, *row] for row in r.rejected)
            if r.rejected_total > len(r.rejected):
                out.writerow([f"# {r.rejected_total - len(r.rejected)} more rejected {r.kind} rows not listed"])
    return path
