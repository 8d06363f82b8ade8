"""Late start: a strategy started in the middle of the day catches up from the dataserver and ends with the
same bars as if it had watched the whole day (real collector, dataserver and strategy processes/threads)."""

from __future__ import annotations

import threading
from datetime import datetime

import numpy as np

from hikyuu_live.clock import EXCHANGE_TZ, FakeClock
from hikyuu_live.fetcher.stock.replay import load_replay
from hikyuu_live.model.bars import LiveBars
from hikyuu_live.model.kdata import KType
from hikyuu_live.strategy.runtime import Strategy
from tests.dataserver.conftest import SAMPLE, free_port, server_factory, start_replay  # noqa: F401

CODES = ["SH600000", "SZ000001", "SH000001", "SH510300"]
KTYPES = (KType.DAY, KType.MIN, KType.MIN5)


def test_strategy_started_mid_replay_catches_up_from_the_dataserver(tmp_path, server_factory):  # noqa: F811
    bus = f"ipc://{tmp_path}/bus.ipc"
    addr = f"tcp://127.0.0.1:{free_port()}"
    server = server_factory(addr, bus, "--buf").start()
    replay = start_replay(bus, speed=60, max_gap=0.05)
    cycles = load_replay(SAMPLE)
    server.wait_for(lambda st: st["bus"]["cycles"] >= len(cycles) // 2, timeout_s=60, what="half the replay")
    clock = FakeClock(datetime(2026, 11, 24, 9, 0, tzinfo=EXCHANGE_TZ))
    stg = Strategy(CODES, [k.value for k in KTYPES], quotation_server=bus, dataserver=addr, clock=clock)
    threading.Thread(target=lambda: (replay.wait(120), stg.stop()), daemon=True).start()
    stg.start(max_seconds=120)
    assert replay.returncode == 0
    offline = LiveBars(CODES, KTYPES, datetime(2026, 11, 24).date())
    for c in cycles:
        offline.update(c.spots)
    assert stg.bars is not None and stg.bars.stats.partial_bars == 0
    for code in CODES:
        for k in KTYPES:
            np.testing.assert_array_equal(stg.get_kdata(code, ktype=k), offline.bars(code, k), err_msg=f"{code} {k}")
    assert stg.stats.cycles < len(cycles)  # it really started late


def test_unreachable_dataserver_is_logged_not_fatal(tmp_path, caplog):
    clock = FakeClock(datetime(2026, 11, 24, 10, 0, tzinfo=EXCHANGE_TZ))
    stg = Strategy(["sh600000"], ["min"], dataserver=f"tcp://127.0.0.1:{free_port()}", clock=clock)
    stg.prepare()
    assert "no catch-up from dataserver" in caplog.text
