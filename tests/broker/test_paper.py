"""PaperBroker: fills, cash and positions, T+1, persistence across a restart, idempotent retries.

Orders go through the broker's worker like on every broker: ``buy``/``sell`` return ``pending`` (or an
immediate refusal) and ``done(b, order)`` waits for the result.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import pytest

from hikyuu_live.clock import EXCHANGE_TZ, FakeClock
from hikyuu_live.errors import BrokerError, ConfigError
from hikyuu_live.strategy.broker import BROKERS, Order, OrderStatus, create_broker
from hikyuu_live.strategy.broker.paper import PaperBroker
from hikyuu_live.strategy.orders import Fees


class Quotes:
    """What the runtime's QuoteBook gives a broker: live price and (yesterday's close, name)."""

    def __init__(self) -> None:
        self.prices = {"SH600000": 10.0, "SH688001": 50.0, "SZ000002": 8.0}
        self.yesterday = {"SH600000": (10.0, "浦发银行"), "SH688001": (50.0, "华兴源创"), "SZ000002": (8.0, "ST 万科"),
                          "SZ300750": (200.0, "宁德时代")}

    def price(self, market: str, code: str) -> float | None:
        return self.prices.get(market + code)

    def quote(self, market: str, code: str) -> tuple[float, str] | None:
        return self.yesterday.get(market + code)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2025, 3, 3, 10, 0, tzinfo=EXCHANGE_TZ))


@pytest.fixture
def quotes() -> Quotes:
    return Quotes()


def paper(path, clock, quotes, cash=100_000.0) -> PaperBroker:
    return PaperBroker(path, cash, clock=clock, price_source=quotes.price, quote_source=quotes.quote)


def done(b: PaperBroker, order: Order) -> Order:
    """The order once the worker has finished with it."""
    return b.wait(order, timeout_s=10)


def test_buy_at_live_price_fills_and_moves_cash_and_position(tmp_path, clock, quotes):
    b = paper(tmp_path / "p.json", clock, quotes)
    order = done(b, b.buy("SH", "600000", 0, 1000, stoploss=9.0, goal_price=12.0, remark="test"))
    assert (order.status, order.price, order.filled_number, order.fee) == (OrderStatus.FILLED, 10.0, 1000, 5.1)
    assert b.cash() == pytest.approx(100_000 - 10_005.10)
    pos = b.position("SH", "600000")
    assert (pos.number, pos.sellable, pos.cost_price, pos.stoploss, pos.goal_price) == (1000, 0, 10.0051, 9.0, 12.0)
    assert b.fills() == [order] and (order.filled_price, order.datetime) == (10.0, "2025-03-03 10:00:00")
    [trade] = b.trades()
    assert (trade.client_order_id, trade.price, trade.number, trade.amount, trade.fee) == \
        (order.client_order_id, 10.0, 1000, 10_000.0, 5.1)
    assert len(order.client_order_id) == 32  # a uuid4 assigned by the broker


def test_given_price_is_used_and_sell_adds_proceeds(tmp_path, clock, quotes):
    b = paper(tmp_path / "p.json", clock, quotes)
    done(b, b.buy("SH", "600000", 10.5, 1000))
    clock.advance(86_400)
    done(b, b.sell("SH", "600000", 10.8, 400))
    # buy: 10,500 + 5 + 0.11; sell: 4,320 - 5 - 2.16 - 0.04
    assert b.cash() == pytest.approx(100_000 - 10_505.11 + 4_312.80)
    assert b.position("SH", "600000").number == 600


def test_sell_all_removes_the_position(tmp_path, clock, quotes):
    b = paper(tmp_path / "p.json", clock, quotes)
    done(b, b.buy("SH", "600000", 0, 300))
    clock.advance(86_400)
    done(b, b.sell("SH", "600000", 0, 300))
    assert b.position("SH", "600000") is None
    assert b.get_asset_info()["positions"] == []


def test_t1_shares_bought_today_are_not_sellable_until_the_next_day(tmp_path, clock, quotes):
    b = paper(tmp_path / "p.json", clock, quotes)
    done(b, b.buy("SH", "600000", 0, 500))
    refused = done(b, b.sell("SH", "600000", 0, 500))
    assert (refused.status, refused.reason) == (OrderStatus.REJECTED, "SH600000: only 0 shares sellable today "
                                                "(T+1), asked 500; 500 bought today become sellable on the next "
                                                "trading day")
    clock.advance(86_400)
    done(b, b.buy("SH", "600000", 0, 200))
    assert (b.position("SH", "600000").number, b.position("SH", "600000").sellable) == (700, 500)
    assert done(b, b.sell("SH", "600000", 0, 700)).reason.startswith(
        "SH600000: only 500 shares sellable today (T+1), asked 700")
    assert done(b, b.sell("SH", "600000", 0, 500)).status == OrderStatus.FILLED
    assert b.position("SH", "600000").number == 200 and b.cash() > 0


def test_rejections_say_why_are_logged_and_leave_the_account_alone(tmp_path, clock, quotes, caplog):
    b = paper(tmp_path / "p.json", clock, quotes, cash=5_000.0)
    cases = [
        (lambda: done(b, b.buy("SH", "688001", 0, 100)), "SH688001: STAR orders need at least 200 shares, got 100"),
        (lambda: done(b, b.buy("SH", "600000", 10.005, 100)),
         "SH600000: price 10.005 is not a multiple of the 0.01 yuan tick"),
        (lambda: done(b, b.buy("SH", "600000", 11.01, 100)),
         "SH600000: price 11.01 above today's limit 11.00 (limit-up; yesterday's close 10.00, 10% band)"),
        (lambda: done(b, b.buy("SZ", "000002", 8.41, 100)),  # an ST name before 2026-07-06: 5%
         "SZ000002: price 8.41 above today's limit 8.40 (limit-up; yesterday's close 8.00, 5% band)"),
        (lambda: done(b, b.buy("SH", "600000", 0, 500)),
         "SH600000: not enough cash: need 5,005.05, have 5,000.00 (500 shares at 10.00 with fees)"),
        (lambda: done(b, b.buy("SZ", "300750", 0, 100)),
         "SZ300750: no live quote (not quoted yet or suspended); an order at price 0 (the live price) needs one: "
         "give a price"),
        (lambda: done(b, b.buy("SH", "601398", 5.0, 100)),
         "SH601398: no reference price (yesterday's close) known for today, got None; the daily price limits "
         "cannot be checked, so the order is not sent"),
        (lambda: done(b, b.sell("SH", "600000", 10.0, 100)), "SH600000: no position to sell, asked 100"),
    ]
    with caplog.at_level("WARNING", logger="hikyuu_live.strategy.broker"):
        returned = [call() for call, _ in cases]  # never raises
    assert [(o.status, o.reason) for o in returned] == [(OrderStatus.REJECTED, r) for _, r in cases]
    assert [r.getMessage().split(" rejected: ")[1].rsplit(" [", 1)[0] for r in caplog.records] == [r for _, r in cases]
    assert b.cash() == 5_000.0 and b.positions() == [] and b.fills() == []
    assert b.orders() == returned
    assert b.stats.rejected == len(cases) and b.stats.submitted == 2  # cash and position: checked on the worker
    saved = json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))
    assert [(o["status"], o["reason"]) for o in saved["orders"]] == [("rejected", r) for _, r in cases]


def test_restart_on_the_same_file_loses_nothing(tmp_path, clock, quotes):
    path = tmp_path / "state" / "paper.json"
    first = paper(path, clock, quotes)
    done(first, first.buy("SH", "600000", 0, 1000))
    done(first, first.buy("SH", "688001", 0, 201))
    assert done(first, first.buy("SH", "600000", 0, 50)).status == "rejected"
    clock.advance(60)
    before = (first.get_asset_info(), [o.to_dict() for o in first.orders()], [f.to_dict() for f in first.fills()],
              [t.to_dict() for t in first.trades()], first.cash())
    first.close()  # finishes what its worker still had queued (the refusal's record)

    second = paper(path, clock, quotes, cash=123.0)  # cash only seeds a new file
    after = (second.get_asset_info(), [o.to_dict() for o in second.orders()], [f.to_dict() for f in second.fills()],
             [t.to_dict() for t in second.trades()], second.cash())
    assert after == before and len(after[1]) == 3 and len(after[2]) == 2
    assert second.position("SH", "600000").sellable == 0  # still locked today after the restart
    clock.advance(86_400)
    third = paper(path, clock, quotes)
    assert third.position("SH", "600000").sellable == 1000  # a new day unlocks
    assert json.loads(path.read_text(encoding="utf-8"))["trading_day"] == "2025-03-04"


def test_state_file_has_what_the_gui_reads_and_is_replaced_atomically(tmp_path, clock, quotes, monkeypatch):
    path = tmp_path / "p.json"
    b = paper(path, clock, quotes)
    replaced: list[tuple[str, str]] = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda src, dst: (replaced.append((str(src), str(dst))),
                                                         real_replace(src, dst))[1])
    done(b, b.buy("SH", "600000", 0, 100))
    assert replaced and all(dst == str(path) and Path(src).parent == tmp_path for src, dst in replaced)
    state = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(state["cash"], float) and state["cash"] == pytest.approx(100_000 - 1_005.01)
    assert state["positions"][0] == {"market": "SH", "code": "600000", "number": 100, "sellable": 0,
                                     "bought_today": 100, "cost_price": pytest.approx(10.0501), "stoploss": 0.0,
                                     "goal_price": 0.0}
    [order] = state["orders"]
    assert {k: order[k] for k in ("datetime", "market", "code", "side", "price", "number", "status", "reason")} == {
        "datetime": "2025-03-03 10:00:00", "market": "SH", "code": "600000", "side": "buy", "price": 10.0,
        "number": 100, "status": "filled", "reason": ""}
    assert [(f["side"], f["number"], f["price"]) for f in state["fills"]] == [("buy", 100, 10.0)]
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind
    clock.advance(86_400)
    b.cash()  # a new day: the file says the shares are sellable now
    assert json.loads(path.read_text(encoding="utf-8"))["positions"][0]["sellable"] == 100


def test_corrupt_state_file_is_an_error_not_a_fresh_account(tmp_path, clock, quotes):
    path = tmp_path / "p.json"
    path.write_text("{not json", encoding="utf-8")
    b = paper(path, clock, quotes)
    with pytest.raises(BrokerError, match="is corrupt"):
        b.cash()
    order = done(b, b.buy("SH", "600000", 0, 100))  # buy/sell report it instead of raising
    assert order.status == "rejected" and order.reason.startswith("SH600000: not sent, the paper broker is not usable")
    assert "is corrupt" in order.reason
    assert path.read_text(encoding="utf-8") == "{not json"  # never overwritten by an empty account


def test_fill_that_cannot_be_saved_is_undone_and_rejected(tmp_path, clock, quotes):
    state_dir = tmp_path / "state"
    b = paper(state_dir / "p.json", clock, quotes)
    done(b, b.buy("SH", "600000", 0, 100))
    kept = (b.cash(), b.positions(), b.orders(), b.trades())
    (state_dir / "p.json").rename(tmp_path / "saved.json")
    state_dir.rmdir()
    state_dir.write_text("a file where the state directory was")  # every write now fails (even as root)
    order = done(b, b.buy("SH", "600000", 0, 200))
    assert order.status == "rejected" and "cannot be written" in order.reason
    assert (b.cash(), b.positions(), b.trades()) == kept[:1] + kept[1:2] + kept[3:]  # nothing half-filled
    assert b.orders() == [*kept[2], order]  # the refusal is listed in memory, though not saved


def test_retry_with_the_same_client_order_id_is_not_filled_twice(tmp_path, clock, quotes):
    path = tmp_path / "p.json"
    b = paper(path, clock, quotes)
    first = done(b, b.buy("SH", "600000", 0, 1000, client_order_id="ord-1"))
    again = done(b, b.buy("SH", "600000", 0, 1000, client_order_id="ord-1"))
    assert again.client_order_id == first.client_order_id == "ord-1"
    assert b.position("SH", "600000").number == 1000 and len(b.fills()) == 1 and len(b.trades()) == 1
    assert b.stats.duplicates == 1
    restarted = paper(path, clock, quotes)  # a retry after a crash and restart
    done(restarted, restarted.buy("SH", "600000", 0, 1000, client_order_id="ord-1"))
    assert restarted.position("SH", "600000").number == 1000 and len(restarted.trades()) == 1
    assert restarted.cash() == b.cash()


def test_a_rejected_client_order_id_may_be_retried(tmp_path, clock, quotes):
    b = paper(tmp_path / "p.json", clock, quotes, cash=1_000.0)
    assert done(b, b.buy("SH", "600000", 0, 100, client_order_id="x")).status == OrderStatus.REJECTED
    quotes.prices["SH600000"] = 9.9
    assert done(b, b.buy("SH", "600000", 0, 100, client_order_id="x")).status == OrderStatus.FILLED
    assert [o.status for o in b.orders()] == [OrderStatus.FILLED]


def test_asset_info_has_hikyuus_shape(tmp_path, clock, quotes):
    b = paper(tmp_path / "p.json", clock, quotes)
    done(b, b.buy("SH", "600000", 0, 1000, stoploss=9.5, goal_price=11.5))
    info = b.get_asset_info()
    assert info == {"datetime": "2025-03-03 10:00:00", "cash": 89_994.9, "positions": [
        {"market": "SH", "code": "600000", "number": 1000, "stoploss": 9.5, "goal_price": 11.5,
         "cost_price": 10.0051}]}
    json.dumps(info)  # what Hikyuu's C++ side parses


def test_kill_switch_and_rate_limit(tmp_path, clock, quotes):
    b = PaperBroker(tmp_path / "p.json", 1e6, clock=clock, price_source=quotes.price, quote_source=quotes.quote,
                    max_orders_per_minute=2)
    b.halt("manual stop")
    assert done(b, b.buy("SH", "600000", 0, 100)).reason == "SH600000: broker halted (manual stop)"
    b.resume()
    done(b, b.buy("SH", "600000", 0, 100))
    done(b, b.buy("SH", "600000", 0, 100))
    assert "rate limit, 2 orders in the last minute" in done(b, b.buy("SH", "600000", 0, 100)).reason
    clock.advance(61)
    assert done(b, b.buy("SH", "600000", 0, 100)).status == OrderStatus.FILLED


def test_custom_fees_are_charged(tmp_path, clock, quotes):
    b = PaperBroker(tmp_path / "p.json", 100_000, clock=clock, price_source=quotes.price, quote_source=quotes.quote,
                    fees=Fees(commission_rate=0.001, min_commission=0.0))
    assert done(b, b.buy("SH", "600000", 0, 1000)).fee == 10.1


def test_registry_creates_paper_lazily_and_names_valid_brokers(tmp_path, clock, quotes):
    b = create_broker("paper", state_path=str(tmp_path / "p.json"), clock=clock, price_source=quotes.price,
                      quote_source=quotes.quote)
    assert isinstance(b, PaperBroker) and not (tmp_path / "p.json").exists()  # no I/O before first use
    assert done(b, b.buy("SH", "600000", 0, 100)).status == "filled"
    with pytest.raises(ConfigError, match="unknown broker 'ib'; valid brokers: easytrader, paper"):
        create_broker("ib")
    assert sorted(BROKERS) == ["easytrader", "paper"]


# ------------------------------------------------------------------ found defects (issue 14)
@pytest.mark.parametrize(("price", "why"), [
    (float("nan"), "SH600000: price must be a positive number of yuan, got nan"),
    (-10, "SH600000: price must be a positive number of yuan, got -10"),
    (float("inf"), "SH600000: price must be a positive number of yuan, got inf")])
def test_nan_or_negative_price_is_rejected_not_filled_at_the_live_price(tmp_path, clock, quotes, price, why):
    """Found: a buy at price NaN or -10 was taken for "at the live price" and filled at 10.00."""
    b = paper(tmp_path / "p.json", clock, quotes)
    order = done(b, b.buy("SH", "600000", price, 100))
    assert (order.status, order.reason) == (OrderStatus.REJECTED, why)
    assert b.trades() == [] and b.cash() == 100_000.0


def test_without_a_quote_a_tiny_or_huge_price_is_rejected_not_filled(tmp_path, clock):
    """Found: with no quote yet, a buy at 1e-9 filled at 0.00 yuan and a buy at 5,000 filled unchecked."""
    b = PaperBroker(tmp_path / "p.json", 1e6, clock=clock, price_source=lambda m, c: None,
                    quote_source=lambda m, c: None)
    tiny = done(b, b.buy("SH", "600000", 1e-9, 100))
    huge = done(b, b.buy("SH", "600000", 5000.0, 100))
    market = done(b, b.buy("SH", "600000", 0, 100))
    assert tiny.reason == "SH600000: price 1e-09 is below one tick (0.01 yuan)"
    assert huge.reason.startswith("SH600000: no reference price (yesterday's close) known for today")
    assert market.reason.startswith("SH600000: no live quote")
    assert {tiny.status, huge.status, market.status} == {OrderStatus.REJECTED} and b.trades() == []


def test_a_quote_makes_the_day_band_apply(tmp_path, clock, quotes):
    b = paper(tmp_path / "p.json", clock, quotes)
    assert done(b, b.buy("SH", "600000", 5000.0, 100)).reason == (
        "SH600000: price 5000.00 above today's limit 11.00 (limit-up; yesterday's close 10.00, 10% band)")


@pytest.mark.parametrize("num", [float("nan"), float("inf"), 0, -100, 100.5, "100"])
def test_nonsense_quantities_are_rejected_with_their_value(tmp_path, clock, quotes, num):
    b = paper(tmp_path / "p.json", clock, quotes)
    order = b.buy("SH", "600000", 10.0, num)
    assert order.status == OrderStatus.REJECTED
    assert order.reason == f"SH600000: quantity must be a positive whole number of shares, got {num}"


def test_buy_returns_pending_at_once_and_the_fill_arrives_as_a_callback(tmp_path, clock, quotes):
    b = paper(tmp_path / "p.json", clock, quotes)
    seen: list[tuple[str, str]] = []
    b.add_listener(lambda o: seen.append((o.client_order_id, o.status)))
    b.start()
    with b._lock:  # the worker is busy (as when a client hangs): buy must not wait for it
        order = b.buy("SH", "600000", 0, 100, client_order_id="c1")
        assert order.status == OrderStatus.PENDING and b.orders()[-1].status == OrderStatus.PENDING
    filled = done(b, order)
    assert filled.status == OrderStatus.FILLED and b.orders()[-1] == filled
    assert seen == [("c1", "pending"), ("c1", "filled")]
    refused = b.buy("SH", "600000", 0, 150, client_order_id="c2")  # refused by the checks: at once, and told
    assert refused.status == OrderStatus.REJECTED and seen[-1] == ("c2", "rejected")


def test_order_sized_on_the_worker_from_a_fresh_account(tmp_path, clock, quotes):
    b = paper(tmp_path / "p.json", clock, quotes, cash=50_000.0)
    order = done(b, b.submit_sized("buy", "SH", "600000", 0, 
                                   lambda acct, px: int(acct.cash // (px * 100)) * 100 - 100))
    assert (order.status, order.number) == (OrderStatus.FILLED, 4900)
    none = done(b, b.submit_sized("sell", "SH", "600000", 0, lambda acct, px: 0))
    assert none.reason == "SH600000: nothing to sell (sized to 0 shares)"


def test_close_waits_for_queued_orders_and_a_busy_worker_keeps_them(tmp_path, clock, quotes, caplog):
    b = paper(tmp_path / "p.json", clock, quotes)
    b.start()
    b._lock.acquire()  # the worker is stuck (as behind a client that does not answer)
    try:
        queued = b.buy("SH", "600000", 0, 100)
        with caplog.at_level("ERROR", logger="hikyuu_live"):
            b.close(timeout_s=0.2)
        assert any("still in flight" in r.getMessage() for r in caplog.records)
        late = b.buy("SH", "600000", 0, 100)  # never raises, never queued behind a close
        assert (late.status, late.reason) == ("rejected", "SH600000: not sent, the paper broker is closing")
    finally:
        b._lock.release()
    assert done(b, queued).status == OrderStatus.FILLED  # the worker finished what it had
    b.close()
    assert done(b, b.buy("SH", "600000", 0, 100)).status == OrderStatus.FILLED  # closed, then used again


def test_a_sizer_that_fails_rejects_its_order_instead_of_leaving_it_pending(tmp_path, clock, quotes):
    b = paper(tmp_path / "p.json", clock, quotes)
    order = done(b, b.submit_sized("buy", "SH", "600000", 0, lambda acct, px: 1 // 0))
    assert (order.status, order.reason) == ("rejected", "SH600000: not sent, checking it failed: "
                                                        "ZeroDivisionError('integer division or modulo by zero')")
    assert b.stats.errors == 1 and done(b, b.buy("SH", "600000", 0, 100)).status == "filled"  # worker alive
