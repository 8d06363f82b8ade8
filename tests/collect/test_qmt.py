"""QMT: tick mapping and units, the snapshot source, chunked push subscription, the 09:30 pull, the watchdog,
and start_qmt as a real process, all against the fake xtquant package."""

from __future__ import annotations

import importlib
import importlib.util
import os
import subprocess
import sys
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from hikyuu_live.bus import QuotePublisher, SpotSubscriber
from hikyuu_live.clock import EXCHANGE_TZ, FakeClock
from hikyuu_live.errors import SourceUnavailable
from hikyuu_live.fetcher.qmt_push import QmtPushCollector
from hikyuu_live.fetcher.stock.zh_stock_a_qmt import QmtSpotSource, load_xtdata, ticks_to_spots
from hikyuu_live.model.calendar import TradingCalendar
from hikyuu_live.model.codes import CodeInfo, StockType, shipped_codes

ROOT = Path(__file__).resolve().parents[2]
FAKE = ROOT / "tests" / "standins" / "fake_xtquant"
CAL = TradingCalendar([date(2026, 10, 1)], covers_until=2026)


@pytest.fixture
def xtdata(monkeypatch):
    monkeypatch.setenv("FAKE_XT_PUSH_S", "0")  # no push thread: the test pushes
    monkeypatch.syspath_prepend(str(FAKE))
    for m in ("xtquant.xtdata", "xtquant"):
        sys.modules.pop(m, None)
    mod = importlib.import_module("xtquant.xtdata")
    yield mod
    for m in ("xtquant.xtdata", "xtquant"):
        sys.modules.pop(m, None)


def fake_module():  # noqa: ANN201
    """The fake xtdata module loaded under a private name, without its push thread (for ``make_tick``)."""
    spec = importlib.util.spec_from_file_location("_fake_xtdata_ticks", FAKE / "xtquant" / "xtdata.py")
    mod = importlib.util.module_from_spec(spec)
    before = os.environ.get("FAKE_XT_PUSH_S")
    os.environ["FAKE_XT_PUSH_S"] = "0"
    try:
        spec.loader.exec_module(mod)
    finally:
        if before is None:
            del os.environ["FAKE_XT_PUSH_S"]
        else:
            os.environ["FAKE_XT_PUSH_S"] = before
    return mod


def codes(n: int) -> list[CodeInfo]:
    return [CodeInfo("SH", f"{600000 + i}", f"股票{i}", StockType.A) for i in range(n)]


def test_tick_mapping_and_units():
    ms = int(datetime(2026, 11, 25, 10, 30, tzinfo=EXCHANGE_TZ).timestamp() * 1000)
    tick = {"time": ms, "lastPrice": 10.5, "open": 10.0, "high": 10.8, "low": 9.9, "lastClose": 10.1,
            "amount": 12_345_678.0, "volume": 1234, "pvolume": 123_400, "bidPrice": [10.49, 10.48],
            "bidVol": [5, 6], "askPrice": [10.5, 10.51, 10.52, 10.53, 10.54, 10.55], "askVol": [7, 8, 9, 1, 2, 3]}
    spots, bad = ticks_to_spots({"600000.SH": tick, "000001.sz": {**tick, "timetag": "20261124 14:59:57"},
                                 "bad": tick, "300750.SZ": {"lastPrice": 1, "time": 1}, "300751.SZ": {}},
                                {"SH600000": "浦发银行"})
    assert bad == {"bad_symbol": 1, "bad_field": 1, "bad_time": 1}
    a, b = spots
    assert (a["market"], a["code"], a["name"]) == ("SH", "600000", "浦发银行")
    assert str(a["datetime"]) == "2026-11-25T10:30:00.000000"  # epoch ms -> exchange wall time
    assert str(b["datetime"]) == "2026-11-24T14:59:57.000000" and b["market"] == "SZ"
    assert a["amount"] == pytest.approx(1234.5678)  # yuan -> 10,000 yuan
    assert a["volume"] == pytest.approx(1234)  # pvolume shares -> lots
    assert a["yesterday_close"] == 10.1 and a["close"] == 10.5
    assert a["bid"].tolist() == [10.49, 10.48, 0, 0, 0] and a["ask_amount"].tolist() == [7, 8, 9, 1, 2]


def test_without_xtquant_the_error_says_what_to_do(monkeypatch):
    monkeypatch.setitem(sys.modules, "xtquant", None)
    with pytest.raises(SourceUnavailable, match="start_qmt"):
        load_xtdata()


def test_snapshot_source(xtdata):
    src = QmtSpotSource(codes(3), xtdata=xtdata)
    got = []
    r = src.fetch_cycle(got.append)
    assert r.spots == 3 and src.batch_count() == 1 and got[0]["name"].tolist() == ["股票0", "股票1", "股票2"]


def test_push_collector_chunks_publishes_pulls_at_0930_and_resubscribes_a_silent_feed(xtdata, tmp_path, caplog):
    fake = xtdata.fake
    clock = FakeClock(datetime(2026, 11, 24, 9, 20, tzinfo=EXCHANGE_TZ))
    addr = f"ipc://{tmp_path}/q.ipc"
    cycles = []
    with QuotePublisher([addr], source="qmt") as pub, SpotSubscriber(addr, on_cycle=cycles.append) as sub:
        assert pub.wait_for_subscribers(1, 10)
        svc = QmtPushCollector(xtdata, codes(600), pub, calendar=CAL, clock=clock, watchdog_s=60)
        stop = threading.Event()
        svc.snapshot()
        svc.subscribe_all(stop)
        assert [len(c) for c in fake.subscribe_calls] == [250, 250, 100]
        assert clock.sleeps == [0.5, 0.5]  # 0.5 s between chunks
        fake.push_once()
        svc.step(stop)
        assert svc.pushes == 3 and svc.resubscribes == 0
        clock.set(datetime(2026, 11, 24, 9, 30, 1, tzinfo=EXCHANGE_TZ))  # 09:30: the full pull
        fake.push_once()
        svc.step(stop)
        assert svc.snapshots == 2 and svc.resubscribes == 0
        fake.silent = True
        clock.advance(61)  # a minute without ticks in trading hours
        svc.step(stop)
        assert svc.resubscribes == 1 and fake.connects == 1 and len(fake.unsubscribed) == 3
        assert any("no QMT tick for 61 s" in r.message and r.levelname == "WARNING" for r in caplog.records)
        sample = svc.metrics.registry.get_sample_value
        assert sample("hkl_resubscribes_total", {"source": "qmt"}) == 1  # said in the metrics too
        assert sample("hkl_feed_silence_seconds", {"source": "qmt"}) == 61
        assert not fake.silent  # resubscribing revived the feed
        fake.push_once()
        assert svc.pushes == 9
        clock.set(datetime(2026, 11, 24, 12, 0, tzinfo=EXCHANGE_TZ))  # lunch: silence is normal
        clock.advance(1700)
        svc.step(stop)
        assert svc.resubscribes == 1
        deadline = 50
        while sub.stats.cycles < 11 and deadline:
            threading.Event().wait(0.1)
            deadline -= 1
    assert len(cycles) == 11 and all(c.complete for c in cycles)  # 2 snapshots + 9 pushes, each one framed cycle
    assert sorted(len(c.spots) for c in cycles).count(600) == 2 and sum(len(c.spots) for c in cycles) == 3 * 600 + 1200
    assert "REFUSED" not in str(cycles)


def test_start_qmt_process_publishes_pushes(tmp_path):
    addr = f"ipc://{tmp_path}/qmt.ipc"
    got = []
    done = threading.Event()

    def on_cycle(c) -> None:  # noqa: ANN001
        got.append(c)
        if len(got) >= 3:
            done.set()

    env = dict(os.environ, PYTHONPATH=f"{FAKE}{os.pathsep}{ROOT}", FAKE_XT_PUSH_S="0.2", HKU_HOME=str(tmp_path))
    t0 = datetime.now(EXCHANGE_TZ).replace(tzinfo=None)
    with SpotSubscriber(addr, on_cycle=on_cycle):
        proc = subprocess.Popen([sys.executable, "-m", "hikyuu_live.gui.start_qmt", "--ipc", addr, "--server", "none"],
                                cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
        try:
            assert done.wait(30)
        finally:
            proc.terminate()
            code = proc.wait(20)
    assert code == 0, proc.stderr.read()
    assert all(c.source == "qmt" and c.complete for c in got)
    spots = np.concatenate([c.spots for c in got])
    check_qmt_spots(spots, t0)


def check_qmt_spots(spots: np.ndarray, t0: datetime) -> None:
    """Every field and unit of spots that came through the bus against the fake's tick for that push."""
    make_tick = fake_module().make_tick
    names = {c.market_code: c.name for c in shipped_codes()}
    assert len(spots) and set(spots["market"]) <= {"SH", "SZ", "BJ"}
    now = datetime.now(EXCHANGE_TZ).replace(tzinfo=None)
    for row in spots:
        sym = f"{row['code']}.{row['market']}"
        n = round(row["volume"] - 1000)  # the fake's pvolume is 100000 + 100 n shares: volume must be 1000 + n lots
        tick = make_tick(sym, n)
        assert row["name"] == names[row["market"] + row["code"]]  # QMT ticks have no names: from the universe
        assert (row["close"], row["open"], row["high"], row["low"], row["yesterday_close"]) == (
            tick["lastPrice"], tick["open"], tick["high"], tick["low"], tick["lastClose"])
        assert row["amount"] == pytest.approx(tick["amount"] * 0.0001, rel=1e-12)  # yuan -> 10,000 yuan
        assert row["volume"] == pytest.approx(tick["pvolume"] * 0.01, rel=1e-12)  # shares -> lots
        assert row["bid"].tolist() == tick["bidPrice"] and row["ask"].tolist() == tick["askPrice"]
        assert row["bid_amount"].tolist() == tick["bidVol"] and row["ask_amount"].tolist() == tick["askVol"]
        when = row["datetime"].astype(datetime)  # epoch ms -> exchange wall time (Asia/Shanghai)
        assert t0 - timedelta(seconds=1) <= when <= now + timedelta(seconds=1)


def test_spot_server_qmt_without_xtquant_says_what_to_do(tmp_path):
    out = subprocess.run([sys.executable, "-m", "hikyuu_live.gui.spot_server", "--source", "qmt", "--once",
                          "--ipc", f"ipc://{tmp_path}/x.ipc", "--server", "none", "--config", str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=60,
                         env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert out.returncode == 1 and "start_qmt" in out.stderr and "Windows" in out.stderr, out.stderr
