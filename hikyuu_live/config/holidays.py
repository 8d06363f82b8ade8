"""The user's own holiday list, ``<config home>/holidays.txt``: closures announced after a release.

The calendar itself is pure (``hikyuu_live.model.calendar``); this module reads the file and joins it to
the shipped list.
"""

from __future__ import annotations

from pathlib import Path

from hikyuu_live.errors import ConfigError
from hikyuu_live.model.calendar import TradingCalendar

HOLIDAYS_FILE = "holidays.txt"


def calendar_from_file(path: str | Path) -> TradingCalendar:
    """A holiday file of the shipped format (see ``TradingCalendar.from_text``)."""
    return TradingCalendar.from_text(Path(path).read_text(encoding="utf-8"))


def load_calendar(home: str | Path | None = None) -> TradingCalendar:
    """The shipped list joined with ``<home>/holidays.txt`` when it exists (``home``: the config home).

    A malformed file raises ``ConfigError`` naming it: a calendar quietly missing the closures the user
    added is the failure this file exists to prevent.
    """
    cal = TradingCalendar.shipped()
    extra = Path(home) / HOLIDAYS_FILE if home is not None else None
    if extra is None or not extra.is_file():
        return cal
    try:
        return cal.merged(calendar_from_file(extra))
    except ValueError as e:
        raise ConfigError(f"not a holiday list ({e})", file=str(extra)) from e
