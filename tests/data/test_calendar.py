"""The trading calendar with explicit dates: weekends, holidays, sessions, year-end expiry."""

from __future__ import annotations

import logging
from datetime import date, datetime

import pytest

from hikyuu_live.clock import EXCHANGE_TZ
from hikyuu_live.config.holidays import calendar_from_file
from hikyuu_live.model.calendar import TradingCalendar


@pytest.fixture(scope="module")
def cal() -> TradingCalendar:
    return TradingCalendar.shipped()


def test_shipped_list_knows_recent_holidays(cal):
    assert cal.covers_until >= 2026
    for d in (date(2026, 1, 1), date(2026, 2, 17), date(2026, 10, 7), date(2025, 10, 8), date(2023, 10, 6)):
        assert not cal.is_trading_day(d), d
    for d in (date(2026, 11, 24), date(2026, 2, 24), date(2026, 10, 9)):
        assert cal.is_trading_day(d), d
    assert not cal.is_trading_day(date(2026, 11, 28))  # Saturday


def test_next_and_previous_trading_days(cal):
    assert cal.next_trading_day(date(2026, 9, 30)) == date(2026, 10, 8)
    assert cal.previous_trading_day(date(2026, 10, 8)) == date(2026, 9, 30)
    assert cal.next_trading_day(date(2026, 11, 27)) == date(2026, 11, 30)
    assert cal.next_trading_day(date(2026, 11, 27), include=True) == date(2026, 11, 27)
    assert len(cal.trading_days(date(2026, 10, 1), date(2026, 10, 9))) == 2


@pytest.mark.parametrize(("when", "expected", "auction"), [
    ("2026-11-24 09:20", False, False), ("2026-11-24 09:20", True, True), ("2026-11-24 09:30", True, False),
    ("2026-11-24 11:30", True, False), ("2026-11-24 12:00", False, False), ("2026-11-24 15:00", True, False),
    ("2026-11-24 15:00:01", False, False), ("2026-11-28 10:00", False, False), ("2026-10-01 10:00", False, False),
])
def test_is_trading_time(cal, when, expected, auction):
    assert cal.is_trading_time(datetime.fromisoformat(when), auction=auction) is expected


def test_trading_time_uses_exchange_time_whatever_the_zone_given(cal):
    utc = datetime.fromisoformat("2026-11-24T02:00:00+00:00")  # 10:00 in Shanghai
    assert cal.is_trading_time(utc)


def test_next_open(cal):
    assert cal.next_open(datetime(2026, 11, 24, 12, 0)) == datetime(2026, 11, 24, 13, 0, tzinfo=EXCHANGE_TZ)
    assert cal.next_open(datetime(2026, 11, 27, 15, 30)) == datetime(2026, 11, 30, 9, 30, tzinfo=EXCHANGE_TZ)
    assert cal.next_open(datetime(2026, 9, 30, 16, 0), auction=True) == datetime(2026, 10, 8, 9, 15,
                                                                                  tzinfo=EXCHANGE_TZ)


def test_expired_list_warns_loudly_once(caplog):
    cal = TradingCalendar([date(2026, 1, 1)], covers_until=2026)
    with caplog.at_level(logging.WARNING):
        assert cal.is_trading_day(date(2027, 1, 4))
        cal.is_trading_day(date(2027, 1, 5))
    warnings = [r for r in caplog.records if "HOLIDAY LIST EXPIRED" in r.message]
    assert len(warnings) == 1 and "2027" in warnings[0].message


def test_from_store_dates():
    cal = TradingCalendar.from_dates([20261001, "2026-10-02", date(2026, 10, 5)])
    assert not cal.is_trading_day(date(2026, 10, 5)) and cal.covers_until == 2026


def test_unknown_market(cal):
    with pytest.raises(ValueError, match="unknown market"):
        cal.sessions("HK")


def test_merged_and_from_file(tmp_path):
    f = tmp_path / "holidays.txt"
    f.write_text("# a user's additions\n# covers: 2027\n2027-01-01\n\n2027-02-09\n", encoding="utf-8")
    extra = calendar_from_file(f)
    assert extra.covers_until == 2027 and extra.holidays == {date(2027, 1, 1), date(2027, 2, 9)}
    cal = TradingCalendar.shipped().merged(extra)
    assert cal.covers_until == 2027 and not cal.is_trading_day(date(2027, 2, 9))
    assert not cal.is_trading_day(date(2026, 10, 1))  # the shipped ones stay
    assert TradingCalendar.shipped().merged([date(2026, 11, 24)]).covers_until == 2026  # store dates: a list
    assert not TradingCalendar.shipped().merged([date(2026, 11, 24)]).is_trading_day(date(2026, 11, 24))


def test_shipped_list_matches_the_exchange_closures_it_claims(cal):
    # every listed date is a weekday of 2005..covers_until, and every year has its New Year closure
    assert all(d.weekday() < 5 and 2005 <= d.year <= cal.covers_until for d in cal.holidays)
    for year in range(2005, cal.covers_until + 1):
        new_year = date(year, 1, 1)
        assert new_year.weekday() >= 5 or new_year in cal.holidays, year
