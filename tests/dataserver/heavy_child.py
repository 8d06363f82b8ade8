"""A heavy but legal client: sends large valid requests as fast as it can on several connections for a while,
and prints a JSON report (answers by ``ret`` code, timeouts, latencies of the answers).

Modes (what each request is):

- ``dupes``: ``market`` naming one code ``--repeat`` times (the load script of issue 16: 10,000 times);
- ``wide``: ``market`` of every code in ``--codes`` (or the server's snapshot), ``--ktype`` bars.

With ``--per-call`` each request goes on a new connection that is closed after ``--timeout`` whether
answered or not (Hikyuu's client connects per call and gives up after its timeout).

Used by the data server's process tests and by ``bench/bench_dataserver.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import msgpack  # noqa: E402

from hikyuu_live.bus import RequestClient  # noqa: E402
from hikyuu_live.dataserver import BufferServerClient  # noqa: E402
from hikyuu_live.errors import BusBroken, BusTimeout  # noqa: E402
from hikyuu_live.model.spot import market_codes  # noqa: E402


def body_for(args: argparse.Namespace) -> bytes:
    if args.mode == "dupes":
        codes = [args.code] * args.repeat
    elif args.codes:
        codes = args.codes.split(",")
    else:
        with BufferServerClient(args.addr, timeout_s=30) as c:
            codes = market_codes(c.snapshot()).tolist()
    return msgpack.packb({"cmd": "market", "ktype": args.ktype, "codes": codes,
                          "dates": ["1400-01-01 00:00:00"] * len(codes)}, use_bin_type=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", required=True)
    ap.add_argument("--mode", choices=("dupes", "wide"), default="dupes")
    ap.add_argument("--per-call", action="store_true", help="a new connection per request")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--conns", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=5.0)
    ap.add_argument("--ktype", default="MIN")
    ap.add_argument("--code", default="SH600000")
    ap.add_argument("--repeat", type=int, default=10_000)
    ap.add_argument("--codes", default="", help="wide: the codes, comma-separated (default: ask a snapshot)")
    ap.add_argument("--start-at", type=float, default=0.0, help="time.time() to begin at (0 = now)")
    args = ap.parse_args()
    body = body_for(args)
    rets: Counter[str] = Counter()
    lat: list[float] = []
    answer_bytes: list[int] = []
    lock = threading.Lock()
    time.sleep(max(0.0, args.start_at - time.time()))
    deadline = time.monotonic() + args.seconds

    def ask(c: RequestClient) -> None:
        t0 = time.perf_counter()
        try:
            answer = c.request(body)
        except BusTimeout:
            key, n = "timeout", 0
        except BusBroken:
            key, n = "broken", 0
        else:
            key, n = str(msgpack.unpackb(answer, raw=False)["ret"]), len(answer)
        with lock:
            rets[key] += 1
            if n:
                lat.append(time.perf_counter() - t0)
                answer_bytes.append(n)

    def run() -> None:
        if args.per_call:
            while time.monotonic() < deadline:
                with RequestClient(args.addr, timeout_s=args.timeout) as c:
                    ask(c)
            return
        with RequestClient(args.addr, timeout_s=args.timeout) as c:
            while time.monotonic() < deadline:
                ask(c)

    threads = [threading.Thread(target=run) for _ in range(args.conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"rets": dict(rets), "lat_s": lat, "request_bytes": len(body),
                      "max_answer_bytes": max(answer_bytes, default=0)}), flush=True)


if __name__ == "__main__":
    main()
