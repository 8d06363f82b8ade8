"""Publisher process for bench_dataserver: a full market of ``--stocks`` spots every ``--interval`` seconds,
every spot a new tick (datetime advances 3 s per cycle from 09:30 on 2026-11-24, volume grows, price walks)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from hikyuu_live.bus import QuotePublisher  # noqa: E402
from tests.spot_factory import make_spots  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--address", required=True)
    ap.add_argument("--stocks", type=int, default=6000)
    ap.add_argument("--interval", type=float, default=3.0)
    ap.add_argument("--cycles", type=int, default=1000)
    args = ap.parse_args()
    base = make_spots(args.stocks, seed=11, micro=False)
    rng = np.random.default_rng(5)
    vol = base["volume"].copy()
    price = base["close"].copy()
    with QuotePublisher([args.address], source="bench", batch_size=500) as pub:
        pub.wait_for_subscribers(1, 60)
        time.sleep(0.3)
        t0 = time.monotonic()
        for k in range(args.cycles):
            time.sleep(max(0.0, t0 + k * args.interval - time.monotonic()))
            s = base.copy()
            s["datetime"] = np.datetime64("2026-11-24T09:30:00") + np.timedelta64(3 * k, "s")
            vol += rng.integers(1, 50, args.stocks)
            price = np.round(price * (1 + rng.normal(0, 0.001, args.stocks)), 2)
            s["volume"], s["amount"], s["close"] = vol, np.round(vol * price / 100, 4), price
            s["high"], s["low"] = np.maximum(s["high"], price), np.minimum(s["low"], price)
            pub.publish_cycle(s)
            print(f"cycle {k + 1}", flush=True)


if __name__ == "__main__":
    main()
