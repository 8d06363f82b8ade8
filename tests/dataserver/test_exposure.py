"""The data server's network exposure and start-up checks (issue 16), each with a real ``dataserver`` process.

Only loopback addresses: a client that dials from 127.0.0.2 (nng's ``tcp://<local>;<host>:<port>`` form) is
"another host" for a server that lets in 127.0.0.1 only.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time

import pytest

from hikyuu_live.dataserver import BufferServerClient
from hikyuu_live.errors import BusBroken, BusTimeout
from tests.dataserver.conftest import ROOT, TODAY, ServerProcess, free_port, start_replay
from tests.dataserver.test_dataserver_processes import TOTAL_TICKS


def other_host(addr: str) -> str:
    """The same server address, dialled from 127.0.0.2."""
    return addr.replace("tcp://", "tcp://127.0.0.2;", 1)


def test_allow_list_lets_in_only_the_listed_addresses(tmp_path):
    """``--allow``: a connection from an address not on the list is closed before it is added, counted in
    ``status`` and logged; the listed address is answered as usual."""
    addr = f"tcp://127.0.0.1:{free_port()}"
    s = ServerProcess(addr, f"ipc://{tmp_path}/bus.ipc", tmp_path, "--allow", "127.0.0.1/32").start()
    try:
        for _ in range(3):
            with pytest.raises((BusTimeout, BusBroken)), BufferServerClient(other_host(addr), timeout_s=0.5) as c:
                c.status()
        st = s.status()
        assert st["requests"]["refused_connections"] >= 3 and st["clients"] == 1
        assert "refused a connection from 127.0.0.2" in s.output()
    finally:
        assert s.stop() == 0


def test_allow_list_from_the_config_file(tmp_path):
    """``[dataserver] allow_clients`` in importdata-gui.ini, when ``--allow`` is not given."""
    from hikyuu_live.config import IMPORT_INI, import_ini_text, update_ini

    home = tmp_path / "config"
    home.mkdir()
    (home / IMPORT_INI).write_text(import_ini_text(tmp_path / "data"))
    update_ini(home / IMPORT_INI, {"dataserver": {"allow_clients": "127.0.0.2"}})
    addr = f"tcp://127.0.0.1:{free_port()}"
    proc = subprocess.Popen([sys.executable, "-m", "hikyuu_live.gui.dataserver", "--addr", addr,
                             "--quotation-server", f"ipc://{tmp_path}/bus.ipc", "--config", str(home)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with BufferServerClient(other_host(addr), timeout_s=1) as c:
                    st = c.status()
                break
            except (BusTimeout, BusBroken):
                assert time.monotonic() < deadline, "the listed address was never answered"
                time.sleep(0.2)
        with pytest.raises((BusTimeout, BusBroken)), BufferServerClient(addr, timeout_s=0.5) as c:
            c.status()
        with BufferServerClient(other_host(addr), timeout_s=5) as c:
            assert c.status()["requests"]["refused_connections"] > st["requests"]["refused_connections"]
    finally:
        proc.terminate()
        assert proc.wait(10) == 0


def test_status_does_not_show_local_paths_unless_told(tmp_path):
    """``status`` used to name the tick folder, the Parquet folder and the IPC path of the bus."""
    bus = f"ipc://{tmp_path}/bus.ipc"
    args = ("--buf", "--save", "--tick-dir", str(tmp_path / "tick"), "--parquet_path", str(tmp_path / "pq"))
    quiet = ServerProcess(f"tcp://127.0.0.1:{free_port()}", bus, tmp_path, *args).start()
    try:
        text = json.dumps(quiet.status())
        assert str(tmp_path) not in text and "/tmp" not in text
        st = quiet.status()
        assert [x["store"] for x in st["stores"]] == ["hdf5", "parquet"] and st["bus"]["address"] == "ipc://<path>"
    finally:
        assert quiet.stop() == 0
    told = ServerProcess(f"tcp://127.0.0.1:{free_port()}", bus, tmp_path, *args, "--status-paths").start()
    try:
        st = told.status()
        assert st["stores"][0]["store"] == f"hdf5:{tmp_path / 'tick'}" and st["bus"]["address"] == bus
    finally:
        assert told.stop() == 0


def run_server(tmp_path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "hikyuu_live.gui.dataserver", "--addr",
                             f"tcp://127.0.0.1:{free_port()}", "--quotation-server", f"ipc://{tmp_path}/bus.ipc",
                             "--today", TODAY, "--config", str(tmp_path / "none"), *args],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.parametrize("option", ["--tick-dir", "--parquet_path"])
def test_save_to_a_folder_it_cannot_write_fails_at_start(tmp_path, option):
    """``--save`` into a folder it cannot write said "ready" and then logged write errors every second.
    (The folder here sits under a regular file, which no user, root included, can write into.)"""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    bad = blocker / "ticks"
    args = ["--buf", "--save", "--tick-dir", str(bad if option == "--tick-dir" else tmp_path / "tick")]
    if option == "--parquet_path":
        args += ["--parquet_path", str(bad)]
    proc = run_server(tmp_path, *args)
    try:
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode not in (0, None)
    assert "ready" not in out and option in out and str(bad) in out and "cannot write" in out, out


def test_sigterm_ends_a_server_whose_store_fails_within_5_s(tmp_path):
    """A store that fails (here the Parquet folder turns into a file mid-day) kept SIGTERM waiting 30 s for
    writes that could not succeed; now the stop makes one last attempt, logs what could not be written, ends
    within 5 s and says so with its exit code."""
    pq = tmp_path / "pq"
    bus, addr = f"ipc://{tmp_path}/bus.ipc", f"tcp://127.0.0.1:{free_port()}"
    s = ServerProcess(addr, bus, tmp_path, "--buf", "--save", "--tick-dir", str(tmp_path / "tick"),
                      "--parquet_path", str(pq), "--parquet-flush-s", "0.3").start()
    assert s.proc is not None
    replay = start_replay(bus, speed=300)
    s.wait_for(lambda st: st["stores"][1]["saved_rows"] > 0, what="first Parquet file")
    shutil.rmtree(pq)
    pq.write_text("the folder is gone")
    s.wait_for(lambda st: st["stores"][1]["errors"] > 0 and st["stores"][1]["pending"] > 0,
               what="Parquet writes failing")
    replay.kill()
    t0 = time.monotonic()
    s.proc.send_signal(signal.SIGTERM)
    try:
        code = s.proc.wait(10)
    finally:
        if s.proc.poll() is None:
            s.proc.kill()
    assert time.monotonic() - t0 < 5, time.monotonic() - t0
    assert code == 1 and "could not be written" in s.output()
    s.log.close()


def test_a_healthy_server_still_stops_cleanly(tmp_path):
    bus, addr = f"ipc://{tmp_path}/bus.ipc", f"tcp://127.0.0.1:{free_port()}"
    s = ServerProcess(addr, bus, tmp_path, "--buf", "--save", "--tick-dir", str(tmp_path / "tick")).start()
    assert start_replay(bus, speed=1000).wait(120) == 0
    s.wait_for(lambda st: st["stores"][0]["saved_rows"] == TOTAL_TICKS, what="all saved")
    assert s.stop() == 0
