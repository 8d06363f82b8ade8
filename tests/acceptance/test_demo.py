"""The README's main-job command: the whole chain as separate processes, stopping by itself."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_make_demo_chain_runs_and_reports(tmp_path):
    out = subprocess.run([sys.executable, "-m", "hikyuu_live.demo", "--speed", "150"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    summary = re.search(r"summary after ([\d.]+) s: spots=(\d+) cycles=(\d+) bars=(\d+) .* orders=(\d+) "
                        r"filled=(\d+)", out.stdout)
    assert summary, out.stdout[-2000:]
    seconds, spots, cycles, bars, orders, filled = (float(x) for x in summary.groups())
    assert seconds < 60 and spots == 27300 and cycles == 91 and bars > 50
    assert orders >= 1 and filled >= 1
    assert "paper account: cash" in out.stdout
