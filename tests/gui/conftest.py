"""GUI tests run Qt offscreen and write a screenshot of each tab to artifacts/screenshots/."""

from __future__ import annotations

import os
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
def window(qtbot, home, monkeypatch):
    from PyQt5.QtWidgets import QMessageBox

    from hikyuu_live.gui.HikyuuTDX import MainWindow

    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: QMessageBox.Ok)
    # a modal question offscreen would wait forever (closing the window with jobs running asks one)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    win = MainWindow(home)
    qtbot.addWidget(win)
    win.show()
    yield win
    for runner in (win.collect_tab.runner, win.run_import_tab.runner, win.strategy_tab.runner):
        runner.stop()
        runner.wait(10_000)
    win.monitor_tab.stop()
