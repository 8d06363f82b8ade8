"""A strategy on a MarketClock (replays): 'today' and its timers follow the recorded market, not the wall."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

from hikyuu_live.clock import MarketClock
from hikyuu_live.strategy.runtime import Strategy

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "test_data" / "replay_sample.csv.gz"


def test_timers_and_bars_follow_the_recorded_day(tmp_path):
    bus = f"ipc://{tmp_path}/bus.ipc"
    stg = Strategy(["sh600000"], ["min"], quotation_server=bus, clock=MarketClock())
    fired = []
    stg.run_daily(lambda s: fired.append(s.now().strftime("%Y-%m-%d %H:%M")), timedelta(minutes=5))
    child = subprocess.Popen([sys.executable, str(ROOT / "tests" / "replay_child.py"), "--address", bus, "--file",
                              str(SAMPLE), "--speed", "300", "--max-gap", "0.05"], stdout=subprocess.PIPE, text=True)
    threading.Thread(target=lambda: (child.wait(60), stg.stop()), daemon=True).start()
    stg.start(max_seconds=60)
    assert child.returncode == 0
    assert stg.today().isoformat() == "2026-11-24"
    bars = stg.get_kdata("SH600000", ktype="min")
    assert len(bars) > 10 and str(bars["datetime"][0])[:10] == "2026-11-24"
    # the recording covers 09:25-09:45, 11:28-11:30, 13:00-13:02 and 14:58-15:00: 5-minute grid points seen
    assert fired[:4] == ["2026-11-24 09:30", "2026-11-24 09:35", "2026-11-24 09:40", "2026-11-24 09:45"]
    assert "2026-11-24 11:30" in fired and "2026-11-24 13:00" in fired and fired[-1] == "2026-11-24 15:00"
