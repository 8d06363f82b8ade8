"""A daily import costs what it adds, not what is stored: one new day bar for every stock of a market,
imported into stores of growing size.

- HDF5: ``sh_day.h5`` (plus ``sz``/``bj``) of the same stocks, padded to about 0.1, 1 and 10 GB with
  incompressible data in a table of its own (a user's file is that large because it holds thousands of
  stocks and years of minutes; what a session costs must not depend on it). For each size: the time of
  ``importdata``'s path (TDX files -> importer -> store, one new bar per stock), and the peak of extra disk
  space during the import (every byte beside the store files: journals, new files), sampled every 10 ms.
  Baseline in the same run: what each write session did before issue 15 before writing a byte, clone the
  file (no reflink on ext4 or NTFS: a full copy) and fsync the clone at the commit.
- MySQL and ClickHouse: the same one-day import into stores holding 250 and 2,500 day bars per stock.

Targets: HDF5 time at 10 GB <= 1.5x the time at 0.1 GB; extra disk <= 5 % of the store plus the bytes
the import writes; MySQL and ClickHouse times at 2,500 bars within 1.5x of those at 250. Timing never
fails the run; correctness (the new bar is there, once) is asserted. The files are removed at the end.
Run: ``python -m bench.bench_incremental [--sizes 0.1,1,10] [--stocks 2000] [--tmp DIR]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import threading
import time
import uuid
from pathlib import Path

import h5py
import numpy as np

from bench.common import verdict
from hikyuu_live.data.importer import Importer, ImportOptions
from hikyuu_live.model.kdata import KType
from hikyuu_live.store import make_store
from hikyuu_live.tdx.files import DAY_RECORD, LocalTdxSource
from scripts.make_tdx_vipdoc import make_large_market

DAY_ONLY = ImportOptions(ktypes=(KType.DAY,))
PAD_BLOCK = 64 << 20


def add_a_day(vipdoc: Path, out: Path) -> Path:
    """A copy of ``vipdoc`` whose every ``.day`` file has one more bar, on the next weekday."""
    shutil.copytree(vipdoc, out)
    for f in out.rglob("*.day"):
        rec = np.fromfile(f, dtype=DAY_RECORD)
        last = np.datetime64(f"{rec['date'][-1] // 10000:04d}-{rec['date'][-1] // 100 % 100:02d}-"
                             f"{rec['date'][-1] % 100:02d}")
        nxt = np.busday_offset(last, 1, roll="forward").astype(object)
        new = rec[-1:].copy()
        new["date"] = nxt.year * 10000 + nxt.month * 100 + nxt.day
        with open(f, "ab") as fh:
            fh.write(new.tobytes())
    return out


def pad(path: Path, total: int) -> None:
    """Grow ``path`` (an HDF5 file) to about ``total`` bytes with a table of incompressible bytes."""
    need = total - path.stat().st_size
    if need <= 0:
        return
    rng = np.random.default_rng(0)
    block = rng.integers(0, 256, PAD_BLOCK, dtype=np.uint8)
    with h5py.File(path, "a") as f:
        ds = f.create_dataset("padding", shape=(need,), dtype=np.uint8)
        for start in range(0, need, PAD_BLOCK):
            n = min(PAD_BLOCK, need - start)
            ds[start:start + n] = block[:n]
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


class DiskWatch:
    """Peak bytes of the files in a folder other than ``keep`` (the store), sampled every 10 ms."""

    def __init__(self, folder: Path, keep: set[str]) -> None:
        self.folder, self.keep = folder, keep
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0
            for p in self.folder.iterdir():
                if p.name not in self.keep:
                    try:
                        st = p.stat()
                    except FileNotFoundError:
                        continue
                    blocks = getattr(st, "st_blocks", None)  # the space it takes (POSIX), else its size
                    total += blocks * 512 if blocks is not None else st.st_size
            self.peak = max(self.peak, total)
            time.sleep(0.01)

    def __enter__(self) -> DiskWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def write_bytes() -> int:
    """Bytes this process has caused to be written to storage so far (Linux), else 0."""
    try:
        for line in Path("/proc/self/io").read_text().splitlines():
            if line.startswith("write_bytes:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def hdf5_one_day(base: Path, next_day: Path, size: int) -> dict:
    data = base.with_name(f"{base.name}-{size}")
    shutil.copytree(base, data)
    pad(data / "sh_day.h5", size)
    stored = sum(p.stat().st_size for p in data.glob("*.h5"))
    keep = {p.name for p in data.iterdir()}
    store = make_store("hdf5", directory=data)
    w0 = write_bytes()
    with DiskWatch(data, keep) as watch:
        t = time.perf_counter()
        with store:
            report = Importer(store, LocalTdxSource(next_day), DAY_ONLY).run()
        seconds = time.perf_counter() - t
    written = write_bytes() - w0
    with make_store("hdf5", directory=data) as s:
        mc = "SH600000"
        got = s.read_range(mc, "DAY")["datetime"]
        assert len(got) == len(np.unique(got)) and got[-1] > got[-2], "the new bar is missing or doubled"
    # before issue 15: each session cloned the file first and fsynced the clone at its commit
    t = time.perf_counter()
    clone = data / "sh_day.h5.partial"
    shutil.copyfile(data / "sh_day.h5", clone)
    with open(clone, "rb") as fh:
        os.fsync(fh.fileno())
    clone_s = time.perf_counter() - t
    clone.unlink()
    shutil.rmtree(data)
    return {"size": stored, "seconds": seconds, "rows": report.rows, "extra": watch.peak, "written": written,
            "clone_s": clone_s}


def db_one_day(name: str, root: Path, stocks: int, days: int, **options: object) -> float:
    """Seconds of a one-day import into a store holding ``days`` day bars of ``stocks`` stocks (the better of
    two days in a row: the server's caches and the disk's writeback of the history are not the import's)."""
    vipdoc = make_large_market(root / f"m{days}", stocks, days, seed=11)
    first = add_a_day(vipdoc, root / f"n{days}" / "vipdoc")
    second = add_a_day(first, root / f"o{days}" / "vipdoc")
    try:
        with make_store(name, **options) as s:
            Importer(s, LocalTdxSource(vipdoc), DAY_ONLY).run()
        os.sync()
        times = []
        for nxt in (first, second):
            store = make_store(name, **options)
            t = time.perf_counter()
            with store:
                rows = Importer(store, LocalTdxSource(nxt), DAY_ONLY).run().rows
            times.append(time.perf_counter() - t)
            assert rows == stocks, rows
        return min(times)
    finally:
        with make_store(name, **options) as s:
            s.drop_all()  # type: ignore[attr-defined]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="0.1,1,10", help="store sizes in GB (default 0.1,1,10)")
    ap.add_argument("--stocks", type=int, default=2000, help="stocks in the HDF5 store (default 2000)")
    ap.add_argument("--db-stocks", type=int, default=100, help="stocks in the MySQL and ClickHouse stores")
    ap.add_argument("--no-db", action="store_true", help="HDF5 only")
    ap.add_argument("--tmp", type=Path, default=None, help="folder for the generated files (default: system temp)")
    args = ap.parse_args()
    sizes = [float(x) for x in args.sizes.split(",")]
    root = Path(tempfile.mkdtemp(prefix="bench_incremental_", dir=args.tmp))
    try:
        print(f"bench_incremental: one new day bar for each of {args.stocks} stocks, HDF5 stores of "
              f"{', '.join(f'{s:g}' for s in sizes)} GB (load {os.getloadavg()[0]:.2f})")
        vipdoc = make_large_market(root / "tdx", args.stocks, 1000)
        next_day = add_a_day(vipdoc, root / "next" / "vipdoc")
        base = root / "h5"
        with make_store("hdf5", directory=base) as s:
            Importer(s, LocalTdxSource(vipdoc), DAY_ONLY).run()
        results = []
        for gb in sizes:
            r = hdf5_one_day(base, next_day, int(gb * 1e9))
            results.append(r)
            print(f"  {r['size'] / 1e9:6.2f} GB: {r['rows']} bars in {r['seconds']:.2f} s, extra disk at most "
                  f"{r['extra'] / 1e6:.1f} MB, {r['written'] / 1e6:.1f} MB written; before (clone + fsync of the "
                  f"file per session): {r['clone_s']:.2f} s more and {r['size'] / 1e6:,.0f} MB more disk")
        small, big = results[0], results[-1]
        print(verdict(f"HDF5 time at {big['size'] / 1e9:.1f} GB vs {small['size'] / 1e9:.1f} GB (x)",
                      big["seconds"] / small["seconds"], 1.5, unit="x"))
        worst = max(r["extra"] / (0.05 * r["size"] + r["written"]) for r in results)
        print(verdict("HDF5 extra disk / (5 % of store + bytes written)", worst, 1.0, unit="x"))
        print(f"  before issue 15 the same import cost {big['clone_s'] + big['seconds']:.1f} s at "
              f"{big['size'] / 1e9:.1f} GB (clone {big['clone_s']:.1f} s) and {big['size'] / 1e9:.1f} GB of extra disk")
        if not args.no_db:
            from tests.services import clickhouse as chs
            from tests.services.mariadb import connect_or_start

            tag = f"bench{uuid.uuid4().hex[:8]}_"
            db = connect_or_start(root / "mariadb")
            try:
                few, many = (db_one_day("mysql", root / "my", args.db_stocks, d, port=db.port, schema_prefix=tag)
                             for d in (250, 2500))
            finally:
                db.stop()
            print(f"  MySQL: one day for {args.db_stocks} stocks in {few:.2f} s over 250 bars each, {many:.2f} s "
                  f"over 2,500")
            print(verdict("MySQL time at 2,500 vs 250 bars per stock (x)", many / few, 1.5, unit="x"))
            server = chs.start(root / "clickhouse")
            try:
                few, many = (db_one_day("clickhouse", root / "ch", args.db_stocks, d, port=server.http_port,
                                        database_prefix=tag) for d in (250, 2500))
            finally:
                server.stop()
            print(f"  ClickHouse: one day for {args.db_stocks} stocks in {few:.2f} s over 250 bars each, "
                  f"{many:.2f} s over 2,500")
            print(verdict("ClickHouse time at 2,500 vs 250 bars per stock (x)", many / few, 1.5, unit="x"))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
