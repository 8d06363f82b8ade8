"""A publisher process for bus tests: the real QuotePublisher, with optional injected faults.

Cycle k carries ``make_spots(spots, seed=k)`` in batches, so the test knows every value sent.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from hikyuu_live.bus import END_MARKER, SPOT_TOPIC, START_MARKER, QuotePublisher  # noqa: E402
from hikyuu_live.model.codec import BatchMeta, encode_spots  # noqa: E402
from tests.spot_factory import make_spots  # noqa: E402


def manual_cycle(pub: QuotePublisher, spots, batch: int, *, start: bool, skip: set[int], delay: float) -> None:
    """A cycle sent message by message, so that markers or messages can be left out."""
    pub._cycle_id += 1
    count = -(-len(spots) // batch)
    if start:
        pub._send(START_MARKER)
    for seq in range(count):
        if delay:
            time.sleep(delay)
        if seq in skip:
            continue
        meta = BatchMeta(pub.session_id, pub._cycle_id, seq, count, pub.source, time.time_ns() // 1000)
        pub._send(encode_spots(spots[seq * batch:(seq + 1) * batch], meta, prefix=SPOT_TOPIC))
    pub._send(END_MARKER)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--address", action="append", required=True)
    ap.add_argument("--cycles", type=int, default=3)
    ap.add_argument("--spots", type=int, default=300)
    ap.add_argument("--batch", type=int, default=60)
    ap.add_argument("--interval", type=float, default=0.2)
    ap.add_argument("--heartbeat", type=float, default=0.2)
    ap.add_argument("--mode", default="normal",
                    choices=["normal", "no_start", "skip_seq", "garbage", "slow", "idle"])
    ap.add_argument("--subscribers", type=int, default=1, help="wait for this many before sending")
    ap.add_argument("--linger", type=float, default=1.0, help="seconds to stay up after the last cycle")
    args = ap.parse_args()
    with QuotePublisher(args.address, source="child", batch_size=args.batch,
                        heartbeat_interval_s=args.heartbeat) as pub:
        if args.subscribers and not pub.wait_for_subscribers(args.subscribers, 20):
            sys.exit("no subscriber connected")
        time.sleep(0.1)
        print(f"session {pub.session_id}", flush=True)
        for k in range(1, args.cycles + 1):
            spots = make_spots(args.spots, seed=k)
            if args.mode == "idle":
                break
            if args.mode == "no_start" and k == 2:
                manual_cycle(pub, spots, args.batch, start=False, skip=set(), delay=0)
            elif args.mode == "skip_seq" and k == 2:
                manual_cycle(pub, spots, args.batch, start=True, skip={1}, delay=0)
            elif args.mode == "slow":
                manual_cycle(pub, spots, args.batch, start=True, skip=set(), delay=args.interval)
            else:
                if args.mode == "garbage":
                    pub._send(SPOT_TOPIC + b"\x00\x01garbage" * 5)
                pub.publish_cycle(spots)
            print(f"sent {k}", flush=True)
            time.sleep(args.interval)
        time.sleep(args.linger)


if __name__ == "__main__":
    main()
