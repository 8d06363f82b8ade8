"""A replay collector process for tests: the real ReplaySource + run_replay + QuotePublisher."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hikyuu_live.bus import QuotePublisher  # noqa: E402
from hikyuu_live.fetcher.replay_service import run_replay  # noqa: E402
from hikyuu_live.fetcher.stock.replay import ReplaySource  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--address", action="append", required=True)
    ap.add_argument("--file", required=True)
    ap.add_argument("--speed", type=float, default=100.0)
    ap.add_argument("--max-gap", type=float, default=0.2)
    ap.add_argument("--subscribers", type=int, default=1)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    source = ReplaySource(args.file, speed=args.speed, max_gap_s=args.max_gap)
    with QuotePublisher(args.address, source="replay", batch_size=100) as pub:
        result = run_replay(source, pub, wait_subscribers=args.subscribers, wait_s=30)
        print(f"done cycles={result.cycles} spots={result.spots}", flush=True)
        import time

        time.sleep(0.5)


if __name__ == "__main__":
    main()
