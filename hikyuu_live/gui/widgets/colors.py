"""A-share colours: red for up (and gains), green for down (and losses), as every Chinese trading screen."""

from __future__ import annotations

from PyQt5.QtGui import QColor

UP = QColor("#d32f2f")
DOWN = QColor("#2e7d32")
FLAT = QColor("#424242")
WARN = QColor("#e65100")  # an order nobody confirmed, a stale feed


def signed(value: float | None) -> QColor:
    """The colour of a change or a P&L."""
    if value is None or value == 0:
        return FLAT
    return UP if value > 0 else DOWN
