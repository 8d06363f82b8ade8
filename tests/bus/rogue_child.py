"""A hostile sender: a raw NNG pub socket that sends ``--count`` messages of ``--mb`` megabytes on the spot topic
(twenty 100 MB messages raised a subscriber to 1.2 GB), then exits."""

from __future__ import annotations

import argparse
import sys
import time

import pynng


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--address", required=True)
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--mb", type=int, default=100)
    args = ap.parse_args()
    body = b":spot:" + bytes(args.mb * 1024 * 1024)
    with pynng.Pub0(send_buffer_size=2) as sock:
        sock.listen(args.address)
        deadline = time.monotonic() + 20
        while not sock.pipes:
            if time.monotonic() > deadline:
                sys.exit("no subscriber connected")
            time.sleep(0.01)
        time.sleep(0.1)
        for _ in range(args.count):
            sock.send(body)
            time.sleep(0.05)
        time.sleep(1.0)
    print("done", flush=True)


if __name__ == "__main__":
    main()
