"""Services the tests start themselves (ClickHouse, MariaDB, Hikyuu's own core in a chroot)."""

from __future__ import annotations

import subprocess


def stop_process(proc: subprocess.Popen | None) -> None:
    """SIGTERM a server we started, SIGKILL it if it has not gone after 30 s."""
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
