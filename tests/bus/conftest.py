"""Fixtures for bus tests: addresses, child publisher processes and a cycle recorder."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

CHILD = Path(__file__).with_name("pub_child.py")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(params=["ipc", "tcp"])
def address(request, tmp_path) -> str:
    if request.param == "ipc":
        return f"ipc://{tmp_path}/bus.ipc"
    return f"tcp://127.0.0.1:{free_port()}"


class Recorder:
    """Collects cycles and batches from subscriber callbacks; waits for them with a timeout."""

    def __init__(self) -> None:
        self.cycles = []
        self.batches = []
        self.cond = threading.Condition()

    def on_cycle(self, c) -> None:
        with self.cond:
            self.cycles.append(c)
            self.cond.notify_all()

    def on_batch(self, b) -> None:
        with self.cond:
            self.batches.append(b)

    def wait_cycles(self, n: int, timeout: float = 20.0) -> list:
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.cycles) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"only {len(self.cycles)} of {n} cycles arrived")
                self.cond.wait(left)
            return list(self.cycles)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def spawn_publisher():
    procs: list[subprocess.Popen] = []

    def spawn(*args: str) -> subprocess.Popen:
        p = subprocess.Popen([sys.executable, str(CHILD), *args], stdout=subprocess.PIPE, text=True)
        procs.append(p)
        return p

    yield spawn
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.wait(10)
