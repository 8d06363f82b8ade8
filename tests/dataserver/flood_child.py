"""A misbehaving client: sends malformed and refused requests as fast as it can for a while, on several
connections, and prints a JSON report of the answers' ``ret`` codes (and of requests left unanswered)."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import msgpack  # noqa: E402

from hikyuu_live.bus import RequestClient  # noqa: E402
from hikyuu_live.errors import BusTimeout  # noqa: E402


def bodies(max_bytes: int, max_codes: int) -> list[bytes]:
    p = msgpack.packb
    return [
        b"", b"\x00", b"\xc1", os.urandom(64), os.urandom(2000), b"\x91" * 100_000 + b"\xc0",
        b"\xdd\xff\xff\xff\xff", b"\xdf\xff\xff\xff\xff", b"\xc7\x01\x05a",
        p([1, 2, 3]), p("market"), p({"command": "tick"}), p({"cmd": "trade"}), p({"cmd": 7}), p({"cmd": None}),
        p({"cmd": "market", "ktype": 5, "codes": None}), p({"cmd": "market", "ktype": "fortnight"}),
        p({"cmd": "market", "ktype": "DAY", "codes": "SH600000"}), p({"cmd": "market", "ktype": "DAY", "codes": [1]}),
        p({"cmd": "market", "ktype": "DAY", "codes": ["SH600000"], "dates": [3]}),
        p({"cmd": "market", "ktype": "DAY", "codes": ["SH600000"], "dates": ["2026-13-45 99:00:00"]}),
        p({"cmd": "market", "ktype": "DAY", "codes": ["SH600000"] * (max_codes + 1)}),
        p({"cmd": "tick", "market": 1, "code": "600000"}), p({"cmd": "tick", "market": "SH", "code": ["x"]}),
        p({"cmd": "tick", "market": "SH", "code": "600000", "datetime": 1.5}),
        p({"cmd": "snapshot", "codes": {"a": 1}}),
        p({"cmd": "status", "pad": "x" * (max_bytes + 1)}),
        b"\x81\x91\x01\x01",  # a map keyed by an array
    ]


def main() -> None:
    addr, seconds, conns = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    max_bytes, max_codes = int(sys.argv[4]), int(sys.argv[5])
    todo = bodies(max_bytes, max_codes)
    codes: Counter[str] = Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def run(k: int) -> None:
        with RequestClient(addr, timeout_s=5.0) as c:
            i = k
            while time.monotonic() < deadline:
                body = todo[i % len(todo)]
                i += 1
                try:
                    ret = msgpack.unpackb(c.request(body), raw=False)["ret"]
                    key = str(ret)
                except BusTimeout:
                    key = "timeout"
                with lock:
                    codes[key] += 1

    threads = [threading.Thread(target=run, args=(k,)) for k in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(dict(codes)), flush=True)


if __name__ == "__main__":
    main()
