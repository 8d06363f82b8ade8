"""Our side of bench_burst: a real ``Strategy`` over the universe with a trivial ``on_change`` that notes, per
cycle, when its last call ran (epoch us) and how many calls there were. The cycle of a spot is read from its
datetime (cycle k is dated base + k * step seconds). Writes ``{cycle: [last_us, calls]}`` as JSON and exits
once every expected call arrived (or at ``--timeout``).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hikyuu_live.strategy.runtime import Strategy  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--address", required=True)
    ap.add_argument("--codes", required=True)
    ap.add_argument("--spots", type=int, required=True)
    ap.add_argument("--ktypes", default="day")
    ap.add_argument("--cycles", type=int, required=True)
    ap.add_argument("--base", required=True)
    ap.add_argument("--step", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    codes = json.loads(Path(args.codes).read_text())[: args.spots]
    base = datetime.fromisoformat(args.base)
    step = args.step
    expected = args.spots * args.cycles
    seen: dict[int, list[int]] = {}
    total = [0]
    stg = Strategy(codes, args.ktypes.split(","), quotation_server=args.address, name="bench")

    def on_change(s: Strategy, stock: object, spot: object) -> None:
        k = int((spot.datetime - base).total_seconds()) // step  # type: ignore[attr-defined]
        entry = seen.get(k)
        if entry is None:
            entry = seen[k] = [0, 0]
        entry[0] = time.time_ns() // 1000
        entry[1] += 1
        total[0] += 1
        if total[0] >= expected:
            s.stop()

    stg.on_change(on_change)
    threading.Timer(args.timeout, stg.stop).start()
    stg.start()
    Path(args.out).write_text(json.dumps({"cycles": seen, "stats": str(stg.stats)}))
    sys.stdout.flush()
    import os

    os._exit(0)


if __name__ == "__main__":
    main()
