"""The strategy runtime: callbacks, timers, data helpers and backlog handling, with a fake clock."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import numpy as np
import pytest

from hikyuu_live.bus import CycleReport
from hikyuu_live.clock import EXCHANGE_TZ, FakeClock
from hikyuu_live.model.kdata import KType
from hikyuu_live.model.spot import empty_spots
from hikyuu_live.strategy.context import StrategyContext
from hikyuu_live.strategy.runtime import Strategy


def spots_at(t: str, codes: list[str], close: float = 10.0, vol: float = 100.0) -> np.ndarray:
    arr = empty_spots(len(codes))
    arr["market"] = [c[:2] for c in codes]
    arr["code"] = [c[2:] for c in codes]
    arr["name"] = "测试"
    arr["datetime"] = np.datetime64(f"2026-11-24T{t}")
    arr["close"], arr["volume"], arr["amount"] = close, vol, vol * close / 100
    arr["open"] = arr["high"] = arr["low"] = close
    return arr


def make(clock: FakeClock, **kw) -> Strategy:
    stg = Strategy(["sh600000", "SZ000001"], ["day", "min"], clock=clock, **kw)
    stg.prepare()
    return stg


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 24, 9, 29, 0, tzinfo=EXCHANGE_TZ))


def cycle_report(spots: np.ndarray, cycle_id: int = 1) -> CycleReport:
    return CycleReport(1, cycle_id, "t", spots, 1, 1, [], True, False, "count", 0, 1_795_000_000_000_000)


def test_on_change_fires_per_spot_of_context_stocks_after_bars_took_it(clock):
    stg = make(clock)
    seen = []

    def on_change(s, stock, spot):
        bar = s.get_last_kdata(stock, 1, "min")
        seen.append((stock.market_code, stock.name, spot.close, float(bar["close"][0])))

    stg.on_change(on_change)
    stg._push("batch", spots_at("09:30:05", ["SH600000", "SZ000001", "SH688001"], close=10.5))
    assert stg.run_pending() == 1
    assert seen == [("SH600000", "测试", 10.5, 10.5), ("SZ000001", "测试", 10.5, 10.5)]
    assert stg.stats.on_change_calls == 2


def test_on_received_spot_fires_once_per_cycle(clock):
    stg = make(clock)
    got = []
    stg.on_received_spot(lambda s, rev: got.append(rev))
    spots = spots_at("09:30:05", ["SH600000"])
    for _ in range(3):
        stg._push("batch", spots)
    stg._push("cycle", cycle_report(spots))
    stg.run_pending()
    assert len(got) == 1 and got[0].tzinfo is not None


def test_data_helpers(clock):
    stg = make(clock)
    stg._push("batch", spots_at("09:30:05", ["SH600000"], close=10.0, vol=100))
    stg._push("batch", spots_at("09:31:05", ["SH600000"], close=10.4, vol=160))
    stg.run_pending()
    assert stg.today().isoformat() == "2026-11-24"
    assert stg.get_current_price("sh600000") == 10.4
    assert stg.get_current_price("SZ000001") is None
    mins = stg.get_kdata("SH600000", ktype=KType.MIN)
    assert [str(d)[11:16] for d in mins["datetime"]] == ["09:31", "09:32"]
    assert mins["volume"].tolist() == [100, 60]
    assert len(stg.get_kdata("SH600000", start=datetime(2026, 11, 24, 9, 32), ktype="min")) == 1
    assert len(stg.get_last_kdata("SH600000", 1, "min")) == 1


def test_timers_run_on_the_clock_and_late_runs_are_counted(clock):
    stg = make(clock)
    runs = []
    stg.run_daily(lambda s: runs.append(("daily", s.now().strftime("%H:%M"))), timedelta(minutes=1))
    stg.run_daily_at(lambda s: runs.append(("at", s.now().strftime("%H:%M"))), time(9, 31))
    stg.timers.schedule_all(stg.now())
    for _ in range(3):
        clock.advance(60)
        stg.run_pending()
    assert runs == [("daily", "09:30"), ("daily", "09:31"), ("at", "09:31"), ("daily", "09:32")]
    clock.advance(600)  # the loop was busy for 10 minutes: one late run, not ten
    stg.run_pending()
    assert runs[-1] == ("daily", "09:42") and len(runs) == 5
    assert stg.stats.timer_runs == 5 and sum(t.late_runs for t in stg.timers.timers) == 1


def test_callback_errors_are_logged_and_counted_not_fatal(clock, caplog):
    stg = make(clock)
    stg.on_change(lambda s, stock, spot: 1 / 0)
    stg._push("batch", spots_at("09:30:05", ["SH600000", "SZ000001"]))
    stg.run_pending()
    assert stg.stats.callback_errors == 2
    assert "ZeroDivisionError" in caplog.text


def test_callback_arity_is_checked():
    stg = Strategy(["sh600000"])
    with pytest.raises(TypeError, match="on_change"):
        stg.on_change(lambda s, spot: None)
    with pytest.raises(TypeError, match="run_daily"):
        stg.run_daily(lambda: None, 60)


def test_backlog_is_merged_newest_spot_per_stock_and_counted(clock):
    stg = make(clock, max_pending=5)
    got = []
    stg.on_change(lambda s, stock, spot: got.append((stock.market_code, spot.close)))
    for i in range(20):
        stg._push("batch", spots_at(f"09:30:{i:02d}", ["SH600000", "SZ000001"], close=10 + i / 100, vol=100 + i))
    stg.run_pending()
    assert sorted(got) == [("SH600000", 10.19), ("SZ000001", 10.19)]
    assert stg.stats.coalesced_spots == 38
    assert stg.get_kdata("SH600000", ktype="min")["volume"].tolist() == [119]


def test_context_normalises_dedups_and_validates():
    ctx = StrategyContext.create(["sh600000", "600000.SH", "SZ000001"], ["day", "MIN", "Day"], {"DAY_MAX": 50})
    assert ctx.stock_list == ("SH600000", "SZ000001", "SH000001", "SH000300")
    assert ctx.ktype_list == (KType.DAY, KType.MIN)
    assert ctx.preload_for(KType.DAY) == 50
    assert StrategyContext.create(["ALL"]).all_stocks
    with pytest.raises(ValueError, match="not a stock code"):
        StrategyContext.create(["600000"])
    with pytest.raises(ValueError, match=">= 0"):
        StrategyContext.create(["sh600000"], ["day"], {"day_max": -1})
    assert StrategyContext.create(["sh600000"], ["day"], {"day_max": 0}).preload_for(KType.DAY) == 0  # 0 = all
    with pytest.raises(ValueError, match="unknown ktype"):
        StrategyContext.create(["sh600000"], ["fortnight"])


def test_preloader_history_is_used(clock):
    hist = np.zeros(3, dtype=[("datetime", "M8[us]"), ("open", "f8"), ("high", "f8"), ("low", "f8"),
                              ("close", "f8"), ("amount", "f8"), ("volume", "f8")])
    hist["datetime"] = np.array(["2026-11-19", "2026-11-20", "2026-11-23"], dtype="M8[us]")
    hist["close"] = [9.0, 9.5, 9.8]
    asked = []

    def preloader(codes, ktype, n):
        asked.append((ktype, n))
        return {"SH600000": hist} if ktype is KType.DAY else {}

    stg = Strategy(["sh600000"], ["day"], {"day_max": 3}, clock=clock, preloader=preloader)
    stg.prepare()
    assert asked == [(KType.DAY, 3)]
    assert stg.get_kdata("SH600000")["close"].tolist() == [9.0, 9.5, 9.8]
    assert stg.get_current_price("SH600000") is None  # nothing of today yet


@pytest.mark.parametrize("enabled_before", [True, False])
def test_the_garbage_collector_pauses_while_events_are_handled_and_is_left_as_it_was(clock, enabled_before):
    """A full-market cycle's 30,000 short-lived Spots and book lists set off some 40 young collections in the
    middle of the on_change calls (2.4 ms of 11 ms, bench_burst); the collector is paused while queued events
    are handled, and left as the process had it, whatever a callback raises."""
    import gc

    stg = make(clock)
    during = []

    def on_change(s, stock, spot):
        during.append(gc.isenabled())
        raise RuntimeError("a callback that fails")

    stg.on_change(on_change)
    stg._push("batch", spots_at("09:30:05", ["SH600000", "SZ000001"]))
    try:
        if not enabled_before:
            gc.disable()
        stg.run_pending()
        assert gc.isenabled() is enabled_before
    finally:
        gc.enable()
    assert during == [False, False] and stg.stats.callback_errors == 2
