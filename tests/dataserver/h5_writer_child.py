"""A process that saves ticks to an H5TickStore in a loop until killed; prints the rows saved so far."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402

from hikyuu_live.model.ticks import RECORD_DTYPE  # noqa: E402
from hikyuu_live.store.hdf5.ticks import H5TickStore  # noqa: E402

DAY_US = int(np.datetime64("2026-11-24T09:30:00", "us").astype(np.int64))


def rows(start: int, n: int) -> np.ndarray:
    r = np.zeros(n, dtype=RECORD_DTYPE)
    r["seq"] = np.arange(start, start + n)
    r["market"], r["code"], r["name"] = b"SH", b"600000", "浦发银行".encode()
    r["datetime"] = DAY_US + r["seq"] * 1000
    r["close"] = 10_000 + r["seq"] % 1000
    r["volume"] = r["seq"]
    return r


def main() -> None:
    store = H5TickStore(sys.argv[1], chunk_rows=1024)
    start = int(sys.argv[2])
    batch = 3000
    while True:
        store.write(rows(start, batch))
        start += batch
        print(f"saved {start}", flush=True)


if __name__ == "__main__":
    main()
