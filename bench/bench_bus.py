"""Bus benchmark: full-market cycles (6,000 spots, 5 levels) at 2 cycles/s from a publisher process
to a subscriber's per-cycle callback, over IPC and TCP; and, as the baseline of the same run, the
original collector's way (nng default queues, Builder encoder, 60 spots per message).

Latency = publisher starts encoding a cycle -> the subscriber's ``on_cycle`` runs (same host clock).
Run: ``python -m bench.bench_bus [--cycles 200] [--tcp-cycles 60] [--baseline-cycles 20]``.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.common import pct, verdict
from hikyuu_live.bus import SpotSubscriber

CHILD = Path(__file__).with_name("bus_publisher_child.py")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(address: str, cycles: int, mode: str, recv_buffer: int) -> dict:
    got: list[tuple[int, int]] = []  # (wall us at on_cycle, spots)
    done = threading.Event()

    def on_cycle(c) -> None:
        got.append((time.time_ns() // 1000, len(c.spots)))
        if len(got) >= cycles:
            done.set()

    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "starts.jsonl"
        with SpotSubscriber(address, on_cycle=on_cycle, recv_buffer_msgs=recv_buffer) as sub:
            child = subprocess.Popen([sys.executable, str(CHILD), "--address", address, "--cycles", str(cycles),
                                      "--mode", mode, "--out", str(out)])
            child.wait(timeout=cycles * 2 + 60)
            done.wait(timeout=5)
            stats = sub.stats
        starts = [json.loads(line) for line in out.read_text().splitlines()]
    sent = sum(s["spots"] for s in starts)
    received = sum(n for _, n in got)
    latencies = []
    if len(got) == len(starts):  # every cycle seen, in order: pair the k-th report with the k-th start
        latencies = [(t - s["start_us"]) / 1e6 for (t, _), s in zip(got, starts, strict=True)]
    return {"address": address, "mode": mode, "cycles_sent": len(starts), "cycles_seen": len(got),
            "spots_sent": sent, "spots_received": received, "lost": sent - received, "gaps": stats.gaps,
            "latencies": latencies}


def report(r: dict) -> None:
    lat = r["latencies"]
    line = (f"  {r['mode']:<8} {r['address'].split(':')[0]:<4} cycles {r['cycles_seen']}/{r['cycles_sent']}  "
            f"spots lost {r['lost']} of {r['spots_sent']} ({100 * r['lost'] / max(1, r['spots_sent']):.1f}%)  "
            f"gaps {r['gaps']}")
    if lat:
        line += (f"  latency p50 {pct(lat, 50) * 1e3:.1f} ms  p99 {pct(lat, 99) * 1e3:.1f} ms"
                 f"  max {max(lat) * 1e3:.1f} ms")
    print(line, flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cycles", type=int, default=200)
    ap.add_argument("--tcp-cycles", type=int, default=60)
    ap.add_argument("--baseline-cycles", type=int, default=20)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp()
    print("bus: 6,000 spots x 5 levels per cycle, 2 cycles/s, publisher in its own process")
    ipc = run(f"ipc://{tmp}/bench.ipc", args.cycles, "ours", 8192)
    report(ipc)
    tcp = run(f"tcp://127.0.0.1:{free_port()}", args.tcp_cycles, "ours", 8192)
    report(tcp)
    base = run(f"ipc://{tmp}/base.ipc", args.baseline_cycles, "baseline", 128)
    report(base)
    print("targets:")
    print(verdict("IPC on_cycle latency p99", pct(ipc["latencies"], 99) * 1e3, 50, unit=" ms"))
    print(verdict("IPC spots lost", ipc["lost"], 0))
    print(verdict("TCP spots lost", tcp["lost"], 0))
    assert ipc["cycles_seen"] == ipc["cycles_sent"], "IPC run lost whole cycles"


if __name__ == "__main__":
    main()
