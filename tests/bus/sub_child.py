"""A subscriber process for bus tests: the real SpotSubscriber, reporting what it saw as one JSON line.

It runs until ``--cycles`` cycles closed or ``--seconds`` passed, then prints its cycles, counters, peak
resident memory (VmHWM), whether its receive thread still runs and whether it reported the feed stale.
``--as-limit-mb`` caps its address space, so a runaway allocation fails fast instead of eating the machine.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from hikyuu_live.bus import CycleReport, SpotSubscriber  # noqa: E402
from hikyuu_live.bus.framing import CycleAssembler  # noqa: E402


def peak_rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


class Flags(logging.Handler):
    """Remembers whether a stale warning and a logged traceback were seen."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.stale = False
        self.tracebacks = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "stale" in record.getMessage():
            self.stale = True
        if record.exc_info:
            self.tracebacks += 1


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--address", required=True)
    ap.add_argument("--cycles", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--cycle-timeout", type=float, default=10.0)
    ap.add_argument("--stale-after", type=float, default=5.0)
    ap.add_argument("--as-limit-mb", type=int, default=0)
    ap.add_argument("--fault", choices=["none", "timeout_check"], default="none",
                    help="timeout_check: the first cycle-timeout check raises (a bug inside the receive loop)")
    args = ap.parse_args()
    if args.as_limit_mb:
        limit = args.as_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    flags = Flags()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname).1s %(name)s: %(message)s")
    logging.getLogger().addHandler(flags)
    if args.fault == "timeout_check":
        original = CycleAssembler.check_timeout
        fired = []

        def broken(self: CycleAssembler, now_us: int) -> None:
            if not fired:
                fired.append(1)
                raise RuntimeError("injected fault in the receive loop")
            original(self, now_us)

        CycleAssembler.check_timeout = broken  # type: ignore[method-assign]
    cycles: list[CycleReport] = []
    done = threading.Event()

    def on_cycle(c: CycleReport) -> None:
        cycles.append(c)
        if len(cycles) >= args.cycles:
            done.set()

    sub = SpotSubscriber(args.address, on_cycle=on_cycle, cycle_timeout_s=args.cycle_timeout,
                         stale_after_s=args.stale_after, reconnect_max_ms=300).start()
    print("ready", flush=True)
    done.wait(args.seconds)
    time.sleep(0.2)
    thread = sub._thread
    alive = thread is not None and thread.is_alive()
    stale = sub.is_stale
    sub.stop()
    st = sub.stats
    out = {
        "cycles": [{"id": c.cycle_id, "complete": c.complete, "spots": len(c.spots), "closed_by": c.closed_by,
                    "session": c.session_id} for c in cycles],
        "stats": {k: (dict(v) if isinstance(v, dict) else v) for k, v in
                  ((f, getattr(st, f)) for f in st.__slots__)},  # type: ignore[attr-defined]
        "peak_rss_kb": peak_rss_kb(),
        "thread_alive": alive,
        "is_stale": stale,
        "stale_logged": flags.stale,
        "tracebacks": flags.tracebacks,
    }
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
