"""Bad spot records never reach a strategy: a publisher process sends NaN, negative, 1e308 and infinite prices,
negative volumes, low > high and a close outside [low, high] over a real NNG socket."""

from __future__ import annotations

import math
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path

import numpy as np

from hikyuu_live.clock import EXCHANGE_TZ, FakeClock
from hikyuu_live.model.kdata import KType
from hikyuu_live.strategy.runtime import Strategy
from tests.bus.pub_child import BAD_ROWS, bad_spots
from tests.spot_factory import make_spots

ROOT = Path(__file__).resolve().parents[2]


def test_bad_records_are_dropped_before_on_change_and_bars(tmp_path):
    """Reproduces: NaN, -5, 1e308 and inf prices and negative volumes reached ``on_change`` and the bars."""
    address = f"ipc://{tmp_path}/bus.ipc"
    sent = bad_spots(make_spots(300, seed=2))  # cycle 2 of the child
    codes = [m + c for m, c in zip(sent["market"].tolist(), sent["code"].tolist(), strict=True)]
    bad = {codes[row] for row, _, _ in BAD_ROWS}
    clock = FakeClock(datetime(2026, 11, 25, 9, 0, tzinfo=EXCHANGE_TZ))  # the day of make_spots
    stg = Strategy(codes, ["day", "min"], quotation_server=address, clock=clock)
    seen: list[tuple[str, float, float, float]] = []
    stg.on_change(lambda s, stock, spot: seen.append((stock.market_code, spot.close, spot.high, spot.volume)))
    child = subprocess.Popen([sys.executable, str(ROOT / "tests" / "bus" / "pub_child.py"), "--address", address,
                              "--mode", "bad_spots", "--cycles", "2"], stdout=subprocess.PIPE, text=True)
    threading.Thread(target=lambda: (child.wait(60), stg.stop()), daemon=True).start()
    stg.start(max_seconds=60)
    assert child.returncode == 0
    got = {s[0] for s in seen if s[0] in set(codes)}
    assert got.isdisjoint(bad)
    assert all(math.isfinite(v) and v >= 0 for s in seen for v in s[1:])
    assert all(s[2] < 1e7 for s in seen)
    assert len(got) >= 300 - len(BAD_ROWS) - 10  # codes of cycle 1 may overlap: every good one arrived
    assert stg.bars is not None
    for code in bad:
        day = stg.get_kdata(code, ktype=KType.DAY)
        assert np.isfinite(day[["open", "high", "low", "close", "amount", "volume"]].tolist()).all()
    st = stg.subscriber.stats if stg.subscriber is not None else None
    assert st is not None
    assert st.dropped_spots == {"bad_price": 5, "bad_volume": 3, "low_above_high": 1, "close_outside_range": 1}


def test_a_strategy_reports_the_cycle_lost_after_each_publisher_start(tmp_path, caplog):
    """Reproduces: a Strategy missed cycle 1 of each new session (the publisher sent it before the subscriber's
    pipe was up) and reported gaps=0 lost_cycles=0."""
    address = f"ipc://{tmp_path}/bus.ipc"
    clock = FakeClock(datetime(2026, 11, 25, 9, 0, tzinfo=EXCHANGE_TZ))
    stg = Strategy(["SH600000"], ["day"], quotation_server=address, clock=clock)
    cycles: list[datetime] = []
    stg.on_received_spot(lambda s, rev: cycles.append(rev))

    def publishers() -> None:
        for _ in range(2):
            p = subprocess.Popen([sys.executable, str(ROOT / "tests" / "bus" / "pub_child.py"), "--address", address,
                                  "--mode", "lose_first", "--cycles", "3", "--linger", "0.3"], stdout=subprocess.PIPE)
            p.wait(60)
        stg.stop()

    threading.Thread(target=publishers, daemon=True).start()
    with caplog.at_level("INFO", logger="hikyuu_live.strategy.runtime"):
        stg.start(max_seconds=60)
    assert len(cycles) == 4
    assert stg.subscriber is not None and stg.subscriber.stats.lost_cycles == 2
    assert "lost_cycles=2 restarts=1" in caplog.text
