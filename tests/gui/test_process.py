"""Child processes: stopped the way a console user stops them, and their Chinese output shown right."""

from __future__ import annotations

import signal
import subprocess
import sys

from hikyuu_live.gui.widgets.process import (
    ProcessRunner,
    child_env,
    display_command,
    launcher_command,
    popen_options,
    request_stop,
)

CHILD = """
import signal, sys, time
def stop(*_):
    print("clean stop", flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
print("浦发银行 上涨", flush=True)
while True:
    time.sleep(0.05)
"""


def test_chinese_output_is_right_when_the_console_encoding_is_not_utf8(qtbot, monkeypatch):
    """Found: on a cp936 console the children wrote GBK bytes that the GUI decoded as UTF-8 (mojibake).
    ``PYTHONIOENCODING=gbk`` gives the child the same console encoding here."""
    monkeypatch.setenv("PYTHONIOENCODING", "gbk")
    monkeypatch.delenv("PYTHONUTF8", raising=False)
    runner = ProcessRunner(grace_ms=5000)
    lines: list[str] = []
    runner.line.connect(lines.append)
    runner.start([sys.executable, "-c", CHILD])
    qtbot.waitUntil(lambda: "浦发银行 上涨" in lines, timeout=10_000)
    with qtbot.waitSignal(runner.finished, timeout=10_000) as done:
        runner.stop()
    assert done.args == [0] and lines[-1] == "clean stop"  # SIGTERM handled: not a kill


def test_a_child_that_ignores_the_stop_is_killed_after_the_grace_period(qtbot):
    runner = ProcessRunner(grace_ms=300)
    lines: list[str] = []
    runner.line.connect(lines.append)
    runner.start([sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                                        "print('up', flush=True); time.sleep(60)"])
    qtbot.waitUntil(lambda: lines == ["up"], timeout=10_000)
    with qtbot.waitSignal(runner.finished, timeout=10_000) as done:
        runner.stop()
    assert done.args == [-signal.SIGKILL]


class FakePopen:
    def __init__(self) -> None:
        self.sent: list[int] = []
        self.terminated = False
        self.pid = 1

    def send_signal(self, sig: int) -> None:
        self.sent.append(sig)

    def terminate(self) -> None:
        self.terminated = True


def test_on_windows_children_get_their_own_process_group_and_ctrl_break():
    """Found: the GUI stopped children with terminate() (WM_CLOSE from Qt), which console programs ignore on
    Windows, so every stop was a kill after 8 s. Now: a new process group and CTRL_BREAK_EVENT (SIGBREAK)."""
    flags = popen_options("win32")["creationflags"]
    assert flags & getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0x200)
    proc = FakePopen()
    assert request_stop(proc, "win32") == "CTRL_BREAK_EVENT"  # type: ignore[arg-type]
    assert proc.sent == [getattr(signal, "CTRL_BREAK_EVENT", 1)] and not proc.terminated
    posix = FakePopen()
    assert request_stop(posix, "linux") == "SIGTERM" and posix.sent == [signal.SIGTERM]  # type: ignore[arg-type]


def test_children_run_in_utf8_mode():
    env = child_env({}, base={"PYTHONIOENCODING": "gbk", "PATH": "/bin"})
    assert env["PYTHONUTF8"] == "1" and env["PYTHONIOENCODING"] == "utf-8" and env["PATH"] == "/bin"


def test_the_command_shown_is_one_that_exists():
    """Found: the GUI showed `strategy_demo2 ...`, a command that does not exist."""
    shown = display_command(launcher_command("strategy_demo2", "--codes", "sh600000"))
    assert shown == "hikyuu-live strategy_demo2 --codes sh600000"
    done = subprocess.run([sys.executable, "-m", "hikyuu_live", "strategy_demo2", "--help"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and "--status ADDRESS" in done.stdout
    assert display_command([sys.executable, "-m", "hikyuu_live.gui.spot_server", "--source", "qq"]) == \
        "spot_server --source qq"
