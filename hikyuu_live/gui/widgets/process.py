"""Child processes for the GUI: imports, collectors and strategies never run inside the GUI process.

The original ran them in QThreads and stopped them with ``QThread.terminate()``, which can kill a
thread holding a lock or halfway through a file write. Here each job is a ``QProcess`` running the
same command line a user would type (shown in the GUI), its output streamed line by line; stopping
sends SIGTERM (a clean stop: the collector finishes or abandons its cycle, the import commits what it
has) and only kills after a grace period.
"""

from __future__ import annotations

import shlex
import sys

from PyQt5.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, pyqtSignal


def python_module_command(module: str, *args: str) -> list[str]:
    """``python -m module args``: the GUI runs our console scripts through this interpreter."""
    return [sys.executable, "-m", module, *args]


def display_command(cmd: list[str]) -> str:
    """What the user would type: the console script name instead of ``python -m``."""
    if len(cmd) > 2 and cmd[1] == "-m":
        module = cmd[2].rsplit(".", 1)[-1]
        return shlex.join([module, *cmd[3:]])
    return shlex.join(cmd)


class ProcessRunner(QObject):
    """One child process with line-buffered output signals."""

    line = pyqtSignal(str)
    started = pyqtSignal(str)
    finished = pyqtSignal(int)

    def __init__(self, parent: QObject | None = None, *, grace_ms: int = 8000) -> None:
        super().__init__(parent)
        self.grace_ms = grace_ms
        self.proc: QProcess | None = None
        self._buf = b""
        self._killer = QTimer(self)
        self._killer.setSingleShot(True)
        self._killer.timeout.connect(self._kill_if_running)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.state() != QProcess.NotRunning

    def start(self, cmd: list[str], env: dict[str, str] | None = None) -> None:
        if self.running:
            raise RuntimeError("already running")
        proc = QProcess(self)
        proc.setProcessChannelMode(QProcess.MergedChannels)
        penv = QProcessEnvironment.systemEnvironment()
        penv.insert("PYTHONUNBUFFERED", "1")
        for k, v in (env or {}).items():
            penv.insert(k, v)
        proc.setProcessEnvironment(penv)
        proc.readyReadStandardOutput.connect(self._read)
        proc.finished.connect(self._done)
        self.proc = proc
        self._buf = b""
        proc.start(cmd[0], cmd[1:])
        self.started.emit(display_command(cmd))

    def stop(self) -> None:
        """SIGTERM now, SIGKILL after ``grace_ms`` if it has not ended."""
        if not self.running:
            return
        assert self.proc is not None
        self.proc.terminate()
        self._killer.start(self.grace_ms)

    def _kill_if_running(self) -> None:
        """The grace period is over. A bound method of this object on its own child timer: when the window
        (and so this runner) is destroyed first, the timer goes with it and never fires."""
        if self.running:
            assert self.proc is not None
            self.proc.kill()

    def wait(self, ms: int) -> bool:
        return self.proc is None or self.proc.waitForFinished(ms)

    def _read(self) -> None:
        assert self.proc is not None
        self._buf += bytes(self.proc.readAllStandardOutput())
        *lines, self._buf = self._buf.split(b"\n")
        for raw in lines:
            self.line.emit(raw.decode("utf-8", "replace").rstrip("\r"))

    def _done(self, code: int, _status: object) -> None:
        self._killer.stop()
        if self._buf:
            self.line.emit(self._buf.decode("utf-8", "replace"))
            self._buf = b""
        self.finished.emit(code)
