"""Collector schedule with a controllable clock: phases, lunch, weekends, holidays, no oversleep."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from hikyuu_live.clock import EXCHANGE_TZ, FakeClock
from hikyuu_live.fetcher.schedule import Phase, PollSchedule, parse_phase
from hikyuu_live.model.calendar import TradingCalendar

CAL = TradingCalendar([date(2026, 10, 1), date(2026, 10, 2)], covers_until=2026)
P1, P2 = parse_phase("9:00-11:35"), parse_phase("13:00-15:05")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=EXCHANGE_TZ)


def sched(now: str, *, interval: int = 10, skip_weekends: bool = True) -> tuple[PollSchedule, FakeClock]:
    clock = FakeClock(at(now))
    return PollSchedule(interval, P1, P2, calendar=CAL, clock=clock, skip_weekends=skip_weekends), clock


def test_parse_phase():
    assert parse_phase("9:00-12:00") == Phase(time(9), time(12))
    assert parse_phase("09:00:30-11:35:05") == Phase(time(9, 0, 30), time(11, 35, 5))
    for bad in ("9:00", "9-12", "12:00-9:00", "25:00-26:00"):
        with pytest.raises(ValueError):
            parse_phase(bad)


def test_fixed_rate_inside_a_phase_measured_from_now_no_oversleep():
    s, clock = sched("2026-11-24 10:00:00")
    last = clock.now()
    clock.advance(3)  # the cycle took 3 s
    assert s.sleep_s(last) == pytest.approx(7)
    clock.advance(12)  # a cycle longer than the interval: start again at once
    assert s.sleep_s(last) == 0


@pytest.mark.parametrize(("now", "expected"), [
    ("2026-11-24 08:00:00", "2026-11-24 09:00:00"),   # before the first phase
    ("2026-11-24 11:34:55", "2026-11-24 13:00:00"),   # next poll would fall into the lunch gap
    ("2026-11-24 15:04:58", "2026-11-25 09:00:00"),   # after the close: tomorrow
    ("2026-11-27 15:10:00", "2026-11-30 09:00:00"),   # Friday -> Monday
    ("2026-11-28 10:00:00", "2026-11-30 09:00:00"),   # started on a Saturday: waits, does not poll
    ("2026-09-30 15:10:00", "2026-10-05 09:00:00"),   # holidays skipped
])
def test_next_start_outside_the_phases(now, expected):
    s, clock = sched(now)
    assert s.next_start(clock.now()) == at(expected)  # a cycle just started now


def test_weekends_polled_only_without_the_flag_but_holidays_never():
    s, _ = sched("2026-11-28 10:00:00", skip_weekends=False)
    assert s.sleep_s(None) == 0
    s, _ = sched("2026-10-01 10:00:00", skip_weekends=False)
    assert s.next_start(None) == at("2026-10-03 09:00:00")


def test_degenerate_phases_mean_no_window():
    clock = FakeClock(at("2026-11-28 03:00:00"))
    s = PollSchedule(5, Phase(time(0), time(0)), Phase(time(0), time(0)), calendar=CAL, clock=clock)
    assert s.sleep_s(clock.now()) == pytest.approx(5)


def test_bad_schedules_are_refused():
    clock = FakeClock(at("2026-11-24 10:00:00"))
    with pytest.raises(ValueError, match="at least 1 second"):
        PollSchedule(0, P1, P2, calendar=CAL, clock=clock)
    with pytest.raises(ValueError, match="phase1 must end"):
        PollSchedule(5, parse_phase("9:00-14:00"), P2, calendar=CAL, clock=clock)


def test_year_end_with_an_expired_holiday_list_warns_once_and_polls_on(caplog):
    import logging

    cal = TradingCalendar([date(2026, 10, 1)], covers_until=2026)  # knows nothing of 2027
    clock = FakeClock(at("2026-12-31 15:10:00"))
    s = PollSchedule(10, P1, P2, calendar=cal, clock=clock, skip_weekends=True)
    with caplog.at_level(logging.WARNING):
        assert s.next_start(clock.now()) == at("2027-01-01 09:00:00")  # New Year's Day looks like a Friday
        clock.set(at("2027-01-04 10:00:00"))
        s.next_start(clock.now())
    assert [r.message for r in caplog.records].count(caplog.records[0].message) == 1
    assert "HOLIDAY LIST EXPIRED" in caplog.records[0].message and "2027" in caplog.records[0].message


def test_year_end_with_next_years_holidays_skips_them():
    cal = TradingCalendar([date(2026, 10, 1)], covers_until=2026).merged([date(2027, 1, 1)])
    clock = FakeClock(at("2026-12-31 15:10:00"))
    s = PollSchedule(10, P1, P2, calendar=cal, clock=clock, skip_weekends=True)
    assert s.next_start(clock.now()) == at("2027-01-04 09:00:00")


def test_a_day_of_polls_with_the_clock_driven_by_the_schedule():
    """From before the open to the next morning: every start lies in a phase, lunch and night are slept through."""
    s, clock = sched("2026-11-24 08:59:00", interval=300)
    starts, last = [], None
    while clock.now() < at("2026-11-25 09:01:00"):
        clock.sleep(s.sleep_s(last))
        last = clock.now()
        starts.append(last)
        clock.advance(2)  # each cycle takes 2 s
    day1 = [t for t in starts if t.date() == date(2026, 11, 24)]
    assert day1[0] == at("2026-11-24 09:00:00") and day1[-1] <= at("2026-11-24 15:05:00")
    assert all(P1.start <= t.time() <= P1.end or P2.start <= t.time() <= P2.end for t in starts)
    assert at("2026-11-24 13:00:00") in starts and at("2026-11-25 09:00:00") in starts
    morning = [t for t in day1 if t.time() <= P1.end]
    assert all((b - a).total_seconds() == 300 for a, b in zip(morning, morning[1:], strict=False))  # no oversleep
