"""Network exposure of the collectors (issue 16), with real ``spot_server`` processes and loopback addresses
only: a subscriber dialling from 127.0.0.2 (nng's ``tcp://<local>;<host>:<port>``) is "another host".
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from hikyuu_live.bus import SpotSubscriber
from hikyuu_live.model.codes import shipped_codes
from tests.standins.qq_server import QQServer, tencent_universe

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "test_data" / "replay_sample.csv.gz"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen) -> str:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.stderr.read() if proc.stderr else ""


class StderrLog:
    """A child's stderr read as it comes (a thread), so a test can wait for a line instead of a fixed time."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.lines: list[str] = []
        assert proc.stderr is not None
        self._thread = threading.Thread(target=lambda: self.lines.extend(iter(proc.stderr.readline, "")),
                                        daemon=True)
        self._thread.start()

    def wait_for(self, text: str, timeout_s: float = 30) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if any(text in line for line in list(self.lines)):
                return True
            time.sleep(0.05)
        return False

    def text(self) -> str:
        self._thread.join(10)
        return "".join(self.lines)


def test_quote_bus_allow_list_refuses_subscribers_from_other_addresses(tmp_path):
    """``spot_server --allow``: a subscriber from an address not on the list gets nothing, and the refusal is
    logged; one from a listed address gets the cycles."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "hikyuu_live.gui.spot_server", "--source", "replay", "--file",
                             str(SAMPLE), "--speed", "200", "--max-gap", "0.05", "--loop", "--ipc", "none",
                             "--server", f"tcp://127.0.0.1:{port}", "--allow", "127.0.0.1",
                             "--config", str(tmp_path)], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    got: dict[str, int] = {"listed": 0, "other": 0}
    lock = threading.Lock()

    def counter(name: str):  # noqa: ANN202
        def on_cycle(_c: object) -> None:
            with lock:
                got[name] += 1
        return on_cycle

    listed = SpotSubscriber(f"tcp://127.0.0.1:{port}", on_cycle=counter("listed")).start()
    log = StderrLog(proc)
    other = None
    try:
        deadline = time.monotonic() + 30
        while got["listed"] < 1:
            assert time.monotonic() < deadline and proc.poll() is None, "no cycles for the listed subscriber"
            time.sleep(0.1)
        # dialled once the collector listens: a dial before that backs off up to 2 s
        other = SpotSubscriber(f"tcp://127.0.0.2;127.0.0.1:{port}", on_cycle=counter("other")).start()
        assert log.wait_for("refused a connection from 127.0.0.2"), log.text()[-2000:]
        while got["listed"] < 5:
            assert time.monotonic() < deadline and proc.poll() is None, "no cycles for the listed subscriber"
            time.sleep(0.1)
    finally:
        listed.stop()
        if other is not None:
            other.stop()
        stop(proc)
    assert got["other"] == 0 and other is not None and other.stats.messages == 0


def test_bad_allow_list_is_a_usage_error(tmp_path):
    out = subprocess.run([sys.executable, "-m", "hikyuu_live.gui.spot_server", "--source", "replay", "--file",
                          str(SAMPLE), "--allow", "collector.local", "--config", str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert out.returncode == 2 and "--allow" in out.stderr and "not an IP address" in out.stderr


@pytest.fixture(scope="module")
def market_server():
    with QQServer(tencent_universe(shipped_codes()), latency_s=0.01) as srv:
        yield srv


def metrics_reachable(host: str, port: int) -> bool:
    try:
        urllib.request.urlopen(f"http://{host}:{port}/metrics", timeout=2).read()
        return True
    except OSError:
        return False


@pytest.mark.parametrize(("args", "other_host_sees_it"), [((), False), (("--metrics-addr", "0.0.0.0"), True)])
def test_metrics_listen_on_this_host_only_unless_told(market_server, tmp_path, args, other_host_sees_it):
    """Prometheus metrics listened on every interface; now on 127.0.0.1 by default (127.0.0.2 cannot
    reach them), on all with ``--metrics-addr 0.0.0.0``."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "hikyuu_live.gui.spot_server", "--source", "qq", "--qq-url",
                             market_server.url, "--ipc", f"ipc://{tmp_path}/qq.ipc", "--server", "none",
                             "--seconds", "1", "--phase1", "0:00-12:00", "--phase2", "12:00-23:59:59",
                             "--metrics-port", str(port), *args, "--config", str(tmp_path)],
                            cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not metrics_reachable("127.0.0.1", port):
            assert time.monotonic() < deadline and proc.poll() is None, "metrics never served"
            time.sleep(0.2)
        assert metrics_reachable("127.0.0.2", port) is other_host_sees_it
    finally:
        stop(proc)


def test_start_qmt_takes_the_allow_list_and_keeps_metrics_on_this_host(tmp_path):
    """``start_qmt`` (against the fake xtquant package): the same allow-list and metrics address options."""
    port, mport = free_port(), free_port()
    fake = ROOT / "tests" / "standins" / "fake_xtquant"
    env = dict(os.environ, PYTHONPATH=f"{fake}{os.pathsep}{ROOT}", FAKE_XT_PUSH_S="0.2", HKU_HOME=str(tmp_path))
    got = {"listed": 0, "other": 0}
    listed = SpotSubscriber(f"tcp://127.0.0.1:{port}",
                            on_cycle=lambda _c: got.__setitem__("listed", got["listed"] + 1)).start()
    proc = subprocess.Popen([sys.executable, "-m", "hikyuu_live.gui.start_qmt", "--ipc", "none", "--server",
                             f"tcp://127.0.0.1:{port}", "--allow", "127.0.0.1", "--metrics-port", str(mport)],
                            cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    log = StderrLog(proc)
    other = None
    try:
        deadline = time.monotonic() + 30
        while got["listed"] < 1:
            assert time.monotonic() < deadline and proc.poll() is None, "no cycles for the listed subscriber"
            time.sleep(0.1)
        # dialled once the publisher listens (a dial before it backs off up to 2 s; CI once stopped it first)
        other = SpotSubscriber(f"tcp://127.0.0.2;127.0.0.1:{port}",
                               on_cycle=lambda _c: got.__setitem__("other", got["other"] + 1)).start()
        assert log.wait_for("refused a connection from 127.0.0.2"), log.text()[-2000:]
        while got["listed"] < 3:
            assert time.monotonic() < deadline and proc.poll() is None, "no cycles for the listed subscriber"
            time.sleep(0.1)
        assert metrics_reachable("127.0.0.1", mport) and not metrics_reachable("127.0.0.2", mport)
    finally:
        listed.stop()
        if other is not None:
            other.stop()
        stop(proc)
    assert got["other"] == 0 and other is not None and other.stats.messages == 0
