"""Timer due times on a controllable clock: session grid, lunch, weekends, holidays, run_daily_at."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from hikyuu_live.clock import EXCHANGE_TZ
from hikyuu_live.strategy.schedule import TimerTable

HOLIDAYS = {date(2026, 10, 1), date(2026, 10, 2)}


def table() -> TimerTable:
    return TimerTable(lambda d: d.weekday() < 5 and d not in HOLIDAYS)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=EXCHANGE_TZ)


@pytest.mark.parametrize(("now", "interval", "expected"), [
    ("2026-11-24 08:00:00", 5, "2026-11-24 09:30:00"),   # before the open: the open
    ("2026-11-24 09:30:00", 5, "2026-11-24 09:30:00"),
    ("2026-11-24 09:31:10", 5, "2026-11-24 09:35:00"),
    ("2026-11-24 11:29:00", 7, "2026-11-24 11:29:00"),   # 09:30 + 17 x 7 minutes
    ("2026-11-24 11:29:30", 7, "2026-11-24 13:00:00"),   # the next point would pass 11:30
    ("2026-11-24 11:31:00", 7, "2026-11-24 13:00:00"),   # lunch: the afternoon restarts at 13:00
    ("2026-11-24 13:01:00", 7, "2026-11-24 13:07:00"),   # ... on its own grid, not drifted from the morning
    ("2026-11-24 15:00:30", 5, "2026-11-25 09:30:00"),   # after the close: next trading day
    ("2026-11-27 15:10:00", 5, "2026-11-30 09:30:00"),   # Friday evening -> Monday
    ("2026-09-30 15:10:00", 1, "2026-10-05 09:30:00"),   # holidays skipped
])
def test_run_daily_grid(now, interval, expected):
    got = table().next_grid_point(at(now), timedelta(minutes=interval), "SH")
    assert got == at(expected)


def test_run_daily_fires_through_the_day_and_skips_lunch():
    t = table()
    timer = t.add_daily(lambda: None, timedelta(minutes=30))
    now = at("2026-11-24 09:00:00")
    t.schedule(timer, now)
    fired = []
    for _ in range(12):
        fired.append(timer.due.strftime("%H:%M"))
        t.schedule(timer, timer.due, after_run=True)
    assert fired == ["09:30", "10:00", "10:30", "11:00", "11:30", "13:00", "13:30", "14:00", "14:30", "15:00",
                     "09:30", "10:00"]


def test_run_daily_at_skips_weekends_and_holidays_unless_told():
    t = table()
    a = t.add_daily_at(lambda: None, time(14, 50))
    b = t.add_daily_at(lambda: None, time(20, 0), ignore_holiday=False)
    t.schedule_all(at("2026-09-30 15:00:00"))
    assert a.due == at("2026-10-05 14:50:00")
    assert b.due == at("2026-09-30 20:00:00")
    t.schedule(b, b.due, after_run=True)
    assert b.due == at("2026-10-01 20:00:00")


def test_duplicate_run_daily_at_and_unknown_market_are_refused():
    t = table()
    t.add_daily_at(lambda: None, time(9, 0))
    with pytest.raises(ValueError, match="already exists"):
        t.add_daily_at(lambda: None, time(9, 0))
    with pytest.raises(ValueError, match="unknown market"):
        t.add_daily(lambda: None, timedelta(minutes=1), market="HK")


def test_ignore_market_repeats_every_interval_and_never_queues_missed_runs():
    t = table()
    timer = t.add_daily(lambda: None, timedelta(seconds=10), ignore_market=True)
    t.schedule(timer, at("2026-11-28 03:00:00"))  # a Saturday night: still runs
    assert timer.due == at("2026-11-28 03:00:10")
    t.schedule(timer, at("2026-11-28 03:01:05"), after_run=True)  # ran a minute late
    assert timer.due == at("2026-11-28 03:01:10")
