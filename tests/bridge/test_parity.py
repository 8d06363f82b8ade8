"""``hikyuu_parity`` on the demo day, as a user runs it: ``importdata`` of the sample TDX install into HDF5, then
the command over the recorded next day (``test_data/replay_sample.csv.gz``): a real replay collector process, the
quote bus, live bars on the stored history, the strategy and a paper broker, against our runtime driven bar by
bar on the same day's bars. The demos must trade identically; the broken demo (deciding on the bar still being
built) must show its differences with that cause. Hikyuu's own systems: ``test_hikyuu_live.py``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "test_data" / "replay_sample.csv.gz"


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    from hikyuu_live.config import generate_default_config

    tmp = tmp_path_factory.mktemp("parity")
    generate_default_config(tmp / "home", tmp / "stock")
    done = subprocess.run([sys.executable, "-m", "hikyuu_live.importdata", "--tdx-dir",
                           str(ROOT / "test_data" / "vipdoc"), "--progress", "none"],
                          env=dict(os.environ, HKU_HOME=str(tmp / "home")), cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return tmp / "home"


def parity(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hikyuu_live.hikyuu_parity", "--recording", str(SAMPLE),
                           "--config", str(home), "--speed", "120", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def rows(out: str) -> list[tuple[str, str]]:
    """(live, backtest) cells of the side-by-side table."""
    table = out.split("-" * 20, 1)[1].split("\n\n", 1)[0]
    return [tuple(c.strip() for c in line.split(" | ")) for line in table.strip("-\n").splitlines()]  # type: ignore[misc]


@pytest.mark.parametrize("strategy", ["demo2", "demo3"])
def test_the_demos_trade_live_exactly_what_the_backtest_trades(home, strategy):
    done = parity(home, "--strategy", strategy)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert "no difference: the live path placed exactly the" in done.stdout
    table = rows(done.stdout)
    assert len(table) >= 2 and all(live == back and live for live, back in table), done.stdout
    assert "coalesced_spots=0" in done.stdout and "on bars built from the recording of 2026-11-24" in done.stdout


def test_a_strategy_deciding_on_the_unfinished_bar_shows_it(home):
    done = parity(home, "--strategy", "broken_demo2")
    assert done.returncode == 1, done.stdout + done.stderr[-3000:]
    causes = re.findall(r"^\s+\d+\. \S+ (?:buy|sell) \S+ \((?:live only|backtest only|both)\) - ([^:]+):", done.stdout,
                        re.M)
    assert causes and set(causes) == {"unfinished bar"}, done.stdout
    assert re.search(r"decided on the unfinished MIN bar \d\d:\d\d \(final at [\d:]+\), read at [\d:]+", done.stdout)


def test_bad_input_is_one_line_and_exit_2(home, tmp_path):
    done = parity(home, "--strategy", "nosuch")
    assert done.returncode == 2 and "unknown strategy 'nosuch'" in done.stderr and "demo2" in done.stderr
    (tmp_path / "empty.csv").write_text("market,code,datetime,close\n")
    done = parity(home, "--strategy", "demo2", "--recording", str(tmp_path / "empty.csv"))
    assert done.returncode == 2 and "holds no cycle" in done.stderr


@pytest.mark.parametrize("strategy", ["demo2_hikyuu", "demo_pf_hikyuu"])
def test_a_hikyuu_system_without_hikyuu_names_the_extra(home, strategy):
    done = parity(home, "--strategy", strategy)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "hikyuu_parity: needs the optional part 'hikyuu' (extra 'hikyuu'), which is not installed; "
        'install it with: pip install "hikyuu_live[hikyuu]"')
