"""The quote table: the newest spot of each watched code, in A-share colours, sortable by any column.

A model over numpy columns (not one item object per cell): an update of the whole market is a few
vectorised operations and one ``dataChanged``; the view asks only for the rows it shows, so 6,000 rows
cost what 30 do. Units on screen are the market's: price in yuan, volume in lots (手), amount in 10,000
yuan (万元), as on the bus.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PyQt5.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt
from PyQt5.QtWidgets import QAbstractItemView, QTableView

from hikyuu_live.gui.i18n import tr
from hikyuu_live.gui.widgets.colors import FLAT, signed
from hikyuu_live.gui.widgets.tables import compact
from hikyuu_live.model.spot import market_codes

COLUMNS = ("code", "name", "close", "change_pct", "change", "volume", "amount", "time")
_ROLES = frozenset({int(Qt.ItemDataRole.DisplayRole), int(Qt.ItemDataRole.ForegroundRole),
                    int(Qt.ItemDataRole.TextAlignmentRole)})
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def headers() -> list[str]:
    return [tr("Code"), tr("Name"), tr("Last"), tr("Change %"), tr("Change"), tr("Volume (lots)"),
            tr("Amount (10k yuan)"), tr("Time")]


class QuoteModel(QAbstractTableModel):
    """Rows = watched codes that have a spot; see the module docstring."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._headers = headers()
        self.codes = np.zeros(0, dtype="U8")
        self.cols: dict[str, np.ndarray] = {c: np.zeros(0) for c in COLUMNS}
        self.order = np.zeros(0, dtype=np.int64)  # row -> index into the columns (the sort order)
        self.sort_column, self.sort_desc = 0, False

    # ------------------------------------------------------------------ Qt model API
    def rowCount(self, parent: QModelIndex | None = None) -> int:  # noqa: N802 - Qt's API
        return 0 if parent is not None and parent.isValid() else len(self.order)

    def columnCount(self, parent: QModelIndex | None = None) -> int:  # noqa: N802 - Qt's API
        return 0 if parent is not None and parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt's API
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._headers[section]
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # the view asks for about seven roles per visible cell on every repaint: answer the unused ones first
        if role not in _ROLES or not index.isValid():
            return None
        i, col = int(self.order[index.row()]), COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(col, i)
        if role == Qt.ItemDataRole.ForegroundRole:
            return signed(float(self.cols["change"][i])) if col in ("close", "change_pct", "change") else FLAT
        return _RIGHT if col not in ("code", "name") else None

    def _text(self, col: str, i: int) -> str:
        v = self.cols[col][i]
        if col == "time":  # formatted for the visible rows only
            return str(v.astype("M8[s]"))[11:19]
        if col in ("code", "name"):
            return str(v)
        if col == "change_pct":
            return f"{v:+.2f}%" if np.isfinite(v) else "-"
        if col == "change":  # as many decimals as the price (funds trade in 0.001)
            return (f"{v:+.3f}" if self.cols["close"][i] < 10 else f"{v:+.2f}") if np.isfinite(v) else "-"
        if col == "close":
            return f"{v:.3f}" if v < 10 else f"{v:.2f}"
        return f"{v:,.0f}"

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sort_column, self.sort_desc = column, order == Qt.SortOrder.DescendingOrder
        self.layoutAboutToBeChanged.emit()
        self._sort()
        self.layoutChanged.emit()

    # ------------------------------------------------------------------ updates
    def _sort(self, codes_changed: bool = True) -> None:
        if not codes_changed and COLUMNS[self.sort_column] in ("code", "name"):
            return  # the same codes in the same order
        key = self.cols[COLUMNS[self.sort_column]]
        if key.dtype.kind == "f":
            key = np.where(np.isfinite(key), key, -np.inf)
        order = np.argsort(key, kind="stable")
        self.order = order[::-1].copy() if self.sort_desc else order

    def row_of(self, code: str) -> int:
        """The row showing ``code``, or -1."""
        rows = np.flatnonzero(self.codes[self.order] == code)
        return int(rows[0]) if rows.size else -1

    def code_at(self, row: int) -> str | None:
        return str(self.codes[self.order[row]]) if 0 <= row < len(self.order) else None

    def update(self, spots: np.ndarray, watched: set[str] | None) -> None:
        """Show ``spots`` (newest per code; only ``watched`` codes unless None = all), keeping the sort."""
        codes = market_codes(spots) if len(spots) else np.zeros(0, dtype="U8")
        if watched is not None:
            keep = np.isin(codes, list(watched))
            spots, codes = spots[keep], codes[keep]
        close, yc = spots["close"], spots["yesterday_close"]
        with np.errstate(divide="ignore", invalid="ignore"):
            change = np.where(yc > 0, close - yc, np.nan)
            pct = change / yc * 100.0
        cols = {"code": codes, "name": spots["name"], "close": close, "change_pct": pct, "change": change,
                "volume": spots["volume"], "amount": spots["amount"], "time": spots["datetime"]}
        same = len(codes) == len(self.codes) and bool(np.array_equal(codes, self.codes))
        if not same:
            self.layoutAboutToBeChanged.emit()
        self.codes, self.cols = codes, cols
        self._sort(codes_changed=not same)
        if same:
            if len(codes):
                self.dataChanged.emit(self.index(0, 0), self.index(len(codes) - 1, len(COLUMNS) - 1))
        else:
            self.layoutChanged.emit()


def quote_view(model: QuoteModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setToolTip(tr("Newest quote of each watched code: red up, green down; click a header to sort, "
                       "a row to chart it"))
    view.setSortingEnabled(True)
    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    view.setSelectionBehavior(QAbstractItemView.SelectRows)
    view.setSelectionMode(QAbstractItemView.SingleSelection)
    view.setEditTriggers(QAbstractItemView.NoEditTriggers)
    compact(view)
    header = view.horizontalHeader()
    if header is not None:
        header.setResizeContentsPrecision(200)  # fit columns to the first rows, not all 6,000
    view.setAlternatingRowColors(True)
    return view
