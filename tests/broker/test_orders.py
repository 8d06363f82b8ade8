"""A-share pre-trade checks and sizing helpers (hikyuu_live.strategy.orders): exact reasons."""

from __future__ import annotations

from datetime import date

import pytest

from hikyuu_live.errors import OrderRejected
from hikyuu_live.strategy import orders as o


def rejected(fn, *args, **kw) -> str:
    with pytest.raises(OrderRejected) as info:
        fn(*args, **kw)
    return str(info.value)


# ------------------------------------------------------------------ quantity
def test_quantity_star_buy_below_200_is_rejected_with_reason():
    assert rejected(o.check_quantity, "buy", "SH", "688001", 100) == \
        "SH688001: STAR orders need at least 200 shares, got 100"


@pytest.mark.parametrize("num", [200, 201, 357, 100_000])
def test_quantity_star_buy_at_least_200_in_steps_of_one_passes(num):
    o.check_quantity("buy", "SH", "688001", num)


def test_quantity_star_sell_below_200_passes_only_when_closing_the_holding():
    o.check_quantity("sell", "SH", "689009", 150, sellable=150)
    assert rejected(o.check_quantity, "sell", "SH", "689009", 150, sellable=350) == \
        "SH689009: STAR orders need at least 200 shares unless selling the whole 350 sellable, got 150"


def test_quantity_main_board_buy_must_be_whole_lots():
    assert rejected(o.check_quantity, "buy", "SH", "600000", 150) == \
        "SH600000: buy quantity must be a multiple of 100 shares, got 150"
    assert rejected(o.check_quantity, "buy", "SZ", "000001", 50) == \
        "SZ000001: buy quantity must be a multiple of 100 shares, got 50"
    o.check_quantity("buy", "SZ", "300750", 300)


def test_quantity_sell_odd_lot_only_with_the_whole_odd_remainder():
    o.check_quantity("sell", "SH", "600000", 250, sellable=250)  # everything
    o.check_quantity("sell", "SH", "600000", 50, sellable=250)  # the odd remainder alone
    o.check_quantity("sell", "SH", "600000", 150, sellable=250)  # a lot plus the odd remainder
    o.check_quantity("sell", "SH", "600000", 200, sellable=250)  # whole lots
    assert rejected(o.check_quantity, "sell", "SH", "600000", 30, sellable=250) == \
        "SH600000: sell quantity must be a multiple of 100 shares or include the whole odd remainder of 50 " \
        "(sellable 250), got 30"


def test_quantity_beijing_minimum_100_then_steps_of_one():
    o.check_quantity("buy", "BJ", "830799", 101)
    assert rejected(o.check_quantity, "buy", "BJ", "830799", 99) == \
        "BJ830799: Beijing orders need at least 100 shares, got 99"


@pytest.mark.parametrize("num", [0, -100, 100.5, float("nan"), float("inf"), "100"])
def test_quantity_not_a_positive_whole_number_is_rejected(num):
    assert rejected(o.check_quantity, "buy", "SH", "600000", num) == \
        f"SH600000: quantity must be a positive whole number of shares, got {num}"


def test_quantity_above_the_per_order_cap_is_rejected():
    assert rejected(o.check_quantity, "buy", "SH", "688001", 100_001) == \
        "SH688001: STAR orders are capped at 100,000 shares, got 100,001"
    assert rejected(o.check_quantity, "buy", "SZ", "300750", 300_100) == \
        "SZ300750: ChiNext orders are capped at 300,000 shares, got 300,100"


@pytest.mark.parametrize(("market", "code", "what"), [("SH", "000001", "an index"), ("SZ", "399001", "an index"),
                                                      ("SH", "113001", "a bond"), ("SH", "900901", "a B share")])
def test_untradable_codes_are_rejected_with_what_they_are(market, code, what):
    assert rejected(o.check_order, "buy", market, code, 10.0, 100) == \
        f"{market}{code}: {what}; only A shares and funds/ETFs can be ordered here"


# ------------------------------------------------------------------ tick
@pytest.mark.parametrize(("market", "code", "is_fund"), [
    ("SZ", "159915", True), ("SZ", "161005", True), ("SZ", "184801", True),
    ("SH", "510300", True), ("SH", "501018", True), ("SH", "520830", True), ("SH", "563300", True),
    ("SH", "588000", True), ("SH", "600000", False), ("SZ", "000001", False), ("SH", "688001", False)])
def test_tick_is_a_tenth_of_a_fen_for_funds_only(market, code, is_fund):
    assert o.price_tick(market, code) == (0.001 if is_fund else 0.01)


def test_tick_off_grid_price_is_rejected():
    assert rejected(o.check_price, "SH", "600000", 10.005, 10.0) == \
        "SH600000: price 10.005 is not a multiple of the 0.01 yuan tick"
    assert rejected(o.check_price, "SH", "510300", 3.9005, 3.9) == \
        "SH510300: price 3.9005 is not a multiple of the 0.001 yuan tick"
    assert o.check_price("SH", "510300", 3.901, 3.9) == 3.901


def test_tick_float_noise_is_snapped_onto_the_grid():
    assert o.check_price("SH", "600000", 10.1 * 1.1, 11.0) == 11.11
    assert o.snap_price("SH", "600000", 10.1 * 1.1) == 11.11


@pytest.mark.parametrize("price", [0.0, -10, -0.01, float("nan"), float("inf"), float("-inf"), "10.0", None, True])
def test_price_not_a_positive_finite_number_is_rejected(price):
    """Found: the paper broker took NaN and -10 for "at the live price" and filled them."""
    assert rejected(o.check_price, "SH", "600000", price, 10.0) == \
        f"SH600000: price must be a positive number of yuan, got {price!r}"
    assert rejected(o.check_terms, "buy", "SH", "600000", price, 100, yesterday_close=10.0).endswith(
        f"got {price!r}")


@pytest.mark.parametrize(("market", "code", "price", "tick"), [("SH", "600000", 1e-9, "0.01"),
                                                               ("SH", "600000", 0.004, "0.01"),
                                                               ("SH", "510300", 0.0004, "0.001")])
def test_price_below_one_tick_is_rejected_not_snapped_to_zero(market, code, price, tick):
    """Found: with no quote, a buy at 1e-9 filled at 0.00 yuan (the tick snap rounded it to zero)."""
    assert rejected(o.snap_price, market, code, price) == f"{market}{code}: price {price!r} is below one tick " \
        f"({tick} yuan)"


# ------------------------------------------------------------------ daily limits
@pytest.mark.parametrize(("market", "code", "yc", "name", "day", "down", "up"), [
    ("SH", "600000", 10.00, "浦发银行", None, 9.00, 11.00),
    ("SH", "600000", 10.05, "浦发银行", None, 9.05, 11.06),  # 11.055 rounds half up
    ("SZ", "000001", 11.11, "平安银行", None, 10.00, 12.22),  # 9.999 -> 10.00, 12.221 -> 12.22
    ("SZ", "300750", 10.05, "宁德时代", None, 8.04, 12.06),
    ("SZ", "301001", 20.00, "凯淳股份", None, 16.00, 24.00),
    ("SH", "688001", 33.33, "华兴源创", None, 26.66, 40.00),  # 26.664, 39.996
    ("BJ", "830799", 7.77, "艾融软件", None, 5.44, 10.10),
    ("SH", "600001", 3.33, "ST 某某", date(2025, 7, 7), 3.16, 3.50),  # 3.1635 / 3.4965 -> 5%
    ("SH", "600001", 3.33, "*ST 某某", date(2026, 7, 3), 3.16, 3.50),  # still 5% the Friday before
    ("SH", "600001", 3.33, "*ST 某某", date(2026, 7, 6), 3.00, 3.66),  # 10% from 2026-07-06
    ("SZ", "300001", 10.00, "ST 某某", date(2025, 1, 2), 8.00, 12.00),  # ChiNext ST stays at 20%
    ("SH", "510300", 3.901, "沪深300ETF", None, 3.511, 4.291),
])
def test_limits_from_yesterday_close_rounded_half_up(market, code, yc, name, day, down, up):
    assert o.price_limits(market, code, name, yc, day) == (down, up)


def test_limits_positional_order_is_market_code_name_close():
    assert o.price_limits("SZ", "000001", "平安银行", 10.0) == (9.0, 11.0)
    assert o.price_limits("SZ", "000002", "ST 万科", 10.0, date(2025, 3, 3)) == (9.5, 10.5)
    assert o.price_limits("SZ", "000002", "ST 万科", 10.0) == (9.0, 11.0)  # no day given: the newest rules


def test_limits_outside_are_rejected_with_the_band():
    assert rejected(o.check_order, "buy", "SZ", "000001", 11.27, 100, yesterday_close=10.0, name="平安银行") == \
        "SZ000001: price 11.27 above today's limit 11.00 (limit-up; yesterday's close 10.00, 10% band)"
    assert rejected(o.check_price, "SH", "600001", 3.51, 3.33, "ST 某某", date(2025, 3, 3)) == \
        "SH600001: price 3.51 above today's limit 3.50 (limit-up; yesterday's close 3.33, 5% band)"
    assert rejected(o.check_price, "SZ", "300750", 8.03, 10.05) == \
        "SZ300750: price 8.03 below today's limit 8.04 (limit-down; yesterday's close 10.05, 20% band)"
    assert rejected(o.check_price, "BJ", "830799", 13.01, 10.0) == \
        "BJ830799: price 13.01 above today's limit 13.00 (limit-up; yesterday's close 10.00, 30% band)"
    assert o.check_price("SZ", "300750", 12.06, 10.05) == 12.06
    o.check_order("sell", "SZ", "000001", 9.0, 100, yesterday_close=10.0)  # exactly at limit-down passes


@pytest.mark.parametrize("reference", [None, 0.0, -1.0, float("nan"), float("inf")])
def test_limit_order_without_a_reference_price_is_rejected(reference):
    """Found: with no quote yet, a buy at 5,000 yuan filled: an unknown close skipped the band check."""
    assert rejected(o.check_price, "SH", "600000", 5000.0, reference) == \
        f"SH600000: no reference price (yesterday's close) known for today, got {reference!r}; the daily price " \
        "limits cannot be checked, so the order is not sent"
    assert "no reference price" in rejected(o.check_order, "buy", "SH", "600000", 10.0, 100,
                                            yesterday_close=reference)


# ------------------------------------------------------------------ T+1 and cash
def test_sell_more_than_sellable_names_the_t1_lock():
    yc = {"yesterday_close": 10.0}
    assert rejected(o.check_order, "sell", "SH", "600000", 10.0, 500, sellable=300, **yc) == \
        "SH600000: only 300 shares sellable today (T+1), asked 500"
    assert rejected(o.check_order, "sell", "SH", "600000", 10.0, 500, sellable=300, held=500, **yc) == \
        "SH600000: only 300 shares sellable today (T+1), asked 500; 200 bought today become sellable on the " \
        "next trading day"
    assert rejected(o.check_order, "sell", "SH", "600000", 10.0, 100, sellable=0, held=500, **yc) == \
        "SH600000: only 0 shares sellable today (T+1), asked 100; 500 bought today become sellable on the " \
        "next trading day"
    assert rejected(o.check_order, "sell", "SH", "600000", 10.0, 100, sellable=0, held=0, **yc) == \
        "SH600000: no position to sell, asked 100"
    assert o.check_order("sell", "SH", "600000", 10.0, 300, sellable=300, held=500, **yc) == 10.0


def test_buy_beyond_cash_counts_the_fees():
    fees = o.Fees()
    cost = fees.buy_cost(10.0, 1000, "SH", "600000")
    assert cost == 10005.10  # 10,000 + 5 commission (minimum) + 0.10 transfer fee
    o.check_order("buy", "SH", "600000", 10.0, 1000, cash=cost, fees=fees, yesterday_close=10.0)
    assert rejected(o.check_order, "buy", "SH", "600000", 10.0, 1000, cash=10_005.0, yesterday_close=10.0) == \
        "SH600000: not enough cash: need 10,005.10, have 10,005.00 (1000 shares at 10.00 with fees)"
    no_transfer_fee = o.Fees(transfer_fee=0.0)
    assert rejected(o.check_order, "buy", "SZ", "000001", 10.0, 1000, cash=3_000.0, fees=no_transfer_fee,
                    yesterday_close=10.0) == \
        "SZ000001: not enough cash: need 10,005.00, have 3,000.00 (1000 shares at 10.00 with fees)"


def test_check_order_passes_a_good_order_silently_and_checks_in_a_fixed_order():
    assert o.check_order("buy", "SH", "688001", 50.0, 200, name="华兴源创", yesterday_close=48.0,
                         cash=1e6) == 50.0
    # several faults: the quantity is named first, as a trader would fix it first
    assert rejected(o.check_order, "buy", "SH", "688001", 99.0, 100, yesterday_close=48.0, cash=1.0) == \
        "SH688001: STAR orders need at least 200 shares, got 100"


# ------------------------------------------------------------------ fees
def test_fees_defaults_and_field_names():
    f = o.Fees()
    assert (f.commission_rate, f.min_commission, f.stamp_duty, f.transfer_fee) == (0.00025, 5.0, 0.0005, 0.00001)
    assert f.buy_cost(10.0, 100_000) == 1_000_000 + 250.0 + 10.0
    assert f.sell_proceeds(10.0, 100_000) == 1_000_000 - 250.0 - 500.0 - 10.0


def test_fees_sell_has_stamp_duty_buy_has_not():
    f = o.Fees(commission_rate=0.0003)
    buy = f.breakdown("buy", 20.0, 10_000, "SH", "600000")
    sell = f.breakdown("sell", 20.0, 10_000, "SH", "600000")
    assert (buy.commission, buy.stamp_duty, buy.transfer_fee) == (60.0, 0.0, 2.0)
    assert (sell.commission, sell.stamp_duty, sell.transfer_fee) == (60.0, 100.0, 2.0)
    assert f.sell_proceeds(20.0, 10_000, "SH", "600000") == 200_000 - 162.0


def test_fees_minimum_commission_and_funds_exempt():
    f = o.Fees()
    assert f.breakdown("buy", 1.0, 100, "SH", "600000").commission == 5.0
    etf = f.breakdown("sell", 4.0, 10_000, "SH", "510300")
    assert (etf.stamp_duty, etf.transfer_fee, etf.total) == (0.0, 0.0, 10.0)
    assert o.Fees(min_commission=0.0).breakdown("buy", 1.0, 100).commission == 0.03  # 0.025 half up


# ------------------------------------------------------------------ sizing (Hikyuu's order/order_value, fixed)
def test_order_buy_sends_the_rounded_quantity_not_the_raw_one():
    assert o.order_quantity("SH", "600000", 150) == 100  # Hikyuu sent 150
    assert o.order_quantity("SH", "600000", 99) == 0
    assert o.order_quantity("SH", "688001", 257.9) == 257
    assert o.order_quantity("SH", "688001", 199) == 0


def test_order_sell_rounds_caps_and_never_leaves_less_than_a_lot():
    assert o.order_quantity("SH", "600000", -200, sellable=1000) == -200
    assert o.order_quantity("SH", "600000", -250, sellable=1000) == -200
    assert o.order_quantity("SH", "600000", -200, sellable=250) == -250  # 50 left would be an odd lot
    assert o.order_quantity("SH", "600000", -5000, sellable=300) == -300  # capped at sellable
    assert o.order_quantity("SH", "600000", -50, sellable=300) == 0
    assert o.order_quantity("SH", "688001", -250, sellable=400) == -400  # 150 left < STAR minimum


def test_order_sell_all_sells_everything_sellable_including_odd_lots():
    assert o.order_quantity("SH", "600000", float("-inf"), sellable=350) == -350
    assert o.order_quantity("SH", "600000", float("-inf"), sellable=0) == 0


def test_order_value_buys_whole_lots_that_the_value_pays_for_with_fees():
    assert o.order_value_quantity("SH", "600000", 100_000, 10.0) == 9900  # 10,000 shares + fees > 100,000
    assert o.order_value_quantity("SH", "600000", 100_000, 10.0, cash=50_000) == 4900
    assert o.order_value_quantity("SH", "688001", 100_000, 10.0) == 9997
    assert o.order_value_quantity("SH", "600000", 500, 10.0) == 0
    for qty, value in [(9900, 100_000), (9997, 100_000)]:
        assert o.Fees().buy_cost(10.0, qty) <= value


def test_order_value_negative_sells_that_much():
    assert o.order_value_quantity("SH", "600000", -2_050, 10.0, sellable=1000) == -200
    assert o.order_value_quantity("SH", "600000", -1e9, 10.0, sellable=1000) == -1000


# ------------------------------------------------------------------ lots
@pytest.mark.parametrize(("market", "code", "lot"), [("SH", "600000", 100), ("SZ", "000001", 100),
                                                     ("SZ", "300750", 100), ("SH", "688001", 200),
                                                     ("SH", "689009", 200), ("BJ", "830799", 100),
                                                     ("SH", "510300", 100)])
def test_min_lot_is_200_on_star_only(market, code, lot):
    assert o.min_lot(market, code) == lot


@pytest.mark.parametrize(("market", "code", "num", "qty"), [
    ("SH", "600000", 199, 100), ("SH", "600000", 99, 0), ("SH", "600000", 100, 100), ("SZ", "300750", 1234.9, 1200),
    ("SH", "688001", 199, 0), ("SH", "688001", 200, 200), ("SH", "688001", 333, 333),
    ("BJ", "830799", 157, 157), ("SH", "600000", -100, 0), ("SH", "600000", float("nan"), 0)])
def test_round_lot_rounds_down_to_a_valid_buy_quantity(market, code, num, qty):
    assert o.round_lot(market, code, num) == qty
    if qty:
        o.check_quantity("buy", market, code, qty)  # what round_lot gives always passes the lot check
