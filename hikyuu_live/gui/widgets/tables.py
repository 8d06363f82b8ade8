"""Read-only tables filled from rows of values: numbers right-aligned and sortable as numbers."""

from __future__ import annotations

from collections.abc import Sequence

from PyQt5.QtCore import Qt
from PyQt5.QtGui import QColor
from PyQt5.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem


class NumberItem(QTableWidgetItem):
    """An item that sorts by its number, not its text."""

    def __init__(self, text: str, value: float) -> None:
        super().__init__(text)
        self.value = value
        self.setTextAlignment(int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter))

    def __lt__(self, other: QTableWidgetItem) -> bool:
        if isinstance(other, NumberItem):
            return self.value < other.value
        return super().__lt__(other)


def table(headers: Sequence[str], tooltip: str) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(list(headers))
    t.setToolTip(tooltip)
    t.setEditTriggers(QAbstractItemView.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectRows)
    t.setAlternatingRowColors(True)
    compact(t)
    t.setSortingEnabled(True)
    return t


def compact(view: QAbstractItemView) -> None:
    """Row height of one line, no row numbers, columns the user can widen, the last one filling the rest."""
    vertical, horizontal = view.verticalHeader(), view.horizontalHeader()
    assert isinstance(vertical, QHeaderView) and isinstance(horizontal, QHeaderView)
    vertical.setVisible(False)
    vertical.setDefaultSectionSize(22)
    horizontal.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    horizontal.setStretchLastSection(True)


def cell(value: object, digits: int = 2) -> QTableWidgetItem:
    if isinstance(value, bool) or value is None:
        return QTableWidgetItem("" if value is None else str(value))
    if isinstance(value, int):
        return NumberItem(f"{value:,}", value)
    if isinstance(value, float):
        return NumberItem(f"{value:,.{digits}f}", value)
    return QTableWidgetItem(str(value))


def fill(t: QTableWidget, rows: Sequence[Sequence[object]], colours: Sequence[QColor | None] | None = None,
         digits: dict[int, int] | None = None) -> None:
    """Replace the rows of ``t`` (sorting kept); ``colours[i]`` tints row ``i``'s text, ``digits[c]`` is the
    number of decimals of column ``c`` (2 by default; prices of funds have 3). Columns fit their text."""
    sorting = t.isSortingEnabled()
    t.setSortingEnabled(False)
    t.setRowCount(len(rows))
    for r, values in enumerate(rows):
        colour = colours[r] if colours else None
        for c, v in enumerate(values):
            item = cell(v, (digits or {}).get(c, 2))
            if colour is not None:
                item.setForeground(colour)
            t.setItem(r, c, item)
    t.setSortingEnabled(sorting)
    t.resizeColumnsToContents()
