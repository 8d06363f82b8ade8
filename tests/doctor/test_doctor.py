"""hikyuu_doctor: every check against a healthy set-up and against the broken case it exists for."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import h5py
import numpy as np
import pytest

from hikyuu_live.bus import QuotePublisher
from hikyuu_live.clock import EXCHANGE_TZ, FakeClock
from hikyuu_live.config import generate_default_config, update_ini
from hikyuu_live.doctor.checks import (
    DoctorContext,
    Status,
    check_broker,
    check_bus,
    check_calendar,
    check_clock,
    check_config,
    check_permissions,
    check_store,
    check_xtquant,
)
from hikyuu_live.model.calendar import TradingCalendar
from tests.bus.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=EXCHANGE_TZ)


def hdf5_store(data: Path, last: int) -> None:
    """A minimal data dir in Hikyuu's layout: stock.db with the tables Hikyuu needs, sh_day.h5."""
    data.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(data / "stock.db") as con:
        for t in ("Market(marketid)", "StockTypeInfo(id)", "Stock(stockid)", "Block(id)", "BlockIndex(id)"):
            con.execute(f"CREATE TABLE IF NOT EXISTS {t}")
    rec = np.zeros(2, dtype=[("datetime", "<u8"), ("openPrice", "<u4"), ("highPrice", "<u4"), ("lowPrice", "<u4"),
                             ("closePrice", "<u4"), ("transAmount", "<u8"), ("transCount", "<u8")])
    rec["datetime"] = [202611200000, last]
    with h5py.File(data / "sh_day.h5", "w") as f:
        f.create_dataset("data/SH000001", data=rec)


@pytest.fixture
def ctx(tmp_path) -> DoctorContext:
    home = tmp_path / "home"
    generate_default_config(home, tmp_path / "data")
    c = DoctorContext(home=home, clock=FakeClock(NOW), wait_s=1.5)
    assert check_config(c).status is Status.OK
    return c


def test_config_missing_and_bad(tmp_path):
    c = DoctorContext(home=tmp_path / "none", clock=FakeClock(NOW))
    r = check_config(c)
    assert r.status is Status.FAILED and "file not found" in r.detail and "--init" in r.fix
    generate_default_config(tmp_path / "none", tmp_path / "d")
    update_ini(tmp_path / "none" / "importdata-gui.ini", {"collect": {"interval": "soon"}})
    r = check_config(c)
    assert r.status is Status.FAILED and "'interval'" in r.detail


def test_permissions_warn_about_a_password_file_others_can_read(ctx):
    """Issue 16: config files holding a password readable by others are reported with the chmod that fixes them."""
    imp = ctx.home / "importdata-gui.ini"
    assert check_permissions(ctx).status is Status.OK  # no password anywhere yet
    imp.write_text(imp.read_text(encoding="utf-8").replace("[mysql]", "[mysql]\npwd = hunter2"), encoding="utf-8")
    imp.chmod(0o644)  # as an editor or an older version left it
    r = check_permissions(ctx)
    assert r.status is Status.WARNING and str(imp) in r.detail and "mode 644" in r.detail
    assert r.fix == f"chmod 600 {imp}" and "hunter2" not in r.detail + r.fix
    imp.chmod(0o600)
    assert check_permissions(ctx).status is Status.OK


def test_store_hdf5_healthy_stale_and_missing(ctx, tmp_path):
    assert check_store(ctx).status is Status.FAILED  # nothing imported yet
    hdf5_store(tmp_path / "data", 202611240000)
    r = check_store(ctx)
    assert r.status is Status.OK and "2026-11-24" in r.detail
    hdf5_store(tmp_path / "data", 202611100000)
    r = check_store(ctx)
    assert r.status is Status.WARNING and "expected 2026-11-24" in r.detail


def test_store_mysql_reachable_and_unreachable(ctx, tmp_path):
    import mysql.connector

    con = mysql.connector.connect(host="127.0.0.1", port=3306, user="root", password="")
    cur = con.cursor()
    cur.execute("CREATE DATABASE IF NOT EXISTS sh_day")
    cur.execute("CREATE TABLE IF NOT EXISTS sh_day.`000001` (date BIGINT UNSIGNED PRIMARY KEY, close DOUBLE)")
    cur.execute("REPLACE INTO sh_day.`000001` VALUES (202611240000, 3000.0)")
    con.commit()
    try:
        from hikyuu_live.config import hikyuu_ini_text

        (ctx.home / "hikyuu.ini").write_text(hikyuu_ini_text("mysql", tmp_path, port=3306))
        assert check_config(ctx).status is Status.OK
        assert check_store(ctx).status is Status.OK
        (ctx.home / "hikyuu.ini").write_text(hikyuu_ini_text("mysql", tmp_path, port=free_port()))
        check_config(ctx)
        r = check_store(ctx)
        assert r.status is Status.FAILED and "unreachable" in r.detail
    finally:
        cur.execute("DROP TABLE sh_day.`000001`")
        con.close()


def test_store_clickhouse_reachable_and_unreachable(ctx, tmp_path, clickhouse):
    from hikyuu_live.config import hikyuu_ini_text
    from hikyuu_live.model.kdata import KDATA_DTYPE
    from hikyuu_live.store import make_store

    bars = np.zeros(2, KDATA_DTYPE)
    bars["datetime"] = [np.datetime64("2026-11-23"), np.datetime64("2026-11-24")]
    for f in ("open", "high", "low", "close"):
        bars[f] = 3000.0
    store = make_store("clickhouse", host=clickhouse.host, port=clickhouse.http_port)
    with store:
        store.append("SH000001", "DAY", bars)
    try:
        # the native port is what Hikyuu's C++ client uses; the doctor must use http_port like our stores
        text = hikyuu_ini_text("clickhouse", tmp_path, port=clickhouse.tcp_port)
        (ctx.home / "hikyuu.ini").write_text(text.replace("[kdata]", f"[kdata]\nhttp_port = {clickhouse.http_port}"))
        assert check_config(ctx).status is Status.OK
        r = check_store(ctx)
        assert r.status is Status.OK and "2026-11-24" in r.detail, r
        (ctx.home / "hikyuu.ini").write_text(text.replace("[kdata]", f"[kdata]\nhttp_port = {free_port()}"))
        check_config(ctx)
        r = check_store(ctx)
        assert r.status is Status.FAILED and "unreachable" in r.detail
    finally:
        with make_store("clickhouse", host=clickhouse.host, port=clickhouse.http_port) as s:
            s.drop_all()  # type: ignore[attr-defined]


def test_calendar_current_expiring_and_expired(ctx):
    assert check_calendar(ctx).status is Status.OK
    ctx.calendar = TradingCalendar([date(2020, 1, 1)], covers_until=2020)
    assert check_calendar(ctx).status is Status.FAILED
    ctx.calendar = TradingCalendar([date(2026, 1, 1)], covers_until=2026)
    ctx.clock = FakeClock(datetime(2026, 12, 10, tzinfo=EXCHANGE_TZ))
    assert check_calendar(ctx).status is Status.WARNING


def test_bus_collector_role_port_in_use(ctx, tmp_path):
    ctx.role = "collector"
    ctx.address = f"tcp://127.0.0.1:{free_port()}"
    assert check_bus(ctx).status is Status.OK
    with QuotePublisher([ctx.address], source="x"):
        r = check_bus(ctx)
    assert r.status is Status.FAILED and "another collector" in r.fix


def test_bus_strategy_role_live_silent_and_absent(ctx, tmp_path):
    ctx.address = f"ipc://{tmp_path}/bus.ipc"
    assert "no publisher" in check_bus(ctx).detail
    with QuotePublisher([ctx.address], source="x", heartbeat_interval_s=0.2):
        r = check_bus(ctx)
    assert r.status is Status.OK and "heartbeats" in r.detail
    with QuotePublisher([ctx.address], source="x", heartbeat_interval_s=0):  # alive socket, silent feed
        r = check_bus(ctx)
    assert r.status is Status.FAILED and "nothing arrived" in r.detail


def test_xtquant_only_checked_when_qmt_is_the_source(ctx):
    assert check_xtquant(ctx).status is Status.OK
    update_ini(ctx.home / "importdata-gui.ini", {"collect": {"source": "qmt"}})
    check_config(ctx)
    r = check_xtquant(ctx)
    assert r.status is Status.FAILED and "start_qmt" in r.fix


def test_broker_reachable_or_not(ctx):
    import socket

    assert check_broker(ctx).status is Status.OK  # paper
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    port = srv.getsockname()[1]
    update_ini(ctx.home / "importdata-gui.ini", {"broker": {"type": "easytrader", "host": "127.0.0.1", "port": port}})
    assert check_broker(ctx).status is Status.OK
    srv.close()
    assert check_broker(ctx).status is Status.FAILED


def test_clock(ctx):
    r = check_clock(ctx)
    assert r.status is Status.OK and "2026-11-25 10:00:00" in r.detail


def test_cli_exit_codes_and_json(tmp_path):
    home = tmp_path / "h"
    cmd = [sys.executable, "-m", "hikyuu_live.gui.doctor", "--config", str(home), "--json", "--wait", "0.3"]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 1
    data = json.loads(out.stdout)
    assert not data["ok"] and {c["name"] for c in data["checks"]} >= {"config", "store", "calendar", "bus", "clock"}
    out = subprocess.run([*cmd, "--init"], capture_output=True, text=True, cwd=ROOT)
    assert json.loads(out.stdout)["checks"][0]["status"] == "ok"


def test_doctor_reads_the_config_file_it_is_given_and_the_example_passes(tmp_path):
    """Reproduces: ``hikyuu_doctor --config test_data/hikyuu_linux.ini`` looked for a hikyuu.ini beside the
    file, and the example configs named data the repository does not ship. After the documented step
    (``make test-data``, here into a copy of the repository layout) the doctor passes."""
    from scripts.make_test_data import make

    (tmp_path / "test_data").mkdir()
    (tmp_path / "test_data" / "vipdoc").symlink_to(ROOT / "test_data" / "vipdoc")
    for name in ("hikyuu_linux.ini", "hikyuu_win.ini"):
        (tmp_path / "test_data" / name).write_bytes((ROOT / "test_data" / name).read_bytes())
    make(tmp_path)
    for name in ("hikyuu_linux.ini", "hikyuu_win.ini"):
        r = subprocess.run([sys.executable, "-m", "hikyuu_live.gui.doctor", "--config", f"test_data/{name}",
                            "--role", "collector", "--address", f"ipc://{tmp_path}/doctor.ipc", "--json"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=120,
                           env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
        out = json.loads(r.stdout)
        checks = {c["name"]: c for c in out["checks"]}
        assert r.returncode == 0 and out["ok"], r.stdout
        assert f"test_data/{name} is valid" in checks["config"]["detail"]
        assert checks["store"]["status"] in ("ok", "warning") and "newest day bar" in checks["store"]["detail"]


def test_init_takes_the_data_directory(tmp_path):
    """Reproduces: ``importdata --init`` and ``hikyuu_doctor --init`` had no --data-dir (always ~/stock)."""
    from hikyuu_live.config import load_config

    r = subprocess.run([sys.executable, "-m", "hikyuu_live.gui.doctor", "--init", "--config", str(tmp_path / "a"),
                        "--data-dir", str(tmp_path / "da"), "--role", "collector", "--address",
                        f"ipc://{tmp_path}/d.ipc"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert (tmp_path / "a" / "hikyuu.ini").exists(), r.stderr
    assert load_config(tmp_path / "a").hikyuu.data_dir == tmp_path / "da"
    r = subprocess.run([sys.executable, "-m", "hikyuu_live.gui.importdata", "--init", "--config", str(tmp_path / "b"),
                        "--data-dir", str(tmp_path / "db")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    cfg = load_config(tmp_path / "b")
    assert cfg.hikyuu.data_dir == tmp_path / "db" and cfg.importdata.hdf5.dir == str(tmp_path / "db")
