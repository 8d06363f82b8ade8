"""EasyTraderBroker against the real easytrader.server Flask app (127.0.0.1, free port) and a fake trader.

Orders run on the broker's worker: ``done(b, order)`` waits for the result. The client's rows carry the
broker's (fake) time, as a client on a synchronised clock would. Hangs and killed processes are in
``tests/chaos/``.
"""

from __future__ import annotations

import json
import socket
from datetime import datetime

import pytest

from hikyuu_live.clock import EXCHANGE_TZ, FakeClock
from hikyuu_live.errors import BrokerError, ConfigError
from hikyuu_live.strategy.broker import Order, OrderStatus, create_broker
from hikyuu_live.strategy.broker.easytrader import EasyTraderBroker
from tests.standins.easytrader_server import EasyTraderServer, FakeTrader


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2025, 3, 3, 10, 0, tzinfo=EXCHANGE_TZ))


@pytest.fixture
def trader(clock) -> FakeTrader:
    return FakeTrader(cash=500_000.0, now=clock.now)


@pytest.fixture
def server(trader):
    with EasyTraderServer(trader) as srv:
        yield srv


def make(server, clock, **kw) -> EasyTraderBroker:
    kw.setdefault("env", {})
    return EasyTraderBroker("universal_client", "127.0.0.1", server.port, clock=clock, confirm_wait_s=0.01,
                            price_source=lambda m, c: 10.0, quote_source=lambda m, c: (10.0, "浦发银行"), **kw)


def done(b: EasyTraderBroker, order: Order) -> Order:
    return b.wait(order, timeout_s=30)


def test_normal_order_is_confirmed_from_today_entrusts(server, trader, clock):
    b = make(server, clock)
    order = done(b, b.buy("SH", "600000", 10.0, 1000, remark="ma cross"))
    assert order.status == OrderStatus.FILLED and order.broker_order_id == trader.entrusts[0]["合同编号"]
    assert trader.placed == [("买入", "600000", 10.0, 1000)] and trader.buy_calls == 1
    assert b.stats.filled == 1 and b.stats.unconfirmed == 0


def test_open_order_is_confirmed_not_filled(server, trader, clock):
    trader.fill = False
    trader.hold("SZ", "000001", 300, 300, 9.0)
    b = make(server, clock)
    order = done(b, b.sell("SZ", "000001", 0, 300, client_order_id="s1"))  # price 0 -> live price
    assert (order.status, order.price, order.filled_number) == (OrderStatus.SUBMITTED, 10.0, 0)


def test_success_answer_without_the_order_is_reported_unconfirmed(server, trader, clock, caplog):
    trader.ghost_orders = 1
    b = make(server, clock, confirm_retries=3)
    seen = []
    b.add_listener(lambda o: seen.append(o.status))
    with caplog.at_level("ERROR", logger="hikyuu_live"):
        order = done(b, b.buy("SH", "600000", 10.0, 500))
    assert order.status == OrderStatus.UNCONFIRMED and seen == ["pending", "unconfirmed"]
    assert "not among today's entrusts or trades after 4 checks" in order.reason
    assert b.stats.unconfirmed == 1 and trader.buy_calls == 1  # reported, never resent
    assert any("NOT CONFIRMED" in r.getMessage() and r.levelname == "ERROR" for r in caplog.records)
    assert len(clock.sleeps) == 3  # polled with back-off between the 4 checks
    assert clock.sleeps == sorted(clock.sleeps) and clock.sleeps[-1] > clock.sleeps[0]


def test_unconfirmed_order_that_shows_up_later_is_upgraded_at_reconciliation(server, trader, clock):
    trader.ghost_orders = 1
    b = make(server, clock, confirm_retries=1)
    seen = []
    b.add_listener(lambda o: seen.append(o.status))
    order = done(b, b.buy("SH", "600000", 10.0, 500))
    assert order.status == OrderStatus.UNCONFIRMED
    trader.entrusts.append({"证券代码": "600000", "操作": "买入", "委托数量": 500, "成交数量": 500,
                            "委托价格": 10.0, "成交均价": 10.0, "备注": "已成", "合同编号": order.broker_order_id})
    [again] = b.refresh()
    assert again.status == OrderStatus.FILLED and seen == ["pending", "unconfirmed", "filled"]
    assert b.stats.late_confirmed == 1 and trader.buy_calls == 1


@pytest.mark.parametrize(("fault", "placed", "status"), [
    ("fail_before_place", 0, OrderStatus.UNCONFIRMED),  # the client's GUI failed: nothing proves it did not land
    ("fail_after_place", 1, OrderStatus.FILLED),  # placed, then an error: found in the books
    ("drop_before", 0, OrderStatus.UNCONFIRMED),  # a 503 before the app looks the same as one after it
    ("drop_after", 1, OrderStatus.FILLED),  # placed, answer lost (502)
])
def test_a_failed_send_is_looked_for_and_never_sent_again(server, trader, clock, fault, placed, status):
    if fault.startswith("fail"):
        setattr(trader, fault, 1)  # GUI exception on the server: HTTP 400
    else:
        setattr(server.faults, fault, 1)  # HTTP 503 before the app / 502 after it placed the order
    b = make(server, clock, confirm_retries=2)
    order = done(b, b.buy("SH", "600000", 10.0, 1000, client_order_id="c-1"))
    assert order.status == status and len(trader.placed) == placed
    assert server.faults.order_posts == 1 and b.stats.retries == 0  # one request, whatever happened to it
    again = done(b, b.buy("SH", "600000", 10.0, 1000, client_order_id="c-1"))  # the caller retries: still one
    assert again.status == status and server.faults.order_posts == 1 and b.stats.duplicates == 1


def test_same_looking_order_placed_by_hand_before_is_not_taken_for_ours(server, trader, clock):
    trader.add_entrust("600000", "买入", 10.0, 1000)  # identical order typed into the client earlier
    trader.fail_after_place = 1  # ours is placed, then the client answers an error: found by its columns
    order = done(b := make(server, clock, confirm_retries=1), b.buy("SH", "600000", 10.0, 1000))
    assert order.status == OrderStatus.FILLED and len(trader.placed) == 1
    assert order.broker_order_id == trader.entrusts[1]["合同编号"]


def test_row_entered_before_the_send_window_is_not_taken_for_ours(server, trader, clock):
    """A same-looking row that shows up after the snapshot but was entered before our send (a hand order
    the grid had not shown yet) is outside the time window: ours stays unconfirmed, not confirmed wrongly."""
    b = make(server, clock, confirm_retries=1)
    b.cash()
    real_send = b._send

    def late_hand_order_then_fail(order):
        trader.add_entrust("600000", "买入", 10.0, 1000, at="09:41:00")  # 19 minutes before our send
        trader.fail_before_place = 1
        return real_send(order)

    b._send = late_hand_order_then_fail  # type: ignore[method-assign]
    order = done(b, b.buy("SH", "600000", 10.0, 1000))
    assert order.status == OrderStatus.UNCONFIRMED and order.broker_order_id == "" and trader.placed == []


def test_order_shown_only_among_the_trades_is_confirmed_from_them(server, trader, clock):
    trader.hide_filled = True  # the client's entrust grid lists open orders only
    trader.fail_after_place = 1
    b = make(server, clock, confirm_retries=1)
    order = done(b, b.buy("SH", "600000", 10.0, 300))
    assert (order.status, order.filled_number, order.filled_price) == (OrderStatus.FILLED, 300, 10.0)
    assert order.broker_order_id == trader.trades[0]["合同编号"] and len(trader.placed) == 1


def test_grid_without_contract_numbers_is_matched_by_its_columns(clock):
    trader = FakeTrader(entrust_ids=False, now=clock.now)  # every row at the same second: identical fingerprints
    trader.add_entrust("600000", "买入", 10.0, 1000)  # same-looking, earlier, by hand
    with EasyTraderServer(trader) as srv:
        b = make(srv, clock, confirm_retries=1)
        first = done(b, b.buy("SH", "600000", 10.0, 1000))
        second = done(b, b.buy("SH", "600000", 10.0, 1000))
        trader.ghost_orders = 1
        third = done(b, b.buy("SH", "600000", 10.0, 1000))
    assert (first.status, second.status, third.status) == ("filled", "filled", "unconfirmed")
    assert len(trader.placed) == 2 and b.stats.unconfirmed == 1


def test_broker_refusal_is_rejected_with_its_words_and_not_resent(server, trader, clock, caplog):
    trader.refuse_with = "可用资金不足"
    b = make(server, clock)
    with caplog.at_level("ERROR", logger="hikyuu_live"):
        order = done(b, b.buy("SH", "600000", 10.0, 1000))
    assert order.status == OrderStatus.REJECTED and "可用资金不足" in order.reason and trader.buy_calls == 1
    assert order.reason.startswith("SH600000: ") and any("可用资金不足" in r.getMessage() for r in caplog.records)
    assert b.orders() == [order] and b.stats.rejected == 1


def test_connection_refused_is_the_one_failure_that_is_sent_again(server, trader, clock):
    b = make(server, clock, send_attempts=3, confirm_retries=0)
    with socket.socket() as s:  # a port nobody listens on: the Windows box went away after the checks
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    gone = make(server, clock)
    gone.port = dead_port
    gone.start()
    sends = []

    def refused_then_back(order):  # the request never left twice; the third time the client is back
        sends.append(order.client_order_id)
        return gone._send(order) if len(sends) < 3 else real_send(order)

    real_send = b._send
    b._send = refused_then_back  # type: ignore[method-assign]  # real remoteclient requests to the dead port
    order = done(b, b.buy("SH", "600000", 10.0, 100))
    assert order.status == OrderStatus.FILLED and len(trader.placed) == 1 and server.faults.order_posts == 1
    assert b.stats.retries == 2 and len(sends) == 3


def test_connection_refused_for_every_send_is_rejected_as_not_placed(server, trader, clock):
    b = make(server, clock, send_attempts=2, confirm_retries=0)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    gone = make(server, clock)
    gone.port = dead_port
    gone.start()
    b._send = gone._send  # type: ignore[method-assign]
    order = done(b, b.buy("SH", "600000", 10.0, 100))
    assert order.status == OrderStatus.REJECTED and server.faults.order_posts == 0
    assert order.reason.startswith("SH600000: not placed: the client could not be reached in 2 attempts: ")
    assert "Connection refused" in order.reason


def test_server_gone_before_the_order_rejects_it_unsent(server, trader, clock):
    b = make(server, clock)
    b.cash()
    server.stop()
    order = done(b, b.buy("SH", "600000", 10.0, 100))
    assert order.status == OrderStatus.REJECTED and trader.placed == []
    assert order.reason.startswith("SH600000: not sent, the account could not be checked: ")
    assert "balance failed" in order.reason


def test_pending_orders_of_a_stopped_process_are_resolved_at_start(server, trader, clock, tmp_path):
    """The journal a process killed mid-send leaves (the real kill is in tests/chaos): placed -> found;
    never sent -> rejected (and sendable again with its id); maybe sent, absent -> unconfirmed."""
    journal = tmp_path / "et.json"
    trader.add_entrust("600000", "买入", 10.0, 100)  # what the killed process's first order became
    at = clock.now().strftime("%Y-%m-%d %H:%M:%S")
    pending = [Order(cid, at, "SH", "600000", "buy", 10.0, 100) for cid in ("found", "unsent", "lost")]
    journal.write_text(json.dumps({
        "version": 2, "orders": [o.to_dict() for o in pending],
        "before": {o.client_order_id: {"entrusts": [], "trades": []} for o in pending},
        "sends": {"found": {"at": at, "maybe_sent": True}, "unsent": {"at": at, "maybe_sent": False},
                  "lost": {"at": at, "maybe_sent": True}}}), encoding="utf-8")
    b = make(server, clock, state_path=journal, confirm_retries=0)
    b.start()
    assert b.drain(30)
    by_id = {o.client_order_id: o for o in b.orders()}
    assert [by_id[c].status for c in ("found", "unsent", "lost")] == ["filled", "rejected", "unconfirmed"]
    assert server.faults.order_posts == 0
    again = done(b, b.buy("SH", "600000", 10.0, 100, client_order_id="unsent"))  # rejected: may be sent now
    assert again.status == OrderStatus.FILLED and server.faults.order_posts == 1, again.reason


def test_asset_info_maps_the_clients_columns(server, trader, clock):
    trader.hold("SH", "600000", 1500, 1000, 9.87, "浦发银行")
    trader.hold("SZ", "000001", 200, 200, 11.5)
    trader.hold("BJ", "830799", 300, 300, 7.0)
    info = make(server, clock).get_asset_info()
    assert info == {"datetime": "2025-03-03 10:00:00", "cash": 500_000.0, "positions": [
        {"market": "SH", "code": "600000", "number": 1500, "stoploss": 0.0, "goal_price": 0.0, "cost_price": 9.87},
        {"market": "SZ", "code": "000001", "number": 200, "stoploss": 0.0, "goal_price": 0.0, "cost_price": 11.5},
        {"market": "BJ", "code": "830799", "number": 300, "stoploss": 0.0, "goal_price": 0.0, "cost_price": 7.0}]}


def test_market_from_code_when_the_client_shows_no_market_column(clock):
    trader = FakeTrader(market_column=False)
    trader.hold("SH", "688001", 200, 200, 50.0)
    trader.hold("SZ", "300750", 100, 100, 200.0)
    trader.hold("BJ", "920001", 100, 100, 5.0)
    with EasyTraderServer(trader) as srv:
        markets = [(p.market, p.code) for p in make(srv, clock).positions()]
    assert markets == [("SH", "688001"), ("SZ", "300750"), ("BJ", "920001")]


def test_t1_sell_beyond_the_clients_sellable_is_rejected_before_sending(server, trader, clock):
    trader.hold("SH", "600000", 1500, 1000, 9.87)
    b = make(server, clock)
    order = done(b, b.sell("SH", "600000", 10.0, 1500))
    assert order.reason == "SH600000: only 1000 shares sellable today (T+1), asked 1500; 500 bought today become " \
        "sellable on the next trading day"
    assert trader.sell_calls == 0


def test_buy_beyond_the_clients_cash_is_rejected_before_sending(server, trader, clock):
    b = make(server, clock)
    order = done(b, b.buy("SH", "600000", 10.0, 50_000))
    assert order.status == "rejected" and "not enough cash: need 500,130.00, have 500,000.00" in order.reason
    assert trader.buy_calls == 0


def test_trades_come_from_today_trades_linked_to_client_ids(server, trader, clock):
    b = make(server, clock)
    order = done(b, b.buy("SH", "600000", 10.0, 100, client_order_id="f-1"))
    trader.add_entrust("000001", "卖出", 11.0, 200)  # a manual trade
    trades = b.trades()
    assert [(f.client_order_id, f.market, f.code, f.side, f.number, f.price) for f in trades] == [
        ("f-1", "SH", "600000", "buy", 100, 10.0), ("", "SZ", "000001", "sell", 200, 11.0)]
    assert order.status == "filled" and b.fills() == [order]


def test_fills_are_our_orders_that_filled_later(server, trader, clock):
    trader.fill = False
    b = make(server, clock)
    order = done(b, b.buy("SH", "600000", 10.0, 300))
    assert order.status == "submitted" and b.fills() == []
    trader.entrusts[0].update({"成交数量": 300, "成交均价": 9.99, "备注": "已成"})  # filled at the exchange
    b.refresh()
    [filled] = b.fills()
    assert (filled.client_order_id, filled.status, filled.filled_number, filled.filled_price) == (
        order.client_order_id, "filled", 300, 9.99)


def test_configuration_from_the_environment_then_defaults(server, clock):
    env = {"HIKYUU_BROKER_HOST": "127.0.0.1", "HIKYUU_BROKER_PORT": str(server.port), "HIKYUU_BROKER_NAME": "ths"}
    b = create_broker("easytrader", clock=clock, env=env)
    assert (b.host, b.port, b.broker_name) == ("127.0.0.1", server.port, "ths")
    assert b.cash() == 500_000.0
    plain = EasyTraderBroker(env={})
    assert (plain.broker_name, plain.host, plain.port, plain.confirm_checks) == ("universal_client", "127.0.0.1",
                                                                                 1430, 4)
    with pytest.raises(ConfigError, match="confirm_retries"):
        EasyTraderBroker(confirm_retries=-1, env={})


def test_unreachable_server_is_a_broker_error(clock):
    b = EasyTraderBroker("ths", "127.0.0.1", 1, clock=clock, confirm_retries=1, confirm_wait_s=0.01, env={})
    with pytest.raises(BrokerError, match="easytrader server 127.0.0.1:1: balance failed"):
        b.cash()


def test_order_is_not_sent_when_its_write_ahead_record_cannot_be_saved(server, trader, clock, tmp_path):
    journal_dir = tmp_path / "journal"
    b = make(server, clock, state_path=journal_dir / "et.json")
    b.cash()  # started
    journal_dir.write_text("a file where the journal directory should be")
    order = done(b, b.buy("SH", "600000", 10.0, 100))
    assert order.status == "rejected" and order.reason.startswith("SH600000: not placed: broker state")
    assert trader.buy_calls == 0 and server.faults.order_posts == 0


def test_journal_failure_after_sending_keeps_the_orders_status(server, trader, clock, tmp_path, caplog):
    journal_dir = tmp_path / "journal"
    b = make(server, clock, state_path=journal_dir / "et.json")
    first = done(b, b.buy("SH", "600000", 10.0, 100))
    real_confirm = b._confirm

    def break_journal_then_confirm(order, entrust):  # the disk goes away between sending and confirming
        (journal_dir / "et.json").unlink()
        journal_dir.rmdir()
        journal_dir.write_text("gone")
        return real_confirm(order, entrust)

    b._confirm = break_journal_then_confirm  # type: ignore[method-assign]
    with caplog.at_level("ERROR", logger="hikyuu_live"):
        second = done(b, b.buy("SH", "600000", 10.0, 200))
    assert (first.status, second.status) == ("filled", "filled") and len(trader.placed) == 2
    assert any("journal not saved" in r.getMessage() for r in caplog.records)
