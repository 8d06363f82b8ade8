"""A publisher process for bus tests: the real QuotePublisher, with optional injected faults.

Cycle k carries ``make_spots(spots, seed=k)`` in batches, so the test knows every value sent.

Fault modes (what a broken or hostile sender, or a lossy link, does to the bus):

- ``no_start`` / ``skip_seq`` / ``garbage`` / ``slow`` / ``idle``: markers or messages left out, junk, pacing;
- ``bad_spots``: cycle 2 carries the records of ``BAD_ROWS`` (NaN, negative, 1e308, inf, low > high, ...);
- ``huge_count``: after cycle 1, one data message of a cycle of its own claims 4,000,000,000 messages; that
  cycle then goes silent (it closes by timeout on the subscriber) and the publisher carries on;
- ``huge_cycle``: after cycle 1, one data message of this session claims cycle id 2**63 - 1, and another
  claims cycle 1 + 2**20 (cycle 1 with a flipped bit);
- ``lose_first``: cycle 1 is numbered but never reaches the wire (a cycle lost right after a (re)start);
- ``junk_only``: nothing but undecodable messages on the spot topic, and no heartbeats.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from hikyuu_live.bus import END_MARKER, SPOT_TOPIC, START_MARKER, QuotePublisher  # noqa: E402
from hikyuu_live.model.codec import BatchMeta, encode_spots  # noqa: E402
from tests.spot_factory import make_spots  # noqa: E402

#: (row, field, value) written into cycle 2 by ``--mode bad_spots``; every row is a bad record
BAD_ROWS: list[tuple[int, str, float]] = [
    (0, "close", float("nan")), (1, "close", -5.0), (2, "high", 1e308), (3, "close", float("inf")),
    (4, "volume", -100.0), (5, "low", 1e6), (6, "close", 1e-3), (7, "amount", float("nan")),
    (8, "bid", -1.0), (9, "ask_amount", -3.0),
]


def bad_spots(spots: np.ndarray) -> np.ndarray:
    out = spots.copy()
    for row, f, value in BAD_ROWS:
        out[f][row] = value
    return out


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


def rogue_message(pub: QuotePublisher, *, cycle_id: int, msg_count: int, seq: int = 0) -> None:
    meta = BatchMeta(pub.session_id, cycle_id, seq, msg_count, pub.source, time.time_ns() // 1000)
    pub._send(encode_spots(make_spots(5, seed=99), meta, prefix=SPOT_TOPIC))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--address", action="append", required=True)
    ap.add_argument("--cycles", type=int, default=3)
    ap.add_argument("--spots", type=int, default=300)
    ap.add_argument("--batch", type=int, default=60)
    ap.add_argument("--interval", type=float, default=0.2)
    ap.add_argument("--heartbeat", type=float, default=0.2)
    ap.add_argument("--mode", default="normal",
                    choices=["normal", "no_start", "skip_seq", "garbage", "slow", "idle", "bad_spots", "huge_count",
                             "huge_cycle", "lose_first", "junk_only"])
    ap.add_argument("--silence", type=float, default=1.5, help="huge_count: seconds of silence after the message")
    ap.add_argument("--subscribers", type=int, default=1, help="wait for this many before sending")
    ap.add_argument("--linger", type=float, default=1.0, help="seconds to stay up after the last cycle")
    args = ap.parse_args()
    heartbeat = 0.0 if args.mode == "junk_only" else args.heartbeat
    with QuotePublisher(args.address, source="child", batch_size=args.batch, heartbeat_interval_s=heartbeat) as pub:
        if args.subscribers and not pub.wait_for_subscribers(args.subscribers, 20):
            sys.exit("no subscriber connected")
        time.sleep(0.1)
        print(f"session {pub.session_id}", flush=True)
        if args.mode == "junk_only":
            deadline = time.monotonic() + args.linger
            while time.monotonic() < deadline:
                pub._send(SPOT_TOPIC + b"\x00\x01junk" * 5)
                time.sleep(0.05)
            return
        for k in range(1, args.cycles + 1):
            spots = make_spots(args.spots, seed=k)
            if args.mode == "idle":
                break
            if args.mode == "lose_first" and k == 1:
                pub._cycle_id += 1  # numbered, never on the wire
                print("lost 1", flush=True)
                continue
            if args.mode == "huge_count" and k == 2:
                rogue_message(pub, cycle_id=pub._cycle_id + 1, msg_count=4_000_000_000)
                pub._cycle_id += 1  # that cycle id is used up; it never gets more messages
                time.sleep(args.silence)
            if args.mode == "huge_cycle" and k == 2:
                rogue_message(pub, cycle_id=2**63 - 1, msg_count=5)
                rogue_message(pub, cycle_id=1 + 2**20, msg_count=5)
            if args.mode == "no_start" and k == 2:
                manual_cycle(pub, spots, args.batch, start=False, skip=set(), delay=0)
            elif args.mode == "skip_seq" and k == 2:
                manual_cycle(pub, spots, args.batch, start=True, skip={1}, delay=0)
            elif args.mode == "slow":
                manual_cycle(pub, spots, args.batch, start=True, skip=set(), delay=args.interval)
            else:
                if args.mode == "garbage":
                    pub._send(SPOT_TOPIC + b"\x00\x01garbage" * 5)
                if args.mode == "bad_spots" and k == 2:
                    spots = bad_spots(spots)
                pub.publish_cycle(spots)
            print(f"sent {k}", flush=True)
            time.sleep(args.interval)
        time.sleep(args.linger)


if __name__ == "__main__":
    main()
