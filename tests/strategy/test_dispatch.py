"""Queued bus messages taken in together give exactly what taking them one by one gives: the same on_change
calls in the same order, each seeing its own spot (and no later one of its stock) in the bars, and the same
bars after every run; runs are cut where a stock repeats."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from hikyuu_live.bus import CycleReport
from hikyuu_live.clock import EXCHANGE_TZ, FakeClock
from hikyuu_live.model.kdata import KType
from hikyuu_live.model.spot import empty_spots
from hikyuu_live.strategy.dispatch import Run, merge_runs
from hikyuu_live.strategy.runtime import Strategy

CODES = ["SH600000", "SZ000001", "SH688111", "BJ920002", "SZ300308", "SH510050"]
KTYPES = ["day", "min", "min5", "week"]


def spots(t: str, codes: list[str], close: float, vol: float) -> np.ndarray:
    arr = empty_spots(len(codes))
    arr["market"] = [c[:2] for c in codes]
    arr["code"] = [c[2:] for c in codes]
    arr["name"] = "测试"
    arr["datetime"] = np.datetime64(f"2026-11-24T{t}")
    arr["close"] = close + np.arange(len(codes)) / 100
    arr["open"], arr["high"], arr["low"] = 10.0, arr["close"] + 0.5, 9.0
    arr["volume"] = vol + np.arange(len(codes))
    arr["amount"] = arr["volume"] * arr["close"] / 100
    return arr


def burst() -> list[tuple[str, object]]:
    """Messages of two cycles as a collector sends them, with the awkward cases inside."""
    rng = np.random.default_rng(5)
    out: list[tuple[str, object]] = []
    vol = 100.0
    for cycle, t in enumerate(("09:30:05", "09:31:07", "09:36:02")):
        order = list(rng.permutation(CODES))
        for i in range(0, len(order), 2):
            vol += 10
            out.append(("batch", spots(t, order[i:i + 2], 10 + cycle + i / 10, vol)))
        out.append(("batch", empty_spots(0)))
        out.append(("cycle", CycleReport(1, cycle + 1, "t", empty_spots(0), 3, 3, [], True, False, "count", 0,
                                         1_795_000_000_000_000)))
    vol += 10
    out.append(("batch", spots("09:36:03", ["SH600000", "SH600000"], 12.5, vol)))  # twice in one message
    out.append(("batch", spots("09:36:04", ["SH600000", "SZ999999"], 12.7, vol + 5)))  # again, and a stranger
    return out


def strategy(record: list) -> Strategy:
    clock = FakeClock(datetime(2026, 11, 24, 9, 29, tzinfo=EXCHANGE_TZ))
    stg = Strategy(CODES, KTYPES, clock=clock)
    stg.prepare()

    def on_change(s: Strategy, stock, spot) -> None:
        own = s.get_last_kdata(stock, 1, "min")
        record.append((stock.market_code, spot.datetime, spot.close, spot.volume, spot.bid, float(own["close"][0]),
                       float(own["volume"][0])))

    stg.on_change(on_change)
    stg.on_received_spot(lambda s, rev: record.append(("cycle", rev)))
    return stg


def all_bars(stg: Strategy) -> dict:
    return {(c, k): stg.get_kdata(c, ktype=k).tolist() for c in CODES for k in KTYPES}


@pytest.mark.parametrize("queued", [2, 3, 100])
def test_taken_in_together_equals_one_by_one(queued):
    one: list = []
    together: list = []
    a, b = strategy(one), strategy(together)
    events = burst()
    for kind, payload in events:
        a._push(kind, payload)
        a.run_pending()
    for i in range(0, len(events), queued):  # the loop finds `queued` messages waiting each time
        for kind, payload in events[i:i + queued]:
            b._push(kind, payload)
        b.run_pending()
        assert all_bars(b) == all_bars(a) or i + queued < len(events)
    assert together == one
    assert all_bars(b) == all_bars(a)
    assert a.stats.batches == b.stats.batches and a.stats.on_change_calls == b.stats.on_change_calls
    # every on_change saw its own spot as the last minute bar's close, never a later one (but for the stock
    # twice in one message, whose first on_change comes after the message, as always)
    assert all(r[2] == r[5] for r in one if r[0] != "cycle" and r[2] != 12.5)
    assert sum(1 for r in one if r[0] == "cycle") == 3


def test_runs_are_cut_where_a_stock_repeats_and_cycles_keep_their_place():
    events = [(k, p, float(i)) for i, (k, p) in enumerate(burst())]
    items = merge_runs(events)
    kinds = ["run" if isinstance(x, Run) else x[0] for x in items]
    assert kinds == ["run", "cycle", "run", "cycle", "run", "cycle", "run", "run"]
    runs = [x for x in items if isinstance(x, Run)]
    assert [r.messages for r in runs] == [4, 4, 4, 1, 1]  # three messages and an empty one a cycle; then cut
    assert [len(r.spots) for r in runs] == [6, 6, 6, 2, 2]
    for r in runs:  # within a run no stock comes from two messages
        assert r.keys == [m + c for m, c in zip(r.spots["market"].tolist(), r.spots["code"].tolist(), strict=True)]
    assert [r.queued for r in runs] == [0.0, 5.0, 10.0, 15.0, 16.0]  # when its first message was queued


def test_a_big_burst_is_one_run():
    msgs = [("batch", spots("10:00:00", [f"SH{600000 + i}" for i in range(j, j + 60)], 10.0, 100.0), 0.0)
            for j in range(0, 5000, 60)]
    items = merge_runs(msgs)
    assert len(items) == 1 and isinstance(items[0], Run) and len(items[0].spots) == 84 * 60
    assert items[0].messages == len(msgs)
    np.testing.assert_array_equal(items[0].spots, np.concatenate([m[1] for m in msgs]))


def test_bars_of_the_minute_ktype_unchanged_by_runs():
    stg = strategy([])
    for kind, payload in burst():
        stg._push(kind, payload)
    stg.run_pending()
    m1 = stg.get_kdata("SH600000", ktype=KType.MIN)
    assert len(m1) >= 2 and m1["close"][-1] == pytest.approx(12.7)


def test_quote_book_keeps_the_first_named_yesterday_close():
    from hikyuu_live.strategy.trading import QuoteBook

    book = QuoteBook()
    first = spots("09:30:05", ["SH600000", "SZ000001"], 10.0, 100)
    first["name"] = ["", "平安银行"]
    first["yesterday_close"] = [9.5, 11.0]
    book.update(first)
    later = spots("09:31:05", ["SH600000", "SZ000001", "SZ000001"], 10.2, 110)
    later["name"] = ["浦发银行", "", "改名"]
    later["yesterday_close"] = [1.0, 2.0, 3.0]
    book.update(later)
    # an entry without a name is replaced by the first spot that has one (as before); a named one stays
    assert book.quote("SH", "600000") == (1.0, "浦发银行") and book.quote("SZ", "000001") == (11.0, "平安银行")
    assert book.price("SZ", "000001") == later["close"][2]
