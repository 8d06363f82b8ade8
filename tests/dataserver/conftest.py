"""Fixtures for data server tests: the real ``dataserver`` and replay collector, each in its own process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hikyuu_live.dataserver import BufferServerClient
from hikyuu_live.errors import HikyuuLiveError

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "test_data" / "replay_sample.csv.gz"
REPLAY_CHILD = ROOT / "tests" / "replay_child.py"
TODAY = "2026-11-24"  # the recorded day of the sample


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """``python -m hikyuu_live.gui.dataserver ...`` with an empty config home (no user settings)."""

    def __init__(self, addr: str, bus: str, home: Path, *args: str) -> None:
        self.addr, self.bus, self.home, self.args = addr, bus, home, args
        self.proc: subprocess.Popen | None = None

    def start(self, timeout_s: float = 60.0) -> ServerProcess:
        (self.home / "config").mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "HKU_HOME": str(self.home / "config")}
        self.log = open(self.home / f"server-{time.monotonic_ns()}.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hikyuu_live.gui.dataserver", "--addr", self.addr, "--quotation-server", self.bus,
             "--today", TODAY, "--status-s", "3600", *self.args],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.wait_ready(timeout_s)
        return self

    def status(self, timeout_s: float = 5.0) -> dict:
        with BufferServerClient(self.addr, timeout_s=timeout_s) as c:
            return c.status()

    def wait_ready(self, timeout_s: float) -> dict:
        deadline = time.monotonic() + timeout_s
        while True:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"dataserver exited with {self.proc.returncode}: {self.output()}")
            try:
                st = self.status(timeout_s=2.0)
                if st["ready"]:
                    return st
            except HikyuuLiveError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"dataserver not ready after {timeout_s} s: {self.output()}")
            time.sleep(0.1)

    def wait_for(self, predicate, timeout_s: float = 60.0, what: str = "condition") -> dict:
        deadline = time.monotonic() + timeout_s
        while True:
            st = self.status()
            if predicate(st):
                return st
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} not reached in {timeout_s} s; status {st}")
            time.sleep(0.1)

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text()[-3000:]

    def kill(self) -> None:
        """``kill -9``: no chance to flush or close anything."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()
        return self.proc.returncode


@pytest.fixture
def server_factory(tmp_path):
    started: list[ServerProcess] = []

    def make(addr: str, bus: str, *args: str) -> ServerProcess:
        s = ServerProcess(addr, bus, tmp_path, *args)
        started.append(s)
        return s

    yield make
    for s in started:
        if s.proc is not None and s.proc.poll() is None:
            s.stop()


def start_replay(bus: str, *, speed: float, max_gap: float = 0.02) -> subprocess.Popen:
    """The recorded sample published by the real replay collector (waits for one subscriber)."""
    return subprocess.Popen([sys.executable, str(REPLAY_CHILD), "--address", bus, "--file", str(SAMPLE),
                             "--speed", str(speed), "--max-gap", str(max_gap), "--subscribers", "1"],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)


@pytest.fixture(scope="session")
def clickhouse_port(clickhouse):
    """HTTP port of the session's private ClickHouse server (``tests/conftest.py``)."""
    return clickhouse.http_port
