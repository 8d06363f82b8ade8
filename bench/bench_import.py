"""Import benchmark: a synthetic TDX market into HDF5, MySQL and ClickHouse; ``.day`` parsing; preload.

- HDF5 end to end (``importdata``'s path: files -> validation -> HDF5 with index groups -> stock.db),
  5,000 stocks x 2,500 day bars, in a child process whose peak memory is reported. Baseline in the same
  run: the original's way on a subset (per-record unpacking as ``pytdx.reader`` does, then h5py tables
  with gzip 9 + shuffle, no validation, no indexes).
- ``.day`` parsing: ours vs ``pytdx.reader.TdxDailyBarReader.get_df`` on the same files.
- MySQL (the server at 127.0.0.1:3306, own schema prefix, dropped after) and ClickHouse (a private
  server) rows/s through the same importer.
- Preload: ``read_last_n`` of 6,000 stocks x 1,000 day bars from HDF5 (the strategy runtime's preloader).

Targets: HDF5 >= 1M rows/s with peak memory < 500 MB; parsing >= 10x pytdx; MySQL >= 100k rows/s;
ClickHouse >= 500k rows/s; preload <= 1.8 s. Correctness is asserted; timing never fails the run.
Run: ``python -m bench.bench_import [--small]``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import shutil
import statistics
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

import h5py
import numpy as np

from bench.common import verdict
from hikyuu_live.data.importer import Importer, ImportOptions
from hikyuu_live.model.kdata import KType
from hikyuu_live.store import make_store
from hikyuu_live.store.hdf5.kdata import H5_DTYPE
from hikyuu_live.tdx.files import LocalTdxSource, read_day
from scripts.make_tdx_vipdoc import make_large_market

DAY_ONLY = ImportOptions(ktypes=(KType.DAY,))


def _child_import(vipdoc: str, data: str, out: mp.Queue) -> None:
    """The HDF5 import in a fresh process, so its peak memory is its own."""
    store = make_store("hdf5", directory=data)
    t = time.perf_counter()
    with store:
        report = Importer(store, LocalTdxSource(vipdoc), DAY_ONLY).run()
    out.put({"rows": report.rows, "seconds": time.perf_counter() - t,
             "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "rejected": report.quarantine.total})


def import_hdf5(vipdoc: Path, data: Path) -> dict:
    ctx = mp.get_context("spawn")
    q: mp.Queue = ctx.Queue()
    p = ctx.Process(target=_child_import, args=(str(vipdoc), str(data), q))
    p.start()
    result = q.get(timeout=3600)
    p.join()
    return result


def baseline_hdf5(vipdoc: Path, data: Path, codes: list[tuple[str, str]]) -> float:
    """rows/s of the original's way: per-record unpacking (pytdx) and one h5py table per stock, gzip 9."""
    from pytdx.reader import TdxDailyBarReader

    reader, rows = TdxDailyBarReader(), 0
    t = time.perf_counter()
    with h5py.File(data / "baseline.h5", "w") as f:
        g = f.create_group("data")
        for m, c in codes:
            recs = list(reader.parse_data_by_file(str(vipdoc / m.lower() / "lday" / f"{m.lower()}{c}.day")))
            out = np.empty(len(recs), dtype=H5_DTYPE)
            for i, r in enumerate(recs):
                out[i] = (r[0] * 10000, r[1] * 10, r[2] * 10, r[3] * 10, r[4] * 10, round(r[5] / 1000), r[6] // 100)
            g.create_dataset(m + c, data=out, maxshape=(None,), chunks=True, compression="gzip", compression_opts=9,
                             shuffle=True)
            rows += len(out)
    return rows / (time.perf_counter() - t)


def parsing(vipdoc: Path, codes: list[tuple[str, str]]) -> tuple[float, float]:
    """(ours, pytdx) seconds to parse the same .day files into prices, amounts and volumes."""
    from pytdx.reader import TdxDailyBarReader

    paths = [(vipdoc / m.lower() / "lday" / f"{m.lower()}{c}.day", m, c) for m, c in codes]
    t = time.perf_counter()
    ours = [read_day(p, m, c) for p, m, c in paths]
    t_ours = time.perf_counter() - t
    reader = TdxDailyBarReader()
    t = time.perf_counter()
    theirs = [reader.get_df(str(p)) for p, _, _ in paths]
    t_theirs = time.perf_counter() - t
    for a, b in zip(ours[:20], theirs[:20], strict=False):
        assert np.allclose(a["close"], b["close"].to_numpy()), "our .day prices differ from pytdx"
    return t_ours, t_theirs


def import_db(name: str, root: Path, stocks: int, days: int, seed: int, **options: object) -> tuple[float, float]:
    """(rows/s of a first import that creates every table, rows/s of a second one into existing tables):
    ``days`` bars per stock (the issue's market: 2,500), then ``days`` more. A first import's rate depends on
    the bars per stock, as every stock's tables are created first (six per stock in MySQL, about 3.5 ms each
    in the server here, however many connections share the work)."""
    days *= 2
    vipdoc = make_large_market(root / "full", stocks, days, seed=seed)
    half = make_large_market(root / "half", stocks, days, seed=seed)
    for f in half.rglob("*.day"):
        f.write_bytes(f.read_bytes()[:days // 2 * 32])
    rates = []
    try:
        for src in (half, vipdoc):
            store = make_store(name, **options)
            t = time.perf_counter()
            with store:
                rows = Importer(store, LocalTdxSource(src), DAY_ONLY).run().rows
            rates.append(rows / (time.perf_counter() - t))
            assert rows == stocks * (days // 2 if src is half else days - days // 2), rows
        return rates[0], rates[1]
    finally:
        with make_store(name, **options) as s:
            s.drop_all()  # type: ignore[attr-defined]


def preload(data: Path, runs: int = 3) -> tuple[float, int, float, float]:
    """(median seconds of ``read_last_n``, stocks, bytes held per bar, median seconds of the naive h5py
    baseline: each stock's table sliced ``[-1000:]`` in turn, rows left as HDF5 records)."""
    codes = []
    with make_store("hdf5", directory=data) as s:
        for m in ("SH", "SZ", "BJ"):
            codes += [m + c for c in s.codes(m)]
    times = []
    for _ in range(runs):
        with make_store("hdf5", directory=data) as s:
            t = time.perf_counter()
            got = s.read_last_n(codes, "DAY", 1000)
            times.append(time.perf_counter() - t)
    assert all(len(v) == 1000 for v in got.values()), "preload returned short histories"
    del got
    with make_store("hdf5", directory=data) as s:
        tracemalloc.start()
        got = s.read_last_n(codes, "DAY", 1000)
        held = tracemalloc.get_traced_memory()[0]  # what is still allocated: the history a strategy keeps
        tracemalloc.stop()
    per_bar = held / sum(len(v) for v in got.values())
    del got
    base = []
    for _ in range(runs):
        t = time.perf_counter()
        for m in ("sh", "sz", "bj"):
            with h5py.File(data / f"{m}_day.h5", "r") as f:
                group = f["data"]
                for name in group:
                    group[name][-1000:]
        base.append(time.perf_counter() - t)
    return statistics.median(times), len(codes), per_bar, statistics.median(base)


def hikyuu_preload(data: Path, runs: int = 2) -> dict | None:
    """Hikyuu's own C++ core (2.8.3, in the chroot of ``tests/services/hikyuu_core.py``) preloading the same
    HDF5 files: ``StockManager.init`` with ``[preload] day``, timed inside the chroot. ``None`` (with the
    reason printed) where the chroot cannot be built or entered (it needs root and Debian's mirror)."""
    try:
        from tests.services import hikyuu_core

        core = hikyuu_core.ensure()
    except Exception as e:  # noqa: BLE001 - the comparison is optional; say why it is missing
        print(f"  (Hikyuu's C++ core not available for comparison: {e})")
        return None
    from hikyuu_live.config import hikyuu_ini_text

    folder = core.new_dir()
    try:
        shutil.copytree(data, folder[0], dirs_exist_ok=True)
        results = [core.time_preload(folder, hikyuu_ini_text("hdf5", folder[1])) for _ in range(runs)]
        return min(results, key=lambda r: r["seconds"])
    finally:
        shutil.rmtree(folder[0], ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--small", action="store_true", help="a quick run on a small market")
    ap.add_argument("--tmp", type=Path, default=None, help="folder for the generated files (default: system temp)")
    args = ap.parse_args()
    stocks, days = (300, 2500) if args.small else (5000, 2500)
    sql_stocks, ch_stocks, pre_stocks = (20, 100, 600) if args.small else (120, 1000, 6000)
    root = Path(tempfile.mkdtemp(prefix="bench_import_", dir=args.tmp))
    try:
        print(f"bench_import: {stocks} stocks x {days} day bars ({'small' if args.small else 'full'} run)")
        vipdoc = make_large_market(root / "tdx", stocks, days)
        codes = [(m, c) for m in ("SH", "SZ", "BJ") for c in LocalTdxSource(vipdoc).list_codes(m, KType.DAY)]

        r = import_hdf5(vipdoc, root / "h5")
        rate = r["rows"] / r["seconds"]
        assert r["rows"] == stocks * days and r["rejected"] == 0, r
        with make_store("hdf5", directory=root / "h5") as s:
            m, c = codes[len(codes) // 2]
            assert np.allclose(s.read_range(m + c, "DAY")["close"], read_day(vipdoc / m.lower() / "lday" /
                                                                            f"{m.lower()}{c}.day", m, c)["close"])
        base = baseline_hdf5(vipdoc, root, codes[:: max(1, len(codes) // 200)])
        print(f"  HDF5 import: {r['rows']:,} rows in {r['seconds']:.1f} s = {rate:,.0f} rows/s, "
              f"peak {r['peak_mb']:.0f} MB; baseline (pytdx unpack + h5py gzip 9) {base:,.0f} rows/s, "
              f"ratio {rate / base:.1f}x")
        print(verdict("HDF5 import rows/s", rate, 1e6, lower_is_better=False))
        print(verdict("HDF5 import peak memory", r["peak_mb"], 500, unit=" MB"))

        shsz = [mc for mc in codes if mc[0] != "BJ"]  # pytdx's reader knows no Beijing files
        ours, theirs = parsing(vipdoc, shsz[:: max(1, len(shsz) // 300)])
        print(f"  .day parsing: ours {ours * 1e3:.0f} ms, pytdx {theirs * 1e3:.0f} ms on the same files")
        print(verdict(".day parsing speed vs pytdx (x)", theirs / ours, 10, lower_is_better=False))

        tag = f"bench{uuid.uuid4().hex[:8]}_"
        os.sync()  # the HDF5 files above are still being written back: not the database's cost
        serial = import_db("mysql", root / "sql1", sql_stocks, days, 8, schema_prefix=tag, writers=1)
        first, more = import_db("mysql", root / "sql", sql_stocks, days, 8, schema_prefix=tag)
        print(f"  MySQL, 4 writer connections, {days:,} bars per stock: {first:,.0f} rows/s creating 6 MyISAM tables "
              f"per stock, {more:,.0f} rows/s into them; baseline one connection {serial[0]:,.0f} and "
              f"{serial[1]:,.0f} rows/s, ratio {first / serial[0]:.1f}x and {more / serial[1]:.1f}x")
        print(verdict(f"MySQL rows/s into existing tables ({sql_stocks} stocks)", more, 1e5, lower_is_better=False))
        print(verdict(f"MySQL rows/s, first import ({sql_stocks} stocks)", first, 1e5, lower_is_better=False))

        from tests.services import clickhouse as chs

        server = chs.start(root / "clickhouse")
        try:
            first, more = import_db("clickhouse", root / "ch", ch_stocks, days, 9, port=server.http_port,
                                    database_prefix=tag)
            print(f"  ClickHouse: {first:,.0f} rows/s first import, {more:,.0f} rows/s second")
            print(verdict(f"ClickHouse rows/s, first import ({ch_stocks} stocks)", first, 5e5,
                          lower_is_better=False))
        finally:
            server.stop()

        pre = root / "pre"
        make_large_market(pre, pre_stocks, 1000, seed=10)
        import_hdf5(pre / "vipdoc", pre / "h5")
        seconds, n, per_bar, base = preload(pre / "h5")
        print(f"  preload: {n} stocks x 1000 day bars in {seconds:.2f} s = {seconds / n / 1000 * 1e9:.0f} ns/bar, "
              f"{per_bar:.1f} bytes held per bar; baseline (h5py table[-1000:] per stock) {base:.2f} s, "
              f"ratio {base / seconds:.1f}x")
        hku = hikyuu_preload(pre / "h5")
        if hku is not None:
            ns = hku["seconds"] / max(1, hku["day_bars"]) * 1e9
            print(f"  Hikyuu's C++ core on the same files: {hku['day_bars']:,} day bars of {hku['stocks']} stocks in "
                  f"{hku['seconds']:.2f} s = {ns:.0f} ns/bar")
            print(verdict("preload time per bar vs Hikyuu's C++ core (x)", seconds / n / 1000 * 1e9 / ns, 1.0,
                          unit="x"))
        print(verdict(f"preload {n} stocks x 1000 day bars (s)", seconds, 1.8 if not args.small else 1.8 * n / 6000,
                      unit=" s"))
        print(verdict("preload memory per bar", per_bar, 64, unit=" B"))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
