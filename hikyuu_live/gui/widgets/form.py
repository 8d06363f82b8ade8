"""Small form helpers: labelled fields with English tooltips, and readers that validate them.

Labels are Chinese, as HikyuuTDX users expect; every field has an English tooltip. Values are read
back as text and validated by the config module's own parsers, so the GUI accepts exactly what the ini
files accept and shows the same error messages.
"""

from __future__ import annotations

from datetime import date, time

from PyQt5.QtCore import QDate, QTime
from PyQt5.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTimeEdit,
    QWidget,
)


def tip(widget: QWidget, text: str) -> QWidget:
    widget.setToolTip(text)
    return widget


def check(label: str, tooltip: str) -> QCheckBox:
    box = QCheckBox(label)
    box.setToolTip(tooltip)
    return box


def line(tooltip: str, *, password: bool = False) -> QLineEdit:
    edit = QLineEdit()
    edit.setToolTip(tooltip)
    if password:
        edit.setEchoMode(QLineEdit.Password)
    return edit


def spin(lo: int, hi: int, tooltip: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(lo, hi)
    box.setToolTip(tooltip)
    return box


def date_edit(tooltip: str) -> QDateEdit:
    d = QDateEdit()
    d.setDisplayFormat("yyyy-MM-dd")
    d.setCalendarPopup(True)
    d.setToolTip(tooltip)
    return d


def time_edit(tooltip: str) -> QTimeEdit:
    t = QTimeEdit()
    t.setDisplayFormat("HH:mm:ss")
    t.setToolTip(tooltip)
    return t


def set_date(widget: QDateEdit, value: date) -> None:
    widget.setDate(QDate(value.year, value.month, value.day))


def get_date(widget: QDateEdit) -> str:
    return widget.date().toString("yyyy-MM-dd")


def set_time(widget: QTimeEdit, value: time) -> None:
    widget.setTime(QTime(value.hour, value.minute, value.second))


def get_time(widget: QTimeEdit) -> str:
    return widget.time().toString("HH:mm:ss")


def dir_row(edit: QLineEdit, parent: QWidget) -> QWidget:
    """A line edit with a browse button."""
    row = QWidget()
    lay = QHBoxLayout(row)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.addWidget(edit)
    button = QPushButton("浏览…")
    button.setToolTip("Browse for a directory")

    def browse() -> None:
        chosen = QFileDialog.getExistingDirectory(parent, "选择目录", edit.text())
        if chosen:
            edit.setText(chosen)

    button.clicked.connect(browse)
    lay.addWidget(button)
    return row


def form(*rows: tuple[str, QWidget]) -> QFormLayout:
    lay = QFormLayout()
    for label, widget in rows:
        lay.addRow(label, widget)
    return lay
