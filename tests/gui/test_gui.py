"""HikyuuTDX with real widgets (offscreen) and real child processes: collector, strategy, data server, import."""

from __future__ import annotations

from pathlib import Path

import pytest
from PyQt5.QtWidgets import QApplication

from hikyuu_live.config import load_hikyuu_ini
from hikyuu_live.gui.i18n import tr
from hikyuu_live.gui.widgets.run_import_tab import parse_progress
from hikyuu_live.model.kdata import KType

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "test_data" / "replay_sample.csv.gz"


def screen_width() -> int:
    screen = QApplication.primaryScreen()
    assert screen is not None
    return screen.availableGeometry().width()


def start_replay(window, bus: str, speed: int = 100) -> None:
    c = window.collect_tab
    c.source.setCurrentIndex(c.source.findData("replay"))
    c.replay_file.setText(str(SAMPLE))
    c.speed.setValue(speed)
    c.ipc.setText(bus)
    c.tcp.setText("none")
    c.toggle()
    assert c.runner.running, c.log.toPlainText()


def test_storage_test_connection_really_connects(window, qtbot):
    tab = window.storage_tab
    assert "MySQL" in tab.test_connection("mysql").result(timeout=10)
    qtbot.waitUntil(lambda: "MySQL" in tab.status["mysql"].text(), timeout=5000)
    tab.fields["mysql"]["port"].setText("1")
    assert "failed" in tab.test_connection("mysql").result(timeout=10)
    qtbot.waitUntil(lambda: "failed" in tab.status["mysql"].text(), timeout=5000)


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
        assert tab.status["mysql"].text() == "Connecting…"
        qtbot.waitUntil(lambda: "failed" in tab.status["mysql"].text(), timeout=15000)
    finally:
        silent.close()


def test_the_quote_table_and_the_chart_follow_a_replayed_collector(window, qtbot, tmp_path):
    """Collector child process -> bus -> monitor: rows with prices, a chart of the selected code, health samples."""
    bus = f"ipc://{tmp_path}/gui.ipc"
    m = window.monitor_tab
    m.address.setText(bus)
    m.watch.setText("sh600000, sz000001, sh510300")
    m.toggle()
    start_replay(window, bus)
    assert "spot_server --source replay" in window.collect_tab.command.text()
    qtbot.waitUntil(lambda: m.model.rowCount() == 3, timeout=20_000)
    m.chart_code("SH600000")
    qtbot.waitUntil(lambda: m.chart.state()["bars"] >= 5, timeout=30_000)  # 1-minute bars as they form
    row = m.model.row_of("SH600000")
    assert m.model.data(m.model.index(row, 1)) == "浦发银行" and float(m.model.data(m.model.index(row, 2))) > 0
    m.model.sort(3)  # by change %: the rows are reordered, the codes stay with their numbers
    assert {m.model.code_at(r) for r in range(3)} == {"SH600000", "SZ000001", "SH510300"}
    version, minutes = m.feed.bars(KType.MIN)
    assert len(minutes) >= 5 and (minutes["volume"] >= 0).all()
    m.ktype_buttons[KType.DAY].setChecked(True)
    qtbot.waitUntil(lambda: m.chart.state()["bars"] >= 1, timeout=5_000)
    qtbot.waitUntil(lambda: len(m.feed.health) >= 3, timeout=10_000)
    assert max(s.spots_per_s for s in m.feed.health) > 0 and "cycles" in m.summary.text()
    window.collect_tab.toggle()  # stop: a console stop, clean exit
    qtbot.waitUntil(lambda: not window.collect_tab.runner.running, timeout=15_000)
    assert "(exit code 0)" in window.collect_tab.status.text()
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=15_000)  # nothing on the bus: the red banner
    assert "STALE" in window.banner.text()
    m.stop()
    assert not window.banner.isVisible()


def test_a_strategys_positions_and_pnl_appear_and_it_stops_and_restarts(window, qtbot, tmp_path):
    bus = f"ipc://{tmp_path}/stg.ipc"
    s = window.strategy_tab
    s.scripts.setCurrentRow(1)  # demo 2: the moving-average system on the paper broker
    s.codes.setText("sh600000,sz000001,sh510300,sh510050,sz159915")
    s.server.setText(bus)
    s.clock.setCurrentIndex(s.clock.findData("market"))
    s.extra.setText(f"--fast 3 --slow 8 --broker-state {tmp_path / 'paper.json'}")
    run = s.start_selected()
    assert run is not None
    assert s.command.text().startswith("Command: hikyuu-live strategy_demo2 --codes") and "--status" in s.command.text()
    qtbot.waitUntil(lambda: run.snapshot.get("state") == "running", timeout=30_000)
    start_replay(window, bus, speed=300)
    qtbot.waitUntil(lambda: s.positions.rowCount() >= 1 and s.orders.rowCount() >= 1, timeout=90_000)
    snap = run.snapshot
    held = snap["positions"][0]
    assert held["number"] > 0 and held["last_price"] and held["unrealised_pnl"] == pytest.approx(
        (held["last_price"] - held["cost_price"]) * held["number"], abs=0.01)
    assert s.table.item(0, 6).text() == f"{snap['account']['unrealised_pnl']:,.2f}"
    assert s.orders.item(0, 5).text() in ("filled", "rejected")
    # the child's output reaches the tab through its pipe, maybe after the status snapshot showed the position
    qtbot.waitUntil(lambda: "MA3 crossed above MA8" in "\n".join(run.lines), timeout=15_000)
    s.table.selectRow(0)
    s._selected_do("stop")  # over the status channel
    qtbot.waitUntil(lambda: not run.running, timeout=20_000)
    assert run.exit_code == 0 and "exited (0)" in s.table.item(0, 1).text()
    s._selected_do("restart")
    qtbot.waitUntil(lambda: run.snapshot.get("state") == "running", timeout=30_000)
    assert run.snapshot["account"]["cash"] == snap["account"]["cash"] or run.snapshot["orders"]  # resumed its book
    run.stop()
    qtbot.waitUntil(lambda: not run.running, timeout=20_000)


def test_the_data_server_tab_runs_the_server_and_shows_its_figures(window, qtbot, tmp_path):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bus = f"ipc://{tmp_path}/ds.ipc"
    d = window.dataserver_tab
    d.addr.setText(f"tcp://127.0.0.1:{port}")
    d.server.setText(bus)
    d.toggle()
    assert "dataserver --addr" in d.command.text()
    start_replay(window, bus, speed=200)
    qtbot.waitUntil(lambda: d.last_status.get("ticks", 0) > 0, timeout=40_000)
    assert d.values["ready"].text() == "yes" and int(d.values["ticks"].text().replace(",", "")) > 0
    d.toggle()
    qtbot.waitUntil(lambda: not d.runner.running, timeout=20_000)
    assert "exit code 0" in d.state.text()


def test_the_window_never_grows_wider_than_the_screen(window, qtbot, tmp_path):
    """Found: long command lines widened the window to 1,774 and then 2,332 px."""
    long_path = tmp_path / ("very_long_folder_name_" * 12) / "recording.csv.gz"
    window.collect_tab.command.setText("Command: spot_server --source replay --file " + str(long_path) * 3)
    window.run_import_tab.command.setText("Command: importdata --config " + str(long_path) * 4)
    window.message.setText("Saved 3 setting(s) to " + str(long_path) * 4)
    window.strategy_tab.command.setText("Command: hikyuu-live strategy_demo2 " + "--codes sh600000 " * 60)
    for size in (screen_width(), 1280):  # the screen the window opened on (800 px offscreen), and a laptop's
        window.resize(size, 700)
        for i in range(window.tabs.count()):
            window.tabs.setCurrentIndex(i)
            qtbot.wait(20)
            assert window.width() == size and window.minimumSizeHint().width() <= screen_width(), window.tabs.tabText(i)
    assert window.collect_tab.command.toolTip().endswith(str(long_path) * 3)  # the whole text in the tooltip


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
    assert r.command.text().startswith("Command: importdata --config")  # the command-line equivalent
    qtbot.waitUntil(lambda: not r.runner.running, timeout=120_000)
    log = r.log.toPlainText()
    assert "exit code 0" in log, log[-3000:]
    assert {k for k, _ in seen} == {"day", "min", "min5"} and all(r.bars[k].value() == 100 for k, _ in seen)
    assert "total: 16570 rows" in log and "0 bars rejected" in log
    with open_store(load_config(home).importdata) as store:
        want = read_day(ROOT / "test_data" / "vipdoc" / "sh" / "lday" / "sh600000.day", "SH", "600000")
        got = store.read_range("SH600000", "DAY")
        assert len(got) == len(want) and got["close"][-1] == want["close"][-1]


def test_lazy_preload_and_no_limit_reach_hikyuu_ini(window, home):
    """Reproduces: the lazy-preload box was saved to importdata-gui.ini only (the original writes it to
    hikyuu.ini's [hikyuu] lazy_preload), and a maximum of 0 (Hikyuu's "no limit") could not be entered."""
    window.preload_tab.lazy.setChecked(True)
    window.preload_tab.maxima["day"].setValue(0)
    assert window.save(), window.last_error
    hk = load_hikyuu_ini(home / "hikyuu.ini")
    assert hk.hikyuu.lazy_preload and hk.preload.maxima["day"] == 0
    assert window.preload_tab.maxima["day"].text() == tr("No limit")  # "不限" in Chinese
