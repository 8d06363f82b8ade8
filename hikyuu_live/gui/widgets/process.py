"""Child processes for the GUI: imports, collectors, strategies and the data server never run inside it.

The original ran them in QThreads and stopped them with ``QThread.terminate()``, which can kill a thread
holding a lock or halfway through a file write. Here each job is a child process running the same command
line a user would type (shown in the GUI), its output streamed line by line, and stopped the way a user
stops it at a console, so it can finish cleanly (the collector closes its cycle, the import commits what
it has, a strategy saves its broker state):

- POSIX: SIGTERM;
- Windows: the child runs in its own process group (``CREATE_NEW_PROCESS_GROUP``) and gets
  ``CTRL_BREAK_EVENT``, which our commands handle like Ctrl-C (``SIGBREAK``). ``terminate()`` there is
  ``TerminateProcess`` (and Qt's sends ``WM_CLOSE``, which console programs ignore), so every stop was a
  kill after the grace period.

Only after ``grace_ms`` without an exit is the child killed. Children run with ``PYTHONUTF8=1`` and
``PYTHONIOENCODING=utf-8`` and their output is decoded as UTF-8, so Chinese names display right on a
Windows whose console code page is cp936.
"""

from __future__ import annotations

import logging
import os
import shlex
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Mapping
from typing import IO, Any

from PyQt5.QtCore import QObject, QTimer, pyqtSignal

log = logging.getLogger(__name__)

#: the environment every child gets on top of the GUI's own
CHILD_ENV = {"PYTHONUTF8": "1", "PYTHONIOENCODING": "utf-8", "PYTHONUNBUFFERED": "1"}
DRAIN_MS = 50  # output lines reach the GUI in batches this often: a chatty child cannot flood the event loop


def python_module_command(module: str, *args: str) -> list[str]:
    """``python -m module args``: the GUI runs our commands through this interpreter."""
    return [sys.executable, "-m", module, *args]


def launcher_command(command: str, *args: str) -> list[str]:
    """``python -m hikyuu_live <command> args``: any command of ``hikyuu-live`` (the demos included)."""
    return [sys.executable, "-m", "hikyuu_live", command, *args]


def display_command(cmd: list[str]) -> str:
    """What the user would type: ``hikyuu-live <command> ...`` for ``python -m hikyuu_live <command>``, the
    console script for ``python -m hikyuu_live.gui.<script>``, else the command as it is."""
    if len(cmd) > 3 and cmd[1:3] == ["-m", "hikyuu_live"]:
        return shlex.join(["hikyuu-live", *cmd[3:]])
    if len(cmd) > 2 and cmd[1] == "-m" and cmd[2].startswith("hikyuu_live.gui."):
        return shlex.join([cmd[2].rsplit(".", 1)[-1], *cmd[3:]])
    if len(cmd) > 2 and cmd[1] == "-m":
        return shlex.join(["python", "-m", *cmd[2:]])
    if cmd and cmd[0] == sys.executable:
        return shlex.join(["python", *cmd[1:]])
    return shlex.join(cmd)


def child_env(extra: Mapping[str, str] | None = None, base: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env.update(CHILD_ENV)
    env.update(extra or {})
    return env


def popen_options(platform: str = sys.platform) -> dict[str, Any]:
    """Extra ``Popen`` arguments: on Windows a new process group, so ``CTRL_BREAK_EVENT`` reaches the child."""
    if platform == "win32":
        return {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0x200)}
    return {"start_new_session": True}  # Ctrl-C in the GUI's terminal is not delivered to the children


def request_stop(proc: subprocess.Popen[bytes], platform: str = sys.platform) -> str:
    """Ask ``proc`` to stop as a console user would (see the module docstring); what was sent."""
    if platform == "win32":
        try:
            proc.send_signal(getattr(signal, "CTRL_BREAK_EVENT", 1))
            return "CTRL_BREAK_EVENT"
        except OSError as e:  # no console shared with the child: nothing else asks it politely
            log.warning("CTRL_BREAK_EVENT to %s failed (%s): terminating it", proc.pid, e)
            proc.terminate()
            return "terminate"
    proc.send_signal(signal.SIGTERM)
    return "SIGTERM"


class ProcessRunner(QObject):
    """One child process at a time, with its output as ``line`` signals (UTF-8) on the Qt thread."""

    line = pyqtSignal(str)
    started = pyqtSignal(str)
    finished = pyqtSignal(int)

    def __init__(self, parent: QObject | None = None, *, grace_ms: int = 8000) -> None:
        super().__init__(parent)
        self.grace_ms = grace_ms
        self.proc: subprocess.Popen[bytes] | None = None
        self.command: list[str] = []
        self.env: dict[str, str] | None = None
        self._lines: deque[str] = deque()
        self._exit: int | None = None
        self._exit_pending: int | None = None  # set by the reader thread, delivered by the Qt thread
        self._reader: threading.Thread | None = None
        self._drain = QTimer(self)
        self._drain.setInterval(DRAIN_MS)
        self._drain.timeout.connect(self._deliver)
        self._killer = QTimer(self)
        self._killer.setSingleShot(True)
        self._killer.timeout.connect(self._kill_if_running)

    @property
    def running(self) -> bool:
        return self.proc is not None and self._exit is None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def start(self, cmd: list[str], env: Mapping[str, str] | None = None) -> None:
        if self.running:
            raise RuntimeError("already running")
        self.command, self.env = list(cmd), dict(env or {})
        self._exit = self._exit_pending = None
        self._lines.clear()
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    env=child_env(env), **popen_options())
        except OSError as e:
            self.proc = None
            self.line.emit(f"{cmd[0]}: {e}")
            self.finished.emit(-1)
            return
        self.proc = proc
        assert proc.stdout is not None
        self._reader = threading.Thread(target=self._read, args=(proc, proc.stdout), daemon=True,
                                        name=f"child-{proc.pid}-output")
        self._reader.start()
        self._drain.start()
        self.started.emit(display_command(cmd))

    def restart(self) -> None:
        """Start the last command again (once the previous run has ended)."""
        if self.command and not self.running:
            self.start(self.command, self.env)

    def stop(self) -> None:
        """Ask the child to stop now; kill it after ``grace_ms`` if it has not ended."""
        if not self.running:
            return
        assert self.proc is not None
        sent = request_stop(self.proc)
        log.info("stopping child %s with %s", self.proc.pid, sent)
        self._killer.start(self.grace_ms)

    def _kill_if_running(self) -> None:
        """The grace period is over. A bound method of this object on its own child timer: when the window
        (and so this runner) is destroyed first, the timer goes with it and never fires."""
        if self.running and self.proc is not None:
            log.warning("child %s did not stop within %d ms: killing it", self.proc.pid, self.grace_ms)
            self.proc.kill()

    def wait(self, ms: int) -> bool:
        """Block until the child has ended (its output delivered) or ``ms`` passed; True when it ended."""
        if self.proc is None:
            return True
        try:
            self.proc.wait(ms / 1000)
        except subprocess.TimeoutExpired:
            return False
        if self._reader is not None:
            self._reader.join(ms / 1000)
        self._deliver()
        return True

    def _read(self, proc: subprocess.Popen[bytes], out: IO[bytes]) -> None:
        """Reader thread: whole lines into the queue, then the exit code (the Qt thread delivers both)."""
        for raw in out:
            self._lines.append(raw.decode("utf-8", "replace").rstrip("\r\n"))
        out.close()
        self._exit_pending = proc.wait()

    def _deliver(self) -> None:
        while self._lines:
            self.line.emit(self._lines.popleft())
        code = self._exit_pending
        if code is not None and self._exit is None and (self._reader is None or not self._reader.is_alive()):
            self._exit = code
            self._exit_pending = None
            self._drain.stop()
            self._killer.stop()
            self.finished.emit(code)
