"""Every rejection reason, and the quarantine report."""

from __future__ import annotations

import csv
from datetime import date

import numpy as np
import pytest

from hikyuu_live.data.quarantine import write_quarantine_csv
from hikyuu_live.model.kdata import KType
from hikyuu_live.model.validate import REASONS, Quarantine, check_bars, split_valid
from tests.store.bars import day_bars, min5_bars

NAT = np.datetime64("NaT", "us")


def reasons_of(bars, ktype=KType.DAY, until=None):
    return [REASONS[r] if r >= 0 else None for r in check_bars(bars, ktype, until)]


def test_clean_bars_pass():
    assert set(reasons_of(day_bars(date(2024, 1, 2), 50))) == {None}
    assert set(reasons_of(min5_bars(date(2024, 1, 2), 2), KType.MIN5)) == {None}


@pytest.mark.parametrize("field,value,reason", [
    ("datetime", NAT, "no datetime"),
    ("datetime", np.datetime64("1970-01-01", "us"), "before 1990-12-19"),
    ("datetime", np.datetime64("2030-01-01", "us"), "after the import's end"),
    ("datetime", np.datetime64("2024-01-03T10:00", "us"), "day bar with a time of day"),
    ("close", np.nan, "bad price"),
    ("low", 0.0, "bad price"),
    ("high", 5e6, "price too large"),
    ("high", 0.5, "high/low do not bracket open/close"),
    ("low", 1e3, "high/low do not bracket open/close"),
    ("volume", -1.0, "bad volume or amount"),
    ("amount", np.inf, "bad volume or amount"),
    ("volume", 5.9e30, "absurd volume or amount"),
    ("amount", 8e76, "absurd volume or amount"),
])
def test_each_reason(field, value, reason):
    bars = day_bars(date(2024, 1, 2), 5)
    bars[field][2] = value
    got = reasons_of(bars, until=np.datetime64("2026-11-23", "us"))
    assert got[2] == reason
    assert got[:2] == got[3:] == [None, None]


def test_intraday_outside_sessions_and_time_not_rising():
    bars = min5_bars(date(2024, 1, 2), 1)
    bars["datetime"][3] = np.datetime64("2024-01-02T12:05", "us")
    bars["datetime"][10] = bars["datetime"][9]  # repeated
    got = reasons_of(bars, KType.MIN5)
    assert got[3] == "outside trading hours" and got[10] == "time not rising"
    assert got.count(None) == len(bars) - 2
    days = day_bars(date(2024, 1, 2), 6)
    days["datetime"][4] = days["datetime"][1]  # out of order
    assert reasons_of(days)[4] == "time not rising"


def test_quarantine_report_rows_counts_and_csv(tmp_path):
    bars = day_bars(date(2024, 1, 2), 10)
    bars["close"][[1, 5]] = np.nan
    bars["datetime"][7] = NAT
    good, reasons = split_valid(bars, KType.DAY)
    assert len(good) == 7
    q = Quarantine(max_rows=2)
    q.add("SH600000", KType.DAY, bars, reasons)
    assert q.total == 3 and q.by_reason == {"bad price": 2, "no datetime": 1} and q.by_stock == {"SH600000": 3}
    rows = list(csv.reader(write_quarantine_csv(q, tmp_path / "q.csv").open(encoding="utf-8")))
    assert rows[0][:4] == ["market_code", "ktype", "datetime", "reason"]
    assert rows[1][:4] == ["SH600000", "DAY", "2024-01-03 00:00:00", "bad price"]
    assert rows[-1][0].startswith("# 1 more")
