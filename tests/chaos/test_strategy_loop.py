"""A trading client that hangs or is down never stops a strategy's loop (issue 14).

Found: with the remote client down, one ``buy()`` blocked the strategy's loop for 53 s. Here a real
strategy (``Strategy.start``) takes spots from a replay collector process over the real bus and trades
through ``EasyTraderBroker`` (production timeouts) to a stand-in client process that hangs every order
60 s (scaled to 3 s), or to an address where nothing answers ("down": connections are accepted by the
kernel and never served). ``buy()`` returns ``pending`` at once, the timer and ``on_change`` keep their
rhythm while the client is stuck, and the outcome arrives through ``on_order``.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from typing import Any

import pytest

from hikyuu_live.strategy.broker import OrderStatus
from hikyuu_live.strategy.broker.easytrader import EasyTraderBroker
from hikyuu_live.strategy.runtime import Strategy
from tests.chaos.conftest import ROOT, StandinClient

SAMPLE = ROOT / "test_data" / "replay_sample.csv.gz"
HANG_SCALE = 0.05  # the client's 60 s hang lasts 3 s here
TICK_S = 0.2


def gaps(times: list[float], start: float, end: float) -> list[float]:
    inside = [t for t in times if start <= t <= end]
    return [b - a for a, b in zip(inside, inside[1:], strict=False)]


@pytest.mark.parametrize("client_state", ["hangs", "down"])
def test_strategy_keeps_its_times_while_the_trading_client_hangs_or_is_down(tmp_path, client_state):
    blackhole: socket.socket | None = None
    standin: StandinClient | None = None
    if client_state == "hangs":
        standin = StandinClient(time_scale=HANG_SCALE)
        standin.config(hang_s=60)
        port = standin.port
    else:  # a host that takes connections and never answers: every request waits for its timeout
        blackhole = socket.socket()
        blackhole.bind(("127.0.0.1", 0))
        blackhole.listen(64)
        port = blackhole.getsockname()[1]
    broker = EasyTraderBroker("universal_client", "127.0.0.1", port, env={}, state_path=tmp_path / "et.json")
    address = f"ipc://{tmp_path}/bus.ipc"
    stg = Strategy(["SH600000", "SZ000001"], ["day"], quotation_server=address, broker=broker,
                   broker_drain_s=8.0 if standin is not None else 0.5)
    ticks: list[float] = []
    changes: list[float] = []
    calls: list[tuple[float, float, str]] = []  # (when, how long buy() took, status it returned)
    results: list[tuple[float, str, str]] = []

    def buy(s: Strategy) -> None:
        t = time.perf_counter()
        order = s.buy("SH600000", 0, 100)
        calls.append((time.monotonic(), time.perf_counter() - t, order.status))

    def tick(s: Strategy) -> None:
        ticks.append(time.monotonic())
        if len(ticks) == 10:
            buy(s)  # one order from a timer

    def change(s: Strategy, stock: Any, spot: Any) -> None:
        changes.append(time.monotonic())
        if stock.market_code == "SH600000" and not calls:
            buy(s)  # and one from on_change

    stg.run_daily(tick, timedelta(seconds=TICK_S), ignore_market=True)
    stg.on_change(change)
    stg.on_order(lambda s, o: results.append((time.monotonic(), o.client_order_id, o.status)))
    child = subprocess.Popen([sys.executable, str(ROOT / "tests" / "replay_child.py"), "--address", address,
                              "--file", str(SAMPLE), "--speed", "1", "--max-gap", "0.1"], stdout=subprocess.PIPE,
                             text=True)
    threading.Thread(target=lambda: (child.wait(60), time.sleep(1.0), stg.stop()), daemon=True).start()
    try:
        stg.start(max_seconds=60)
        assert child.returncode == 0
        assert len(calls) == 2 and all(status == OrderStatus.PENDING for _, _, status in calls)
        first = calls[0][0]
        end = max(t for t in changes)
        assert end - first > 2.5  # the run went on for seconds while the client was stuck
        # the loop kept its rhythm the whole time: no timer gap or on_change gap of a second or more
        assert max(gaps(ticks, first, end)) < 1.0 and max(gaps(changes, first, end)) < 1.0
        assert len([t for t in ticks if first <= t <= end]) >= (end - first) / TICK_S / 2
        slowest_buy = max(took for _, took, _ in calls)
        print(f"{client_state}: slowest buy() {slowest_buy * 1000:.1f} ms, max timer gap "
              f"{max(gaps(ticks, first, end)):.3f} s, max lateness {stg.stats.max_lateness_s:.3f} s")
        if standin is not None:  # the client answered after its hang: both orders filled, one real order each
            assert [s for _, _, s in results] == ["pending", "pending", "filled", "filled"]
            assert len(standin.state()["placed"]) == 2 and results[2][0] - first > 2.5
        else:  # nothing ever answered: the orders are still on their way (journalled), nothing was refused
            assert [s for _, _, s in results] == ["pending", "pending"]
            assert [o.status for o in broker.orders()] == ["pending", "pending"]
    finally:
        if child.poll() is None:
            child.kill()
        if blackhole is not None:
            blackhole.close()  # the broker's worker now sees refused connections and gives up
        broker.close(timeout_s=30)
        if standin is not None:
            standin.stop()
