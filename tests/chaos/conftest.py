"""Chaos suite: real processes (a stand-in trading client, a killed broker, a strategy on the real bus)
pushed into the failures users meet: a client that hangs, answers errors, never places, or goes away.

``SCALE`` shrinks the client's hangs so that a 120 s hang costs 2.4 s; the broker gets the production
timeouts scaled the same way where the comparison matters (``send_timeout_s``: 60 s -> 1.2 s), so each
hang lands on the same side of the timeout as it would in production.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCALE = 0.02  # production seconds -> test seconds


class StandinClient:
    """The stand-in trading client (``tests/standins/easytrader_server.py``) in its own process."""

    def __init__(self, time_scale: float = SCALE, start_time: str = "") -> None:
        args = [sys.executable, "-m", "tests.standins.easytrader_server", "--port", "0", "--time-scale",
                str(time_scale)]
        if start_time:
            args += ["--start-time", start_time]
        self.proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.proc.kill()
            raise RuntimeError(f"stand-in client did not start: {line!r}")
        self.port = int(line.split()[1])

    def _call(self, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method="POST" if data else "GET")
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def config(self, **knobs: Any) -> None:
        self._call("/_standin/config", knobs)

    def state(self) -> dict[str, Any]:
        return self._call("/_standin/state")  # type: ignore[no-any-return]

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(10)


@pytest.fixture
def standin() -> Iterator[StandinClient]:
    client = StandinClient()
    yield client
    client.stop()
