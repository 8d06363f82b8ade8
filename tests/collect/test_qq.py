"""Tencent source: parsing, units, failures, and end to end through spot_server and the bus."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from hikyuu_live.bus import QuotePublisher, SpotSubscriber
from hikyuu_live.fetcher.stock.zh_stock_a_qq import QQSpotSource, parse_qq
from hikyuu_live.model.codes import COLLECTED_TYPES, CodeInfo, StockType, shipped_codes
from tests.standins.qq_server import QQServer, quote_line, tencent_universe

ROOT = Path(__file__).resolve().parents[2]
SMALL = {"sh600000": "浦发银行", "sz000001": "平安银行", "sz399001": "深证成指", "sh000001": "上证指数",
         "bj830799": "艾融软件", "sh510300": "300ETF", "sh688981": "中芯国际"}


def is_star(market: str, code: str) -> bool:
    return market == "SH" and code.startswith(("688", "689"))


def check_all(spots: np.ndarray, srv: QQServer) -> None:
    """Every field and unit of every spot against the quote the server generated, column by column."""
    quotes = [srv.quote(m.lower() + c) for m, c in zip(spots["market"].tolist(), spots["code"].tolist(), strict=True)]
    assert spots["name"].tolist() == [q.name for q in quotes]
    want_time = np.array([f"{t[:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:]}" for t in (q.time for q in quotes)],
                         dtype="M8[us]")
    np.testing.assert_array_equal(spots["datetime"], want_time)
    for f in ("close", "yesterday_close", "open", "high", "low"):  # yuan, as sent with 2 decimals
        np.testing.assert_allclose(spots[f], [round(getattr(q, f), 2) for q in quotes], rtol=0, atol=1e-9, err_msg=f)
    star = np.array([is_star(q.market, q.code) for q in quotes])
    assert star.any() and (~star).any()
    # lots on every board (the line carries STAR in shares, indices in lots like the rest)
    np.testing.assert_allclose(spots["volume"], [round(q.volume) for q in quotes], rtol=1e-12)
    np.testing.assert_allclose(spots["amount"], [round(q.amount, 4) for q in quotes], rtol=1e-12)  # 10,000 yuan
    for f in ("bid", "ask"):
        np.testing.assert_allclose(spots[f], [[round(x, 2) for x in getattr(q, f)] for q in quotes], atol=1e-9)
        np.testing.assert_allclose(spots[f + "_amount"], [getattr(q, f + "_amount") for q in quotes])  # lots


def check_spot(row: np.void, q) -> None:  # noqa: ANN001
    assert (row["market"], row["code"], row["name"]) == (q.market, q.code, q.name)
    t = q.time
    assert str(row["datetime"])[:19] == f"{t[:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:]}"
    for f in ("close", "yesterday_close", "open", "high", "low"):
        assert row[f] == pytest.approx(getattr(q, f)), f
    assert row["volume"] == pytest.approx(q.volume)  # lots on every board: STAR shares / 100, indices as sent
    assert row["amount"] == pytest.approx(q.amount)  # 10,000 yuan as sent
    for f in ("bid", "bid_amount", "ask", "ask_amount"):
        np.testing.assert_allclose(row[f], getattr(q, f))


def test_parse_every_field_and_unit():
    with QQServer(SMALL) as srv:
        text = srv.body(list(SMALL))
        spots, bad = parse_qq(text)
        assert bad == {} and len(spots) == len(SMALL)
        for row in spots:
            check_spot(row, srv.quote(row["market"].lower() + row["code"]))


def test_malformed_partial_and_unknown_lines_are_skipped_and_counted():
    with QQServer(SMALL) as srv:
        good = quote_line(srv.quote("sh600000"))
        text = "\n".join([
            good,
            good[:60] + '";',                                   # partial line
            good.replace("v_sh600000", "v_sz000001").replace("~20261124100003~", "~2026112410~"),  # bad time
            good.replace("v_sh600000", "v_sh600001").replace(f"~{srv.quote('sh600000').close:.2f}~", "~--~", 1),
            'v_pv_none_match="1";',
            'v_sh600002="1~broken',                             # cut mid-transfer
            "<html>oops</html>",
        ])
    spots, bad = parse_qq(text)
    assert spots["code"].tolist() == ["600000"]
    assert bad == {"short_line": 1, "bad_time": 1, "bad_number": 1, "unknown_code": 1, "truncated": 1,
                   "not_a_quote": 1}


def codes_of(universe: dict[str, str]) -> list[CodeInfo]:
    return [CodeInfo(s[:2].upper(), s[2:], n, StockType.A) for s, n in universe.items()]


def test_failing_batches_are_retried_and_never_sink_the_cycle():
    universe = {f"sh{600000 + i}": f"股票{i}" for i in range(150)}  # 3 requests of 60
    with QQServer(universe) as srv:
        src = QQSpotSource(codes_of(universe), base_url=srv.url, timeout_s=0.5, retries=2, backoff_s=0.01)
        srv.fail_codes, srv.fail_times = {"sh600000"}, 1  # first batch: one HTTP 500, then fine
        got = []
        r = src.fetch_cycle(got.append)
        assert r.spots == 150 and r.batches_failed == 0 and src.batch_count() == 3
        srv.fail_codes, srv.fail_times = {"sh600070"}, 10**9  # second batch: always 500
        srv.hang_codes, srv.hang_s = {"sh600149"}, 2.0  # third batch: times out
        got.clear()
        r = src.fetch_cycle(got.append)
        src.close()
    assert r.spots == 60 and r.batches_ok == 1 and r.batches_failed == 2
    assert src.stats.batches_failed["HTTP 500"] == 1 and src.stats.batches_failed["ReadTimeoutError"] == 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def market_server():
    with QQServer(tencent_universe(shipped_codes()), latency_s=0.01) as srv:
        yield srv


def test_spot_server_full_market_through_the_bus_into_a_subscriber(market_server, tmp_path):
    srv = market_server
    bus = f"ipc://{tmp_path}/qq.ipc"
    port = free_port()
    cycles = []
    done = threading.Event()
    # the first cycle may start before our pipe is up (pub/sub drops what comes before): wait for a whole one
    sub = SpotSubscriber(bus, on_cycle=lambda c: (cycles.append(c), c.complete and done.set())).start()
    proc = subprocess.Popen([sys.executable, "-m", "hikyuu_live.gui.spot_server", "--source", "qq", "--qq-url",
                             srv.url, "--ipc", bus, "--server", "none", "--seconds", "1", "--phase1", "0:00-12:00",
                             "--phase2", "12:00-23:59:59", "--metrics-port", str(port), "--config", str(tmp_path)],
                            cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        assert done.wait(30), "no cycle arrived"
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
        assert 'hkl_cycle_spots{source="qq"}' in metrics and "hkl_last_success_timestamp_seconds" in metrics
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        sub.stop()
    log = proc.stderr.read()
    assert "cycle=1 source=qq" in log
    c = next(c for c in cycles if c.complete)
    universe = [c for c in shipped_codes() if c.type in COLLECTED_TYPES]
    assert c.msg_count == -(-len(universe) // 60) and len(c.spots) == len(universe) and not c.missing_seqs
    assert sorted(c.spots["market"] + c.spots["code"]) == sorted(i.market_code for i in universe)
    check_all(c.spots, srv)
    assert (c.spots["code"] == "510300").any()  # ETFs are collected (the original left them out)


def test_stop_mid_cycle_abandons_it_visibly(tmp_path):
    universe = {f"sz{i:06d}": f"股票{i}" for i in range(1, 241)}
    with QQServer(universe, latency_s=0.5) as srv:
        src = QQSpotSource(codes_of(universe), base_url=srv.url, workers=1)
        from hikyuu_live.clock import LiveClock
        from hikyuu_live.fetcher.collector import Collector
        from hikyuu_live.fetcher.schedule import Phase, PollSchedule
        from hikyuu_live.model.calendar import TradingCalendar

        sched = PollSchedule(1, Phase(time_(0), time_(0)), Phase(time_(0), time_(0)),
                             calendar=TradingCalendar.shipped(), clock=LiveClock())
        with QuotePublisher([f"ipc://{tmp_path}/s.ipc"], source="qq") as pub:
            col = Collector(src, pub, sched, clock=LiveClock())
            stop = threading.Event()
            threading.Timer(0.7, stop.set).start()
            t = time.monotonic()
            assert col.run(stop) == 0
            assert time.monotonic() - t < 3
            assert col.abandoned == 1 and pub.stats.abandoned_cycles == 1
        src.close()


def time_(h: int):  # noqa: ANN201
    from datetime import time as t

    return t(h)


def test_bad_options_exit_non_zero_naming_the_option(tmp_path):
    for args, needle in [(["--phase1", "13:00-12:00"], "--phase1"), (["--seconds", "0"], "--seconds"),
                         (["--source", "sina"], "--source"), (["--source", "replay"], "--file"),
                         (["--phase1", "9:00-13:30", "--phase2", "13:00-15:00"], "--phase1"),
                         (["--phase2", "13:00"], "--phase2"), (["--ipc", "tcp://*:9300"], "--ipc"),
                         (["--server", "ipc:///tmp/x.ipc"], "--server"),
                         (["--metrics-port", "70000"], "--metrics-port"),
                         (["--batch-size", "0"], "--batch-size"), (["--seconds", "ten"], "--seconds")]:
        out = subprocess.run([sys.executable, "-m", "hikyuu_live.gui.spot_server", *args, "--config", str(tmp_path)],
                             cwd=ROOT, capture_output=True, text=True, timeout=30)
        assert out.returncode == 2 and needle in out.stderr, (args, out.stderr)


def test_spot_server_once_on_the_store_universe_survives_failing_and_malformed_batches(tmp_path):
    from tests.collect.store_home import make_store_home

    shipped = [c for c in shipped_codes() if c.type in COLLECTED_TYPES]
    funds = [c for c in shipped if c.type in ("INDEX", "ETF")][::2][:16]  # indices and ETFs
    stars = [c for c in shipped if is_star(c.market, c.code)][::50][:4]  # STAR lines carry shares: their own units
    others = [c for c in shipped if c not in funds and c not in stars]
    picked = sorted(others[::39][:130] + stars + funds, key=lambda c: c.market_code)
    home = make_store_home(tmp_path / "home", stocks=[(c.market, c.code, c.name, True) for c in picked])
    order = sorted(picked, key=lambda c: (c.market, c.code))  # the store lists them by market and code
    symbols = [c.market.lower() + c.code for c in order]
    bus = f"ipc://{tmp_path}/once.ipc"
    cycles = []
    done = threading.Event()
    with QQServer(tencent_universe(picked)) as srv, SpotSubscriber(
            bus, on_cycle=lambda c: (cycles.append(c), done.set())):
        srv.fail_codes = {symbols[120]}  # the third request (the last 30) always answers HTTP 500
        srv.malformed_codes = {symbols[5], symbols[7], symbols[70]}  # truncated or a non-numeric price
        out = subprocess.run([sys.executable, "-m", "hikyuu_live.gui.spot_server", "--once", "--wait-subscribers", "1",
                              "--qq-url", srv.url, "--ipc", bus, "--server", "none", "--config", str(home)],
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert done.wait(10), out.stderr
    log = out.stderr
    assert "150 codes (store hdf5:" in log
    assert "batches_ok=2 batches_failed=1 bad_records=3" in log and "HTTP 500" in log
    c = cycles[0]
    # the failed request's slot is filled with an empty message: the cycle is complete, no gap is reported
    assert c.complete and c.msg_count == 3 and c.received == 3 and not c.missing_seqs
    expected = set(symbols) - set(symbols[120:]) - srv.malformed_codes
    assert sorted(m.lower() + k for m, k in zip(c.spots["market"], c.spots["code"], strict=True)) == sorted(expected)
    check_all(c.spots, srv)


def test_a_404_is_asked_once_and_a_500_is_retried():
    """Only retryable failures are retried: the issue saw 3 requests for one batch against a 404."""
    universe = {f"sh{600000 + i}": f"股票{i}" for i in range(10)}  # one request
    with QQServer(universe) as srv:
        src = QQSpotSource(codes_of(universe), base_url=srv.url[:-3] + "/nowhere?q=", timeout_s=0.5, retries=2,
                           backoff_s=0.01)
        r = src.fetch_cycle(lambda spots: None)
        assert r.batches_failed == 1 and srv.requests == 1  # HTTP 404: not retried
        src.close()
        src = QQSpotSource(codes_of(universe), base_url=srv.url, timeout_s=0.5, retries=2, backoff_s=0.01)
        srv.requests, srv.fail_codes, srv.fail_times = 0, {"sh600000"}, 10**9
        r = src.fetch_cycle(lambda spots: None)
        src.close()
    assert r.batches_failed == 1 and srv.requests == 3  # HTTP 500: the first try and 2 retries
    assert src.stats.batches_failed["HTTP 500"] == 1


def test_retryable_is_per_error_and_every_policy_asks_it():
    from hikyuu_live.errors import BrokerUnavailable, ConfigError, SourceUnavailable, is_retryable

    assert is_retryable(SourceUnavailable("timeout")) and not is_retryable(SourceUnavailable("404", retryable=False))
    assert is_retryable(BrokerUnavailable("down")) and not is_retryable(ConfigError("bad"))
    assert not is_retryable(OSError("not ours"))
