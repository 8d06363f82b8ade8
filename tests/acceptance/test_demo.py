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
    imported = re.search(r"demo: imported (\d+) rows .* (\d+) bars rejected", out.stdout)
    assert imported, out.stdout[-2000:]
    assert int(imported.group(1)) == 16570 and int(imported.group(2)) == 0  # every bar of test_data/vipdoc
    summary = re.search(r"summary after ([\d.]+) s: preloaded=(\d+) spots=(\d+) cycles=(\d+) bars=(\d+) .* "
                        r"orders=(\d+) filled=(\d+)", out.stdout)
    assert summary, out.stdout[-2000:]
    seconds, preloaded, spots, cycles, bars, orders, filled = (float(x) for x in summary.groups())
    # day and 1-minute history of the 7 demo codes that the sample TDX data holds (1,000 bars at most each)
    assert 3000 < preloaded <= 7 * 2 * 1000
    assert seconds < 60 and spots == 27300 and cycles == 91 and bars > 50
    assert orders >= 1 and filled >= 1
    assert "paper account: cash" in out.stdout
