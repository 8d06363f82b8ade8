"""No input is trusted: hostile or broken senders against a subscriber, each in its own process over real NNG
sockets. Every test reproduces a defect found by trying the subscriber as a careful user would."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.bus.conftest import free_port

HERE = Path(__file__).parent
ROOT = HERE.parents[1]


def start(script: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(HERE / script), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def subscriber(address: str, *args: str) -> subprocess.Popen:
    p = start("sub_child.py", "--address", address, *args)
    assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    return p


def report(p: subprocess.Popen, timeout: float = 90) -> dict:
    out, err = p.communicate(timeout=timeout)
    lines = [ln for ln in out.splitlines() if ln.startswith("{")]
    assert lines, f"no report from the subscriber; stderr:\n{err[-3000:]}"
    rep = json.loads(lines[-1])
    rep["stderr"] = err
    return rep


def publish(address: str, *args: str) -> subprocess.Popen:
    return start("pub_child.py", "--address", address, *args)


def finish(p: subprocess.Popen, timeout: float = 60) -> None:
    out, err = p.communicate(timeout=timeout)
    assert p.returncode == 0, err[-3000:]


@pytest.fixture
def ipc(tmp_path) -> str:
    return f"ipc://{tmp_path}/bus.ipc"


def test_a_claimed_message_count_allocates_nothing_and_the_feed_goes_on(ipc):
    """Reproduces: one data message claiming 4,000,000,000 messages in its cycle made the subscriber build a
    4-billion-entry set when that cycle closed by timeout; the MemoryError killed the receive thread, the
    process stayed up with its socket open, no stale warning came and later cycles were never delivered.
    (The subscriber's address space is capped so that, before the fix, it fails fast instead of eating RAM.)"""
    sub = subscriber(ipc, "--cycles", "4", "--cycle-timeout", "1", "--as-limit-mb", "3000", "--seconds", "40")
    finish(publish(ipc, "--mode", "huge_count", "--cycles", "4", "--silence", "2.0"))
    rep = report(sub)
    assert [(c["id"], c["complete"], c["spots"]) for c in rep["cycles"]] == [
        (1, True, 300), (3, True, 300), (4, True, 300), (5, True, 300)]
    st = rep["stats"]
    assert st["decode_errors"] == {"bad_msg_count": 1}
    assert rep["thread_alive"] and st["receive_errors"] == 0
    assert st["lost_cycles"] == 1  # cycle 2 only ever had the rogue message
    assert rep["peak_rss_kb"] < 400_000


def test_a_cycle_id_that_jumps_implausibly_far_is_a_bad_message(ipc):
    """Reproduces: one message with a huge cycle id (a bit flip or a rogue sender) made every later cycle of
    the session count as late: on_cycle stopped firing and lost_cycles read about 9.2e18. Here one message
    claims 2**63 - 1 (refused outright) and one claims cycle 1 with bit 20 flipped (held, then dropped when
    the session's numbering goes on)."""
    sub = subscriber(ipc, "--cycles", "4", "--seconds", "30")
    finish(publish(ipc, "--mode", "huge_cycle", "--cycles", "4"))
    rep = report(sub)
    assert [(c["id"], c["complete"]) for c in rep["cycles"]] == [(1, True), (2, True), (3, True), (4, True)]
    st = rep["stats"]
    assert st["lost_cycles"] == 0 and st["late_messages"] == 0
    assert st["decode_errors"] == {"bad_cycle_id": 1, "cycle_jump": 1}


def test_the_receive_loop_survives_a_fault_and_says_so(ipc):
    """The receive thread is supervised: a fault inside it (here: the first cycle-timeout check raises) is
    logged with its traceback and counted, and receiving goes on. Before: the thread died silently."""
    sub = subscriber(ipc, "--cycles", "3", "--seconds", "30", "--fault", "timeout_check")
    finish(publish(ipc, "--cycles", "3"))
    rep = report(sub)
    assert [c["complete"] for c in rep["cycles"]] == [True, True, True]
    assert rep["stats"]["receive_errors"] == 1 and rep["tracebacks"] >= 1
    assert "injected fault" in rep["stderr"]
    assert rep["thread_alive"]


def test_a_feed_that_delivers_nothing_becomes_stale(ipc):
    """Reproduces: undecodable messages kept the feed "fresh" although nothing was delivered; a feed that
    delivers nothing (no spots, no valid heartbeat) must become stale and say so."""
    sub = subscriber(ipc, "--cycles", "1", "--seconds", "3", "--stale-after", "1")
    finish(publish(ipc, "--mode", "junk_only", "--linger", "3.5"))
    rep = report(sub)
    assert rep["cycles"] == [] and sum(rep["stats"]["decode_errors"].values()) > 20
    assert rep["is_stale"] and rep["stale_logged"]


@pytest.mark.parametrize("transport", ["ipc", "tcp"])
def test_oversized_messages_are_refused_by_the_socket(transport, tmp_path):
    """Reproduces: twenty 100 MB messages raised a subscriber to 1.2 GB. The socket refuses messages above the
    configured maximum (64 MB by default) before they are buffered; the feed recovers afterwards."""
    address = f"ipc://{tmp_path}/big.ipc" if transport == "ipc" else f"tcp://127.0.0.1:{free_port()}"
    sub = subscriber(address, "--cycles", "3", "--seconds", "60")
    rogue = start("rogue_child.py", "--address", address, "--count", "20", "--mb", "100")
    rogue.communicate(timeout=60)
    time.sleep(0.3)
    finish(publish(address, "--cycles", "3"))
    rep = report(sub)
    assert [c["complete"] for c in rep["cycles"]] == [True, True, True]
    assert rep["peak_rss_kb"] < 300_000, rep["peak_rss_kb"]


def test_cycles_lost_right_after_a_publisher_start_are_reported(ipc):
    """Reproduces: subscribers missed cycle 1 of each new session and reported gaps=0 lost_cycles=0, although
    every session numbers its cycles from 1. Both publishers start after the subscriber."""
    sub = subscriber(ipc, "--cycles", "4", "--seconds", "40")
    finish(publish(ipc, "--mode", "lose_first", "--cycles", "3", "--linger", "0.2"))
    finish(publish(ipc, "--mode", "lose_first", "--cycles", "3", "--linger", "0.2"))
    rep = report(sub)
    assert [c["id"] for c in rep["cycles"]] == [2, 3, 2, 3]
    st = rep["stats"]
    assert st["lost_cycles"] == 2 and st["publisher_restarts"] == 1


def test_spot_listen_reports_the_lost_first_cycle(ipc):
    """The same through ``spot_listen`` as a process: its summary counts the lost cycles."""
    listen = subprocess.Popen([sys.executable, "-m", "hikyuu_live.gui.spot_listen", ipc, "--stats-only",
                               "--format", "json", "--cycles", "2", "--seconds", "30"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    time.sleep(1.0)  # spot_listen subscribed before the publisher starts
    finish(publish(ipc, "--mode", "lose_first", "--cycles", "3"))
    out, err = listen.communicate(timeout=40)
    assert listen.returncode == 0, err
    assert [json.loads(ln)["cycle"] for ln in out.splitlines()] == [2, 3]
    summary = re.search(r"lost_cycles=(\d+)", err)
    assert summary is not None and summary.group(1) == "1", err
