"""A replay's timers and bars as a backtest sees them: a timer due at T runs on the quotes stamped before T and
none after, and ``finished_only`` gives the bars final at that moment (``strategy.bar_time``)."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from hikyuu_live.clock import EXCHANGE_TZ, MarketClock
from hikyuu_live.model.kdata import KDATA_DTYPE, KType
from hikyuu_live.strategy.bar_time import final_times, finished_mask
from hikyuu_live.strategy.runtime import Strategy
from tests.strategy.test_runtime import spots_at


def test_a_replay_timer_sees_the_market_as_of_its_time():
    """A collector's cycle polled at 10:01:05 holds quotes stamped 10:00:55 and 10:01:03. A timer due at 10:01:00
    ran after the whole message: it saw the 10:01:03 price and a 10:02 bar already under way, so what it decided
    (and its fill price) differed from a backtest on the stored bars, where the 10:01 bar ends with 10:00:55."""
    stg = Strategy(["sh600000"], ["min"], clock=MarketClock())
    stg.prepare()
    seen = []

    def every_minute(s: Strategy) -> None:
        bars = s.get_kdata("SH600000", ktype="min")
        seen.append((s.now().strftime("%H:%M:%S"), s.quotes.price("SH", "600000"),
                     [str(t)[11:16] for t in bars["datetime"]], float(bars["close"][-1])))

    stg.run_daily(every_minute, timedelta(minutes=1))
    stg._push("batch", spots_at("10:00:10", ["SH600000"], close=10.0))
    stg.run_pending()
    stg._push("batch", np.concatenate([spots_at("10:00:55", ["SH600000"], close=10.2, vol=200),
                                       spots_at("10:01:03", ["SH600000"], close=10.9, vol=300)]))
    stg.run_pending()
    stg.run_pending()
    assert seen == [("10:01:00", 10.2, ["10:01"], 10.2)]
    assert stg.quotes.price("SH", "600000") == 10.9 and stg.now().strftime("%H:%M:%S") == "10:01:03"
    assert [str(t)[11:16] for t in stg.get_kdata("SH600000", ktype="min")["datetime"]] == ["10:01", "10:02"]


def test_finished_only_gives_the_bars_final_at_that_moment():
    stg = Strategy(["sh600000"], ["min", "day"], clock=MarketClock())
    stg.prepare()
    stg._push("batch", spots_at("10:00:10", ["SH600000"], close=10.0))
    stg._push("batch", spots_at("10:01:03", ["SH600000"], close=10.9, vol=300))
    stg.run_pending()
    every = stg.get_kdata("SH600000", ktype="min")
    final = stg.get_kdata("SH600000", ktype="min", finished_only=True)
    assert [str(t)[11:16] for t in every["datetime"]] == ["10:01", "10:02"]
    assert [str(t)[11:16] for t in final["datetime"]] == ["10:01"]
    assert len(stg.get_kdata("SH600000", ktype="day", finished_only=True)) == 0  # today's day bar: at 15:00:30
    assert len(stg.get_last_kdata("SH600000", 5, "min", finished_only=True)) == 1


def test_bars_closing_a_session_are_final_after_the_closing_prints():
    """Prints up to 30 s after 11:30 and 15:00 belong to the session's last bar, so it is final only then."""
    labels = np.array(["2026-11-24T10:01", "2026-11-24T11:30", "2026-11-24T13:01", "2026-11-24T15:00"],
                      dtype="M8[us]")
    got = [str(t)[11:19] for t in final_times(labels, KType.MIN)]
    assert got == ["10:01:00", "11:30:30", "13:01:00", "15:00:30"]
    assert str(final_times(np.array(["2026-11-24T11:30"], dtype="M8[us]"), KType.MIN60)[0])[11:19] == "11:30:30"
    assert str(final_times(np.array(["2026-11-24"], dtype="M8[us]"), KType.DAY)[0]) == "2026-11-24T15:00:30.000000"
    bars = np.zeros(2, KDATA_DTYPE)
    bars["datetime"] = labels[1:3]
    at = datetime(2026, 11, 24, 11, 30, 10, tzinfo=EXCHANGE_TZ)
    assert finished_mask(bars, KType.MIN, at).tolist() == [False, False]
    assert finished_mask(bars, KType.MIN, at.replace(minute=31)).tolist() == [True, False]
