"""Burst benchmark: full-market cycles as bursts of 60-spot messages (the batch of the qq collector and of
Hikyuu's own spot_server) from one publisher process to two strategies at once, ours and Hikyuu 2.8.3's own
(its C++ SpotAgent and event loop, in the chroot of ``tests/services/hikyuu_core.py``), both with a trivial
Python ``on_change``. Measured per cycle: the time from the first message sent to the last ``on_change``
(same host clock). Scenarios: 5,000 and 6,000 spots, ktypes ``day`` and ``day,min,min5``, and the whole cycle
in one message. Both sides get the same history (a synthetic market imported into HDF5 with our importer,
which Hikyuu reads) and every code of the universe.

Targets (issue 16): median ours / Hikyuu <= 1.0 over >= 20 cycles, p99 <= 60 ms, nothing lost; single-message
cycles as fast as before. ``--baseline-root`` runs a third strategy from another checkout (e.g. the commit
before a change) on the same publisher, for a same-run before/after figure. ``--pin`` gives each side a core
of its own (ours on CPU 0; Hikyuu's agent and the publisher on CPU 1; a baseline strategy on CPU 0 too): on
a 2-core machine the two strategies otherwise take CPU from each other, and what is measured is partly the
other side's work.
Run (root, for the chroot): ``python -m bench.bench_burst [--cycles 25] [--scenarios all]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bench.common import pct, verdict
from hikyuu_live.clock import EXCHANGE_TZ
from hikyuu_live.config import hikyuu_ini_text
from hikyuu_live.model.kdata import KType
from hikyuu_live.tdx.files import LocalTdxSource

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WARMUP = 3
SCENARIOS = {
    "5000-day": (5000, 60, "day"), "6000-day": (6000, 60, "day"),
    "5000-min": (5000, 60, "day,min,min5"), "6000-min": (6000, 60, "day,min,min5"),
    "6000-one": (6000, 6000, "day"),
}


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_data(root: Path, stocks: int) -> tuple[Path, list[str]]:
    """A synthetic market of ``stocks`` with 120 day bars each, imported into HDF5 by our importer."""
    from bench.bench_import import import_hdf5
    from scripts.make_tdx_vipdoc import make_large_market

    vipdoc = make_large_market(root / "tdx", stocks, 120, seed=11)
    r = import_hdf5(vipdoc, root / "h5")
    src = LocalTdxSource(vipdoc)
    codes = [m + c for m in ("SH", "SZ", "BJ") for c in src.list_codes(m, KType.DAY)]
    print(f"  data: {len(codes)} stocks x 120 day bars imported in {r['seconds']:.1f} s", flush=True)
    return root / "h5", codes


def latencies(side: dict, sent: list[dict], spots: int) -> tuple[list[float], int]:
    """(ms from first send to last on_change per cycle after the warm-up, calls missing over all cycles)."""
    cycles = {int(k): v for k, v in side.get("cycles", {}).items()}
    out, missing = [], 0
    for s in sent:
        got = cycles.get(s["cycle"])
        missing += spots - (got[1] if got else 0)
        if got and s["cycle"] > WARMUP and got[1] == spots:
            out.append((got[0] - s["first_send_us"]) / 1e3)
    return out, missing


def _on_cpu(cpu: int | None) -> dict:
    """Popen arguments that keep a child (and its threads) on one CPU, or none."""
    if cpu is None:
        return {}
    return {"preexec_fn": lambda: os.sched_setaffinity(0, {cpu})}


def run(name: str, core: object, folder: tuple[Path, str], codes_file: Path, work: Path, cycles: int,
        base_root: Path | None, pin: bool = False) -> dict:
    spots, batch, ktypes = SCENARIOS[name]
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    today = datetime.now(EXCHANGE_TZ).date()
    base = f"{today.isoformat()}T10:00:00"
    ini = hikyuu_ini_text("hdf5", folder[1], quotation_server=address)
    (folder[0] / "hikyuu.ini").write_text(ini, encoding="utf-8")
    shutil.copy(HERE / "hikyuu_burst_child.py", core.root / "opt" / "hikyuu_burst_child.py")  # type: ignore[attr-defined]
    shutil.copy(codes_file, folder[0] / "codes.json")
    outs = {k: work / f"{name}-{k}.json" for k in ("pub", "ours", "hikyuu", "before")}
    for path in outs.values():
        path.unlink(missing_ok=True)
    common = ["--codes", str(codes_file), "--spots", str(spots), "--cycles", str(cycles), "--base", base]
    subs = []
    ours_cpu, other_cpu = (0, 1) if pin else (None, None)
    ours = subprocess.Popen([sys.executable, str(HERE / "burst_strategy_child.py"), "--address", address,
                             "--ktypes", ktypes, "--out", str(outs["ours"]), *common], **_on_cpu(ours_cpu))
    subs.append(ours)
    if base_root is not None:
        subs.append(subprocess.Popen([sys.executable, str(base_root / "bench" / "burst_strategy_child.py"),
                                      "--address", address, "--ktypes", ktypes, "--out", str(outs["before"]),
                                      *common], cwd=base_root, **_on_cpu(ours_cpu)))
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "BENCH_TIMEOUT": str(cycles * 3 + 120)}
    hku = subprocess.Popen(["chroot", str(core.root), "/opt/hv/bin/python", "/opt/hikyuu_burst_child.py",  # type: ignore[attr-defined]
                            f"{folder[1]}/hikyuu.ini", f"{folder[1]}/codes.json", str(spots), ktypes, str(cycles),
                            base, "2", f"{folder[1]}/{name}-hikyuu.json"], env=env, cwd="/",
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **_on_cpu(other_cpu))
    subs.append(hku)
    pub = subprocess.Popen([sys.executable, str(HERE / "burst_publisher_child.py"), "--address", address,
                            "--batch", str(batch), "--subscribers", str(len(subs)), "--out", str(outs["pub"]),
                            *common], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, **_on_cpu(other_cpu))
    assert pub.stdout is not None and pub.stdin is not None
    line = pub.stdout.readline()
    assert line.strip() == "connected", line
    time.sleep(3.0)  # every strategy has finished its preload and runs its loop
    pub.stdin.write("go\n")
    pub.stdin.flush()
    pub.wait(timeout=cycles * 3 + 120)
    for child in subs:
        try:
            child.wait(timeout=cycles * 3 + 120)
        except subprocess.TimeoutExpired:
            child.kill()
    sent = json.loads(outs["pub"].read_text())
    result = {"name": name, "spots": spots, "batch": batch, "ktypes": ktypes,
              "burst_ms": statistics.median(s["burst_ms"] for s in sent)}
    hku_out = folder[0] / f"{name}-hikyuu.json"
    for side, path in (("ours", outs["ours"]), ("hikyuu", hku_out), ("before", outs["before"])):
        if path.exists():
            result[side] = latencies(json.loads(path.read_text()), sent, spots)
    return result


def report(r: dict) -> None:
    print(f"  {r['name']}: {r['spots']} spots in messages of {r['batch']}, ktypes {r['ktypes']}, "
          f"burst sent in {r['burst_ms']:.1f} ms (median)")
    for side in ("ours", "before", "hikyuu"):
        if side not in r:
            continue
        lat, missing = r[side]
        if not lat:
            print(f"    {side:<7} no complete cycle (missing calls {missing})")
            continue
        print(f"    {side:<7} last on_change after the first send: median {statistics.median(lat):6.1f} ms  "
              f"p99 {pct(lat, 99):6.1f} ms  min {min(lat):6.1f} ms  cycles {len(lat)}  missing calls {missing}")
    if "ours" in r and "hikyuu" in r and r["ours"][0] and r["hikyuu"][0]:
        ratio = statistics.median(r["ours"][0]) / statistics.median(r["hikyuu"][0])
        print(verdict(f"{r['name']} median ours / Hikyuu", ratio, 1.0, unit="x"))
        print(verdict(f"{r['name']} p99 ours", pct(r["ours"][0], 99), 60, unit=" ms"))
        print(verdict(f"{r['name']} calls lost, ours", r["ours"][1], 0))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cycles", type=int, default=25, help="cycles per scenario (the first 3 are warm-up)")
    ap.add_argument("--scenarios", default="all", help=f"comma-separated of {', '.join(SCENARIOS)}")
    ap.add_argument("--baseline-root", type=Path, default=None,
                    help="a checkout whose Strategy runs as a third subscriber (same-run before/after)")
    ap.add_argument("--pin", action="store_true", help="each side on a core of its own (see the docstring)")
    args = ap.parse_args()
    if args.pin and len(os.sched_getaffinity(0)) < 2:
        ap.error("--pin needs two CPUs")
    names = list(SCENARIOS) if args.scenarios == "all" else args.scenarios.split(",")
    from tests.services import hikyuu_core

    core = hikyuu_core.ensure()
    work = Path(tempfile.mkdtemp(prefix="bench_burst_"))
    folder = core.new_dir()
    try:
        pinned = "ours on CPU 0, Hikyuu and the publisher on CPU 1" if args.pin else "not pinned"
        print(f"bench_burst: {args.cycles} cycles per scenario, {pinned}, load {os.getloadavg()[0]:.2f}", flush=True)
        h5, codes = make_data(work, 6000)
        shutil.copytree(h5, folder[0], dirs_exist_ok=True)
        codes_file = work / "codes.json"
        codes_file.write_text(json.dumps(codes))
        for name in names:
            report(run(name, core, folder, codes_file, work, args.cycles, args.baseline_root, args.pin))
            print(f"  (load {os.getloadavg()[0]:.2f})", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(folder[0], ignore_errors=True)


if __name__ == "__main__":
    main()
