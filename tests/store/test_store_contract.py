"""The store contract, one body per behaviour, run against every backend (``conftest.store``)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from hikyuu_live.model.kdata import KDATA_DTYPE, KType
from hikyuu_live.store.baseinfo import StockRecord
from hikyuu_live.store.derive import DERIVED, aggregate
from tests.store.bars import day_bars, min5_bars

FIELDS = ("open", "high", "low", "close", "amount", "volume")


def assert_same(got: np.ndarray, want: np.ndarray) -> None:
    assert len(got) == len(want)
    assert (got["datetime"] == want["datetime"]).all()
    for f in FIELDS:
        np.testing.assert_allclose(got[f], want[f], rtol=0, atol=1e-6, err_msg=f)


def test_append_then_read_round_trips_in_memory_units(store):
    bars = day_bars(date(2024, 1, 2), 300)
    assert store.append("SH600000", "DAY", bars) == 300
    assert_same(store.read_range("sh600000", KType.DAY), bars)
    assert store.count("SH600000", "day") == 300
    assert store.codes("SH") == ["600000"]


def test_append_is_append_only_and_never_duplicates(store):
    bars = day_bars(date(2024, 1, 2), 200)
    assert store.append("SZ000001", "DAY", bars[:120]) == 120
    assert store.append("SZ000001", "DAY", bars[100:]) == 80  # 20 overlapping bars are skipped
    assert store.append("SZ000001", "DAY", bars) == 0
    assert store.stats.rows_skipped == 20 + 200
    assert_same(store.read_range("SZ000001", "DAY"), bars)


def test_other_store_objects_see_committed_data_and_deduplicate_too(store, store_factory):
    bars = day_bars(date(2024, 1, 2), 50)
    store.append("SH600000", "DAY", bars[:30])
    other = store_factory().open()
    assert other.last_datetime("SH600000", "DAY") == bars["datetime"][29]
    assert other.append("SH600000", "DAY", bars) == 20
    assert_same(store_factory().open().read_range("SH600000", "DAY"), bars)


def test_last_datetimes_per_market_and_type(store):
    store.append("SH600000", "DAY", day_bars(date(2024, 1, 2), 10))
    store.append("SH600004", "DAY", day_bars(date(2024, 1, 2), 5))
    store.append("SZ000001", "DAY", day_bars(date(2024, 1, 2), 7))
    last = store.last_datetimes("SH", "DAY")
    assert set(last) == {"600000", "600004"}
    assert last["600004"] == np.datetime64("2024-01-08", "us")
    assert store.last_datetime("SH600009", "DAY") is None
    assert store.last_datetimes("SH", KType.MIN) == {}


def test_read_last_n_is_the_preloader(store):
    a, b = day_bars(date(2024, 1, 2), 40, seed=3), day_bars(date(2024, 3, 1), 5, seed=4)
    store.append("SH600000", "DAY", a)
    store.append("SZ000001", "DAY", b)
    got = store.read_last_n(["sh600000", "SZ000001", "BJ830799"], "day", 10)
    assert list(got) == ["sh600000", "SZ000001", "BJ830799"]
    assert_same(got["sh600000"], a[-10:])
    assert_same(got["SZ000001"], b)
    assert got["BJ830799"].dtype == KDATA_DTYPE and len(got["BJ830799"]) == 0
    assert_same(store.read_last_n(["SH600000"], "week", 2)["SH600000"], aggregate(a, KType.WEEK)[-2:])


def test_read_range_bounds_are_start_inclusive_end_exclusive(store):
    bars = day_bars(date(2024, 1, 2), 30)
    store.append("SH600000", "DAY", bars)
    got = store.read_range("SH600000", "DAY", bars["datetime"][5], bars["datetime"][9])
    assert_same(got, bars[5:9])
    assert_same(store.read_range("SH600000", "DAY", start=date(2024, 1, 20)), bars[bars["datetime"] >= np.datetime64(
        "2024-01-20")])


@pytest.mark.parametrize("base", [KType.DAY, KType.MIN5])
def test_derived_periods_follow_every_append(store, base):
    bars = day_bars(date(2024, 12, 2), 160) if base is KType.DAY else min5_bars(date(2025, 3, 27), 4)
    cuts = [0, 7, 8, 45, 90, len(bars)]  # appends that end inside and at the edge of periods
    for a, b in zip(cuts, cuts[1:], strict=False):
        store.append("SH600000", base, bars[a:b])
    for dk in DERIVED[base]:
        want = aggregate(bars, dk)
        assert_same(store.read_range("SH600000", dk), want)
        assert store.count("SH600000", dk) == len(want)
        window = store.read_range("SH600000", dk, want["datetime"][1], want["datetime"][-1])
        assert_same(window, want[1:-1])


def test_a_failed_batch_leaves_a_consistent_store_to_continue_from(store, store_factory):
    bars = day_bars(date(2024, 1, 2), 60)
    store.append("SH600000", "DAY", bars[:20])
    with pytest.raises(RuntimeError), store.batch():
        store.append("SH600000", "DAY", bars[20:40])
        assert store.last_datetime("SH600000", "DAY") == bars["datetime"][39]
        raise RuntimeError("boom")
    # dropped (HDF5, ClickHouse buffer until commit) or already durable (MySQL writes each append)
    assert store.last_datetime("SH600000", "DAY") in (bars["datetime"][19], bars["datetime"][39])
    with store.batch():
        store.append("SH600000", "DAY", bars[20:])
    assert_same(store_factory().open().read_range("SH600000", "DAY"), bars)


def test_data_survives_close_and_reopen(store, store_factory):
    bars = min5_bars(date(2025, 3, 3), 2)
    store.append("BJ830799", "MIN5", bars)
    store.close()
    again = store_factory().open()
    assert_same(again.read_range("BJ830799", "MIN5"), bars)
    assert_same(again.read_range("BJ830799", "MIN60"), aggregate(bars, KType.MIN60))


def test_bad_input_is_refused(store):
    bars = day_bars(date(2024, 1, 2), 5)
    with pytest.raises(ValueError):
        store.append("SH600000", "DAY", bars[::-1])
    with pytest.raises(ValueError):
        store.append("SH600000", "WEEK", bars)
    with pytest.raises(ValueError):
        store.append("XX600000", "DAY", bars)
    bad = bars.copy()
    bad["close"][2] = np.nan
    with pytest.raises(ValueError):
        store.append("SH600000", "DAY", bad)
    with pytest.raises(ValueError):
        store.append("SH600000", "DAY", np.zeros(3, dtype=[("datetime", "M8[us]")]))
    assert store.count("SH600000", "DAY") == 0


def test_base_info_is_seeded_for_hikyuu(store):
    assert [m.market for m in store.markets()] == ["SH", "SZ", "BJ"]
    assert {t.type for t in store.stock_types()} >= {1, 2, 3, 4, 5, 8, 9, 11}
    assert store.stock_records() == []


def test_stocks_upsert_keeps_the_earlier_start_and_a_known_name(store):
    store.save_stocks([StockRecord("SH", "600000", "浦发银行", 1, True, 20240102),
                       StockRecord("SZ", "159915", "", 5, True, 20240105)])
    store.save_stocks([StockRecord("SH", "600000", "", 1, True, 20240301), StockRecord("SZ", "159915", "创业板ETF", 5,
                                                                                      False, 20230101)])
    got = {s.market_code: s for s in store.stock_records()}
    assert got["SH600000"] == StockRecord("SH", "600000", "浦发银行", 1, True, 20240102)
    assert got["SZ159915"] == StockRecord("SZ", "159915", "创业板ETF", 5, False, 20230101)
    assert ("SZ", "159915", "创业板ETF", False) in store.stocks()


def test_market_last_date_holidays_weights_and_blocks(store):
    store.set_market_last_date("sz", date(2026, 11, 23))
    assert {m.market: m.last_date for m in store.markets()}["SZ"] == 20261123
    assert store.save_holidays([date(2026, 10, 1), date(2026, 10, 2)]) == 2
    assert store.save_holidays([date(2026, 10, 1), date(2026, 1, 1)]) == 1
    assert store.holidays() == [date(2026, 1, 1), date(2026, 10, 1), date(2026, 10, 2)]
    store.save_stocks([StockRecord("SH", "600000", "浦发银行", 1, True, 19991110)])
    w1 = [{"date": 20240601, "bonus": 4000, "totalCount": 100}, {"date": 20250601, "bonus": 4100, "totalCount": 100}]
    store.save_weights("SH600000", w1)
    store.save_weights("SH600000", [{"date": 20250601, "bonus": 4200, "totalCount": 110}])
    got = store.weights("SH600000")
    assert [(w["date"], w["bonus"], w["totalCount"]) for w in got] == [(20240601, 4000, 100), (20250601, 4200, 110)]
    store.save_blocks([("行业板块", "银行", "SH600000"), ("行业板块", "银行", "SZ000001"),
                       ("概念板块", "ETF", "SZ159915")])
    store.save_blocks([("行业板块", "银行", "SH600000")])
    assert sorted(store.blocks()) == [("概念板块", "ETF", "SZ159915"), ("行业板块", "银行", "SH600000")]
