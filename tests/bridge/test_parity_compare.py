"""The parity comparison on its own: every kind of difference between a live and a backtest trade list gets its
cause (the runs that produce such lists are in ``test_parity.py`` and ``test_hikyuu_live.py``)."""

from __future__ import annotations

import numpy as np

from hikyuu_live.bridge.parity.day import aggregate
from hikyuu_live.bridge.parity.trades import (
    AFTER_CLOSE,
    DECISION,
    FILL_PRICE,
    MISSING_BAR,
    QUANTITY,
    REFUSED,
    T1,
    UNFINISHED,
    UNSETTLED,
    BarSets,
    Trade,
    compare,
)
from hikyuu_live.model.kdata import KDATA_DTYPE


def t(hm: str) -> np.datetime64:
    return np.datetime64(f"2026-11-24T{hm}", "us")


def trade(hm: str, side: str = "buy", price: float = 10.0, number: float = 1000, **kw) -> Trade:
    return Trade(t(hm), "SH600000", side, price, number, **kw)


def test_identical_lists_have_no_difference():
    lists = [trade("09:31"), trade("09:40", "sell", 10.5)]
    assert compare(lists, list(lists)) == []


def test_each_cause_is_named():
    live = [
        trade("09:31", price=10.02),  # fill price
        trade("09:35", number=900),  # quantity
        trade("09:40", "sell", status="rejected", reason="SH600000: only 0 shares sellable today (T+1), asked 1000"),
        trade("09:45", status="rejected", reason="SH600000: not enough cash: need 10,005.10, have 3.00"),
        trade("10:00:15", unfinished="the unfinished MIN bar 10:01 (final at 10:01:00), read at 10:00:15"),
    ]
    backtest = [trade("09:31"), trade("09:35"), trade("09:40", "sell"), trade("09:45"), trade("10:01"),
                trade("11:00"), trade("15:00", "sell")]
    bars = BarSets(live={("SH600000", "MIN"): {t("10:59")}}, backtest={("SH600000", "MIN"): {t("10:59"), t("11:00")}})
    diffs = compare(live, backtest, bars, {"SH600000": t("15:00")})
    got = [(str(d.live.when if d.live else d.backtest.when)[11:19], d.cause) for d in diffs]  # type: ignore[union-attr]
    assert got == [("09:31:00", FILL_PRICE), ("09:35:00", QUANTITY), ("09:40:00", T1), ("09:45:00", REFUSED),
                   ("10:00:15", UNFINISHED), ("10:01:00", UNFINISHED), ("11:00:00", MISSING_BAR),
                   ("15:00:00", AFTER_CLOSE)]
    assert "had decided this already at 10:00:15" in diffs[5].detail
    assert "never had MIN bar 11:00:00" in diffs[6].detail


def test_a_bar_seen_only_unfinished_explains_a_backtest_decision():
    bars = BarSets(unfinished_reads={"SH600000": {t("09:31"): "the unfinished MIN bar 09:31, read at 09:30:15"}})
    [d] = compare([], [trade("09:31")], bars)
    assert d.cause == UNFINISHED and "only while it was being built" in d.detail
    [other] = compare([], [trade("09:32")], bars)
    assert other.cause == DECISION


def test_a_decision_on_an_account_without_an_order_on_its_way_is_named():
    """Brokers are asynchronous: a live decision that read the account while an earlier order was still ``pending``
    saw an account without it; the backtest settles every order first. Such a difference says so."""
    on_way = "buy SH600000 x1000"
    live = [trade("09:35", number=900, unsettled=on_way), trade("09:40", unsettled=on_way)]
    backtest = [trade("09:35"), trade("09:50")]
    bars = BarSets(unsettled_reads={"*": {t("09:50"): on_way}})
    diffs = compare(live, backtest, bars)
    assert [(str((d.live or d.backtest).when)[11:16], d.cause) for d in diffs] == [  # type: ignore[union-attr]
        ("09:35", UNSETTLED), ("09:40", UNSETTLED), ("09:50", UNSETTLED)]
    assert "while buy SH600000 x1000 was still on its way" in diffs[0].detail and "quantity" in diffs[0].detail
    assert compare([], [trade("09:51")], bars)[0].cause == DECISION  # another moment: not explained by it
    per_stock = BarSets(unsettled_reads={"SZ000001": {t("09:50"): "buy SZ000001 x100"}})
    assert compare([], [trade("09:50")], per_stock)[0].cause == DECISION  # another stock's order: not either


def test_day_bars_are_made_of_the_minutes_they_hold():
    m = np.zeros(3, KDATA_DTYPE)
    m["datetime"] = [t("09:31"), t("09:32"), t("09:36")]
    m["open"], m["high"], m["low"], m["close"] = [10, 11, 12], [10.5, 11.5, 12.5], [9.5, 10.5, 11.5], [10.2, 11.2, 12.2]
    m["amount"], m["volume"] = [1, 2, 3], [10, 20, 30]
    out = aggregate(m, np.array([t("09:35"), t("09:35"), t("09:40")]))
    assert out.tolist() == [(t("09:35").item(), 10.0, 11.5, 9.5, 11.2, 3.0, 30.0),
                            (t("09:40").item(), 12.0, 12.5, 11.5, 12.2, 3.0, 30.0)]


def test_a_decision_keyed_by_its_bar_but_taken_while_the_bar_was_built_is_named_unfinished():
    """A trading system or portfolio keys its decisions by bar label, so a live decision taken on the bar still being
    built meets the backtest's decision on the same bar: at another price (the close so far, not the final close)
    or another quantity. That is the unfinished bar, not a fill price rule (``broken_demo_pf`` shows it)."""
    note = "the unfinished MIN bar 09:31"
    live = [trade("09:31", price=10.12, unfinished=note), trade("09:35", number=900, unfinished=note),
            trade("09:40", price=10.5, unfinished=note)]
    backtest = [trade("09:31"), trade("09:35"), trade("09:40", price=10.5)]
    diffs = compare(live, backtest)
    assert [(str(d.live.when)[11:16], d.cause) for d in diffs] == [  # type: ignore[union-attr]
        ("09:31", UNFINISHED), ("09:35", UNFINISHED)]  # 09:40: the same decision, the same price: no difference
    assert diffs[0].detail == ("decided on the unfinished MIN bar 09:31: live at 10.120, backtest at 10.000 "
                               "(the bar's close so far, not its final close)")
    assert "live 900 shares, backtest 1000" in diffs[1].detail
