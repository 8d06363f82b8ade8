"""Data server benchmark: 6,000 stocks with a cycle every 3 s into ``dataserver --buf --save``, then 8 client
processes asking ``tick`` and ``market`` as fast as they can while the feed goes on.

Measured, each process on its own (publisher, server, every client):

- ingest CPU share: the server's process CPU time (``time.process_time`` read through ``status``) over wall
  time while only the feed runs: decode, de-duplicate, bars, HDF5 saves, everything;
- answers per second over all clients and the p99 of their request latencies (closed loop: each client has
  one request in flight; a ``tick`` asks the last 30 s of one stock, a ``market`` 1-5 stocks' DAY, MIN or
  MIN5 bars of the day).

Then, for 6 s, one client pulls 2,000 codes of minute bars again and again while another asks one DAY bar
at a time: the small requests' p99 shows whether a large answer holds up the others.

Baselines of the same run: the same loads against a single-worker server (``-n 1``), and the cost of the
MessagePack work alone of one request and answer (what a server could not go below in Python). Also: the
answer rows built with numpy records (``dataserver/packing.py``) against msgpack of the same rows as lists.

``--flood`` (issue 16): 50 connections send heavy legal requests as fast as they can, first the load
script's ``market`` naming one code 10,000 times, then every code's minute bars (a request no
de-duplication shortens), while a well-behaved client (its own process) asks one stock's DAY bars or
30 s of ticks at a time, pausing 20 ms between requests (``--pause-ms``; 0 makes it one more client
asking as fast as it can, which the server then serves as fairly as the others). Baseline: the same
client on the same server with no flood, in the same run. Measured: its p99 and timeouts during the
flood, and how long after the flood stops its requests are back to the quiet latency.
Run: ``python -m bench.bench_dataserver [--stocks 6000] [--interval 3] [--seconds 15] [--workers 4]``,
``python -m bench.bench_dataserver --flood [--flood-clients 50] [--flood-seconds 10]``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import msgpack
import numpy as np

from bench.common import pct, verdict
from hikyuu_live.dataserver import BufferServerClient
from hikyuu_live.dataserver.protocol import Limits, decode_answer, decode_request, encode_ok, encode_request
from hikyuu_live.errors import HikyuuLiveError
from hikyuu_live.model.spot import market_codes

ROOT = Path(__file__).resolve().parents[1]
PUBLISHER = Path(__file__).with_name("dataserver_publisher_child.py")
CLIENT = Path(__file__).with_name("dataserver_client_child.py")
LIGHT = Path(__file__).with_name("dataserver_light_child.py")
HEAVY = ROOT / "tests" / "dataserver" / "heavy_child.py"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_status(addr: str, predicate, timeout_s: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with BufferServerClient(addr, timeout_s=5) as c:
                st = c.status()
            if predicate(st):
                return st
        except HikyuuLiveError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"server not in the expected state after {timeout_s} s")
        time.sleep(0.2)


def run(args: argparse.Namespace, workers: int, tmp: Path) -> dict:
    bus, addr = f"ipc://{tmp}/bus-{workers}.ipc", f"tcp://127.0.0.1:{free_port()}"
    env = {**os.environ, "HKU_HOME": str(tmp / "config")}
    log = open(tmp / f"server-{workers}.log", "w")  # noqa: SIM115
    server = subprocess.Popen([sys.executable, "-m", "hikyuu_live.gui.dataserver", "--addr", addr,
                               "--quotation-server", bus, "--buf", "--save", "--tick-dir", str(tmp / f"tick-{workers}"),
                               "--today", "2026-11-24", "-n", str(workers), "--status-s", "3600"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    pub = None
    try:
        wait_status(addr, lambda st: st["ready"])
        pub = subprocess.Popen([sys.executable, str(PUBLISHER), "--address", bus, "--stocks", str(args.stocks),
                                "--interval", str(args.interval)], cwd=ROOT, stdout=subprocess.DEVNULL)
        s = args.stocks
        wait_status(addr, lambda st: st["ticks"] >= 2 * s)  # warm-up: two cycles (shards, first file)
        st0, t0 = wait_status(addr, lambda st: True), time.monotonic()
        time.sleep(args.ingest_cycles * args.interval)
        st1, t1 = wait_status(addr, lambda st: True), time.monotonic()
        ingest = {
            "share": (st1["process"]["cpu_s"] - st0["process"]["cpu_s"]) / (t1 - t0),
            "thread_share": (st1["ingest"]["cpu_s"] - st0["ingest"]["cpu_s"]) / (t1 - t0),
            "ticks_per_s": (st1["ticks"] - st0["ticks"]) / (t1 - t0),
        }
        start_at = time.time() + 4.0  # clients import, connect and take a snapshot first
        clients = [subprocess.Popen([sys.executable, str(CLIENT), "--addr", addr, "--start-at", str(start_at),
                                     "--seconds", str(args.seconds), "--seed", str(i)], cwd=ROOT,
                                    stdout=subprocess.PIPE, text=True) for i in range(args.clients)]
        reports = [json.loads(c.communicate(timeout=args.seconds + 120)[0]) for c in clients]
        mixed = mixed_load(addr, args.mixed_seconds)
        st2 = wait_status(addr, lambda st: True)
        lat = [x for r in reports for x in r["lat_ms"]]
        answers = sum(r["tick"] + r["market"] for r in reports)
        return {"workers": workers, "ingest": ingest, "answers_per_s": answers / args.seconds,
                "p50_ms": pct(lat, 50), "p99_ms": pct(lat, 99), "max_ms": max(lat), "answers": answers,
                "errors": sum(r["errors"] for r in reports), "rows": sum(r["rows"] for r in reports),
                "mixed": mixed, "status": st2}
    finally:
        if pub is not None:
            pub.kill()
            pub.wait(10)
        server.terminate()
        server.wait(60)
        log.close()


def mixed_load(addr: str, seconds: float) -> dict:
    """One client pulls 2,000 codes of minute bars over and over while another asks one DAY bar at a time:
    the small requests' latency shows whether a large answer holds up the others."""
    with BufferServerClient(addr) as c:
        keys = market_codes(c.snapshot()).tolist()
    stop = threading.Event()
    big: list[float] = []

    def pull() -> None:
        with BufferServerClient(addr, timeout_s=60) as c:
            while not stop.is_set():
                t = time.perf_counter()
                got = c.market(keys[:2000], "MIN")
                big.append(time.perf_counter() - t)
                assert len(got) == 2000

    puller = threading.Thread(target=pull)
    puller.start()
    time.sleep(0.5)
    small: list[float] = []
    with BufferServerClient(addr) as c:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            t = time.perf_counter()
            assert len(c.market([keys[7]], "DAY")[keys[7]]) == 1
            small.append(time.perf_counter() - t)
    stop.set()
    puller.join()
    return {"small_p99_ms": pct(small, 99) * 1e3, "small_per_s": len(small) / seconds,
            "big_ms": pct(big, 50) * 1e3, "big": len(big)}


def msgpack_alone(reps: int = 3000) -> float:
    """Seconds of the MessagePack work of one request/answer pair (both sides), for a tick answer of 10 rows."""
    row = ["2026-11-24 09:30:03", 10.0, 10.1, 10.2, 9.9, 10.05, 1234.5, 5678.0, [10.04] * 5, [12.0] * 5,
           [10.05] * 5, [9.0] * 5]
    limits = Limits()
    t = time.perf_counter()
    for _ in range(reps):
        body = encode_request("tick", market="SH", code="600000", datetime="2026-11-24 09:30:00")
        decode_request(body, limits)
        decode_answer(encode_ok([row] * 10))
    return (time.perf_counter() - t) / reps


def packing_speed(rows: int = 213_000) -> tuple[float, float]:
    """Seconds to build ``rows`` bar rows (a 16 MB answer) as msgpack of lists, and as numpy records."""
    from hikyuu_live.dataserver.packing import pack_bar_rows
    from hikyuu_live.dataserver.protocol import bar_rows

    rng = np.random.default_rng(3)
    dt = (np.datetime64("2026-11-24T09:31", "us") + np.arange(rows) % 240 * np.timedelta64(60, "s")).astype(np.int64)
    cols = [np.round(rng.random(rows) * 100, 2) for _ in range(6)]
    t = time.perf_counter()
    lists = msgpack.packb(bar_rows(dt, cols), use_bin_type=True)
    t_lists = time.perf_counter() - t
    t = time.perf_counter()
    packed = pack_bar_rows(dt, cols)
    t_numpy = time.perf_counter() - t
    assert lists.endswith(packed)
    return t_lists, t_numpy


def start_server(tmp: Path, name: str, *extra: str, save: bool = True) -> tuple[subprocess.Popen, str, str, object]:
    bus, addr = f"ipc://{tmp}/bus-{name}.ipc", f"tcp://127.0.0.1:{free_port()}"
    env = {**os.environ, "HKU_HOME": str(tmp / "config")}
    log = open(tmp / f"server-{name}.log", "w")  # noqa: SIM115
    saving = ["--save", "--tick-dir", str(tmp / f"tick-{name}")] if save else []
    server = subprocess.Popen([sys.executable, "-m", "hikyuu_live.gui.dataserver", "--addr", addr,
                               "--quotation-server", bus, "--buf", *saving,
                               "--today", "2026-11-24", "--status-s", "3600", *extra],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    return server, bus, addr, log


def light_client(addr: str, start_at: float, seconds: float, pause_ms: float) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(LIGHT), "--addr", addr, "--start-at", str(start_at),
                             "--seconds", str(seconds), "--timeout", "5", "--pause-ms", str(pause_ms)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)


def flood_phase(addr: str, mode: str, args: argparse.Namespace, quiet_p99_ms: float, quiet_max_ms: float) -> dict:
    """50 heavy connections (5 processes of 10) for ``flood_seconds``; the light client from 1 s after the
    start until ``after_seconds`` after the end."""
    t0 = time.time() + 4.0  # children import and connect first
    flood_end = t0 + args.flood_seconds
    per = max(1, args.flood_clients // 5)
    heavy = [subprocess.Popen([sys.executable, str(HEAVY), "--addr", addr, "--mode", mode, "--conns", str(per),
                               "--seconds", str(args.flood_seconds), "--timeout", "5", "--ktype", "MIN",
                               "--start-at", str(t0)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
             for _ in range(args.flood_clients // per)]
    light = light_client(addr, t0 + 1.0, args.flood_seconds - 1.0 + args.after_seconds, args.pause_ms)
    reports = [json.loads(p.communicate(timeout=args.flood_seconds + 120)[0]) for p in heavy]
    flood_stopped = time.time()  # every heavy request answered, given up or dropped
    lr = json.loads(light.communicate(timeout=args.flood_seconds + args.after_seconds + 60)[0])
    st = wait_status(addr, lambda s: True)
    sent, lat = np.array(lr["sent"]), np.array(lr["lat_ms"])
    during = lat[sent + lat / 1e3 <= flood_end]
    after = sent > flood_end
    # slower than anything seen without the flood (the feed's cycles and saves included) is not normal
    normal = max(3 * quiet_p99_ms, quiet_max_ms, 10.0)
    slow_after = [(s - flood_end) + lat_ms / 1e3 for s, lat_ms in zip(sent[after], lat[after], strict=True)
                  if lat_ms > normal]
    rets: dict[str, int] = {}
    for r in reports:
        for k, v in r["rets"].items():
            rets[k] = rets.get(k, 0) + v
    heavy_lat = [x for r in reports for x in r["lat_s"]]
    return {"mode": mode, "request_bytes": reports[0]["request_bytes"],
            "max_answer_bytes": max(r["max_answer_bytes"] for r in reports), "heavy_rets": rets,
            "heavy_p50_ms": pct(heavy_lat, 50) * 1e3 if heavy_lat else float("nan"),
            "p50_ms": float(np.percentile(during, 50)) if len(during) else float("nan"),
            "p99_ms": float(np.percentile(during, 99)) if len(during) else float("nan"),
            "max_ms": float(during.max()) if len(during) else float("nan"), "answers": len(during),
            "failures": lr["failures"], "recovery_s": max(slow_after, default=0.0), "normal_ms": normal,
            "after_answers": int(after.sum()), "drain_s": flood_stopped - flood_end,
            "slow_after": [(round(float(t) - flood_end, 2), round(float(ms), 1))
                           for t, ms in zip(sent[after], lat[after], strict=True) if ms > normal][:10],
            "queue": st.get("queue", {}), "clients": st["clients"]}


def run_flood(args: argparse.Namespace, tmp: Path) -> None:
    server, bus, addr, log = start_server(tmp, "flood", "-n", str(args.workers), save=not args.no_save)
    pub = None
    try:
        wait_status(addr, lambda st: st["ready"])
        pub = subprocess.Popen([sys.executable, str(PUBLISHER), "--address", bus, "--stocks", str(args.stocks),
                                "--interval", str(args.interval)], cwd=ROOT, stdout=subprocess.DEVNULL)
        wait_status(addr, lambda st: st["ticks"] >= 2 * args.stocks)
        t0 = time.time() + 3.0
        quiet = json.loads(light_client(addr, t0, args.quiet_seconds, args.pause_ms).communicate(timeout=120)[0])
        q = np.array(quiet["lat_ms"])
        quiet_p50, quiet_p99 = float(np.percentile(q, 50)), float(np.percentile(q, 99))
        print(f"  baseline, no flood: well-behaved client p50 {quiet_p50:.2f} ms  p99 {quiet_p99:.2f} ms  "
              f"max {q.max():.1f} ms  "
              f"({len(q):,} answers in {args.quiet_seconds:g} s, failures {quiet['failures'] or 'none'})", flush=True)
        results = [flood_phase(addr, mode, args, quiet_p99, float(q.max())) for mode in ("dupes", "wide")]
    finally:
        if pub is not None:
            pub.kill()
            pub.wait(10)
        server.terminate()
        server.wait(60)
        log.close()  # type: ignore[attr-defined]
    for r in results:
        what = ("one code named 10,000 times (MIN)" if r["mode"] == "dupes" else
                f"every code's MIN bars ({args.stocks:,} codes)")
        print(f"  flood of {args.flood_clients} connections, {what}: request {r['request_bytes'] / 1024:.0f} KB, "
              f"largest answer {r['max_answer_bytes']:,} bytes; heavy answers {r['heavy_rets']} "
              f"(heavy p50 {r['heavy_p50_ms']:.0f} ms)", flush=True)
        print(f"    well-behaved client: p50 {r['p50_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms  max {r['max_ms']:.1f} ms  "
              f"({r['answers']:,} answers, failures {r['failures'] or 'none'}); p99 ratio to no flood "
              f"{r['p99_ms'] / quiet_p99:.1f}x", flush=True)
        print(f"    after the flood: heavy requests drained {r['drain_s']:.2f} s after its end; last request slower "
              f"than {r['normal_ms']:.0f} ms ended {r['recovery_s']:.2f} s after it ({r['after_answers']:,} answers "
              f"after); queue then {r['queue'].get('queued')} queued, {r['queue'].get('dropped_gone')} dropped for "
              f"closed connections, {r['queue'].get('busy')} BUSY; clients {r['clients']}", flush=True)
        if r["slow_after"]:
            print(f"    slow requests after the end (s after it, ms): {r['slow_after']}", flush=True)
    print(f"  load average during the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("targets:")
    for r in results:
        print(verdict(f"p99 while flooded ({r['mode']})", r["p99_ms"], 50, unit=" ms"))
        print(verdict(f"timeouts while flooded ({r['mode']})", float(r["failures"].get("timeout", 0)), 0))
        print(verdict(f"back to normal after the flood ({r['mode']})", r["recovery_s"], 1.0, unit=" s"))


def report(r: dict) -> None:
    st = r["status"]
    print(f"  -n {r['workers']}: ingest {r['ingest']['share'] * 100:5.1f}% of a core (receive thread "
          f"{r['ingest']['thread_share'] * 100:4.1f}%), {r['ingest']['ticks_per_s']:,.0f} ticks/s;  "
          f"{r['answers_per_s']:,.0f} answers/s  p50 {r['p50_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms  "
          f"max {r['max_ms']:.1f} ms  ({r['answers']:,} answers, {r['rows']:,} rows, {r['errors']} errors)", flush=True)
    print(f"        buffer {st['ticks_in_memory']:,} ticks, {st['buffer']['bytes_per_tick']} bytes/tick allocated, "
          f"bars {st['bars'].get('bytes', 0) / 2**20:.0f} MiB, max RSS {st['process']['max_rss_kb'] / 1024:.0f} MiB, "
          f"saved {st['stores'][0]['saved_rows']:,} (pending {st['stores'][0]['pending']})", flush=True)
    m = r["mixed"]
    print(f"        while one client pulls 2,000 codes of minute bars ({m['big_ms']:.0f} ms each, {m['big']} pulls): "
          f"one-bar requests p99 {m['small_p99_ms']:.1f} ms, {m['small_per_s']:,.0f}/s", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stocks", type=int, default=6000)
    ap.add_argument("--interval", type=float, default=3.0)
    ap.add_argument("--ingest-cycles", type=int, default=6)
    ap.add_argument("--seconds", type=float, default=15.0, help="query phase length")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--mixed-seconds", type=float, default=6.0, help="large-answer phase length")
    ap.add_argument("--flood", action="store_true", help="run the heavy-client flood of issue 16 instead")
    ap.add_argument("--flood-clients", type=int, default=50)
    ap.add_argument("--flood-seconds", type=float, default=10.0)
    ap.add_argument("--quiet-seconds", type=float, default=6.0)
    ap.add_argument("--after-seconds", type=float, default=3.0)
    ap.add_argument("--no-save", action="store_true", help="flood: run the server without --save")
    ap.add_argument("--pause-ms", type=float, default=20.0,
                    help="the well-behaved client's pause between requests (0: as fast as it can)")
    args = ap.parse_args()
    if args.flood:
        print(f"dataserver under a flood: {args.stocks:,} stocks, a cycle every {args.interval:g} s, --buf"
              f"{'' if args.no_save else ' --save'}, "
              f"-n {args.workers}; {args.flood_clients} heavy connections for {args.flood_seconds:g} s; the "
              f"well-behaved client pauses {args.pause_ms:g} ms between requests")
        with tempfile.TemporaryDirectory() as d:
            run_flood(args, Path(d))
        return
    print(f"dataserver: {args.stocks:,} stocks, a cycle every {args.interval:g} s, --buf --save (HDF5); "
          f"{args.clients} client processes over tcp for {args.seconds:g} s")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        main_run = run(args, args.workers, tmp)
        report(main_run)
        base = run(args, 1, tmp)
        report(base)
    alone = msgpack_alone()
    print(f"  baseline: MessagePack alone, one tick request + 10-row answer: {alone * 1e6:.1f} µs "
          f"(at most {1 / alone:,.0f} answers/s on one core)")
    t_lists, t_numpy = packing_speed()
    print(f"  a 16 MB answer of 213,000 bar rows: msgpack of lists {t_lists * 1e3:.0f} ms, numpy records "
          f"{t_numpy * 1e3:.0f} ms ({t_lists / t_numpy:.1f}x)")
    print("ratios:")
    print(f"  answers/s -n {args.workers} vs -n 1: {main_run['answers_per_s'] / base['answers_per_s']:.2f}x;  "
          f"p99 -n 1 / -n {args.workers}: {base['p99_ms'] / main_run['p99_ms']:.2f}x")
    print(f"  small-request p99 beside a large answer, -n 1 / -n {args.workers}: "
          f"{base['mixed']['small_p99_ms'] / main_run['mixed']['small_p99_ms']:.2f}x")
    cost = 1 / main_run["answers_per_s"]
    print(f"  wall time per answer over MessagePack alone: {cost / alone:.1f}x")
    print("targets:")
    print(verdict("ingest CPU share (% of one core)", main_run["ingest"]["share"] * 100, 20, unit=" %"))
    print(verdict("answers per second, 8 clients", main_run["answers_per_s"], 2000, lower_is_better=False))
    print(verdict("p99 latency", main_run["p99_ms"], 20, unit=" ms"))
    for r in (main_run, base):
        assert r["errors"] == 0, f"{r['errors']} wrong or failed answers"
        assert r["status"]["buffer"]["duplicates"] == 0 and r["status"]["stores"][0]["errors"] == 0
        assert r["status"]["bus"]["gaps"] == 0, "bus messages were lost"
    assert np.isfinite(alone)


if __name__ == "__main__":
    main()
