"""Live bars from spots: one test per bar failure users of other systems reported, plus units."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from hikyuu_live.model.bars import LiveBars
from hikyuu_live.model.kdata import KDATA_DTYPE, KType, period_end
from hikyuu_live.model.spot import empty_spots

DAY = date(2026, 11, 24)  # a Tuesday
CODE = "SH600000"


def spot(t: str, close: float, vol: float, amt: float | None = None, *, code: str = "600000", market: str = "SH",
         day: str = "2026-11-24", open_: float = 10.0, high: float = 0.0, low: float = 0.0) -> np.ndarray:
    s = empty_spots(1)
    s["market"], s["code"] = market, code
    s["datetime"] = np.datetime64(f"{day}T{t}")
    s["close"], s["volume"] = close, vol
    s["amount"] = amt if amt is not None else vol * close / 100
    s["open"], s["high"], s["low"] = open_, high or close, low or close
    return s


def feed(lb: LiveBars, *spots: np.ndarray) -> None:
    for s in spots:
        lb.update(s)


def labels(bars: np.ndarray) -> list[str]:
    return [str(x)[11:16] for x in bars["datetime"].astype("M8[m]")]


def make(*ktypes: KType, **kw) -> LiveBars:
    return LiveBars([CODE, "SZ000001"], ktypes or (KType.MIN,), DAY, **kw)


def test_auction_print_folds_into_the_first_bar_not_a_bar_of_its_own():  # vnpy #3270, #81
    lb = make(KType.MIN, KType.MIN5, KType.MIN15)
    feed(lb, spot("09:25:00", 10.0, 100), spot("09:30:10", 10.1, 150), spot("09:31:05", 10.2, 180))
    m1 = lb.bars(CODE, KType.MIN)
    assert labels(m1) == ["09:31", "09:32"]
    assert m1["volume"].tolist() == [150, 30]  # the auction's 100 lots are in the first bar
    assert m1["open"][0] == 10.0 and m1["high"][0] == 10.1
    assert labels(lb.bars(CODE, KType.MIN5)) == ["09:35"]
    assert labels(lb.bars(CODE, KType.MIN15)) == ["09:45"]


def test_prints_before_the_auction_and_zero_prices_are_ignored():  # vnpy #81
    lb = make()
    feed(lb, spot("09:15:00", 10.0, 0), spot("09:20:00", 0.0, 0), spot("09:25:00", 0.0, 0))
    assert len(lb.bars(CODE, KType.MIN)) == 0
    assert lb.stats.ignored_out_of_session == 3


def test_trailing_close_prints_belong_to_the_session_last_bar():  # vnpy #381
    lb = make(KType.MIN, KType.MIN30)
    feed(lb, spot("11:29:30", 10.0, 100), spot("11:30:04", 10.1, 120), spot("14:59:40", 10.2, 200),
         spot("15:00:03", 10.3, 260))
    m1 = lb.bars(CODE, KType.MIN)
    assert labels(m1) == ["11:30", "15:00"]
    assert m1["close"].tolist() == [10.1, 10.3]
    assert labels(lb.bars(CODE, KType.MIN30)) == ["11:30", "15:00"]


def test_last_bar_of_the_session_exists_without_a_later_tick():  # vnpy #888
    lb = make()
    feed(lb, spot("09:25:00", 10.0, 10), spot("14:59:58", 10.0, 100), spot("15:00:02", 10.5, 130))
    last = lb.last_bar(CODE, KType.MIN)
    assert str(last["datetime"])[11:16] == "15:00" and last["close"] == 10.5 and last["volume"] == 120


def test_nothing_is_built_in_the_lunch_break_or_after_the_close():
    lb = make()
    feed(lb, spot("11:31:00", 10.0, 100), spot("12:30:00", 10.0, 100), spot("15:01:00", 10.0, 100))
    assert len(lb.bars(CODE, KType.MIN)) == 0


def test_bar_volume_comes_from_cumulative_totals_not_tick_sums():  # vnpy #571
    lb = make()
    feed(lb, spot("09:30:05", 10.0, 100), spot("09:30:30", 10.0, 100), spot("09:30:50", 10.0, 160),
         spot("09:31:10", 10.0, 200))
    assert lb.bars(CODE, KType.MIN)["volume"].tolist() == [160, 40]


def test_volume_restarts_each_trading_day():  # vnpy #571
    lb = make(KType.MIN, KType.DAY)
    feed(lb, spot("09:30:00", 10.0, 1000), spot("14:59:00", 10.0, 5000), spot("09:25:00", 11.0, 80, day="2026-11-25"),
         spot("09:30:20", 11.0, 100, day="2026-11-25"))
    m1 = lb.bars(CODE, KType.MIN)
    assert [str(x)[:16] for x in m1["datetime"].astype("M8[m]")] == ["2026-11-24T09:31", "2026-11-24T15:00",
                                                                      "2026-11-25T09:31"]
    assert m1["volume"].tolist() == [1000, 4000, 100]
    assert lb.bars(CODE, KType.DAY)["volume"].tolist() == [5000, 100]
    assert lb.trading_day == date(2026, 11, 25)


def test_restart_mid_session_with_todays_bars_gives_the_same_bars():  # vnpy #571
    prints = [spot("09:25:00", 10.0, 50), spot("09:30:20", 10.1, 100), spot("09:31:30", 10.2, 170),
              spot("09:31:50", 10.3, 190), spot("09:32:10", 10.0, 260)]
    full = make(KType.MIN, KType.DAY)
    feed(full, *prints)
    before = make(KType.MIN, KType.DAY)
    feed(before, *prints[:3])
    history = {k: {CODE: before.bars(CODE, k)} for k in (KType.MIN, KType.DAY)}
    after = make(KType.MIN, KType.DAY, history=history)
    feed(after, *prints[3:])
    for k in (KType.MIN, KType.DAY):
        np.testing.assert_array_equal(after.bars(CODE, k), full.bars(CODE, k))


def test_cold_start_mid_bar_counts_from_the_first_print_and_says_so():
    lb = make()
    feed(lb, spot("10:00:20", 10.0, 9000), spot("10:00:40", 10.0, 9100), spot("10:01:10", 10.0, 9150))
    assert lb.bars(CODE, KType.MIN)["volume"].tolist() == [100, 50]
    assert lb.stats.partial_bars == 1


def test_bars_are_updated_never_duplicated_and_prints_older_than_the_bar_are_ignored():
    lb = make()
    feed(lb, spot("09:30:10", 10.0, 100), spot("09:31:40", 10.2, 120), spot("09:30:20", 9.0, 110))
    m1 = lb.bars(CODE, KType.MIN)
    assert len(m1) == 2 and m1["low"].tolist() == [10.0, 10.2] and m1["close"].tolist() == [10.0, 10.2]
    assert m1["volume"].tolist() == [100, 20]
    assert lb.stats.ignored_older == 1 and lb.stats.late_merged == 0


def test_a_late_print_inside_the_bar_being_built_widens_its_range_only():
    """Reproduces: a late print (older than the newest seen) that still fell inside the bar being built was
    dropped, so the bar missed its true high or low. It must widen high and low, and never change the close or
    the cumulative volume and amount."""
    lb = make(KType.MIN, KType.MIN5, KType.DAY)
    feed(lb, spot("09:30:10", 10.0, 100, open_=10.0), spot("09:31:40", 10.2, 120, open_=10.0, high=10.2, low=10.0))
    feed(lb, spot("09:31:20", 9.5, 110, open_=10.0, high=10.2, low=9.5), spot("09:31:30", 10.9, 115, open_=10.0,
                                                                                high=10.9, low=9.5))
    m1, m5, d = (lb.bars(CODE, k) for k in (KType.MIN, KType.MIN5, KType.DAY))
    assert m1[["open", "high", "low", "close", "volume"]].tolist() == [(10.0, 10.0, 10.0, 10.0, 100),
                                                                       (10.2, 10.9, 9.5, 10.2, 20)]
    assert m5[["high", "low", "close", "volume"]].tolist() == [(10.9, 9.5, 10.2, 120)]
    assert d[["high", "low", "close", "volume", "amount"]].tolist() == [(10.9, 9.5, 10.2, 120, 120 * 10.2 / 100)]
    assert lb.stats.late_merged == 2 and lb.stats.ignored_older == 0
    # older than every bar being built in one ktype, inside another's: used where it fits
    feed(lb, spot("09:32:10", 10.3, 130, open_=10.0, high=10.9, low=9.5), spot("09:31:50", 8.8, 125, open_=10.0,
                                                                                high=10.9, low=8.8))
    m1, m5 = lb.bars(CODE, KType.MIN), lb.bars(CODE, KType.MIN5)
    assert m1["low"].tolist() == [10.0, 9.5, 10.3] and m5["low"].tolist() == [8.8]
    assert m5["close"].tolist() == [10.3] and m5["volume"].tolist() == [130]


def test_without_an_auction_print_the_first_bars_open_at_the_official_open():
    """Reproduces: a stock whose first spot of the day came after 09:30 (no call-auction print) got first 1- and
    5-minute bars that opened at the first traded price, disagreeing with the day bar built from the same spots."""
    lb = make(KType.MIN, KType.MIN5, KType.DAY)
    feed(lb, spot("09:30:05", 10.3, 200, open_=10.0, high=10.4, low=9.9), spot("09:31:10", 10.5, 260, open_=10.0,
                                                                                   high=10.5, low=9.9))
    m1, m5, d = (lb.bars(CODE, k) for k in (KType.MIN, KType.MIN5, KType.DAY))
    assert m1[["open", "high", "low", "close", "volume"]].tolist() == [(10.0, 10.4, 9.9, 10.3, 200),
                                                                       (10.5, 10.5, 10.5, 10.5, 60)]
    assert m5[["open", "high", "low", "close"]].tolist() == [(10.0, 10.5, 9.9, 10.5)]
    assert (d["open"][0], d["high"][0], d["low"][0]) == (m5["open"][0], m5["high"][0], m5["low"][0])
    # with an auction print the first bar opens at the auction price, as before
    lb = make(KType.MIN)
    feed(lb, spot("09:25:00", 10.1, 50, open_=10.1), spot("09:30:05", 10.3, 200, open_=10.1, high=10.4, low=10.1))
    assert lb.bars(CODE, KType.MIN)[["open", "high", "low"]].tolist() == [(10.1, 10.3, 10.1)]
    # a cold start later in the day is not the day's first bar: no official open there
    lb = make(KType.MIN)
    feed(lb, spot("10:00:05", 10.3, 900, open_=10.0, high=10.6, low=9.8))
    assert lb.bars(CODE, KType.MIN)[["open", "high", "low"]].tolist() == [(10.3, 10.3, 10.3)]


def test_stale_quotes_of_another_day_never_touch_today():
    lb = make(KType.MIN, KType.DAY)
    feed(lb, spot("14:59:00", 9.0, 5000, day="2026-11-23"), spot("09:30:10", 10.0, 10))
    assert lb.bars(CODE, KType.DAY)["volume"].tolist() == [10]
    assert lb.stats.ignored_other_day == 1


@pytest.mark.parametrize(("ktype", "expected"), [
    (KType.MIN15, ["09:45", "10:00", "11:30", "13:15", "15:00"]),
    (KType.MIN30, ["10:00", "10:00", "11:30", "13:30", "15:00"]),
    (KType.MIN60, ["10:30", "10:30", "11:30", "14:00", "15:00"]),
    (KType.HOUR2, ["11:30", "11:30", "11:30", "15:00", "15:00"]),
])
def test_n_minute_bars_align_with_the_sessions(ktype, expected):  # vnpy #3270
    times = ["09:30:00", "09:45:00", "11:29:59", "13:00:00", "14:59:59"]
    got = []
    for t in times:
        lb = make(ktype)
        feed(lb, spot(t, 10.0, 10))
        got.append(labels(lb.bars(CODE, ktype))[0])
    assert got == expected


def test_day_and_period_bars_combine_finished_days_with_today():
    hist = np.zeros(2, dtype=KDATA_DTYPE)
    hist["datetime"] = np.array(["2026-11-23", "2026-11-20"][::-1], dtype="M8[us]")  # Fri and Mon
    hist["open"], hist["high"], hist["low"], hist["close"] = [9.0, 9.5], [9.8, 11.0], [8.5, 9.4], [9.6, 10.0]
    hist["volume"], hist["amount"] = [1000, 2000], [10, 20]
    lb = make(KType.DAY, KType.WEEK, KType.MONTH, history={KType.DAY: {CODE: hist}})
    feed(lb, spot("10:00:00", 10.5, 300, 3.0, open_=10.1, high=10.6, low=10.0))
    day = lb.bars(CODE, KType.DAY)
    assert len(day) == 3 and day["volume"][-1] == 300 and day["open"][-1] == 10.1
    week = lb.last_bar(CODE, KType.WEEK)  # Monday 23rd + today; Friday 20th is last week
    assert str(week["datetime"])[:10] == "2026-11-27"
    assert (week["open"], week["high"], week["low"], week["close"]) == (9.5, 11.0, 9.4, 10.5)
    assert (week["volume"], week["amount"]) == (2300, 23)
    month = lb.last_bar(CODE, KType.MONTH)
    assert str(month["datetime"])[:10] == "2026-11-30" and month["volume"] == 3300 and month["open"] == 9.0


def test_units_are_those_of_the_spot_lots_and_ten_thousand_yuan():  # Hikyuu's x100 minute volume
    lb = make(KType.MIN, KType.DAY)
    feed(lb, spot("09:30:10", 10.0, 123, 12.3))
    assert lb.bars(CODE, KType.MIN)["volume"][0] == 123
    assert lb.bars(CODE, KType.MIN)["amount"][0] == 12.3
    assert lb.bars(CODE, KType.DAY)["volume"][0] == 123


def test_duplicate_prints_of_one_stock_in_one_batch_apply_in_order():
    lb = make()
    lb.update(np.concatenate([spot("09:30:10", 10.0, 100), spot("09:30:40", 10.5, 130)]))
    (bar,) = lb.bars(CODE, KType.MIN)
    assert bar["close"] == 10.5 and bar["high"] == 10.5 and bar["volume"] == 130


def test_unknown_codes_are_counted_and_skipped():
    lb = make()
    lb.update(spot("09:30:10", 10.0, 100, code="999999"))
    assert lb.stats.ignored_unknown_code == 1


def test_period_end_labels():
    days = np.array(["2026-11-23", "2026-11-27", "2024-02-10", "2026-08-15"], dtype="M8[D]")
    # a Saturday belongs to the week that ends on the Friday before it (Monday..Sunday weeks)
    assert period_end(days, KType.WEEK).astype(str).tolist() == ["2026-11-27", "2026-11-27", "2024-02-09",
                                                                  "2026-08-14"]
    assert period_end(days, KType.QUARTER).astype(str).tolist()[2:] == ["2024-03-31", "2026-09-30"]
    assert period_end(days, KType.HALFYEAR).astype(str).tolist()[2:] == ["2024-06-30", "2026-12-31"]
