"""The quarantine file of an import: the bars validation rejected, as CSV, for the user to look at."""

from __future__ import annotations

import csv
from pathlib import Path

from hikyuu_live.model.validate import Quarantine


def write_quarantine_csv(quarantine: Quarantine, path: str | Path) -> Path:
    """Write ``quarantine``'s rows to ``path`` (its folder made if needed); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(quarantine.csv_lines())
    return path
