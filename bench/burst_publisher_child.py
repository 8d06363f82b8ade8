"""Publisher process for bench_burst: cycles sent in one burst of ``--batch``-spot messages, framed as Hikyuu's
spot_server and our collectors frame them (start marker, data, end marker, extension fields), logging when the
first message of each cycle went out (epoch us). Every message is encoded before the run, so a burst takes
about a millisecond to send and what is measured is the subscribers' work, not the encoder's.

Cycle k carries every code of the universe dated ``--base`` + k * ``--step`` seconds, with prices and cumulative
volumes that move a little each cycle (so bars really update). It waits for ``--subscribers`` pipes first.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hikyuu_live.bus import END_MARKER, SPOT_TOPIC, START_MARKER, QuotePublisher  # noqa: E402
from hikyuu_live.model.codec import BatchMeta, encode_spots  # noqa: E402
from hikyuu_live.model.spot import BOOK_LEVELS, empty_spots  # noqa: E402


def cycle_spots(codes: list[str], k: int, base: np.datetime64, step_s: int) -> np.ndarray:
    n = len(codes)
    rng = np.random.default_rng(k)
    arr = empty_spots(n)
    arr["market"] = [c[:2] for c in codes]
    arr["code"] = [c[2:] for c in codes]
    arr["name"] = "测试"
    arr["datetime"] = base + np.timedelta64(k * step_s, "s")
    pre = 10 + (np.arange(n) % 90)
    close = np.round(pre * (1 + rng.uniform(-0.02, 0.02, n)), 2)
    arr["yesterday_close"] = pre
    arr["open"] = pre
    arr["high"] = np.round(np.maximum(pre, close) * 1.03, 2)
    arr["low"] = np.round(np.minimum(pre, close) * 0.97, 2)
    arr["close"] = close
    arr["volume"] = 1000.0 * (k + 1) + np.arange(n)
    arr["amount"] = np.round(arr["volume"] * close / 100, 2)
    tick = np.arange(BOOK_LEVELS) * 0.01
    arr["bid"] = np.round(close[:, None] - tick, 2)
    arr["ask"] = np.round(close[:, None] + 0.01 + tick, 2)
    arr["bid_amount"] = arr["ask_amount"] = 10.0
    return arr


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--address", required=True)
    ap.add_argument("--codes", required=True, help="JSON file with the universe (SH600000 ...)")
    ap.add_argument("--spots", type=int, required=True)
    ap.add_argument("--batch", type=int, default=60)
    ap.add_argument("--cycles", type=int, default=25)
    ap.add_argument("--interval", type=float, default=1.0)
    ap.add_argument("--base", required=True, help="datetime of cycle 0, exchange time (2026-12-03T10:00:00)")
    ap.add_argument("--step", type=int, default=2)
    ap.add_argument("--subscribers", type=int, default=2)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    codes = json.loads(Path(args.codes).read_text())[: args.spots]
    base = np.datetime64(args.base, "us")
    with QuotePublisher([args.address], source="bench", batch_size=args.batch, heartbeat_interval_s=0.5) as pub:
        cycles = []
        for k in range(1, args.cycles + 1):
            spots = cycle_spots(codes, k, base, args.step)
            count = -(-len(spots) // args.batch)
            cycles.append([SPOT_TOPIC + encode_spots(spots[i * args.batch:(i + 1) * args.batch],
                                                     BatchMeta(pub.session_id, k, i, count, "bench", 0))
                           for i in range(count)])
        if not pub.wait_for_subscribers(args.subscribers, 300):
            sys.exit("subscribers did not connect")
        print("connected", flush=True)
        sys.stdin.readline()  # the parent says go when every strategy is in its loop
        log = []
        for k, messages in enumerate(cycles, start=1):
            pub._cycle_id = k
            pub._send(START_MARKER)
            t = time.time_ns() // 1000
            for m in messages:
                pub._send(m)
            pub._send(END_MARKER)
            log.append({"cycle": k, "first_send_us": t, "spots": len(codes),
                        "burst_ms": (time.time_ns() // 1000 - t) / 1e3})
            time.sleep(args.interval)
        Path(args.out).write_text(json.dumps(log))
        time.sleep(1.0)


if __name__ == "__main__":
    main()
