"""A process that sends one order through an EasyTraderBroker and then waits to be killed (kill -9).

    python tests/chaos/broker_child.py PORT JOURNAL CLIENT_ORDER_ID
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from hikyuu_live.strategy.broker.easytrader import EasyTraderBroker  # noqa: E402


def main() -> None:
    port, journal, cid = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    broker = EasyTraderBroker("universal_client", "127.0.0.1", port, env={}, state_path=journal, timeout_s=2.0,
                              send_timeout_s=60.0, quote_source=lambda m, c: (10.0, "浦发银行"))
    order = broker.buy("SH", "600000", 10.0, 100, client_order_id=cid)
    print(f"SENT {order.status}", flush=True)
    threading.Event().wait()  # the worker is waiting for the client's answer when the parent kills us


if __name__ == "__main__":
    main()
