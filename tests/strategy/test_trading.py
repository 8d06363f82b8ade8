"""Strategy's order helpers (order, order_value, buy, sell) and its QuoteBook, on a paper broker.

Nothing here waits for the broker: the helpers return the broker's ``pending`` order (or None when there is
nothing to send) and the outcome arrives through ``on_order``; quantities that need the account are sized
on the broker's worker.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import numpy as np

from hikyuu_live.clock import EXCHANGE_TZ, FakeClock, LiveClock
from hikyuu_live.strategy.broker.paper import PaperBroker
from hikyuu_live.strategy.runtime import Strategy
from hikyuu_live.strategy.trading import QuoteBook
from tests.spot_factory import make_spots


def spots_of(rows: list[tuple[str, str, str, float, float]]) -> np.ndarray:
    arr = make_spots(len(rows))
    for i, (market, code, name, yc, close) in enumerate(rows):
        arr[i]["market"], arr[i]["code"], arr[i]["name"] = market, code, name
        arr[i]["yesterday_close"], arr[i]["close"] = yc, close
    return arr


def test_quotebook_keeps_the_first_usable_close_and_name():
    """A first spot without yesterday's close (0) no longer sticks: it made every later order on the stock
    fail the reference-price check for the rest of the day."""
    q = QuoteBook()
    q.update(spots_of([("SH", "600000", "浦发银行", 0.0, 0.0)]))  # before the open: no close yet
    assert q.price("SH", "600000") is None and q.quote("SH", "600000") == (0.0, "浦发银行")
    q.update(spots_of([("SH", "600000", "浦发银行", 10.0, 10.2)]))
    assert q.quote("SH", "600000") == (10.0, "浦发银行") and q.price("SH", "600000") == 10.2
    q.update(spots_of([("SH", "600000", "浦发银行", float("nan"), 10.3)]))  # a bad later value does not replace it
    assert q.quote("SH", "600000") == (10.0, "浦发银行") and q.price("SH", "600000") == 10.3


def strategy(tmp_path) -> tuple[Strategy, PaperBroker, list]:
    clock = FakeClock(datetime(2025, 3, 3, 10, 0, tzinfo=EXCHANGE_TZ))
    broker = PaperBroker(tmp_path / "p.json", 100_000.0, clock=clock)
    stg = Strategy(["SH600000", "SH688001"], ["day"], broker=broker, clock=clock)
    stg.quotes.update(spots_of([("SH", "600000", "浦发银行", 10.0, 10.0), ("SH", "688001", "华兴源创", 50.0, 50.0)]))
    heard: list = []
    stg.on_order(lambda s, o: heard.append((o.client_order_id, o.status, o.number)))
    return stg, broker, heard


def test_helpers_return_pending_and_the_outcome_reaches_on_order(tmp_path):
    stg, broker, heard = strategy(tmp_path)
    bought = stg.order("SH600000", 150)  # rounded down to a lot
    assert (bought.status, bought.number) == ("pending", 100)
    valued = stg.order_value("SH688001", 20_000)  # sized on the worker from the account's cash
    assert valued.status == "pending"
    nothing = stg.order("SH600000", float("-inf"))  # bought today: T+1
    assert broker.drain(10)
    stg.run_pending()
    final = {cid: (status, n) for cid, status, n in heard if status != "pending"}
    assert final[bought.client_order_id] == ("filled", 100)
    assert final[valued.client_order_id] == ("filled", 399)  # 399 x 50.00 + fees <= 20,000
    assert final[nothing.client_order_id] == ("rejected", 0)
    [why] = [o.reason for o in broker.orders() if o.client_order_id == nothing.client_order_id]
    assert why == "SH600000: nothing sellable today (100 held, bought today: T+1)"
    assert stg.order("SH600000", 50) is None  # below a lot: nothing sent
    assert stg.buy("SH600000", float("nan"), 100).reason == \
        "SH600000: price must be a positive number of yuan, got nan"  # the NaN reaches the checks, no crash


def test_sell_all_next_day_and_a_broker_given_as_an_object_trades_on_the_bus_prices(tmp_path):
    stg, broker, heard = strategy(tmp_path)
    assert broker.price_source is None  # given without sources ...
    broker.wait(stg.order("SH600000", 300))
    assert broker.price_source is not None  # ... it got the strategy's (live prices, yesterday's closes)
    broker.clock.advance(86_400)
    sold = broker.wait(stg.order("SH600000", float("-inf")))
    assert (sold.status, sold.number) == ("filled", 300) and broker.positions() == []


def test_orders_still_on_their_way_at_stop_are_finished_and_reported(tmp_path):
    stg, broker, heard = strategy(tmp_path)
    stg.clock = broker.clock = LiveClock()
    gate, place = threading.Event(), broker._place_order
    broker._place_order = lambda o: (gate.wait(5), place(o))[1]  # type: ignore[method-assign]
    threading.Timer(0.8, gate.set).start()  # the client answers after the loop has stopped
    stg.run_daily(lambda s: s.buy("SH600000", 10.0, 100) if not heard else None, timedelta(seconds=0.1),
                  ignore_market=True)
    stg.start(auto_receive_spot=False, max_seconds=0.4)
    assert [status for _, status, _ in heard] == ["pending", "filled"]
