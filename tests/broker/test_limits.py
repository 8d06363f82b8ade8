"""The dated price-limit table (price_limits.csv, hikyuu_live.strategy.limits): one test per board.

Facts checked: main board 10%; ChiNext 10% until its 2020-08-24 reform, 20% since (ST names too); STAR 20%
since it opened (2019-07-22); Beijing 30% since it opened (2021-11-15); main-board risk-warning (ST/*ST)
names 5% until the SSE/SZSE change to 10% in force on 2026-07-06 (proposed for consultation on
2025-06-27); new listings: no band on day 1 ("N" name) and days 2-5 ("C" name) on STAR, ChiNext and (for
listings since 2023-04-10) the main board, on day 1 only in Beijing.
"""

from __future__ import annotations

from datetime import date

import pytest

from hikyuu_live.errors import OrderRejected
from hikyuu_live.strategy import orders as o
from hikyuu_live.strategy.limits import LimitTable, is_risk_warning, listing_day

DAY = date(2026, 9, 14)


@pytest.mark.parametrize(("market", "code", "name", "day", "pct"), [
    ("SH", "600000", "浦发银行", date(2019, 1, 2), 0.10),
    ("SZ", "000001", "平安银行", DAY, 0.10),
    ("SZ", "002001", "新和成", DAY, 0.10),
    ("SH", "600001", "ST 某某", date(2026, 7, 3), 0.05),
    ("SH", "600001", "*ST某某", date(2026, 7, 6), 0.10),
    ("SZ", "000002", "ST万科", date(2025, 7, 7), 0.05),
])
def test_main_board(market, code, name, day, pct):
    assert o.limit_pct(market, code, name, day) == pct


@pytest.mark.parametrize(("name", "day", "pct"), [
    ("宁德时代", date(2020, 8, 21), 0.10), ("宁德时代", date(2020, 8, 24), 0.20),
    ("ST 某某", date(2020, 8, 21), 0.05), ("*ST某某", date(2020, 8, 24), 0.20), ("ST 某某", DAY, 0.20)])
def test_chinext(name, day, pct):
    assert o.limit_pct("SZ", "300750", name, day) == pct


@pytest.mark.parametrize(("code", "name"), [("688001", "华兴源创"), ("689009", "九号公司"), ("688001", "*ST某某")])
def test_star(code, name):
    assert o.limit_pct("SH", code, name, date(2019, 7, 22)) == 0.20
    assert o.limit_pct("SH", code, name, DAY) == 0.20


@pytest.mark.parametrize(("code", "name"), [("830799", "艾融软件"), ("920001", "某某"), ("430047", "ST某某")])
def test_beijing(code, name):
    assert o.limit_pct("BJ", code, name, DAY) == 0.30


@pytest.mark.parametrize(("market", "code", "pct"), [("SH", "510300", 0.10), ("SZ", "161005", 0.10),
                                                     ("SZ", "159915", 0.20), ("SH", "588000", 0.20),
                                                     ("SH", "589000", 0.20)])
def test_funds(market, code, pct):
    assert o.limit_pct(market, code, "", DAY) == pct


@pytest.mark.parametrize(("market", "code", "name", "day", "banded"), [
    ("SH", "688981", "N中芯", date(2020, 7, 16), False),  # STAR first day
    ("SH", "688981", "C中芯", date(2020, 7, 20), False),  # STAR days 2-5
    ("SZ", "301001", "N凯淳", DAY, False), ("SZ", "301001", "C凯淳", DAY, False),
    ("SH", "603000", "N某某", date(2023, 4, 10), False), ("SH", "603000", "C某某", DAY, False),
    ("SH", "603000", "N某某", date(2023, 4, 7), True),  # before the main-board registration system
    ("BJ", "920001", "N某某", DAY, False),  # Beijing: first day only
    ("BJ", "920001", "C某某", DAY, True),
    ("SH", "600000", "TCL科技", DAY, True),  # a Latin first letter is not a listing marker
])
def test_new_listing_no_limit_days(market, code, name, day, banded):
    assert (o.limit_pct(market, code, name, day) is not None) is banded


def test_new_listing_day_checks_numbers_tick_and_reference_but_no_band():
    assert o.check_price("SH", "688981", 95.0, 27.46, "N中芯", date(2020, 7, 16)) == 95.0  # +246% on day 1
    with pytest.raises(OrderRejected, match="above today's limit"):
        o.check_price("SH", "688981", 95.0, 27.46, "中芯国际", date(2020, 7, 23))
    with pytest.raises(OrderRejected, match="no reference price"):
        o.check_price("SH", "688981", 95.0, None, "N中芯", date(2020, 7, 16))
    with pytest.raises(OrderRejected, match="not a multiple"):
        o.check_price("SH", "688981", 95.005, 27.46, "N中芯", date(2020, 7, 16))


def test_name_markers():
    assert [is_risk_warning(n) for n in ("ST某某", "*ST某某", "S*ST某某", "某某股份")] == [True, True, True, False]
    assert [listing_day(n) for n in ("N某某", "C某某", "某某", "CN", "N")] == [1, 2, None, None, None]


def test_shipped_table_covers_every_class_and_the_st_change_is_a_row_not_code():
    table = LimitTable.shipped()
    for cls in ("main", "chinext", "star", "bj", "fund", "fund_20"):
        assert 0 < table.band(cls, False, DAY) <= 0.30 and 0 < table.band(cls, True, DAY) <= 0.30
    [st_change] = [r for r in table.rules if r.limit_class == "main" and r.risk_warning and r.value == 10]
    assert st_change.start == date(2026, 7, 6)
    edited = LimitTable([r for r in table.rules if r is not st_change])  # a table without that row
    assert edited.band("main", True, DAY) == 0.05


def test_a_changed_band_is_one_new_row():
    text = ("rule,class,risk_warning,from,value,note\nband,main,*,1996-12-16,10,\n"
            "band,main,1,2030-01-02,7,hypothetical change\n")
    table = LimitTable.parse(text)
    assert table.band("main", True, date(2030, 1, 1)) == 0.10
    assert table.band("main", True, date(2030, 1, 2)) == 0.07 and table.band("main", False, date(2030, 1, 2)) == 0.10
    assert o.price_limits("SH", "600001", "ST 某某", 10.0, date(2030, 1, 2), table) == (9.30, 10.70)


@pytest.mark.parametrize(("row", "why"), [("band,main,0,2020-01-01,10", None),
                                          ("bnad,main,0,2020-01-01,10", "rule 'bnad'"),
                                          ("band,gem,0,2020-01-01,10", "class 'gem'"),
                                          ("band,main,2,2020-01-01,10", "risk_warning must be"),
                                          ("band,main,0,2020-13-01,10", "month must be"),
                                          ("band,main,0,2020-01-01,-5", "out of range"),
                                          ("band,main,0,2020-01-01,ten", "could not convert")])
def test_a_bad_row_is_refused_with_its_line(row, why):
    text = f"# comment\nrule,class,risk_warning,from,value,note\n{row},\n"
    if why is None:
        assert len(LimitTable.parse(text, "t.csv").rules) == 1
        return
    with pytest.raises(ValueError, match=f"t.csv line 3: .*{why}"):
        LimitTable.parse(text, "t.csv")
