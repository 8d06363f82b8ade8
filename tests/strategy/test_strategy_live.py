"""A strategy process end to end: replay collector process -> real bus -> Strategy.start()."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path

import numpy as np

from hikyuu_live.clock import EXCHANGE_TZ, FakeClock
from hikyuu_live.fetcher.stock.replay import load_replay
from hikyuu_live.model.bars import LiveBars
from hikyuu_live.model.kdata import KType
from hikyuu_live.strategy.runtime import Strategy

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "test_data" / "replay_sample.csv.gz"


def test_strategy_builds_the_same_bars_as_an_offline_pass_over_the_recording(tmp_path):
    address = f"ipc://{tmp_path}/bus.ipc"
    cycles = load_replay(SAMPLE)
    codes = ["SH600000", "SZ000001", "SH000001"]
    # the recording is dated 2026-11-24: a clock on that day makes it "today" for the bars
    clock = FakeClock(datetime(2026, 11, 24, 9, 0, tzinfo=EXCHANGE_TZ))
    stg = Strategy(codes, ["day", "min", "min5"], quotation_server=address, clock=clock)
    seen: dict[str, int] = {}
    received = []
    stg.on_change(lambda s, stock, spot: seen.__setitem__(stock.market_code, seen.get(stock.market_code, 0) + 1))
    stg.on_received_spot(lambda s, rev: received.append(rev))
    child = subprocess.Popen([sys.executable, str(ROOT / "tests" / "replay_child.py"), "--address", address,
                              "--file", str(SAMPLE), "--speed", "200", "--max-gap", "0.05"],
                             stdout=subprocess.PIPE, text=True)
    stopper = threading.Thread(target=lambda: (child.wait(60), stg.stop()), daemon=True)
    stopper.start()
    stg.start(max_seconds=60)
    assert child.returncode == 0, child.stdout.read()
    assert len(received) == len(cycles)
    for code in codes:
        assert seen[code] == len(cycles)
    offline = LiveBars(codes, [KType.DAY, KType.MIN, KType.MIN5], cycles[0].cycle_time.astype("M8[D]").item())
    for c in cycles:
        offline.update(c.spots)
    assert stg.bars is not None
    for code in codes:
        for k in (KType.DAY, KType.MIN, KType.MIN5):
            np.testing.assert_array_equal(stg.get_kdata(code, ktype=k), offline.bars(code, k))
    assert len(stg.get_kdata("SH600000", ktype="min")) > 10
