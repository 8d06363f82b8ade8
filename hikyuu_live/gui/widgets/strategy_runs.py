"""One strategy run of the strategies tab: its child process, its status channel and what it last said.

Each run is started with ``--status <address>`` (an IPC address private to this window and run) and its
status is asked for every second off the Qt thread (``strategy/status.py``): state, account, positions
with P&L from live quotes, orders and fills, for whichever broker the strategy uses. Stopping asks the
strategy over that channel first (a clean stop on every platform) and falls back to the process runner's
console stop, then a kill.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from itertools import count
from typing import Any

from PyQt5.QtCore import QObject, QTimer, pyqtSignal

from hikyuu_live.errors import HikyuuLiveError
from hikyuu_live.gui.widgets.process import ProcessRunner
from hikyuu_live.strategy.status import query_status, request_stop

log = logging.getLogger(__name__)

LOG_KEEP = 5000  # lines of output kept per run
STOP_FALLBACK_MS = 5000  # after a stop request over the channel, the console stop follows if still running
_numbers = count(1)


def status_address(pid: int, number: int) -> str:
    """A private status address for run ``number`` of the GUI with process id ``pid``."""
    if os.name == "nt":
        return f"ipc://hikyuu_live_status_{pid}_{number}"  # a named pipe
    return f"ipc://{tempfile.gettempdir()}/hikyuu_live_status_{pid}_{number}.ipc"


class StrategyRun(QObject):
    """A strategy child process and the newest status snapshot it answered."""

    changed = pyqtSignal()
    line = pyqtSignal(str)
    _answered = pyqtSignal(object)  # a snapshot (dict) or why there is none (str), from a pool thread
    _stop_answered = pyqtSignal(bool)

    def __init__(self, name: str, command: list[str], pool: ThreadPoolExecutor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.number = next(_numbers)
        self.name = name
        self.address = status_address(os.getpid(), self.number)
        self.base_command = list(command)
        self.pool = pool
        self.runner = ProcessRunner(self)
        self.snapshot: dict[str, Any] = {}
        self.error = ""
        self.exit_code: int | None = None
        self.lines: deque[str] = deque(maxlen=LOG_KEEP)
        self._restart_pending = False
        self._asking = False
        self.runner.line.connect(self._line)
        self.runner.finished.connect(self._finished)
        self._answered.connect(self._take_answer)
        self._stop_answered.connect(self._take_stop_answer)
        self._fallback = QTimer(self)
        self._fallback.setSingleShot(True)
        self._fallback.timeout.connect(self.runner.stop)

    @property
    def command(self) -> list[str]:
        return [*self.base_command, "--status", self.address]

    @property
    def running(self) -> bool:
        return self.runner.running

    @property
    def state(self) -> str:
        if not self.running:
            return "exited" if self.exit_code is None else f"exited ({self.exit_code})"
        return str(self.snapshot.get("state") or "starting")

    def start(self) -> None:
        self.snapshot, self.error, self.exit_code = {}, "", None
        self.lines.clear()
        self.runner.start(self.command)
        self.changed.emit()

    def stop(self) -> None:
        """Ask over the status channel; the console stop follows if that fails or takes too long."""
        if not self.running:
            return
        future = self.pool.submit(request_stop, self.address, 2.0)
        future.add_done_callback(lambda fut: self._stop_answered.emit(fut.exception() is None))
        self._fallback.start(STOP_FALLBACK_MS)

    def restart(self) -> None:
        if self.running:
            self._restart_pending = True
            self.stop()
        else:
            self.start()

    def poll(self) -> None:
        """Ask for a snapshot (off the Qt thread); the answer arrives as ``changed``."""
        if not self.running or self._asking:
            return
        self._asking = True
        future = self.pool.submit(query_status, self.address, 1.5)
        future.add_done_callback(lambda fut: self._answered.emit(fut.result() if fut.exception() is None
                                                                  else _reason(fut.exception())))

    def _take_answer(self, answer: object) -> None:
        self._asking = False
        if isinstance(answer, dict):
            self.snapshot, self.error = answer, ""
        else:
            self.error = str(answer)
        self.changed.emit()

    def _take_stop_answer(self, ok: bool) -> None:
        if not ok and self.running:
            self.runner.stop()

    def _line(self, text: str) -> None:
        self.lines.append(text)
        self.line.emit(text)

    def _finished(self, code: int) -> None:
        self._fallback.stop()
        self.exit_code = code
        self._asking = False
        self.changed.emit()
        if self._restart_pending:
            self._restart_pending = False
            self.start()


def _reason(exc: BaseException | None) -> str:
    if isinstance(exc, HikyuuLiveError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"

