"""Hikyuu's datetime numbers: the table-driven conversions agree with Python's calendar everywhere."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hikyuu_live.model.datenum import (
    from_number,
    from_seconds_number,
    month_index,
    to_number,
    to_seconds_number,
    ymd_datetimes,
)

ANY_TIME = st.datetimes(min_value=dt.datetime(1800, 1, 1), max_value=dt.datetime(2400, 12, 31))
TABLE_TIME = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 12, 31, 23, 59, 59))


def _number(t: dt.datetime) -> int:
    return int(t.strftime("%Y%m%d%H%M"))


@settings(max_examples=300)
@given(st.lists(ANY_TIME, min_size=1, max_size=50))
def test_to_number_matches_the_calendar_inside_and_outside_the_tables(times):
    arr = np.array(times, dtype="M8[us]")
    assert to_number(arr).tolist() == [_number(t) for t in times]
    assert to_seconds_number(arr).tolist() == [int(t.strftime("%Y%m%d%H%M%S")) for t in times]


@settings(max_examples=300)
@given(st.lists(TABLE_TIME, min_size=1, max_size=50))
def test_from_number_inverts_to_number(times):
    arr = np.array(times, dtype="M8[s]").astype("M8[us]")
    assert (from_seconds_number(to_seconds_number(arr)) == arr).all()
    minutes = arr.astype("M8[m]").astype("M8[us]")
    assert (from_number(to_number(arr)) == minutes).all()
    days = arr.astype("M8[D]")
    assert (month_index(days.view(np.int64)) == days.astype("M8[M]").astype(np.int64)).all()
    ymd = [int(t.strftime("%Y%m%d")) for t in times]
    assert (ymd_datetimes(np.array(ymd, dtype=np.uint32)) == days.astype("M8[us]")).all()


@pytest.mark.parametrize("number", [202402300000, 202313010000, 202401012400, 202401011260, 202400150000,
                                    189912310000, 220101010000, 0])
def test_impossible_or_out_of_range_numbers_are_nat(number):
    assert np.isnat(from_number(np.array([number, 202401020930]))).tolist() == [True, False]


def test_leap_days():
    assert not np.isnat(ymd_datetimes(np.array([20240229, 20000229]))).any()
    assert np.isnat(ymd_datetimes(np.array([20230229, 19000229, 21000229]))).all()


@pytest.mark.parametrize("date", [20230231, 20231301, 20230100, 20230132, 18991231, 22010101, 0, 99999999])
def test_impossible_or_out_of_range_ymd_dates_are_nat(date):
    assert np.isnat(ymd_datetimes(np.array([date, 20240102], dtype=np.uint32))).tolist() == [True, False]
