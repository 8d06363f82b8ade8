"""``importdata`` as a real process: config handling, exit codes, progress lines, and a kill -9 mid-import
that loses nothing committed, corrupts nothing, and is finished by the next run."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from hikyuu_live.config import IMPORT_INI, import_ini_text, update_ini
from hikyuu_live.model.kdata import KType
from hikyuu_live.store import make_store
from hikyuu_live.tdx.files import LocalTdxSource
from scripts.make_tdx_vipdoc import make_large_market
from tests.services.clickhouse import free_port

ROOT = Path(__file__).resolve().parents[2]
TDX = ROOT / "test_data"
LINE = re.compile(r"^progress market=(SH|SZ|BJ) ktype=(DAY|MIN|MIN5) done=(\d+) total=(\d+)$")


def make_home(tmp_path: Path, **sections: dict) -> Path:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    (home / IMPORT_INI).write_text(import_ini_text(tmp_path / "data"), encoding="utf-8")
    # bars only: weights, finance and boards (the network importer's extras) need TDX servers
    off = {"weight": {"enable": "False"}, "finance": {"enable": "False"}, "block": {"enable": "False"}}
    update_ini(home / IMPORT_INI, {"ktype": {"min_start_date": "2020-01-01", "min5_start_date": "2020-01-01"},
                                   **off, **sections})
    return home


def importdata(home: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "HKU_HOME"}
    # --offline: the bond yield and holidays from the shipped lists (their web sources: tests/tdx_network)
    cmd = [sys.executable, "-m", "hikyuu_live.gui.importdata", "--config", str(home), *args, "--offline"]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def test_init_writes_default_config(tmp_path):
    r = importdata(tmp_path / "fresh", "--init")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "fresh" / "hikyuu.ini").exists() and (tmp_path / "fresh" / IMPORT_INI).exists()


def test_import_prints_progress_lines_the_gui_parses_and_a_summary(tmp_path):
    from hikyuu_live.gui.widgets.run_import_tab import parse_progress

    home = make_home(tmp_path)
    r = importdata(home, "--tdx-dir", str(TDX), "--progress", "lines")
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("progress")]
    assert lines and all(LINE.match(ln) for ln in lines)
    assert "progress market=SH ktype=DAY done=4 total=4" in lines
    assert parse_progress("progress market=SZ ktype=MIN5 done=2 total=4") == ("min5", 50)
    assert re.search(r"^SH\s+DAY\s+4\s+1828\s+0\s+0", r.stdout, re.M)
    assert "total: 16570 rows" in r.stdout
    with make_store("hdf5", directory=tmp_path / "data") as s:
        assert s.count("SZ159915", "MIN") == 720
    again = importdata(home, "--tdx-dir", str(TDX), "--progress", "none")
    assert again.returncode == 0 and "total: 0 rows" in again.stdout


def test_options_only_codes_dry_run_and_ignore_kdata(tmp_path):
    home = make_home(tmp_path, tdx={"enable": "True", "dir": str(TDX)})
    assert importdata(home, "--dry-run").returncode == 0
    assert not list((tmp_path / "data").glob("*.h5"))
    r = importdata(home, "--only", "day", "--codes", "sh600000,SZ000001")
    assert r.returncode == 0, r.stderr
    with make_store("hdf5", directory=tmp_path / "data") as s:
        assert s.codes("SH") == ["600000"] and s.codes("SZ") == ["000001"] and s.codes("SZ", "MIN") == []
    r = importdata(home, "--ignore-kdata")
    assert r.returncode == 0 and "total: 0 rows" in r.stdout


@pytest.mark.parametrize("setup,code,message", [
    (lambda tmp: {"tdx": {"enable": "True", "dir": str(tmp / "missing")}}, 4, "TDX directory"),
    (lambda tmp: {"hdf5": {"enable": "perhaps"}}, 2, "bad config"),
    (lambda tmp: {"tdx": {"enable": "True", "dir": str(TDX)}, "hdf5": {"enable": "False"},
                  "mysql": {"enable": "True", "port": str(free_port())}}, 3, "store unreachable"),
])
def test_exit_codes_say_what_is_wrong(tmp_path, setup, code, message):
    home = make_home(tmp_path, **setup(tmp_path))
    r = importdata(home, "--only", "day")
    assert r.returncode == code, (r.stdout, r.stderr)
    assert message in r.stderr
    assert "Traceback" not in r.stderr
    if code == 2:
        assert "enable" in r.stderr and "perhaps" in r.stderr


# ----------------------------------------------------------------------------- kill -9


def _backend(name: str, request, tmp_path) -> tuple[dict, dict, int, int]:
    """(ini sections, store options, stocks, days) for a kill test on ``name``: big enough that the first
    progress lines (one a second) come while the first market is still being imported."""
    if name == "hdf5":
        return {}, {"directory": tmp_path / "data"}, 1200, 2500
    if name == "clickhouse":
        ch = request.getfixturevalue("clickhouse")
        return ({"hdf5": {"enable": "False"}, "clickhouse": {"enable": "True", "http_port": str(ch.http_port)}},
                {"port": ch.http_port}, 600, 2500)
    from tests.services.mariadb import start_private

    db = start_private(tmp_path / "mariadb")  # importdata writes Hikyuu's own schema names: a server of our own
    request.addfinalizer(db.stop)
    return ({"hdf5": {"enable": "False"}, "mysql": {"enable": "True", "port": str(db.port)}},
            {"port": db.port}, 80, 1000)


@pytest.mark.parametrize("backend", ["hdf5", "clickhouse", "mysql"])
def test_kill_9_mid_import_loses_nothing_committed_and_the_next_run_completes(tmp_path, request, backend):
    sections, store_kw, stocks, days = _backend(backend, request, tmp_path)
    vipdoc = make_large_market(tmp_path / "tdx", stocks, days)
    home = make_home(tmp_path, tdx={"enable": "True", "dir": str(vipdoc)}, **sections)
    env = {k: v for k, v in os.environ.items() if k != "HKU_HOME"}
    proc = subprocess.Popen([sys.executable, "-m", "hikyuu_live.gui.importdata", "--config", str(home), "--only",
                             "day", "--commit-every", "0.2", "--progress", "lines"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + 120
    assert proc.stdout is not None
    for line in proc.stdout:  # kill once a quarter of SH is through: commits have happened, more are coming
        m = LINE.match(line.strip())
        if m and m.group(1) == "SH" and int(m.group(3)) * 4 >= int(m.group(4)) > 0:
            break
        assert time.monotonic() < deadline, "no progress"
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL

    src = LocalTdxSource(vipdoc)
    codes = [(m, c) for m in ("SH", "SZ", "BJ") for c in src.list_codes(m, KType.DAY)]
    with make_store(backend, **store_kw) as s:  # opens and reads: nothing is corrupt
        stored = {m + c: s.read_range(m + c, "DAY") for m, c in codes}
    partial = [mc for mc, b in stored.items() if 0 < len(b) < days]
    assert 0 < sum(len(b) == days for b in stored.values()) < len(codes), "the kill did not land mid-import"
    assert len(partial) <= 1  # MySQL may hold a load cut short: a prefix of one stock
    for m, c in codes:  # what is stored is exactly the start of the file: no duplicates, no gaps
        want = src.read(m, c, KType.DAY)[:len(stored[m + c])]
        assert (stored[m + c]["datetime"] == want["datetime"]).all()

    r = importdata(home, "--only", "day", "--progress", "none", timeout=600)
    assert r.returncode == 0, r.stderr
    with make_store(backend, **store_kw) as s:
        for m in ("SH", "SZ", "BJ"):
            for c in src.list_codes(m, KType.DAY):
                got, want = s.read_range(m + c, "DAY"), src.read(m, c, KType.DAY)
                assert (got["datetime"] == want["datetime"]).all(), m + c
                np.testing.assert_allclose(got["close"], want["close"], atol=1e-6)
        assert len(s.stock_records()) == stocks
        if backend == "clickhouse":
            s.drop_all()


def test_line_progress_is_throttled_but_shows_every_start_and_end():
    import io

    from hikyuu_live.data.importer import Progress
    from hikyuu_live.gui.import_progress import LineProgress

    out = io.StringIO()
    show = LineProgress(out, interval_s=3600)
    for done in (0, 1, 2, 3, 3):
        show(Progress("SZ", KType.MIN5, done, 3))
    assert out.getvalue().splitlines() == ["progress market=SZ ktype=MIN5 done=0 total=3",
                                           "progress market=SZ ktype=MIN5 done=3 total=3"]


def test_history_finance_box_imports_history_finance_from_the_install(tmp_path):
    """Reproduces: [finance] enable (the GUI's "历史财务数据") imported current finance over the network and
    never the install's vipdoc/cw files, so Hikyuu's HistoryFinance stayed empty. ``--only hfinance``
    imports just that kind; refused rows go to a quarantine file."""
    from tests.importer.finance_samples import REAL_2011, current_layout, install

    tdx = install(tmp_path / "tdx", {"gpcw20120331.dat": current_layout(file_date=20120331),
                                     "gpcw20110930.dat": REAL_2011.read_bytes()})
    (tdx / "vipdoc").joinpath("sh").symlink_to(TDX / "vipdoc" / "sh")
    home = make_home(tmp_path, finance={"enable": "True"})
    r = importdata(home, "--tdx-dir", str(tdx), "--progress", "none")
    assert r.returncode == 0, r.stderr
    with make_store("hdf5", directory=tmp_path / "data") as s:
        assert s.history_finance_files() == {20120331: 6}
    assert re.search(r"^hfinance stocks=6 rows=6 rejected=6", r.stdout, re.M), r.stdout
    assert "rejected rows: " in r.stdout
    assert (tmp_path / "data" / "downloads" / "finance" / "imported.json").exists()
    only = importdata(home, "--tdx-dir", str(tdx), "--only", "hfinance", "--progress", "none")
    assert only.returncode == 0 and "total: 0 rows" in only.stdout and "unchanged=2" in only.stdout, only.stdout
    bad = importdata(home, "--only", "day,nonsense")
    assert bad.returncode == 2 and "nonsense" in bad.stderr


def test_local_install_imports_weights_without_the_network(tmp_path):
    """Reproduces: with a local TDX install and no [pytdx] network, importdata skipped weights ("no TDX
    network source"), although the install's gbbq holds them."""
    from hikyuu_live.tdx.gbbq import GBBQ
    from tests.importer.gbbq_files import REAL_EVENTS, record, write_gbbq

    tdx = tmp_path / "tdx"
    write_gbbq(tdx / GBBQ, [record(*e) for e in REAL_EVENTS])
    (tdx / "vipdoc").symlink_to(TDX / "vipdoc")
    home = make_home(tmp_path, weight={"enable": "True"})
    r = importdata(home, "--tdx-dir", str(tdx), "--only", "day,weight", "--progress", "none")
    assert r.returncode == 0, r.stderr
    assert re.search(r"^weights\s+stocks=\d+ rows=2 ", r.stdout, re.M), r.stdout
    with make_store("hdf5", directory=tmp_path / "data") as s:
        assert [int(w["bonus"]) for w in s.weights("SZ000001")] == [7190]


def test_only_blocks_with_the_web_sources_unreachable_lists_them_and_ends_well(tmp_path):
    """``importdata --only blocks`` without --offline and without a TDX install: every board source (Eastmoney's
    lists and the index list of the index boards) is unreachable here (the tests' network guard), so each is
    listed as unavailable, and the import is not a failed one (exit code 0, as the other web kinds)."""
    home = tmp_path / "home"
    assert importdata(home, "--init").returncode == 0
    env = {k: v for k, v in os.environ.items() if k != "HKU_HOME"}
    cmd = [sys.executable, "-m", "hikyuu_live.gui.importdata", "--config", str(home), "--only", "blocks",
           "--progress", "none"]
    r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "unavailable: 指数板块: index list:" in r.stdout and "unreachable" in r.stdout
    assert "failed=0" in r.stdout
