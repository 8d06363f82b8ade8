"""HikyuuBroker: Hikyuu's Python broker protocol (``buy``/``sell(market, code, price, num, stoploss, goal_price,
part_from, remark)``, ``get_asset_info()``) over our brokers, without Hikyuu (its C++ side is in
``test_hikyuu_live.py``). What Hikyuu sends is taken from its sources: ``BrokerTradeManager`` passes shares as a
float, its "no price" as NaN and "sell everything" as ``MAX_DOUBLE``; ``crtOB``'s wrapper drops the datetime.

Our brokers are asynchronous: ``buy``/``sell`` answer ``pending`` (or ``rejected``) and the worker fills a moment
later, so these tests wait for the outcome through the public API (``wait``, ``drain``), never by sleeping.
"""

from __future__ import annotations

import json
import math
import sys
from datetime import datetime

import numpy as np
import pytest

from hikyuu_live.bridge import HikyuuBroker
from hikyuu_live.clock import EXCHANGE_TZ, FakeClock
from hikyuu_live.errors import BrokerError
from hikyuu_live.strategy.broker import Account, Broker, Fill, Order, OrderStatus, Position
from hikyuu_live.strategy.broker.paper import PaperBroker

MAX_DOUBLE = sys.float_info.max


class Quotes:
    def price(self, market: str, code: str) -> float | None:
        return {"SH600000": 10.0, "SZ000001": 12.0}.get(market + code)

    def quote(self, market: str, code: str) -> tuple[float, str] | None:
        return {"SH600000": (10.0, "浦发银行"), "SZ000001": (12.0, "平安银行")}.get(market + code)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 24, 10, 0, 20, tzinfo=EXCHANGE_TZ))


def paper(tmp_path, clock: FakeClock, cash: float = 100_000.0) -> PaperBroker:
    q = Quotes()
    return PaperBroker(tmp_path / "paper.json", cash, clock=clock, price_source=q.price, quote_source=q.quote)


def test_orders_go_through_our_checks_into_the_journal(tmp_path, clock):
    bridge = HikyuuBroker(paper(tmp_path, clock), name="sys", clock=clock)
    ok = bridge.buy("SH", "600000", 10.0, 1000.0, 9.0, 12.0, "SystemPart.SIGNAL", "")
    odd = bridge.buy("SZ", "000001", 12.0, 150.0, 0.0, 0.0, None, "")  # not a lot of 100: the exchange refuses it
    assert ok is not None and ok.status == OrderStatus.PENDING and ok.number == 1000  # on its way
    assert odd is not None and odd.status == OrderStatus.REJECTED and "multiple of 100" in odd.reason  # at once
    assert bridge.drain(10) and bridge.decisions()[0].status == OrderStatus.FILLED
    assert bridge.broker.wait(ok).status == OrderStatus.FILLED
    journal = json.loads((tmp_path / "paper.json").read_text())
    assert [(o["code"], o["status"]) for o in journal["orders"]] == [("600000", "filled"), ("000001", "rejected")]
    assert journal["orders"][0]["stoploss"] == 9.0 and journal["orders"][0]["goal_price"] == 12.0


def test_one_decision_is_one_order_even_after_a_restart(tmp_path, clock):
    """A system that decides the same again (a timer running twice on one bar, a restart re-running today's
    bars) must not buy twice: the order id comes from the decision, and the journal keeps it."""
    bar = datetime(2026, 11, 24, 10, 1)
    first = HikyuuBroker(paper(tmp_path, clock), name="sys", clock=clock)
    a = first.buy("SH", "600000", 10.0, 1000.0, decided_at=bar)
    b = first.buy("SH", "600000", 10.0, 1000.0, decided_at=bar)
    assert a is b and first.stats.duplicates == 1
    first.broker.close()  # a process ending: its queued order is finished and in the journal
    restarted = HikyuuBroker(paper(tmp_path, clock), name="sys", clock=clock)
    c = restarted.buy("SH", "600000", 10.0, 1000.0, decided_at=bar)
    assert c is not None and a is not None and c.client_order_id == a.client_order_id
    assert c.status == OrderStatus.FILLED  # the known order, not a new one
    assert len(restarted.broker.orders()) == 1 and restarted.broker.position("SH", "600000").number == 1000
    other_bar = restarted.buy("SH", "600000", 10.0, 1000.0, decided_at=datetime(2026, 11, 24, 10, 2))
    assert other_bar is not None and other_bar.client_order_id != a.client_order_id
    assert restarted.drain(10) and restarted.broker.position("SH", "600000").number == 2000


def test_without_hikyuus_datetime_the_key_is_the_bar_hikyuu_starts_its_run_with(tmp_path, clock):
    """``crtOB``'s wrapper drops the datetime: the bridge keys by the first bar labelled at or after its clock's
    now, the bar Hikyuu's ``System.run`` window (bars at or after the account's time) starts with."""
    bridge = HikyuuBroker(paper(tmp_path, clock), name="sys", clock=clock, ktype="MIN")
    assert bridge.decision_bar(None) == datetime(2026, 11, 24, 10, 1)  # 10:00:20 -> the 10:01 bar
    clock.set(datetime(2026, 11, 24, 10, 1, tzinfo=EXCHANGE_TZ))
    assert bridge.decision_bar(None) == datetime(2026, 11, 24, 10, 1)  # exactly 10:01:00 -> still the 10:01 bar
    clock.set(datetime(2026, 11, 24, 11, 30, 10, tzinfo=EXCHANGE_TZ))
    assert bridge.decision_bar(None) == datetime(2026, 11, 24, 11, 30)  # a closing print: the session's last bar
    assert HikyuuBroker(paper(tmp_path, clock), clock=clock).decision_bar(None) == datetime(2026, 11, 24)


def test_hikyuus_nan_prices_never_reach_the_account_json(tmp_path, clock):
    """Hikyuu's "no price" is NaN; a NaN goal price stored with the position made ``get_asset_info`` emit
    ``"goal_price": NaN``, which Hikyuu's JSON parser rejects, dropping the whole account (seen with the real
    Hikyuu 2.8.3: ``parse error ... last read: '"goal_price": N'``)."""
    bridge = HikyuuBroker(paper(tmp_path, clock), clock=clock)
    bridge.buy("SH", "600000", 10.0, 1000.0, math.nan, math.nan, None, "")
    assert bridge.drain(10)
    info = bridge.get_asset_info()
    assert isinstance(info, dict)
    text = json.dumps(info, allow_nan=False)  # raises on NaN
    assert json.loads(text)["positions"][0]["goal_price"] == 0.0


def test_asset_info_is_our_account_dated_at_the_decision(tmp_path, clock):
    bridge = HikyuuBroker(paper(tmp_path, clock), clock=clock)
    order = bridge.buy("SH", "600000", 10.0, 1000.0)
    assert order is not None and bridge.broker.wait(order).status == OrderStatus.FILLED
    info = bridge.get_asset_info()
    assert isinstance(info, dict) and bridge.unsettled == {}  # nothing on its way: a settled account
    account = bridge.broker.get_asset_info()
    assert info["cash"] == account["cash"] == pytest.approx(100_000 - 10_005.10)
    assert info["positions"] == [{"market": "SH", "code": "600000", "number": 1000, "stoploss": 0.0,
                                  "goal_price": 0.0, "cost_price": 10.0051}]
    assert info["datetime"] == "2026-11-24 10:00:20"
    with bridge.deciding_on(np.datetime64("2026-11-24T10:00")):
        assert bridge.get_asset_info()["datetime"] == "2026-11-24 10:00:00"  # type: ignore[index]


def test_quantities_hikyuu_should_never_send_are_refused_with_the_reason(tmp_path, clock):
    bridge = HikyuuBroker(paper(tmp_path, clock), clock=clock)
    for minute, num in enumerate((math.nan, -100.0, 0.0, 150.5)):
        assert bridge.buy("SH", "600000", 10.0, num, decided_at=datetime(2026, 11, 24, 10, minute)) is None
    assert bridge.stats.invalid == 4 and bridge.broker.orders() == []
    assert [d.reason.split(" is ")[-1] for d in bridge.decisions()] == \
        ["not positive", "not positive", "not positive", "not a whole number of shares"]


def test_sell_everything_sells_the_holding_and_t1_is_enforced(tmp_path, clock):
    """Hikyuu's ``MAX_DOUBLE`` means the whole holding; bought today, the exchange refuses the sell (T+1)."""
    bridge = HikyuuBroker(paper(tmp_path, clock), clock=clock)
    bridge.buy("SH", "600000", 10.0, 1000.0, decided_at=datetime(2026, 11, 24, 10, 1))
    assert bridge.drain(10)
    today = bridge.sell("SH", "600000", 10.0, MAX_DOUBLE, decided_at=datetime(2026, 11, 24, 10, 2))
    assert today is not None and today.number == 1000
    today = bridge.broker.wait(today)  # the account check (T+1) runs on the broker's worker
    assert today.status == OrderStatus.REJECTED and "T+1" in today.reason
    clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=EXCHANGE_TZ))
    later = bridge.sell("SH", "600000", 10.0, MAX_DOUBLE, decided_at=datetime(2026, 11, 25, 10, 1))
    assert later is not None and later.number == 1000
    assert bridge.broker.wait(later).status == OrderStatus.FILLED


class SlowBroker(Broker):
    """A broker (the public Broker API) whose orders are confirmed later: ``submitted`` when placed, ``filled``
    when ``confirm()`` says so, as a real client reports them some seconds after the call."""

    name = "slow"
    reconciles = True  # its orders change at the "client" after placing

    def __init__(self, clock: FakeClock) -> None:
        super().__init__(clock=clock, quote_source=Quotes().quote, reconcile_every_s=3600.0)
        self.book: dict[str, Order] = {}
        self.cash_ = 100_000.0
        self.fail_account = False

    def confirm(self) -> None:
        for o in self.book.values():
            o.status, o.filled_number, o.filled_price = OrderStatus.FILLED, o.number, o.price

    def _known_order(self, client_order_id: str) -> Order | None:
        return self.book.get(client_order_id)

    def _place_order(self, order: Order) -> Order:
        order.status = OrderStatus.SUBMITTED
        self.book[order.client_order_id] = order
        return Order.from_dict(order.to_dict())

    def _query_orders(self) -> list[Order]:
        return [Order.from_dict(o.to_dict()) for o in self.book.values()]

    def _query_trades(self) -> list[Fill]:
        return []

    def _query_asset(self) -> Account:
        if self.fail_account:
            raise BrokerError("the client does not answer")
        held = sum(o.filled_number for o in self.book.values())
        return Account(self.cash_, [Position("SH", "600000", held, held)] if held else [])


def test_an_order_not_final_yet_holds_back_the_next_of_that_stock_and_side(clock):
    """While the first buy is only ``submitted`` Hikyuu sees no position and would buy again on the next bar:
    the bridge sends nothing more of that stock and side until the first is final (read from ``orders()``)."""
    broker = SlowBroker(clock)
    bridge = HikyuuBroker(broker, clock=clock)
    first = bridge.buy("SH", "600000", 10.0, 1000.0, decided_at=datetime(2026, 11, 24, 10, 1))
    assert first is not None and broker.wait(first).status == OrderStatus.SUBMITTED
    assert [d.key for d in bridge.in_flight()] == [first.client_order_id]
    again = bridge.buy("SH", "600000", 10.0, 1000.0, decided_at=datetime(2026, 11, 24, 10, 2))
    assert again is None and bridge.stats.held_back == 1 and "not final yet" in bridge.decisions()[-1].reason
    other = bridge.buy("SZ", "000001", 12.0, 100.0, decided_at=datetime(2026, 11, 24, 10, 2))
    assert other is not None  # another stock is not held back
    assert broker.drain(10)
    broker.confirm()
    broker.refresh()  # the broker reconciles with the client (a real one does it on its worker)
    assert bridge.in_flight() == [] and bridge.decisions()[0].status == OrderStatus.FILLED
    third = bridge.buy("SH", "600000", 10.0, 1000.0, decided_at=datetime(2026, 11, 24, 10, 3))
    assert third is not None and broker.drain(10) and len(broker.book) == 3


def test_an_unreadable_account_gives_hikyuu_no_account(clock):
    """Hikyuu treats an empty answer as "no cash, no position" and sends nothing; a guessed account would trade."""
    broker = SlowBroker(clock)
    broker.fail_account = True
    bridge = HikyuuBroker(broker, clock=clock)
    assert bridge.get_asset_info() == "" and bridge.stats.asset_failures == 1


def test_a_broker_name_builds_the_broker_from_the_registry(tmp_path, clock):
    bridge = HikyuuBroker("paper", clock=clock, state_path=tmp_path / "p.json", cash=5_000.0)
    assert isinstance(bridge.broker, PaperBroker) and bridge.broker.clock is clock
    assert bridge.get_asset_info()["cash"] == 5_000.0  # type: ignore[index]
    with pytest.raises(TypeError, match="need a broker name"):
        HikyuuBroker(bridge.broker, state_path="x")
