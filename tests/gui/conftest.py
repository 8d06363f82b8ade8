"""GUI tests run Qt offscreen and write screenshots of each tab to artifacts/screenshots/."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from hikyuu_live.config import generate_default_config  # noqa: E402

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture
def home(tmp_path) -> Path:
    h = tmp_path / "home"
    generate_default_config(h, tmp_path / "data")
    return h


@pytest.fixture
def open_window(qtbot, monkeypatch) -> Callable[[Path], object]:
    """Opens a HikyuuTDX window on a config home; every window opened is closed and its jobs stopped."""
    from PyQt5.QtWidgets import QMessageBox

    from hikyuu_live.gui.HikyuuTDX import MainWindow

    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: QMessageBox.Ok)
    # a modal question offscreen would wait forever (closing the window with jobs running asks one)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    opened: list[MainWindow] = []

    def make(h: Path) -> MainWindow:
        win = MainWindow(h)
        qtbot.addWidget(win)
        win.show()
        opened.append(win)
        return win

    yield make
    for win in opened:
        win.stop_all()
        win.monitor_tab.stop()
        win.strategy_tab.shutdown()
        win.dataserver_tab.shutdown()


@pytest.fixture
def window(open_window, home):
    return open_window(home)
