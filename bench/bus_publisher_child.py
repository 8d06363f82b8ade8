"""Publisher process for bench_bus: publishes full-market cycles at a fixed rate and logs when each
cycle's publishing began (epoch µs), so the parent can measure publish-start -> on_cycle latency.

``--mode ours``: QuotePublisher (vectorised codec, 8192-message queue, extension fields).
``--mode baseline``: what Hikyuu's collector does: pynng defaults (16-message send queue), the
flatbuffers.Builder encoder, 60 spots per message, markers only.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pynng  # noqa: E402

from hikyuu_live.bus import END_MARKER, SPOT_TOPIC, START_MARKER, QuotePublisher  # noqa: E402
from hikyuu_live.model.flat.builder import build_spotlist  # noqa: E402
from tests.spot_factory import make_spots  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--address", required=True)
    ap.add_argument("--cycles", type=int, default=200)
    ap.add_argument("--rate", type=float, default=2.0, help="cycles per second")
    ap.add_argument("--spots", type=int, default=6000)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--mode", choices=["ours", "baseline"], default="ours")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    spots = make_spots(args.spots, seed=7)
    period = 1.0 / args.rate
    log = open(args.out, "w")  # noqa: SIM115
    if args.mode == "ours":
        pub = QuotePublisher([args.address], source="bench", batch_size=args.batch).start()
        pub.wait_for_subscribers(1, 30)

        def publish() -> None:
            pub.publish_cycle(spots)
    else:
        sock = pynng.Pub0()  # nng defaults, as the original collector
        sock.listen(args.address)
        deadline = time.monotonic() + 30
        while not sock.pipes and time.monotonic() < deadline:
            time.sleep(0.01)

        def publish() -> None:
            sock.send(START_MARKER)
            for i in range(0, len(spots), 60):
                sock.send(SPOT_TOPIC + build_spotlist(spots[i:i + 60]))
            sock.send(END_MARKER)
    time.sleep(0.3)
    t0 = time.monotonic()
    for k in range(1, args.cycles + 1):
        due = t0 + (k - 1) * period
        time.sleep(max(0.0, due - time.monotonic()))
        start_us = time.time_ns() // 1000
        publish()
        log.write(json.dumps({"cycle": k, "start_us": start_us, "spots": len(spots)}) + "\n")
    log.close()
    time.sleep(1.0)


if __name__ == "__main__":
    main()
