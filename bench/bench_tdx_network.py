"""History import over the TDX network protocol: day bars of 2,000 stocks x 1,000 days from three local
stand-in TDX servers (separate processes, 5 ms latency per answer) into each store.

Reports per store: wall time (target <= 60 s), rows/s, and CPU time of our side per 1M rows (decode,
validate, write: the CPU of this process, which holds the client, the pool's threads, validation and
the store writer; the servers and database servers run in other processes), split into decode and
validate (measured on the same bars) and the rest. Baselines measured in the same run: pytdx's own
parser on the same answers (decode CPU), and one server fetched sequentially with pytdx's stock client
(``TdxHq_API.get_security_bars``) on a subset (rows/s). Asserts the imported data is correct; never
fails on timing.

Run: ``python -m bench.bench_tdx_network [--stocks 2000] [--days 1000] [--stores hdf5,mysql,clickhouse]``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime
from pathlib import Path

import numpy as np

from bench.common import verdict
from hikyuu_live.clock import EXCHANGE_TZ, FakeClock
from hikyuu_live.data.importer import Importer, ImportOptions
from hikyuu_live.model.kdata import KType
from hikyuu_live.model.validate import check_bars
from hikyuu_live.store import make_store
from hikyuu_live.tdx.network.decode import decode_bars
from hikyuu_live.tdx.network.hosts import TdxHost
from hikyuu_live.tdx.network.source import NetworkOptions, NetworkSource
from tests.standins import tdx_wire as w
from tests.standins.tdx_market import MarketData, synthetic_securities

ROOT = Path(__file__).resolve().parents[1]
END = date(2026, 11, 20)
LATENCY_MS = 5.0


def start_servers(n: int, stocks: int, days: int) -> tuple[list[subprocess.Popen], list[TdxHost]]:
    procs, hosts = [], []
    for i in range(n):
        p = subprocess.Popen([sys.executable, "-m", "tests.standins.tdx_server", "--latency-ms", str(LATENCY_MS),
                              "--stocks", str(stocks), "--days", str(days), "--minute-days", "0",
                              "--end", END.isoformat()], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)
        line = p.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"stand-in server {i} did not start: {line!r}")
        procs.append(p)
        hosts.append(TdxHost("127.0.0.1", int(line.split()[1]), f"standin{i}"))
    return procs, hosts


def stop_servers(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        try:
            p.stdin.close()
            p.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            p.kill()


def decode_cpu(market: MarketData, keys: list[str]) -> tuple[float, float, int, np.ndarray]:
    """CPU seconds of our decoder and of pytdx's parser over the same 800-bar answers; rows; all bars."""
    from pytdx.parser.get_security_bars import GetSecurityBarsCmd

    bodies = []
    for k in keys:
        b = market.day_bars(k[:2], k[2:])
        for lo in range(0, len(b), 800):
            sl = slice(lo, lo + 800)
            bodies.append(w.bars_body(9, b.dt[sl], b.price1000[sl], w.float4_array(b.vol[sl]),
                                      w.float4_array(b.amount[sl])))
    t = time.process_time()
    ours = [decode_bars(body, 9) for body in bodies]
    ours_s = time.process_time() - t
    cmd = GetSecurityBarsCmd(None)
    cmd.category = 9
    t = time.process_time()
    for body in bodies:
        cmd.parseResponse(body)
    theirs_s = time.process_time() - t
    return ours_s, theirs_s, sum(len(o) for o in ours), np.concatenate(ours)


def pytdx_sequential(host: TdxHost, keys: list[str], days: int) -> tuple[float, int]:
    """Wall seconds and rows: one connection, pytdx's own client and parser, no store."""
    from pytdx.hq import TdxHq_API

    api = TdxHq_API()
    api.connect(host.host, host.port)
    rows = 0
    t = time.perf_counter()
    for k in keys:
        market = {"SZ": 0, "SH": 1, "BJ": 2}[k[:2]]
        start = 0
        while start < days:
            bars = api.get_security_bars(9, market, k[2:], start, 800)
            rows += len(bars)
            if len(bars) < 800:
                break
            start += 800
    elapsed = time.perf_counter() - t
    api.disconnect()
    return elapsed, rows


def run_store(kind: str, hosts: list[TdxHost], market: MarketData, workers: int, ch_port: int | None,
              tmp: Path) -> dict:
    prefix = f"bench_tdxnet_{uuid.uuid4().hex[:6]}_"
    if kind == "hdf5":
        store = make_store("hdf5", directory=str(tmp / "h5"))
    elif kind == "mysql":
        store = make_store("mysql", host="127.0.0.1", port=3306, user="root", password="", schema_prefix=prefix)
    else:
        store = make_store("clickhouse", host="127.0.0.1", port=ch_port, database_prefix=prefix)
    source = NetworkSource(hosts, NetworkOptions(use_tdx_number=workers, timeout_s=10))
    clock = FakeClock(datetime(END.year, END.month, END.day, 18, 0, tzinfo=EXCHANGE_TZ))
    try:
        with store:
            t, c = time.perf_counter(), time.process_time()
            report = Importer(store, source, ImportOptions(ktypes=(KType.DAY,), commit_every_s=30), clock=clock).run()
            wall, cpu = time.perf_counter() - t, time.process_time() - c
            check(store, market)
    finally:
        source.close()
        if kind != "hdf5":
            store.drop_all()
    assert report.failed == 0 and report.quarantine.total == 0, report.failed
    return {"wall": wall, "cpu": cpu, "rows": report.rows, "requests": source.report.requests}


def check(store, market: MarketData, sample: int = 25) -> None:
    keys = sorted(market.securities)
    rng = np.random.default_rng(5)
    for k in rng.choice(keys, size=min(sample, len(keys)), replace=False):
        got = store.read_range(str(k), KType.DAY)
        want = market.day_bars(k[:2], k[2:])
        assert len(got) == len(want), k
        assert np.allclose(got["close"], want.price1000[:, 3] / 1000, atol=1e-6), k
        assert np.allclose(got["volume"], want.vol), k


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stocks", type=int, default=2000)
    ap.add_argument("--days", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=3, help="use_tdx_number (one connection per server)")
    ap.add_argument("--stores", default="hdf5,mysql,clickhouse")
    ap.add_argument("--baseline-stocks", type=int, default=200, help="stocks fetched by the sequential baseline")
    args = ap.parse_args(argv)
    kinds = [k.strip() for k in args.stores.split(",") if k.strip()]

    market = MarketData(synthetic_securities(args.stocks), end=END, days=args.days, minute_days=0)
    keys = sorted(market.securities)
    print(f"TDX network import benchmark: {len(keys)} securities x {args.days} day bars, 3 stand-in servers "
          f"with {LATENCY_MS:.0f} ms latency, use_tdx_number={args.workers}")

    ours_s, theirs_s, rows, bars = decode_cpu(market, keys)
    t = time.process_time()
    check_bars(bars, KType.DAY)
    validate_s = time.process_time() - t
    per_m = 1e6 / rows
    print(f"decode CPU per 1M rows: ours {ours_s * per_m:.2f} s, pytdx's parser {theirs_s * per_m:.2f} s "
          f"({theirs_s / ours_s:.1f}x); validate {validate_s * per_m:.3f} s")

    procs, hosts = start_servers(3, args.stocks, args.days)
    ch = None
    tmp = Path(tempfile.mkdtemp(prefix="bench_tdxnet_"))
    try:
        base_keys = keys[: args.baseline_stocks]
        base_wall, base_rows = pytdx_sequential(hosts[0], base_keys, args.days)
        base_rate = base_rows / base_wall
        print(f"baseline: 1 server, sequential, pytdx client+parser, no store: {base_rows} rows in "
              f"{base_wall:.1f} s = {base_rate:,.0f} rows/s (-> {rows / base_rate:.0f} s for the full set)")
        if "clickhouse" in kinds:
            from tests.services.clickhouse import start

            ch = start(tmp / "clickhouse")
        results = {}
        for kind in kinds:
            r = run_store(kind, hosts, market, args.workers, ch.http_port if ch else None, tmp)
            results[kind] = r
            rate = r["rows"] / r["wall"]
            cpu_m = r["cpu"] * 1e6 / r["rows"]
            rest = cpu_m - (ours_s + validate_s) * per_m
            print(f"{kind:<10} {r['rows']} rows in {r['wall']:.1f} s = {rate:,.0f} rows/s "
                  f"({rate / base_rate:.1f}x baseline), {r['requests']} requests; our CPU {cpu_m:.2f} s per 1M rows "
                  f"(decode {ours_s * per_m:.2f}, validate {validate_s * per_m:.2f}, write and the rest {rest:.2f})")
            print(verdict(f"{kind}: wall seconds", r["wall"], 60.0, unit=" s"))
    finally:
        stop_servers(procs)
        if ch is not None:
            ch.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
