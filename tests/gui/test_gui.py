"""HikyuuTDX with real widgets (offscreen): config round trips, validation, child processes, monitor."""

from __future__ import annotations

from datetime import date, time
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

from hikyuu_live.config import load_hikyuu_ini, load_import_ini
from hikyuu_live.gui.widgets.run_import_tab import parse_progress
from tests.gui.conftest import SHOTS

INPUTS = (QLineEdit, QCheckBox, QRadioButton, QSpinBox, QPushButton, QComboBox, QDateEdit, QTimeEdit)
ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "test_data" / "replay_sample.csv.gz"


def test_screenshot_of_every_tab_at_1280x800(window, qtbot):
    SHOTS.mkdir(parents=True, exist_ok=True)
    window.resize(1280, 800)
    for i, tab in enumerate(window.tabs_list):
        window.tabs.setCurrentIndex(i)
        qtbot.wait(50)
        path = SHOTS / f"{i + 1}_{type(tab).__name__}.png"
        assert window.grab().save(str(path))
        assert path.stat().st_size > 10_000
        inputs = [w for cls in INPUTS for w in tab.findChildren(cls)
                  if not isinstance(w.parent(), QAbstractSpinBox)]  # a spin box's own inner line edit
        missing = [w for w in inputs if not w.toolTip() or not w.toolTip().isascii()]
        assert inputs and not missing, [type(w).__name__ for w in missing]


def test_fields_load_from_and_save_to_the_config_files(window, home, tmp_path):
    imp = load_import_ini(home / "importdata-gui.ini")
    t = window.import_tab
    assert t.tdx_number.value() == imp.pytdx.use_tdx_number and t.ktype["day"].isChecked()
    # edit a field in every settings tab
    t.pytdx.setChecked(True)
    t.tdx_number.setValue(4)
    t.ktype["trans"].setChecked(True)
    t.start["min"].setDate(t.start["min"].date().addDays(-10))
    window.storage_tab.fields["hdf5"]["dir"].setText(str(tmp_path / "newdata"))
    window.preload_tab.flags["min5"].setChecked(True)
    window.preload_tab.maxima["min5"].setValue(999)
    window.collect_tab.interval.setValue(15)
    window.collect_tab.tcp.setText("tcp://*:9300")
    window.run_import_tab.sched_time.setTime(window.run_import_tab.sched_time.time().fromString("19:45:00", "HH:mm:ss"))
    (home / "importdata-gui.ini").write_text((home / "importdata-gui.ini").read_text() + "\n[mine]\nkeep = 1\n")
    (home / "hikyuu.ini").write_text((home / "hikyuu.ini").read_text().replace("[hikyuu]", "[hikyuu]\n# my note"))
    assert window.save(), window.last_error
    imp = load_import_ini(home / "importdata-gui.ini")
    assert imp.pytdx.enable and not imp.tdx.enable and imp.pytdx.use_tdx_number == 4 and imp.ktype.trans
    assert imp.ktype.min_start_date < date(2023, 9, 19)
    assert imp.hdf5.dir == str(tmp_path / "newdata") and imp.preload.maxima["min5"] == 999
    assert imp.collect.interval == 15 and imp.collect.tcp_address == "tcp://*:9300"
    assert imp.sched.time == time(19, 45)
    hk = load_hikyuu_ini(home / "hikyuu.ini")
    assert hk.hikyuu.datadir == str(tmp_path / "newdata") and hk.preload.flags["min5"]
    assert hk.kdata.files["sh_day"] == f"{tmp_path / 'newdata'}/sh_day.h5"
    assert "[mine]\nkeep = 1" in (home / "importdata-gui.ini").read_text()
    assert "# my note" in (home / "hikyuu.ini").read_text()
    window.reload()
    assert window.import_tab.tdx_number.value() == 4


def test_invalid_input_is_refused_and_saves_nothing(window, home, tmp_path):
    before = ((home / "importdata-gui.ini").read_text(), (home / "hikyuu.ini").read_text())
    window.import_tab.tdx.setChecked(True)
    window.import_tab.tdx_dir.setText(str(tmp_path / "no_such_tdx"))
    assert not window.save()
    assert "TDX directory does not exist" in window.last_error
    window.import_tab.tdx_dir.setText(str(tmp_path))
    window.storage_tab.radio["mysql"].setChecked(True)
    window.storage_tab.fields["mysql"]["port"].setText("99999")
    assert not window.save()
    assert "'port'" in window.last_error and "99999" in window.last_error
    assert ((home / "importdata-gui.ini").read_text(), (home / "hikyuu.ini").read_text()) == before


def test_storage_test_connection_really_connects(window, qtbot):
    tab = window.storage_tab
    assert "已连接 MySQL" in tab.test_connection("mysql").result(timeout=10)
    qtbot.waitUntil(lambda: "已连接 MySQL" in tab.status["mysql"].text(), timeout=5000)
    tab.fields["mysql"]["port"].setText("1")
    assert "连接失败" in tab.test_connection("mysql").result(timeout=10)
    qtbot.waitUntil(lambda: "连接失败" in tab.status["mysql"].text(), timeout=5000)


def test_storage_test_connection_never_blocks_the_qt_thread(window, qtbot):
    """A server that accepts and never answers: the click returns at once, the answer comes later."""
    import socket
    import time as clock

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        tab = window.storage_tab
        tab.fields["mysql"]["host"].setText("127.0.0.1")
        tab.fields["mysql"]["port"].setText(str(silent.getsockname()[1]))
        t0 = clock.perf_counter()
        future = tab.test_connection("mysql")
        assert clock.perf_counter() - t0 < 0.2 and not future.done()
        assert tab.status["mysql"].text() == "正在连接…"
        qtbot.waitUntil(lambda: "连接失败" in tab.status["mysql"].text(), timeout=15000)
    finally:
        silent.close()


def test_collector_starts_and_stops_and_the_monitor_shows_its_cycles(window, qtbot, tmp_path):
    bus = f"ipc://{tmp_path}/gui.ipc"
    c = window.collect_tab
    c.source.setCurrentIndex(c.source.findData("replay"))
    c.replay_file.setText(str(SAMPLE))
    c.speed.setValue(100)
    c.ipc.setText(bus)
    c.tcp.setText("none")
    m = window.monitor_tab
    m.address.setText(bus)
    m.toggle()
    c.toggle()
    assert c.runner.running and "spot_server --source replay" in c.command.text()
    qtbot.waitUntil(lambda: m.sub is not None and m.sub.stats.cycles >= 3, timeout=20_000)
    qtbot.waitUntil(lambda: m.labels["cycles"].text() not in ("-", "0 / 0"), timeout=5_000)
    assert m.labels["connected"].text() == "已连接" and m.labels["gaps"].text().startswith("0 ")
    c.toggle()  # stop: SIGTERM, clean exit
    qtbot.waitUntil(lambda: not c.runner.running, timeout=15_000)
    assert "已停止 (退出码 0)" in c.status.text()


def test_import_progress_lines_are_understood():
    assert parse_progress("import SH DAY 120/300 stocks") == ("day", 40)
    assert parse_progress("[sz] 5min 100%") == ("min5", 100)
    assert parse_progress("progress market=BJ ktype=MIN done=5 total=10") == ("min", 50)
    assert parse_progress("nothing here") is None


def test_a_real_import_of_the_sample_tdx_data_runs_from_the_gui_with_progress(window, home, qtbot):
    from hikyuu_live.config import load_config
    from hikyuu_live.store import open_store
    from hikyuu_live.tdx.files import read_day

    t = window.import_tab
    t.tdx.setChecked(True)
    t.tdx_dir.setText(str(ROOT / "test_data"))  # the TDX install: it holds vipdoc/
    assert window.save(), window.last_error
    r = window.run_import_tab
    seen: list[tuple[str, int]] = []
    r.runner.line.connect(lambda line: seen.append(p) if (p := parse_progress(line)) else None)
    r.toggle()
    assert r.command.text().startswith("命令: importdata --config")  # the command-line equivalent
    qtbot.waitUntil(lambda: not r.runner.running, timeout=120_000)
    log = r.log.toPlainText()
    assert "退出码 0" in log, log[-3000:]
    assert {k for k, _ in seen} == {"day", "min", "min5"} and all(r.bars[k].value() == 100 for k, _ in seen)
    assert "total: 16570 rows" in log and "0 bars rejected" in log
    with open_store(load_config(home).importdata) as store:
        want = read_day(ROOT / "test_data" / "vipdoc" / "sh" / "lday" / "sh600000.day", "SH", "600000")
        got = store.read_range("SH600000", "DAY")
        assert len(got) == len(want) and got["close"][-1] == want["close"][-1]


def test_a_demo_strategy_started_from_the_strategies_tab_shows_its_paper_orders(window, qtbot, tmp_path):
    bus = f"ipc://{tmp_path}/stg.ipc"
    s = window.strategy_tab
    s.scripts.setCurrentRow(1)  # demo 2: the moving-average system on the paper broker
    s.codes.setText("sh600000,sz000001,sh510300,sh510050,sz159915")
    s.server.setText(bus)
    s.clock.setCurrentIndex(s.clock.findData("market"))
    s.extra.setText("--fast 3 --slow 8")
    s.toggle()
    assert "strategy_demo2" in s.command.text() and "--fast 3 --slow 8" in s.command.text()
    qtbot.waitUntil(lambda: "start event loop" in s.log.toPlainText(), timeout=30_000)
    c = window.collect_tab
    c.source.setCurrentIndex(c.source.findData("replay"))
    c.replay_file.setText(str(SAMPLE))
    c.speed.setValue(300)
    c.ipc.setText(bus)
    c.tcp.setText("none")
    c.toggle()
    qtbot.waitUntil(lambda: s.orders.rowCount() >= 1 and "持仓 S" in s.account.text(), timeout=90_000)
    statuses = {s.orders.item(r, 5).text() for r in range(s.orders.rowCount())}
    assert "filled" in statuses, statuses
    assert any(s.orders.item(r, 2).text() == "buy" for r in range(s.orders.rowCount()))
    assert "MA3 crossed above MA8" in s.log.toPlainText()
    s.toggle()
    qtbot.waitUntil(lambda: not s.runner.running, timeout=15_000)
    assert "策略结束, 退出码 0" in s.log.toPlainText()


def test_lazy_preload_and_no_limit_reach_hikyuu_ini(window, home):
    """Reproduces: the lazy-preload box was saved to importdata-gui.ini only (the original writes it to
    hikyuu.ini's [hikyuu] lazy_preload), and a maximum of 0 (Hikyuu's "no limit") could not be entered."""
    window.preload_tab.lazy.setChecked(True)
    window.preload_tab.maxima["day"].setValue(0)
    assert window.save(), window.last_error
    hk = load_hikyuu_ini(home / "hikyuu.ini")
    assert hk.hikyuu.lazy_preload and hk.preload.maxima["day"] == 0
    assert window.preload_tab.maxima["day"].text() == "不限"
