"""One client order, at most one real order: EasyTraderBroker against a stand-in trading client process.

Found (issue 14): with default settings, a client that took about 13.5 s or more to place an order (a
modal pop-up) made the broker send the order again; both were placed and the broker reported one order,
``filled``. Here the client hangs 0, 5, 15, 60 and 120 s (scaled by ``SCALE``) before placing, places and
then answers an error, or never places; every time the client holds exactly one order (or none), and what
the broker reports, once the client has finished, is what the client holds.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest

from hikyuu_live.strategy.broker import OrderStatus
from hikyuu_live.strategy.broker.easytrader import EasyTraderBroker
from tests.chaos.conftest import ROOT, SCALE, StandinClient

SEND_TIMEOUT_S = 60.0  # production default of EasyTraderBroker.send_timeout_s


def broker(client: StandinClient, **kw: Any) -> EasyTraderBroker:
    """Production settings, scaled: waits for an answer 60 s, polls 0.5 s .. 5 s, reconciles every 30 s."""
    kw.setdefault("reconcile_every_s", 30 * SCALE)
    return EasyTraderBroker("universal_client", "127.0.0.1", client.port, env={}, timeout_s=2.0,
                            send_timeout_s=SEND_TIMEOUT_S * SCALE, confirm_wait_s=0.5 * SCALE,
                            max_wait_s=5 * SCALE, price_source=lambda m, c: 10.0,
                            quote_source=lambda m, c: (10.0, "浦发银行"), **kw)


def until(check: Callable[[], Any], timeout_s: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        got = check()
        if got or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


@pytest.mark.parametrize("hang_s", [0, 5, 15, 60, 120])
def test_a_client_that_hangs_before_placing_holds_exactly_one_order(standin, hang_s, caplog):
    standin.config(hang_s=hang_s)
    b = broker(standin)
    seen: list[str] = []
    b.add_listener(lambda o: seen.append(o.status))
    with caplog.at_level("ERROR", logger="hikyuu_live"):
        order = b.buy("SH", "600000", 10.0, 100, client_order_id=f"hang-{hang_s}")
        assert order.status == OrderStatus.PENDING  # returned at once; the worker waits for the client
        first = b.wait(order, timeout_s=60)
        assert until(lambda: standin.state()["answered"] == 1)  # the client is done with it
        final = until(lambda: next((o for o in b.orders() if o.status != OrderStatus.UNCONFIRMED), None), 10)
    state = standin.state()
    assert len(state["placed"]) == 1 and state["order_posts"] == 1 and state["buy_calls"] == 1
    assert final.status == OrderStatus.FILLED and final.broker_order_id == state["entrusts"][0]["合同编号"]
    if hang_s <= 15:  # answered within the broker's wait: confirmed straight away
        assert first.status == OrderStatus.FILLED and seen == ["pending", "filled"]
    if hang_s == 120:  # no answer in 60 s: unconfirmed (ERROR, counter, callback), then found, never resent
        assert first.status == OrderStatus.UNCONFIRMED and seen == ["pending", "unconfirmed", "filled"]
        assert b.stats.unconfirmed == 1 and b.stats.late_confirmed == 1 and b.stats.retries == 0
        assert any("NOT CONFIRMED" in r.getMessage() for r in caplog.records if r.levelname == "ERROR")
    b.close()


def test_a_client_that_places_then_answers_an_error_holds_one_order(standin):
    standin.config(fail_after_place=1, hang_s=15)
    b = broker(standin)
    order = b.wait(b.buy("SH", "600000", 10.0, 100), timeout_s=60)
    state = standin.state()
    assert order.status == OrderStatus.FILLED and len(state["placed"]) == 1 and state["order_posts"] == 1
    assert order.broker_order_id == state["entrusts"][0]["合同编号"]
    b.close()


@pytest.mark.parametrize("hang_s", [0, 120])
def test_a_client_that_never_places_holds_none_and_the_order_stays_unconfirmed(standin, hang_s):
    standin.config(never_place=True, hang_s=hang_s)
    b = broker(standin)
    order = b.wait(b.buy("SH", "600000", 10.0, 100), timeout_s=60)
    assert order.status == OrderStatus.UNCONFIRMED  # an error, or no answer: nothing proves it did not land
    assert until(lambda: standin.state()["answered"] == 1)
    [after] = b.refresh()
    state = standin.state()
    assert after.status == OrderStatus.UNCONFIRMED and state["placed"] == [] and state["order_posts"] == 1
    assert b.stats.retries == 0
    b.close()


@pytest.mark.parametrize(("never_place", "status"), [(False, OrderStatus.FILLED),
                                                      (True, OrderStatus.UNCONFIRMED)])
def test_a_broker_killed_while_the_client_hangs_is_resolved_at_restart(standin, tmp_path, never_place, status):
    """kill -9 of the broker's process while its order hangs in the client; a new process on the same
    journal finds the order (or reports it unconfirmed) and never sends it again."""
    journal = tmp_path / "et.json"
    standin.config(hang_s=120, never_place=never_place)
    child = subprocess.Popen([sys.executable, str(ROOT / "tests" / "chaos" / "broker_child.py"), str(standin.port),
                              str(journal), "killed-1"], stdout=subprocess.PIPE, text=True)
    try:
        assert until(lambda: standin.state()["buy_calls"] == 1)  # the order reached the hanging client
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    assert until(lambda: standin.state()["answered"] == 1)
    b = broker(standin, state_path=journal)
    b.start()
    assert b.drain(30)
    [order] = b.orders()
    again = b.wait(b.buy("SH", "600000", 10.0, 100, client_order_id="killed-1"))  # the strategy retries
    state = standin.state()
    assert (order.status, again.status) == (status, status)
    assert state["order_posts"] == 1 and len(state["placed"]) == (0 if never_place else 1)
    b.close()
