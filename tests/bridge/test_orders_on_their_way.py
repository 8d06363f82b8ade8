"""Asynchronous brokers under the bridge and the parity check: what an account read sees while an order is still
on its way, and where the broker's live and reference prices come from inside Hikyuu's own ``Strategy``.

Our brokers answer ``buy``/``sell`` with ``pending`` and fill on their worker a moment later. Here the worker is
held on purpose by a sized order whose sizer waits for the test (``Broker.submit_sized`` runs the sizer on the
worker, and the worker runs one job at a time), so "on its way" lasts as long as the test needs, without sleeps.
"""

from __future__ import annotations

import threading
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from hikyuu_live.bridge import HikyuuBroker, follow_spots
from hikyuu_live.bridge.parity.live import AccountReads
from hikyuu_live.clock import EXCHANGE_TZ, FakeClock, MarketClock
from hikyuu_live.strategy.broker import Account, OrderStatus
from hikyuu_live.strategy.broker.paper import PaperBroker


class Quotes:
    def price(self, market: str, code: str) -> float | None:
        return {"SH600000": 10.0, "SZ000001": 12.0}.get(market + code)

    def quote(self, market: str, code: str) -> tuple[float, str] | None:
        return {"SH600000": (10.0, "浦发银行"), "SZ000001": (12.0, "平安银行")}.get(market + code)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 24, 10, 0, 20, tzinfo=EXCHANGE_TZ))


@pytest.fixture
def broker(tmp_path, clock):
    q = Quotes()
    b = PaperBroker(tmp_path / "paper.json", 100_000.0, clock=clock, price_source=q.price, quote_source=q.quote)
    yield b
    b.close()


def hold_worker(broker: PaperBroker) -> tuple[threading.Event, Any]:
    """A sized buy of SZ000001 whose sizer waits for ``gate``: the worker is busy until the test sets it."""
    gate = threading.Event()

    def sizer(account: Account, price: float) -> int:
        assert gate.wait(30), "the test never released the worker"
        return 100

    return gate, broker.submit_sized("buy", "SZ", "000001", 12.0, sizer)


def test_account_reads_with_an_order_on_its_way_are_remembered(broker, clock):
    """``hikyuu_parity``'s live run relies on the paper broker filling before the next decision; a read that
    found an order still ``pending`` is remembered (per stock for ``position``, ``*`` for the whole account),
    so a difference there gets its cause instead of passing for a wrong decision."""
    reads = AccountReads(SimpleNamespace(now=clock.now), broker)
    gate, held = hold_worker(broker)
    order = broker.buy("SH", "600000", 10.0, 1000)
    assert order.status == OrderStatus.PENDING
    broker.position("SH", "510300")  # no order of that stock on its way: nothing to note
    assert reads.by_code == {}
    broker.position("SH", "600000")
    broker.cash()
    at = np.datetime64("2026-11-24T10:00:20", "us")
    assert reads.by_code["SH600000"][at] == "buy SH600000 x1000"
    assert reads.by_code["*"][at] == "buy SZ000001 x?, buy SH600000 x1000"  # x?: sized on the worker, not yet
    assert "*" in reads.by_code and reads.about(at, "SH510300") == reads.by_code["*"][at]  # the account as a whole
    gate.set()
    assert broker.wait(held).status == OrderStatus.FILLED and broker.wait(order).status == OrderStatus.FILLED
    clock.set(datetime(2026, 11, 24, 10, 1, tzinfo=EXCHANGE_TZ))
    broker.get_asset_info()
    broker.position("SH", "600000")
    assert np.datetime64("2026-11-24T10:01", "us") not in reads.by_code["*"]  # settled: nothing on its way


def test_the_bridge_remembers_an_account_hikyuu_read_without_an_order_on_its_way(broker, clock):
    """Hikyuu reads ``get_asset_info`` right before deciding; an order still ``pending`` is not in that account.
    The bridge never waits for it on the strategy's loop: it answers, and keeps what was missing per decision."""
    bridge = HikyuuBroker(broker, name="sys", clock=clock, ktype="MIN")
    gate, held = hold_worker(broker)
    bar = datetime(2026, 11, 24, 10, 1)
    first = bridge.buy("SH", "600000", 10.0, 1000.0, decided_at=bar)
    assert first is not None and first.status == OrderStatus.PENDING
    with bridge.deciding_on(np.datetime64("2026-11-24T10:02")):
        info = bridge.get_asset_info()
    assert isinstance(info, dict) and info["positions"] == [] and info["cash"] == 100_000.0  # not in it yet
    assert bridge.unsettled == {"2026-11-24 10:02:00": "buy SZ000001 x? (pending), buy SH600000 x1000 (pending)"}
    again = bridge.buy("SH", "600000", 10.0, 1000.0, decided_at=datetime(2026, 11, 24, 10, 2))
    assert again is None and bridge.stats.held_back == 1  # Hikyuu saw no position: it must not buy twice
    gate.set()
    assert bridge.drain(10) and broker.wait(held).status == OrderStatus.FILLED
    assert bridge.in_flight() == [] and bridge.decisions()[0].status == OrderStatus.FILLED
    with bridge.deciding_on(np.datetime64("2026-11-24T10:03")):
        info = bridge.get_asset_info()
    assert isinstance(info, dict) and [p["number"] for p in info["positions"]] == [100, 1000]
    assert list(bridge.unsettled) == ["2026-11-24 10:02:00"]  # the settled read is not noted


class HikyuuDatetime:
    """What Hikyuu's ``SpotRecord.datetime`` is: an object whose ``datetime()`` gives a Python datetime."""

    def __init__(self, value: datetime) -> None:
        self.value = value

    def datetime(self) -> datetime:
        return self.value


class HikyuuStrategy:
    """The part of Hikyuu's ``Strategy`` that ``follow_spots`` uses: ``on_change(func)``, ``func(stg, stock,
    spot)`` called for each spot (the real one is exercised in ``test_hikyuu_live.py``)."""

    def __init__(self) -> None:
        self.callback: Any = None

    def on_change(self, func: Any) -> None:
        self.callback = func

    def spot(self, market: str, code: str, name: str, when: datetime, yesterday_close: float, close: float) -> None:
        spot = SimpleNamespace(market=market, code=code, name=name, datetime=HikyuuDatetime(when),
                               yesterday_close=yesterday_close, close=close)
        self.callback(self, SimpleNamespace(market_code=market + code), spot)


def test_inside_hikyuus_strategy_the_broker_takes_its_prices_from_hikyuus_spots(tmp_path):
    """Found: inside Hikyuu's own ``Strategy`` the bridge's paper broker had no price sources, so every order of
    the system was refused ("no reference price (yesterday's close) known for today"). ``follow_spots(stg,
    bridge=...)`` gives the broker the reference and live prices of the spots Hikyuu receives."""
    clock = MarketClock()
    bridge = HikyuuBroker("paper", name="sys", clock=clock, state_path=tmp_path / "p.json", cash=100_000.0)
    stg = HikyuuStrategy()
    seen: list[str] = []
    follow_spots(stg, clock, lambda s, stock, spot: seen.append(stock.market_code), bridge=bridge)
    morning = datetime(2026, 11, 24, 9, 31, 3)
    stg.spot("SH", "600000", "浦发银行", morning, 0.0, 0.0)  # before the first trade: no usable price yet
    refused = bridge.buy("SH", "600000", 10.0, 1000.0, decided_at=datetime(2026, 11, 24, 9, 31))
    assert refused is not None and refused.status == OrderStatus.REJECTED and "no reference price" in refused.reason
    stg.spot("SH", "600000", "浦发银行", morning.replace(second=6), 10.0, 10.05)
    assert clock.now().replace(tzinfo=None) == morning.replace(second=6) and seen == ["SH600000", "SH600000"]
    ok = bridge.buy("SH", "600000", 10.0, 1000.0, decided_at=datetime(2026, 11, 24, 9, 32))
    assert ok is not None and bridge.broker.wait(ok).status == OrderStatus.FILLED
    market = bridge.buy("SH", "600000", 0.0, 100.0, decided_at=datetime(2026, 11, 24, 9, 33))  # at the live price
    assert market is not None and market.price == 10.05
    assert bridge.broker.wait(market).status == OrderStatus.FILLED
    too_high = bridge.buy("SH", "600000", 11.5, 100.0, decided_at=datetime(2026, 11, 24, 9, 34))  # above +10%
    assert too_high is not None and too_high.status == OrderStatus.REJECTED and "11.00" in too_high.reason
    bridge.broker.close()
