"""Client process for bench_dataserver: asks ``tick`` and ``market`` in a closed loop (one request in flight)
between two wall-clock instants, checks every answer's shape, and prints a JSON report with latencies."""

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
from hikyuu_live.model.spot import market_codes  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", required=True)
    ap.add_argument("--start-at", type=float, required=True, help="time.time() to begin at")
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    lat: list[float] = []
    counts = {"tick": 0, "market": 0, "errors": 0, "rows": 0}
    with BufferServerClient(args.addr, timeout_s=10) as c:
        snap = c.snapshot()
        codes = market_codes(snap).tolist()
        since = str((snap["datetime"].max() - np.timedelta64(30, "s")).astype("M8[s]")).replace("T", " ")
        time.sleep(max(0.0, args.start_at - time.time()))
        end = args.start_at + args.seconds
        k = 0
        while time.time() < end:
            k += 1
            t0 = time.perf_counter()
            try:
                if k % 2:
                    code = rng.choice(codes)
                    rows = c.tick(code[:2], code[2:], since)
                    ok = len(rows) > 0
                    counts["tick"] += 1
                else:
                    ask = rng.sample(codes, rng.randint(1, 5))
                    got = c.market(ask, rng.choice(("DAY", "MIN", "MIN5")))
                    rows = [r for v in got.values() for r in v]
                    ok = sorted(got) == sorted(ask) and all(len(v) for v in got.values())
                    counts["market"] += 1
            except Exception:
                ok, rows = False, []
            lat.append(time.perf_counter() - t0)
            counts["rows"] += len(rows)
            counts["errors"] += not ok
    print(json.dumps({**counts, "lat_ms": [round(x * 1e3, 4) for x in lat]}), flush=True)


if __name__ == "__main__":
    main()
