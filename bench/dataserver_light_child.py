"""A well-behaved client for bench_dataserver's flood phase: small requests (one stock's DAY bars, or one
stock's ticks of the last 30 s) one at a time between two wall-clock instants, each answer checked; prints
a JSON report with the wall time and latency of every request and the failures by kind."""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from hikyuu_live.dataserver import BufferServerClient  # noqa: E402
from hikyuu_live.errors import BusTimeout, HikyuuLiveError  # noqa: E402
from hikyuu_live.model.spot import market_codes  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", required=True)
    ap.add_argument("--start-at", type=float, required=True, help="time.time() to begin at")
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--timeout", type=float, default=5.0)
    ap.add_argument("--pause-ms", type=float, default=0.0, help="pause between requests (0: closed loop)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    sent: list[float] = []
    lat: list[float] = []
    failures: dict[str, int] = {}
    with BufferServerClient(args.addr, timeout_s=args.timeout) as c:
        snap = c.snapshot()
        codes = market_codes(snap).tolist()
        since = str((snap["datetime"].max() - np.timedelta64(30, "s")).astype("M8[s]")).replace("T", " ")
        time.sleep(max(0.0, args.start_at - time.time()))
        end = args.start_at + args.seconds
        k = 0
        while time.time() < end:
            k += 1
            code = rng.choice(codes)
            t_wall, t0 = time.time(), time.perf_counter()
            try:
                if k % 2:
                    ok = len(c.market([code], "DAY")[code]) == 1
                else:
                    ok = len(c.tick(code[:2], code[2:], since)) > 0
                kind = "" if ok else "wrong"
            except BusTimeout:
                kind = "timeout"
            except HikyuuLiveError as e:
                kind = type(e).__name__
            if kind:
                failures[kind] = failures.get(kind, 0) + 1
            else:
                sent.append(round(t_wall, 4))
                lat.append(round((time.perf_counter() - t0) * 1e3, 3))
            if args.pause_ms:
                time.sleep(args.pause_ms / 1e3)
    print(json.dumps({"sent": sent, "lat_ms": lat, "failures": failures}), flush=True)


if __name__ == "__main__":
    main()
