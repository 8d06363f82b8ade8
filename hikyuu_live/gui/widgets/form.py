"""Small form helpers shared by the tabs: fields of a sensible width, browse rows, elided labels, log views.

Layout rules every tab follows (a window people keep open all day on a laptop screen): no field or button
stretches across the window (forms keep fields at their size hint, buttons sit in rows that end in a
stretch), text that can be long (command lines, addresses, messages) is elided with the whole text in a
tooltip so it can never widen the window, and logs use a fixed-width font so summary tables line up.
Values are read back as text and validated by the config module's own parsers, so the GUI accepts
exactly what the ini files accept and shows the same error messages.
"""

from __future__ import annotations

from datetime import date, time

from PyQt5.QtCore import QDate, Qt, QTime
from PyQt5.QtGui import QFontDatabase, QPainter, QPaintEvent
from PyQt5.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTimeEdit,
    QWidget,
)

from hikyuu_live.gui.i18n import tr

FIELD_WIDTH = 360  # px: a path or an address fits; the window stays narrow
SHORT_WIDTH = 120
LOG_LINES = 20_000  # a log view keeps this many lines (a long import would otherwise grow without bound)


def check(label: str, tooltip: str) -> QCheckBox:
    box = QCheckBox(label)
    box.setToolTip(tooltip)
    return box


def line(tooltip: str, *, password: bool = False, width: int = FIELD_WIDTH) -> QLineEdit:
    edit = QLineEdit()
    edit.setToolTip(tooltip)
    edit.setMinimumWidth(width)
    edit.setMaximumWidth(width)
    if password:
        edit.setEchoMode(QLineEdit.Password)
    return edit


def spin(lo: int, hi: int, tooltip: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(lo, hi)
    box.setToolTip(tooltip)
    box.setMaximumWidth(SHORT_WIDTH + 20)
    return box


def date_edit(tooltip: str) -> QDateEdit:
    d = QDateEdit()
    d.setDisplayFormat("yyyy-MM-dd")
    d.setCalendarPopup(True)
    d.setToolTip(tooltip)
    d.setMaximumWidth(SHORT_WIDTH + 20)
    return d


def time_edit(tooltip: str) -> QTimeEdit:
    t = QTimeEdit()
    t.setDisplayFormat("HH:mm:ss")
    t.setToolTip(tooltip)
    t.setMaximumWidth(SHORT_WIDTH)
    return t


def set_date(widget: QDateEdit, value: date) -> None:
    widget.setDate(QDate(value.year, value.month, value.day))


def get_date(widget: QDateEdit) -> str:
    return str(widget.date().toString("yyyy-MM-dd"))


def set_time(widget: QTimeEdit, value: time) -> None:
    widget.setTime(QTime(value.hour, value.minute, value.second))


def get_time(widget: QTimeEdit) -> str:
    return str(widget.time().toString("HH:mm:ss"))


def button(text: str, tooltip: str) -> QPushButton:
    b = QPushButton(text)
    b.setToolTip(tooltip)
    b.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Fixed)
    return b


def row(*widgets: QWidget, stretch: bool = True) -> QHBoxLayout:
    """Widgets side by side at their own size; the rest of the line stays empty."""
    lay = QHBoxLayout()
    for w in widgets:
        lay.addWidget(w)
    if stretch:
        lay.addStretch(1)
    return lay


def _browse_row(edit: QLineEdit, choose: object) -> QWidget:
    holder = QWidget()
    lay = QHBoxLayout(holder)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.addWidget(edit)
    b = button(tr("Browse…"), tr("Choose with a file dialog"))
    b.clicked.connect(choose)  # type: ignore[arg-type]
    lay.addWidget(b)
    lay.addStretch(1)
    return holder


def dir_row(edit: QLineEdit, parent: QWidget) -> QWidget:
    """A line edit with a button that chooses a directory."""

    def browse() -> None:
        chosen = QFileDialog.getExistingDirectory(parent, tr("Choose a directory"), edit.text())
        if chosen:
            edit.setText(chosen)

    return _browse_row(edit, browse)


def file_row(edit: QLineEdit, parent: QWidget, pattern: str) -> QWidget:
    """A line edit with a button that chooses an existing file matching ``pattern`` (a Qt name filter)."""

    def browse() -> None:
        chosen, _ = QFileDialog.getOpenFileName(parent, tr("Choose a file"), edit.text(), pattern)
        if chosen:
            edit.setText(chosen)

    return _browse_row(edit, browse)


def form(*rows: tuple[str, QWidget | QLayout]) -> QFormLayout:
    """Label / field rows; fields keep their size hint instead of filling the window's width."""
    lay = QFormLayout()
    lay.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
    lay.setLabelAlignment(Qt.Alignment(Qt.AlignmentFlag.AlignRight) | Qt.AlignmentFlag.AlignVCenter)
    for label, widget in rows:
        if isinstance(widget, QLayout):
            lay.addRow(label, widget)
        else:
            lay.addRow(label, widget)
    return lay


class ElidedLabel(QLabel):
    """A one-line label that never asks for more width than it gets: long text ends in "…", the whole
    text is in the tooltip (and selectable by copying the tooltip)."""

    def __init__(self, text: str = "", tooltip: str = "") -> None:
        super().__init__()
        self._full = ""
        self._tip = tooltip
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.setMinimumWidth(50)
        self.setText(text)

    def setText(self, text: str | None) -> None:  # noqa: N802 - Qt's name
        self._full = text or ""
        super().setText(self._full)
        self.setToolTip(f"{self._tip}\n{self._full}".strip() if self._full else self._tip)
        self.update()

    def text(self) -> str:
        return self._full

    def paintEvent(self, _event: QPaintEvent | None) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        rect = self.contentsRect()
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle, rect.width())
        painter.drawText(rect, int(self.alignment()) | int(Qt.AlignmentFlag.AlignVCenter), shown)


def command_label(tooltip: str) -> ElidedLabel:
    label = ElidedLabel("", tooltip)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class LogView(QPlainTextEdit):
    """A log that stays scrolled to the left edge as lines arrive (a long line would otherwise pull the
    view sideways and cut the start of every line)."""

    def appendPlainText(self, text: str | None) -> None:  # noqa: N802 - Qt's name
        bar = self.horizontalScrollBar()
        left = bar.value() if bar is not None else 0
        super().appendPlainText(text)
        if bar is not None:
            bar.setValue(left)


def log_view(tooltip: str) -> QPlainTextEdit:
    """A read-only log in a fixed-width font, without line wrap, keeping the last ``LOG_LINES`` lines."""
    log = LogView()
    log.setReadOnly(True)
    log.setToolTip(tooltip)
    log.setFont(QFontDatabase.systemFont(QFontDatabase.FixedFont))
    log.setLineWrapMode(QPlainTextEdit.NoWrap)
    log.setMaximumBlockCount(LOG_LINES)
    return log
