"""How long ``buy()`` holds the strategy's thread, against how long the order itself takes.

For the paper broker and for the easytrader broker talking to the stand-in trading client (a real
``easytrader.server`` process on 127.0.0.1), healthy and hanging: the time ``buy()`` takes to return is
compared with the time until the order is final (``buy()`` + ``wait()``), which is what ``buy()`` cost the
strategy's loop when orders were sent synchronously (the baseline, measured in the same run). Target:
``buy()`` returns within 50 ms at p99, whatever the client does.
Run: ``python -m bench.bench_broker [--orders 200] [--hang-s 2]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bench.common import pct, summary_ms, verdict
from hikyuu_live.clock import EXCHANGE_TZ, FakeClock
from hikyuu_live.strategy.broker.base import Broker
from hikyuu_live.strategy.broker.easytrader import EasyTraderBroker
from hikyuu_live.strategy.broker.paper import PaperBroker
from tests.chaos.conftest import StandinClient


def run(broker: Broker, n: int, tag: str) -> tuple[list[float], list[float]]:
    """(buy() return times, times until final) of ``n`` orders, one after the other."""
    returned, final = [], []
    for i in range(n):
        t = time.perf_counter()
        order = broker.buy("SH", "600000", 10.0, 100, client_order_id=f"{tag}-{i}")
        returned.append(time.perf_counter() - t)
        broker.wait(order, timeout_s=300)
        final.append(time.perf_counter() - t)
    return returned, final


def report(name: str, returned: list[float], final: list[float]) -> None:
    print(f"{name}")
    print(f"  buy() returns   {summary_ms(returned)}")
    print(f"  order is final  {summary_ms(final)}   (baseline: a synchronous buy() held the loop this long)")
    ratio = statistics.median(returned) / statistics.median(final)
    print(f"  ratio (median buy() / median final): {ratio:.4f}")
    print(verdict("buy() p99", pct(returned, 99) * 1e3, 50.0, unit=" ms"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--orders", type=int, default=200)
    ap.add_argument("--hang-s", type=float, default=2.0, help="how long the hanging client holds each order")
    args = ap.parse_args()
    quote = {"price_source": lambda m, c: 10.0, "quote_source": lambda m, c: (10.0, "浦发银行")}
    with tempfile.TemporaryDirectory() as tmp:
        clock = FakeClock(datetime(2025, 3, 3, 10, 0, tzinfo=EXCHANGE_TZ))
        paper = PaperBroker(Path(tmp) / "p.json", 1e12, clock=clock, max_orders_per_minute=None, **quote)
        report(f"paper broker, {args.orders} orders", *run(paper, args.orders, "paper"))
        paper.close()
        client = StandinClient(time_scale=1.0)
        try:
            et = EasyTraderBroker("universal_client", "127.0.0.1", client.port, env={}, confirm_wait_s=0.01,
                                  max_orders_per_minute=None, **quote)
            report(f"easytrader broker, healthy client, {args.orders} orders", *run(et, args.orders, "healthy"))
            client.config(hang_s=args.hang_s)
            report(f"easytrader broker, client hangs {args.hang_s:g} s per order, 5 orders", *run(et, 5, "hang"))
            et.close()
        finally:
            client.stop()


if __name__ == "__main__":
    main()
