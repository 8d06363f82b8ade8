"""EasyTraderBroker against the real easytrader.server Flask app (127.0.0.1, free port) and a fake trader."""

from __future__ import annotations

import json
import socket
from datetime import datetime

import pytest

from hikyuu_live.clock import EXCHANGE_TZ, FakeClock
from hikyuu_live.errors import BrokerError, ConfigError
from hikyuu_live.strategy.broker import OrderStatus, create_broker
from hikyuu_live.strategy.broker.easytrader import EasyTraderBroker
from tests.standins.easytrader_server import EasyTraderServer, FakeTrader


@pytest.fixture
def trader() -> FakeTrader:
    return FakeTrader(cash=500_000.0)


@pytest.fixture
def server(trader):
    with EasyTraderServer(trader) as srv:
        yield srv


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2025, 3, 3, 10, 0, tzinfo=EXCHANGE_TZ))


def make(server, clock, **kw) -> EasyTraderBroker:
    kw.setdefault("env", {})
    return EasyTraderBroker("universal_client", "127.0.0.1", server.port, clock=clock, confirm_wait_s=0.01,
                            price_source=lambda m, c: 10.0, quote_source=lambda m, c: (10.0, "浦发银行"), **kw)


def test_normal_order_is_confirmed_from_today_entrusts(server, trader, clock):
    b = make(server, clock)
    order = b.buy("SH", "600000", 10.0, 1000, remark="ma cross")
    assert order.status == OrderStatus.FILLED and order.broker_order_id == trader.entrusts[0]["合同编号"]
    assert trader.placed == [("买入", "600000", 10.0, 1000)] and trader.buy_calls == 1
    assert b.stats.filled == 1 and b.stats.unconfirmed == 0


def test_open_order_is_confirmed_not_filled(server, trader, clock):
    trader.fill = False
    trader.hold("SZ", "000001", 300, 300, 9.0)
    order = make(server, clock).sell("SZ", "000001", 0, 300, client_order_id="s1")  # price 0 -> live price
    assert (order.status, order.price, order.filled_number) == (OrderStatus.SUBMITTED, 10.0, 0)
    assert order.status == "submitted"


def test_success_answer_without_the_order_is_reported_unconfirmed(server, trader, clock, caplog):
    trader.ghost_orders = 1
    b = make(server, clock, confirm_retries=3)
    with caplog.at_level("ERROR", logger="hikyuu_live"):
        order = b.buy("SH", "600000", 10.0, 500)
    assert order.status == OrderStatus.UNCONFIRMED
    assert "not among today's entrusts after 4 checks" in order.reason
    assert b.stats.unconfirmed == 1 and trader.buy_calls == 1  # reported, never resent
    assert any("NOT CONFIRMED" in r.getMessage() and r.levelname == "ERROR" for r in caplog.records)
    assert len(clock.sleeps) == 3  # polled with back-off between the 4 checks
    assert clock.sleeps == sorted(clock.sleeps) and clock.sleeps[-1] > clock.sleeps[0]


def test_unconfirmed_order_that_shows_up_later_is_upgraded(server, trader, clock):
    trader.ghost_orders = 1
    b = make(server, clock, confirm_retries=1)
    order = b.buy("SH", "600000", 10.0, 500)
    assert order.status == OrderStatus.UNCONFIRMED
    trader.entrusts.append({"证券代码": "600000", "操作": "买入", "委托数量": 500, "成交数量": 500,
                            "委托价格": 10.0, "成交均价": 10.0, "备注": "已成", "合同编号": order.broker_order_id})
    [again] = b.orders()
    assert again.status == OrderStatus.FILLED


@pytest.mark.parametrize("fault", ["fail_before_place", "fail_after_place", "drop_before", "drop_after"])
def test_transient_failure_then_success_places_exactly_one_order(server, trader, clock, fault):
    if fault.startswith("fail"):
        setattr(trader, fault, 1)  # GUI exception on the server: HTTP 400
    else:
        setattr(server.faults, fault, 1)  # HTTP 503 before the app / 502 after it placed the order
    b = make(server, clock, confirm_retries=2)
    order = b.buy("SH", "600000", 10.0, 1000, client_order_id="c-1")
    assert order.status == OrderStatus.FILLED
    assert trader.placed == [("买入", "600000", 10.0, 1000)]  # never doubled
    placed_first_time = fault in ("fail_after_place", "drop_after")
    assert server.faults.order_posts == (1 if placed_first_time else 2)  # resent only when it was not placed
    assert b.stats.retries == (0 if placed_first_time else 1)
    b.buy("SH", "600000", 10.0, 1000, client_order_id="c-1")  # the caller retries too: still one order
    assert len(trader.placed) == 1 and b.stats.duplicates == 1


def test_same_looking_order_placed_by_hand_before_is_not_taken_for_ours(server, trader, clock):
    trader.add_entrust("600000", "买入", 10.0, 1000)  # identical order typed into the client earlier
    server.faults.drop_before = 1
    order = make(server, clock, confirm_retries=1).buy("SH", "600000", 10.0, 1000)
    assert order.status == OrderStatus.FILLED and len(trader.placed) == 1
    assert order.broker_order_id == trader.entrusts[1]["合同编号"]


def test_grid_without_contract_numbers_is_matched_by_its_columns(clock):
    trader = FakeTrader(entrust_ids=False)  # and every row at 10:00:00: identical fingerprints
    trader.add_entrust("600000", "买入", 10.0, 1000)  # same-looking, earlier, by hand
    with EasyTraderServer(trader) as srv:
        b = make(srv, clock, confirm_retries=1)
        first = b.buy("SH", "600000", 10.0, 1000)
        second = b.buy("SH", "600000", 10.0, 1000)
        trader.ghost_orders = 1
        third = b.buy("SH", "600000", 10.0, 1000)
    assert (first.status, second.status, third.status) == ("filled", "filled", "unconfirmed")
    assert len(trader.placed) == 2 and b.stats.unconfirmed == 1


def test_broker_refusal_is_rejected_with_its_words_and_not_resent(server, trader, clock, caplog):
    trader.refuse_with = "可用资金不足"
    b = make(server, clock)
    with caplog.at_level("ERROR", logger="hikyuu_live"):
        order = b.buy("SH", "600000", 10.0, 1000)
    assert order.status == OrderStatus.REJECTED and "可用资金不足" in order.reason and trader.buy_calls == 1
    assert order.reason.startswith("SH600000: ") and any("可用资金不足" in r.getMessage() for r in caplog.records)
    assert b.orders() == [order] and b.stats.rejected == 1


def test_every_send_broken_in_transit_is_unconfirmed_not_called_unplaced(server, trader, clock):
    server.faults.drop_before = 99  # the client cannot tell a 503 before the app from one after it
    b = make(server, clock, send_attempts=3, confirm_retries=1)
    order = b.buy("SH", "600000", 10.0, 100)
    assert order.status == OrderStatus.UNCONFIRMED and "HTTP 503" in order.reason
    assert server.faults.order_posts == 3 and b.stats.retries == 2 and b.stats.unconfirmed == 1


def test_connection_refused_for_every_send_is_rejected_as_not_placed(server, trader, clock):
    b = make(server, clock, send_attempts=2, confirm_retries=0)
    with socket.socket() as s:  # a port nobody listens on: the Windows box went away after the checks
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    gone = make(server, clock)
    gone.port = dead_port
    gone.start()
    b._send = gone._send  # type: ignore[method-assign]  # real remoteclient request to the dead port
    order = b.buy("SH", "600000", 10.0, 100)
    assert order.status == OrderStatus.REJECTED and server.faults.order_posts == 0
    assert order.reason.startswith("SH600000: not placed after 2 attempts: ") and "Connection refused" in order.reason


def test_server_gone_before_the_order_rejects_it_unsent(server, trader, clock):
    b = make(server, clock)
    b.cash()
    server.stop()
    order = b.buy("SH", "600000", 10.0, 100)
    assert order.status == OrderStatus.REJECTED and trader.placed == []
    assert order.reason.startswith("SH600000: not sent, the account could not be checked: ")
    assert "balance failed" in order.reason


class Crash(BaseException):
    """The process dies (kill -9) right after sending."""


def test_pending_order_of_a_crashed_process_is_found_not_resent(server, trader, clock, tmp_path):
    journal = tmp_path / "et.json"
    server.faults.drop_after = 1  # placed, but the answer never came back
    trader.fill = False
    b = make(server, clock, state_path=journal)

    def crash(order, polls):
        raise Crash

    b._look_for = crash  # type: ignore[method-assign]
    with pytest.raises(Crash):
        b.buy("SH", "600000", 10.0, 100, client_order_id="p-1")
    assert json.loads(journal.read_text(encoding="utf-8"))["orders"][0]["status"] == "pending"  # write-ahead

    restarted = make(server, clock, state_path=journal)
    order = restarted.buy("SH", "600000", 10.0, 100, client_order_id="p-1")
    assert order.status == OrderStatus.SUBMITTED and len(trader.placed) == 1 and server.faults.order_posts == 1


def test_pending_order_that_never_reached_the_client_is_sent_on_retry(server, trader, clock, tmp_path):
    journal = tmp_path / "et.json"
    server.faults.drop_before = 1  # lost before the client saw it
    b = make(server, clock, state_path=journal)

    def crash(order, polls):
        raise Crash

    b._look_for = crash  # type: ignore[method-assign]
    with pytest.raises(Crash):
        b.buy("SH", "600000", 10.0, 100, client_order_id="p-2")

    restarted = make(server, clock, state_path=journal, confirm_retries=1)
    order = restarted.buy("SH", "600000", 10.0, 100, client_order_id="p-2")
    assert order.status == OrderStatus.FILLED and len(trader.placed) == 1 and server.faults.order_posts == 2


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
    order = make(server, clock).sell("SH", "600000", 10.0, 1500)
    assert order.reason == "SH600000: only 1000 shares sellable today (T+1), asked 1500; 500 bought today become " \
        "sellable on the next trading day"
    assert trader.sell_calls == 0


def test_buy_beyond_the_clients_cash_is_rejected_before_sending(server, trader, clock):
    order = make(server, clock).buy("SH", "600000", 10.0, 50_000)
    assert order.status == "rejected" and "not enough cash: need 500,130.00, have 500,000.00" in order.reason
    assert trader.buy_calls == 0


def test_trades_come_from_today_trades_linked_to_client_ids(server, trader, clock):
    b = make(server, clock)
    order = b.buy("SH", "600000", 10.0, 100, client_order_id="f-1")
    trader.add_entrust("000001", "卖出", 11.0, 200)  # a manual trade
    trades = b.trades()
    assert [(f.client_order_id, f.market, f.code, f.side, f.number, f.price) for f in trades] == [
        ("f-1", "SH", "600000", "buy", 100, 10.0), ("", "SZ", "000001", "sell", 200, 11.0)]
    assert order.status == "filled" and b.fills() == [order]


def test_fills_are_our_orders_that_filled_later(server, trader, clock):
    trader.fill = False
    b = make(server, clock)
    order = b.buy("SH", "600000", 10.0, 300)
    assert order.status == "submitted" and b.fills() == []
    trader.entrusts[0].update({"成交数量": 300, "成交均价": 9.99, "备注": "已成"})  # filled at the exchange
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
    order = b.buy("SH", "600000", 10.0, 100)
    assert order.status == "rejected" and order.reason.startswith("SH600000: not placed: broker state")
    assert trader.buy_calls == 0 and server.faults.order_posts == 0


def test_journal_failure_after_sending_keeps_the_orders_status(server, trader, clock, tmp_path, caplog):
    journal_dir = tmp_path / "journal"
    b = make(server, clock, state_path=journal_dir / "et.json")
    first = b.buy("SH", "600000", 10.0, 100)
    real_confirm = b._confirm

    def break_journal_then_confirm(order, entrust):  # the disk goes away between sending and confirming
        (journal_dir / "et.json").unlink()
        journal_dir.rmdir()
        journal_dir.write_text("gone")
        return real_confirm(order, entrust)

    b._confirm = break_journal_then_confirm  # type: ignore[method-assign]
    with caplog.at_level("ERROR", logger="hikyuu_live"):
        second = b.buy("SH", "600000", 10.0, 200)
    assert (first.status, second.status) == ("filled", "filled") and len(trader.placed) == 2
    assert any("journal not saved" in r.getMessage() for r in caplog.records)
