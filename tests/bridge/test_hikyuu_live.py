"""The bridge with the real Hikyuu 2.8.3 (its C++ core and Python package, unchanged, in the test chroot:
``tests/services/hikyuu_core.py``, ``hikyuu_live_env.py``), on the demo day: the sample TDX install imported by
our ``importdata`` into HDF5, and the recorded next day (``test_data/replay_sample.csv.gz``) played by our replay
collector.

- Hikyuu's own ``Strategy`` (its ``SpotAgent`` subscribed to our collector, its bars from our store) running
  Hikyuu's ``run_in_strategy`` with the bridge places every order its system decides exactly once, visible in
  our paper broker's journal, and Hikyuu reads our account exactly (``get_asset_info``);
- our bars as Hikyuu types are Hikyuu's own bars of the same store;
- a Hikyuu system run from our runtime's timers trades what Hikyuu's own backtest trades on the same bars
  (``hikyuu_parity`` on the Hikyuu forms of the demos: no difference).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "test_data" / "replay_sample.csv.gz"
DAY = date(2026, 11, 24)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def live():
    """(env, host folder, chroot folder): Hikyuu and our package together, the store imported, both inis."""
    from hikyuu_live.config import generate_default_config
    from tests.services import hikyuu_core, hikyuu_live_env

    try:
        core = hikyuu_core.ensure()
        env = hikyuu_live_env.ensure(core)
    except Exception as e:  # noqa: BLE001 - say why, fail loudly
        pytest.fail(f"cannot set up Hikyuu with hikyuu_live in the chroot: {e}")
    host, inside = core.new_dir()
    generate_default_config(host / "importer", host / "stock")
    done = subprocess.run([sys.executable, "-m", "hikyuu_live.importdata", "--tdx-dir",
                           str(ROOT / "test_data" / "vipdoc"), "--progress", "none"],
                          env=dict(os.environ, HKU_HOME=str(host / "importer")), cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    (host / "home").mkdir()
    for name in ("hikyuu.ini", "importdata-gui.ini"):  # the same config, as the chroot sees the paths
        (host / "home" / name).write_text((host / "importer" / name).read_text().replace(str(host), inside))
    shutil.copy(SAMPLE, host / "replay.csv.gz")
    shutil.copy(Path(__file__).with_name("in_hikyuu_kdata.py"), host / "in_hikyuu_kdata.py")
    yield env, host, inside
    env.close()
    shutil.rmtree(host, ignore_errors=True)


def test_our_bars_as_hikyuu_types_are_hikyuus_own_bars(live):
    env, host, inside = live
    done = env.python([f"{inside}/in_hikyuu_kdata.py", f"{inside}/home/hikyuu.ini", f"{inside}/home",
                       f"{inside}/kdata.json"], home=f"{inside}/home")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    result = json.loads((host / "kdata.json").read_text())
    assert set(result) == {"SH600000/DAY", "SH600000/MIN", "SZ000001/DAY", "SZ000001/MIN"}
    for key, r in result.items():
        assert r["type"] == "KData" and r["roundtrip"], key
        assert len(r["ours"]) in (300, 500) or len(r["ours"]) == len(r["theirs"]), key
        assert r["ours"] == r["theirs"], key  # datetime, open, high, low, close, amount, volume: all equal
        assert r["ma_ours"] == r["ma_theirs"], key  # a Hikyuu indicator on them gives Hikyuu's numbers
        assert r["last3"] == r["ours"][-3:], key


def test_hikyuus_strategy_with_our_collector_places_each_decision_once(live):
    """Hikyuu's ``run_in_strategy`` re-runs the bar under way on every call (four a second here), so the system
    decides the same order again and again until the bar ends: each must reach our broker once. Hikyuu's
    ``SpotAgent`` takes only spots dated today by the wall clock, so its process runs with its date moved to
    the recorded day (libfaketime); nothing of Hikyuu is changed."""
    env, host, inside = live
    bus = host / "bus.ipc"
    args = ["-m", "hikyuu_live.strategy_demo2_hikyuu", "--runtime", "hikyuu", "--clock", "market", "--idle-exit", "4",
            "--summary", f"{inside}/summary.json", "--quotation-server", f"ipc://{inside}/bus.ipc",
            "--config", f"{inside}/home", "--broker-state", f"{inside}/hikyuu_paper.json"]
    strategy = env.popen(args, home=f"{inside}/home", env=env.fake_today(DAY), stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    try:
        collector = subprocess.run(
            [sys.executable, "-m", "hikyuu_live.spot_server", "--source", "replay", "--file", str(SAMPLE), "--speed",
             "30", "--max-gap", "1", "--ipc", f"ipc://{bus}", "--server", "none", "--wait-subscribers", "1"],
            env=dict(os.environ, HKU_HOME=str(host / "importer")), cwd=ROOT, capture_output=True, text=True,
            timeout=240)
        assert collector.returncode == 0, collector.stderr[-2000:]
        out, _ = strategy.communicate(timeout=60)
    finally:
        if strategy.poll() is None:
            strategy.kill()
            strategy.wait(10)
    assert strategy.returncode == 0, out[-4000:]
    summary = json.loads((host / "summary.json").read_text())
    journal = json.loads((host / "hikyuu_paper.json").read_text())
    decided = {(d["code"], d["bar"].replace("T", " ")[:19], d["side"]) for d in summary["decisions"]}
    placed = {(code, bar, side) for code, side, bar, _ in summary["keys"].values()}
    assert len(decided) >= 3, summary
    assert len(summary["decisions"]) > len(decided)  # the system repeated its decisions ...
    assert summary["bridge"]["duplicates"] == len(summary["decisions"]) - len(decided)  # ... the bridge absorbed them
    assert placed == decided  # every decision went to the broker, nothing else did
    orders = journal["orders"]
    assert sorted(o["client_order_id"] for o in orders) == sorted(summary["keys"])  # each once in the journal
    assert all(o["status"] == "filled" for o in orders) and all(o["number"] == 1000 for o in orders)
    # Hikyuu's BrokerTradeManager, reading get_asset_info, sees our paper account exactly
    held = {p["market"] + p["code"]: float(p["number"]) for p in journal["positions"]}
    assert summary["hikyuu_account"] == {"cash": journal["cash"], "positions": held}
    assert summary["asset_info"]["cash"] == journal["cash"]
    assert sum(held.values()) == 1000 * len(orders)


@pytest.mark.parametrize("strategy", ["demo2_hikyuu", "demo3_hikyuu"])
def test_a_hikyuu_system_on_our_runtime_trades_what_hikyuus_backtest_trades(live, strategy):
    env, host, inside = live
    t0 = time.monotonic()
    done = env.python(["-m", "hikyuu_live.hikyuu_parity", "--strategy", strategy, "--recording",
                       f"{inside}/replay.csv.gz", "--config", f"{inside}/home", "--speed", "120"],
                      home=f"{inside}/home", timeout_s=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-3000:]
    out = done.stdout
    assert "Hikyuu's own backtest of" in out and "no difference: the live path placed exactly the" in out, out
    table = out.split("-" * 20, 1)[1].split("\n\n", 1)[0].strip("-\n").splitlines()
    cells = [tuple(c.strip() for c in line.split(" | ")) for line in table]
    assert len(cells) >= 2 and all(a == b and a for a, b in cells), out
    assert time.monotonic() - t0 < 300
