"""Screenshots of every tab, in Chinese, at 1280x800 and 1920x1080, with a replay, a strategy and the data
server running, written to artifacts/screenshots/ for people to look at."""

from __future__ import annotations

import socket
from pathlib import Path

from PyQt5.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTimeEdit,
)

from hikyuu_live.gui.i18n import install_translators
from tests.gui.conftest import SHOTS

INPUTS = (QLineEdit, QCheckBox, QRadioButton, QSpinBox, QPushButton, QComboBox, QDateEdit, QTimeEdit)
SAMPLE = Path(__file__).resolve().parents[2] / "test_data" / "replay_sample.csv.gz"
SIZES = ((1280, 800), (1920, 1080))
NAMES = ("import", "storage", "run_import", "preload", "collector", "monitor", "strategies", "dataserver")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_screenshots_of_every_tab_with_everything_running(qapp, open_window, home, qtbot, tmp_path):
    installed = install_translators(qapp, "zh_CN")
    try:
        win = open_window(home)
        bus = f"ipc://{tmp_path}/shots.ipc"
        m = win.monitor_tab
        m.address.setText(bus)
        m.toggle()
        s = win.strategy_tab
        s.scripts.setCurrentRow(1)
        s.codes.setText("sh600000,sz000001,sh510300,sh510050,sz159915")
        s.server.setText(bus)
        s.clock.setCurrentIndex(s.clock.findData("market"))
        s.extra.setText(f"--fast 3 --slow 8 --broker-state {tmp_path / 'paper.json'}")
        run = s.start_selected()
        assert run is not None
        d = win.dataserver_tab
        d.addr.setText(f"tcp://127.0.0.1:{free_port()}")
        d.server.setText(bus)
        d.toggle()
        qtbot.waitUntil(lambda: run.snapshot.get("state") == "running", timeout=30_000)
        c = win.collect_tab
        c.source.setCurrentIndex(c.source.findData("replay"))
        c.replay_file.setText(str(SAMPLE))
        c.speed.setValue(120)
        c.ipc.setText(bus)
        c.tcp.setText("none")
        c.toggle()
        qtbot.waitUntil(lambda: m.model.rowCount() > 100, timeout=30_000)
        m.chart_code("SH600000")
        qtbot.waitUntil(lambda: len(run.snapshot.get("positions", [])) >= 1 and m.chart.state()["bars"] >= 20,
                        timeout=90_000)
        qtbot.waitUntil(lambda: d.last_status.get("ticks", 0) > 0, timeout=30_000)
        SHOTS.mkdir(parents=True, exist_ok=True)
        for w, h in SIZES:
            win.resize(w, h)
            for i, tab in enumerate(win.tabs_list):
                win.tabs.setCurrentIndex(i)
                qtbot.wait(150)
                path = SHOTS / f"{w}x{h}_{i + 1}_{NAMES[i]}.png"
                assert win.grab().save(str(path))
                assert path.stat().st_size > 10_000
                assert win.width() == w
                inputs = [x for cls in INPUTS for x in tab.findChildren(cls)
                          if not isinstance(x.parent(), QAbstractSpinBox)]  # a spin box's own inner line edit
                assert inputs and all(x.toolTip() for x in inputs), [type(x).__name__ for x in inputs
                                                                    if not x.toolTip()]
    finally:
        for t in installed:
            qapp.removeTranslator(t)
