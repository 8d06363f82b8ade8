"""``importdata`` into HDF5 killed with SIGKILL at random moments, over a first import and two incremental
ones (issue 15): after every kill the files open in h5py and in Hikyuu's own C++ core (2.8.3, in the test
chroot), every stock holds exactly the bars of a commit (all of a run's new bars or none of them, no
duplicate, indexes matching the data), and the runs that follow end with the same content as imports that
were never interrupted.

A second test keeps a reader process looping (h5py, our store, Hikyuu's core) while importdata writes:
every read sees a committed state.

The market: test_data's ten stocks (day, 1- and 5-minute files) plus synthetic day files; each stage
shows importdata the first 50 %, 80 % and 100 % of every file's records.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from hikyuu_live.config import hikyuu_ini_text
from hikyuu_live.model.datenum import from_number
from hikyuu_live.model.kdata import KType
from hikyuu_live.store import make_store
from hikyuu_live.tdx.files import LocalTdxSource
from scripts.make_tdx_vipdoc import make_large_market
from tests.importer.test_importdata import ROOT, TDX, make_home

STAGES = (0.5, 0.8, 1.0)
KILLS_PER_STAGE = (18, 16, 16)
BASE = {"DAY": KType.DAY, "MIN": KType.MIN, "MIN5": KType.MIN5}
DERIVED_CHECKED = ("WEEK", "MONTH", "YEAR", "MIN15", "MIN60", "HOUR2")
FILE = {"DAY": "day", "MIN": "1min", "MIN5": "5min"}
#: what Hikyuu's core is asked about after each kill: test_data's stocks (day, 1- and 5-minute bars)
HIKYUU_CODES = frozenset(p.stem.upper() for p in (TDX / "vipdoc").rglob("*.day"))


@pytest.fixture(scope="module")
def core():
    from tests.services import hikyuu_core

    try:
        return hikyuu_core.ensure()
    except Exception as e:  # noqa: BLE001 - say why, fail loudly
        pytest.fail(f"cannot set up Hikyuu's core: {e}")


def full_market(root: Path) -> Path:
    vipdoc = make_large_market(root, 40, 1200, seed=3)
    shutil.copytree(TDX / "vipdoc", vipdoc, dirs_exist_ok=True)  # test_data's files win where codes meet
    return vipdoc


def stage_market(full: Path, out: Path, fraction: float) -> Path:
    """``full`` with every file cut to the first ``fraction`` of its 32-byte records."""
    shutil.rmtree(out, ignore_errors=True)
    for src in full.rglob("*"):
        if src.is_file():
            dst = out / src.relative_to(full)
            dst.parent.mkdir(parents=True, exist_ok=True)
            data = src.read_bytes()
            dst.write_bytes(data[: int(len(data) // 32 * fraction) * 32])
    return out


def importdata_cmd(home: Path) -> list[str]:
    return [sys.executable, "-m", "hikyuu_live.gui.importdata", "--config", str(home), "--commit-every", "0.05",
            "--progress", "none"]


def run_killed(home: Path, delay: float) -> bool:
    """Start importdata, SIGKILL it after ``delay`` s (True) unless it ended first (False); then wait until
    every process it started is gone (its publisher finishes the publish in hand)."""
    env = {k: v for k, v in os.environ.items() if k != "HKU_HOME"}
    proc = subprocess.Popen(importdata_cmd(home), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        proc.wait(delay)
        assert proc.returncode == 0, f"importdata failed with {proc.returncode}"
        killed = False
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        killed = True
    deadline = time.monotonic() + 60
    while True:  # the process group empties when the publisher child is done
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return killed
        assert time.monotonic() < deadline, "a child of importdata outlived it by a minute"
        time.sleep(0.01)


def h5_state(data: Path) -> dict[str, np.ndarray]:
    """Every table of every HDF5 file, read with plain h5py: ``{"sh_day.h5:/week/SH600000": rows}``."""
    out: dict[str, np.ndarray] = {}
    for path in sorted(data.glob("*.h5")):
        with h5py.File(path, "r") as f:
            for group in f:
                for name, ds in f[group].items():
                    out[f"{path.name}:/{group}/{name}"] = ds[:]
    return out


def source_bars(vipdoc: Path) -> dict[tuple[str, str], np.ndarray]:
    src = LocalTdxSource(vipdoc)
    return {(m + c, k): src.read(m, c, kt)["datetime"] for k, kt in BASE.items() for m in ("SH", "SZ", "BJ")
            for c in src.list_codes(m, kt)}


def check_committed(data: Path, before: dict, now: dict, core, folder_inside: str) -> dict:
    """The store holds a commit: each stock's bars of each type are its bars before this stage's runs or
    all of the stage's, without duplicates; Hikyuu's core reads the files and sees the same bars, derived
    periods included (its come from the index tables, ours from the data). Returns the stored lengths."""
    state = h5_state(data)  # every table opens in plain h5py
    lengths = {}
    for (mc, k), want in now.items():
        rows = state.get(f"{mc[:2].lower()}_{FILE[k]}.h5:/data/{mc}")
        got = from_number(rows["datetime"]) if rows is not None else want[:0]
        old = len(before.get((mc, k), ()))
        assert len(got) in (old, len(want)), f"{mc} {k}: {len(got)} bars, neither {old} nor {len(want)}"
        assert (got == want[:len(got)]).all(), f"{mc} {k}: not the source's bars"
        lengths[(mc, k)] = len(got)
    codes = sorted({mc for mc, _ in now if mc in HIKYUU_CODES})
    with make_store("hdf5", directory=data) as s:
        ours = {f"{mc}/{k}": s.read_range(mc, k) for mc in codes for k in (*BASE, *DERIVED_CHECKED)}
    view = core.read((data, folder_inside), hikyuu_ini_text("hdf5", folder_inside), codes)
    for key, bars in ours.items():
        got = view["kdata"].get(key)
        if got is None:  # a stock Hikyuu does not know: its Stock row is committed before its first bars
            assert not len(ours[key.split("/")[0] + "/DAY"]), f"{key}: bars of a stock without a Stock row"
            continue
        assert len(got) == len(bars), f"Hikyuu reads {len(got)} {key} bars, the data holds {len(bars)}"
        assert [r[0] for r in got] == [str(d).replace("T", " ") for d in bars["datetime"].astype("M8[s]")], key
        np.testing.assert_allclose([r[4] for r in got], bars["close"], rtol=1e-9, err_msg=key)
    return lengths


def stock_rows(data: Path) -> list[tuple]:
    with sqlite3.connect(data / "stock.db") as con:
        return sorted(con.execute("SELECT marketid, code, name, type, valid, startDate FROM Stock").fetchall())


def test_importdata_killed_at_random_moments_leaves_committed_bars_only_and_finishes_like_an_uninterrupted_run(
        tmp_path, core):
    full = full_market(tmp_path / "full")
    vipdoc = tmp_path / "stage" / "vipdoc"
    folder, inside = core.new_dir()
    ref = tmp_path / "ref"
    try:
        (tmp_path / "h1").mkdir()
        (tmp_path / "h2").mkdir()
        home = make_home(tmp_path / "h1", tdx={"enable": "True", "dir": str(vipdoc)}, hdf5={"dir": str(folder)})
        ref_home = make_home(tmp_path / "h2", tdx={"enable": "True", "dir": str(vipdoc)}, hdf5={"dir": str(ref)})
        rng = random.Random(15)
        before: dict = {}
        kills = 0
        for fraction, n_kills in zip(STAGES, KILLS_PER_STAGE, strict=True):
            stage_market(full, vipdoc, fraction)
            now = source_bars(vipdoc)
            t = time.monotonic()
            assert not run_killed(ref_home, 600)  # the uninterrupted import, and how long it takes
            span = time.monotonic() - t
            stage_kills = 0
            while stage_kills < n_kills:
                if run_killed(home, rng.uniform(0.3, span)):
                    stage_kills += 1
                    check_committed(folder, before, now, core, inside)
            kills += stage_kills
            assert not run_killed(home, 600)  # the run after the kills completes the stage
            lengths = check_committed(folder, before, now, core, inside)
            assert all(lengths[key] == len(v) for key, v in now.items())
            before = now
        assert kills >= 50
        mine, theirs = h5_state(folder), h5_state(ref)
        assert sorted(mine) == sorted(theirs)
        for key in mine:
            np.testing.assert_array_equal(mine[key], theirs[key], err_msg=key)
        assert stock_rows(folder) == stock_rows(ref)
        assert not [p.name for p in folder.iterdir() if p.suffix in (".journal", ".new")]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# ----------------------------------------------------------------------------- readers during an import

STRATEGY_READER = """
import json, sys, time
from pathlib import Path
from hikyuu_live.store import make_store
data, stop, codes = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3].split(",")
while not stop.exists():
    with make_store("hdf5", directory=data) as s:  # a strategy's preload, and a chart of weeks
        sample = {mc: [len(s.read_last_n(codes, k, 10**6)[mc]) for k in ("DAY", "MIN", "MIN5")] for mc in codes}
        for mc in codes[:3]:
            sample[mc].append(len(s.read_range(mc, "WEEK")))
    print(json.dumps(sample), flush=True)
"""

H5PY_READER = """
import json, sys
from pathlib import Path
import h5py
data, stop, codes = Path(sys.argv[1]), Path(sys.argv[2]), set(sys.argv[3].split(","))
while not stop.exists():
    sample, refused = {}, 0
    for path in sorted(data.glob("*.h5")):
        try:
            with h5py.File(path, "r") as f:  # HDF5's own lock: refused while a publish holds the file
                for group in f:
                    for name, ds in f[group].items():
                        if name in codes:
                            sample[f"{path.name}:/{group}/{name}"] = ds.shape[0]
        except OSError as e:
            if "lock" not in str(e):
                raise
            refused += 1
    print(json.dumps({"tables": sample, "refused": refused}), flush=True)
"""


def counts(data: Path, codes: list[str]) -> tuple[dict, dict]:
    """(the strategy reader's sample, the h5py reader's tables) of a store at rest."""
    with make_store("hdf5", directory=data) as s:
        sample = {mc: [len(s.read_last_n(codes, k, 10**6)[mc]) for k in ("DAY", "MIN", "MIN5")] for mc in codes}
        for mc in codes[:3]:
            sample[mc].append(len(s.read_range(mc, "WEEK")))
    return sample, {k: len(v) for k, v in h5_state(data).items() if k.rsplit("/", 1)[1] in codes}


def test_readers_see_the_old_or_the_new_commit_while_importdata_writes(tmp_path, core):
    import json

    full = make_large_market(tmp_path / "full", 120, 2000, seed=4)
    shutil.copytree(TDX / "vipdoc", full, dirs_exist_ok=True)
    vipdoc = tmp_path / "stage" / "vipdoc"
    folder, inside = core.new_dir()
    try:
        (tmp_path / "h").mkdir()
        home = make_home(tmp_path / "h", tdx={"enable": "True", "dir": str(vipdoc)}, hdf5={"dir": str(folder)})
        codes = sorted(HIKYUU_CODES) + ["SH600010", "SZ000011"]
        env = {k: v for k, v in os.environ.items() if k != "HKU_HOME"}
        stage_market(full, vipdoc, 0.6)
        assert not run_killed(home, 600)
        for fraction in (1.0,):
            old = counts(folder, codes)
            ini = hikyuu_ini_text("hdf5", inside)
            old_view = core.read((folder, inside), ini, codes)["kdata"]
            stage_market(full, vipdoc, fraction)
            ref = tmp_path / f"ref{fraction}"
            shutil.copytree(folder, ref)
            stop = tmp_path / f"stop{fraction}"
            readers = [subprocess.Popen([sys.executable, "-c", code, str(folder), str(stop), *extra], cwd=ROOT, env=env,
                                        stdout=subprocess.PIPE, text=True)
                       for code in (STRATEGY_READER, H5PY_READER) for extra in ([",".join(codes)],)]
            writer = subprocess.Popen(importdata_cmd(home), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
            views = []
            while writer.poll() is None:  # Hikyuu's core started again and again during the import
                views.append(core.read((folder, inside), ini, codes)["kdata"])
            assert writer.wait() == 0
            stop.touch()
            outs = [r.communicate(timeout=120)[0] for r in readers]
            new = counts(folder, codes)
            new_view = core.read((folder, inside), ini, codes)["kdata"]

            strategy = [json.loads(line) for line in outs[0].splitlines()]
            tables = [json.loads(line) for line in outs[1].splitlines()]
            assert len(strategy) >= 3 and len(tables) >= 3 and views, (len(strategy), len(tables), len(views))
            for sample in strategy:  # our readers wait out a publish: each read sees one commit per stock
                for mc in codes:
                    for i, n in enumerate(sample[mc]):
                        assert n in (old[0][mc][i], new[0][mc][i]), (mc, i, sample[mc], old[0][mc], new[0][mc])
            for t in tables:  # plain HDF5 readers: a commit per table, or refused while a publish runs
                if t["refused"]:
                    continue
                for key, n in t["tables"].items():
                    assert n in (old[1].get(key, 0), new[1][key]), (key, n)
            refused = sum(t["refused"] for t in tables)
            for view in views:  # Hikyuu's core: per file, each stock's bars and derived periods of one commit
                for market in ("SH", "SZ", "BJ"):
                    for kinds in (("DAY", "WEEK", "MONTH"), ("MIN",), ("MIN5", "MIN15", "HOUR2")):
                        mine = [mc for mc in codes if mc.startswith(market)]
                        seen = {mc: [len(view.get(f"{mc}/{k}") or ()) for k in kinds] for mc in mine}
                        if not any(map(any, seen.values())):  # the file was refused: HDF5 said it is locked
                            refused += 1
                            continue
                        for mc in mine:
                            was = [len(old_view.get(f"{mc}/{k}") or ()) for k in kinds]
                            now = [len(new_view.get(f"{mc}/{k}") or ()) for k in kinds]
                            assert seen[mc] in (was, now), (mc, kinds, seen[mc], was, now)
            print(f"{len(strategy)} strategy reads, {len(tables)} h5py passes, {len(views)} Hikyuu starts; "
                  f"{refused} file opens refused by HDF5's lock while a publish held it (never a mixed read)")
            shutil.rmtree(ref)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
