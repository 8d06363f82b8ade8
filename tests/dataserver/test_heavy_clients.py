"""The data server under heavy legal requests (issue 16), each part a real process: the replay collector, the
``dataserver``, flooding clients (``heavy_child.py``) and the well-behaved client in the test.

What was found with a load script: a request naming one code 10,000 times got a 16 MB answer; a few
clients sending such requests held a small request up for seconds; clients that gave up left the server
computing for them for half a minute; ``status.clients`` counted connections long closed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import msgpack
import numpy as np
import pytest

from hikyuu_live.bus import RequestClient
from hikyuu_live.dataserver import BufferServerClient, ErrorCode
from hikyuu_live.dataserver.barbook import DEFAULT_KTYPES
from hikyuu_live.errors import HikyuuLiveError
from hikyuu_live.model.kdata import KType
from hikyuu_live.model.spot import market_codes
from tests.dataserver.conftest import ServerProcess, free_port, start_replay
from tests.dataserver.test_dataserver_processes import (
    EXPECTED_TICKS,
    KEYS,
    TOTAL_TICKS,
    published_bars,
    same_ticks,
)

HEAVY_CHILD = Path(__file__).with_name("heavy_child.py")


def fed_server(home: Path, *args: str) -> ServerProcess:
    """A ``dataserver --buf`` process holding the whole recorded sample."""
    bus, addr = f"ipc://{home}/bus.ipc", f"tcp://127.0.0.1:{free_port()}"
    server = ServerProcess(addr, bus, home, "--buf", *args).start()
    assert start_replay(bus, speed=1000).wait(120) == 0
    server.wait_for(lambda st: st["ticks"] == TOTAL_TICKS, what="all ticks received")
    return server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server with every option at its default (so what is tested here is what users run)."""
    s = fed_server(tmp_path_factory.mktemp("heavy"))
    yield s
    assert s.stop() == 0, s.output()


def flood(addr: str, *, conns: int, seconds: float, mode: str = "dupes", per_call: bool = False,
          timeout: float = 5.0, ktype: str = "MIN") -> subprocess.Popen:
    args = [sys.executable, str(HEAVY_CHILD), "--addr", addr, "--mode", mode, "--conns", str(conns), "--seconds",
            str(seconds), "--timeout", str(timeout), "--ktype", ktype, "--codes", ",".join(KEYS)]
    return subprocess.Popen(args + (["--per-call"] if per_call else []), stdout=subprocess.PIPE, text=True)


def report(proc: subprocess.Popen) -> dict:
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0
    return json.loads(out)


def small_requests(addr: str, seconds: float, timeout_s: float) -> tuple[int, list[str]]:
    """A well-behaved client: one stock's DAY bar at a time; returns (answers, failures)."""
    want = published_bars().bars("SZ000001", KType.DAY)
    answers, failures = 0, []
    end = time.monotonic() + seconds
    with BufferServerClient(addr, timeout_s=timeout_s) as c:
        while time.monotonic() < end:
            try:
                got = c.market(["SZ000001"], "DAY")["SZ000001"]
            except HikyuuLiveError as e:
                failures.append(type(e).__name__)
                continue
            answers += 1
            if not (len(got) == len(want) and (got == want).all()):
                failures.append("wrong bars")
    return answers, failures


def test_a_code_named_10000_times_is_answered_once(server):
    """Issue 16: a 90 KB ``market`` request naming one code 10,000 times produced a 16 MB answer."""
    body = msgpack.packb({"cmd": "market", "ktype": "MIN", "codes": ["SH600000"] * 10_000,
                          "dates": ["1400-01-01 00:00:00"] * 10_000}, use_bin_type=True)
    with RequestClient(server.addr, timeout_s=30) as c:
        raw = c.request(body)
    ans = msgpack.unpackb(raw, raw=False)
    assert ans["ret"] == 0 and [e["code"] for e in ans["data"]] == ["SH600000"]
    want = published_bars().bars("SH600000", KType.MIN)
    assert len(ans["data"][0]["data"]) == len(want) and len(raw) < 100 * len(want) + 100


def test_heavy_clients_do_not_starve_a_small_one(server):
    """Issue 16: with 5 clients sending such requests a small request waited 2 s (p99); with 50, nobody got
    an answer. Here 10 connections send the 10,000-code request and 10 ask every code's minute bars (a
    heavy request that no de-duplication shortens), as fast as they can: the small client gets every
    answer, right, within its 2 s timeout (the benchmark measures the latency; here: no timeouts)."""
    dupes = flood(server.addr, conns=10, seconds=8, mode="dupes")
    wide = flood(server.addr, conns=10, seconds=8, mode="wide")
    time.sleep(1.5)
    answers, failures = small_requests(server.addr, 5.0, timeout_s=2.0)
    heavy = [report(dupes), report(wide)]
    assert not failures and answers >= 20, (answers, failures[:5])
    for r in heavy:
        assert "timeout" not in r["rets"] and set(r["rets"]) <= {"0", "16"}, r["rets"]


def test_work_for_clients_that_left_is_dropped_and_connections_are_counted(server):
    """Issue 16: clients that gave up (timeouts of 5 s) left the server computing their requests for another
    37 s, answering nobody; ``status.clients`` said 325 with 1 connection open. Here clients connect per
    request (as Hikyuu's client does) and give up after 50 ms: once they stop, the server answers at once,
    has dropped the abandoned work, and counts only the connection asking."""
    procs = [flood(server.addr, conns=15, seconds=5, mode="dupes", per_call=True, timeout=0.05),
             flood(server.addr, conns=15, seconds=5, mode="wide", per_call=True, timeout=0.05)]
    reports = [report(p) for p in procs]
    assert sum(r["rets"].get("timeout", 0) for r in reports) > 0  # some did give up
    t0 = time.monotonic()
    with BufferServerClient(server.addr, timeout_s=1.0) as c:
        st = c.status()
        assert c.market(["SZ000001"], "DAY")["SZ000001"]["close"].size == 1
    assert time.monotonic() - t0 < 1.0
    assert st["clients"] == 1, st["clients"]
    assert st["queue"]["dropped_gone"] > 0 and st["queue"]["queued"] <= 1, st["queue"]


def test_a_full_queue_answers_busy_instead_of_making_clients_wait(tmp_path):
    """A bounded queue: past ``--max-queue`` requests are answered BUSY (16) at once, nobody times out,
    and our client asks again after a BUSY until it gets its answer."""
    s = fed_server(tmp_path, "--max-queue", "3", "-n", "1")
    try:
        wide = flood(s.addr, conns=12, seconds=4, mode="wide", timeout=10.0)
        time.sleep(0.5)
        answers, failures = small_requests(s.addr, 2.5, timeout_s=10.0)
        r = report(wide)
        assert "timeout" not in r["rets"] and r["rets"].get("16", 0) > 0 and r["rets"].get("0", 0) > 0, r["rets"]
        assert not failures and answers > 0, failures[:5]
        st = s.status()
        assert st["queue"]["busy"] >= r["rets"]["16"] and st["queue"]["max_queue"] == 3
        assert st["requests"]["by_kind"]["error:BUSY"] >= r["rets"]["16"]
    finally:
        assert s.stop() == 0, s.output()


def test_answers_are_bounded_and_our_client_pages(tmp_path):
    """``--max-answer-bytes``: a request whose answer would pass it is refused with 15 and told what fits;
    ``BufferServerClient`` pages by itself and gets exactly what one unbounded answer would hold."""
    s = fed_server(tmp_path, "--max-answer-bytes", "16384")
    try:
        body = msgpack.packb({"cmd": "market", "ktype": "MIN", "codes": KEYS, "dates": None}, use_bin_type=True)
        with RequestClient(s.addr, timeout_s=10) as c:
            ans = msgpack.unpackb(c.request(body), raw=False)
        assert ans["ret"] == ErrorCode.ANSWER_TOO_LARGE and 0 < ans["fits"] < len(KEYS) and "16384" in ans["msg"]
        ref = published_bars()
        with BufferServerClient(s.addr) as c:
            for kt in (KType.MIN, DEFAULT_KTYPES[0]):
                got = c.market(KEYS, kt)
                assert sorted(got) == KEYS
                for k in KEYS:
                    assert (got[k] == ref.bars(k, kt)).all(), (kt, k)
            longest = max(KEYS, key=lambda k: len(EXPECTED_TICKS[k]))
            assert len(EXPECTED_TICKS[longest]) * 268 > 16384  # needs more than one page
            assert same_ticks(c.tick(longest[:2], longest[2:]), EXPECTED_TICKS[longest])
            snap = c.snapshot()
            assert sorted(market_codes(snap).tolist()) == KEYS
            assert np.unique(market_codes(snap)).size == len(KEYS)
        st = s.status()
        assert st["requests"]["by_kind"]["error:ANSWER_TOO_LARGE"] >= 3
    finally:
        assert s.stop() == 0, s.output()
