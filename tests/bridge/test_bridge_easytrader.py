"""The bridge over the easytrader broker, against the real ``easytrader.server`` app and a stand-in trader
(``tests/standins/easytrader_server.py``): Hikyuu's orders reach the client once each, its account is the
client's, and an order the client lists as open holds back the next one of that stock and side. The broker
sends on its worker: the bridge answers ``pending`` at once, and the tests wait for the outcome with ``wait``."""

from __future__ import annotations

from datetime import datetime

import pytest

from hikyuu_live.bridge import HikyuuBroker
from hikyuu_live.clock import EXCHANGE_TZ, FakeClock
from hikyuu_live.strategy.broker import OrderStatus
from hikyuu_live.strategy.broker.easytrader import EasyTraderBroker
from tests.standins.easytrader_server import EasyTraderServer, FakeTrader


@pytest.fixture
def trader() -> FakeTrader:
    return FakeTrader(cash=500_000.0)


@pytest.fixture
def bridge(trader, tmp_path):
    clock = FakeClock(datetime(2026, 11, 24, 10, 0, 30, tzinfo=EXCHANGE_TZ))
    with EasyTraderServer(trader) as server:
        broker = EasyTraderBroker("universal_client", "127.0.0.1", server.port, clock=clock, confirm_wait_s=0.01,
                                  price_source=lambda m, c: 10.0, quote_source=lambda m, c: (10.0, "浦发银行"),
                                  env={}, state_path=tmp_path / "journal.json")
        yield HikyuuBroker(broker, name="sys", clock=clock, ktype="MIN")
        broker.close()


def test_hikyuus_orders_reach_the_client_once_each(bridge, trader):
    bar = datetime(2026, 11, 24, 10, 1)
    first = bridge.buy("SH", "600000", 10.0, 1000.0, decided_at=bar)
    again = bridge.buy("SH", "600000", 10.0, 1000.0, decided_at=bar)
    assert first is not None and first.status == OrderStatus.PENDING and again is first
    assert bridge.broker.wait(first).status == OrderStatus.FILLED
    assert trader.placed == [("买入", "600000", 10.0, 1000)] and trader.buy_calls == 1
    trader.hold("SH", "600000", 1000, 0, 10.0)  # the client's position grid after the fill (bought today)
    info = bridge.get_asset_info()
    assert isinstance(info, dict) and info["cash"] == bridge.broker.cash()
    assert [(p["code"], p["number"]) for p in info["positions"]] == [("600000", 1000)]


def test_an_open_order_at_the_client_holds_back_the_next(bridge, trader):
    trader.fill = False
    first = bridge.buy("SH", "600000", 10.0, 1000.0, decided_at=datetime(2026, 11, 24, 10, 1))
    assert first is not None and bridge.broker.wait(first).status == OrderStatus.SUBMITTED
    second = bridge.buy("SH", "600000", 10.0, 1000.0, decided_at=datetime(2026, 11, 24, 10, 2))
    assert second is None and bridge.stats.held_back == 1 and trader.buy_calls == 1
