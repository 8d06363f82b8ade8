"""The main job on embedded defaults (``make demo``): no broker, no database server, no internet.

The whole chain runs as separate processes, as in production, on a private bus address and config home
under a temporary directory:

1. ``importdata`` imports the sample TDX install ``test_data/vipdoc`` (day, 1-minute and 5-minute bars up
   to 2026-11-23) into HDF5 files in Hikyuu's layout, as configured by fresh default config files;
2. the replay collector (``spot_server --source replay``) publishes the recorded market of the next day,
   ``test_data/replay_sample.csv.gz`` (300 codes, 91 cycles of 2026-11-24);
3. ``strategy_demo2`` (a moving-average system on 1-minute bars, on the market's own clock) preloads its
   history from the HDF5 store, keeps its bars live from the spots and trades through the paper broker;
4. when the recording ends everything stops by itself and a summary is printed: bars imported and
   preloaded, spots received, bars built, signals and orders, cash and positions from the paper broker's
   state file.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "test_data" / "replay_sample.csv.gz"
VIPDOC = ROOT / "test_data" / "vipdoc"
CODES = "sh600000,sz000001,sh510300,sh510050,sz159915"


def _spawn(args: list[str], env: dict[str, str], **kw: object) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", *args], env=env, cwd=ROOT, **kw)  # type: ignore[call-overload]


def _import_history(tmp: Path, env: dict[str, str], timeout_s: float) -> str | None:
    """Default config files in the demo's home with the data under ``tmp``, then ``importdata`` of the
    sample TDX data into HDF5; the import's total line, or ``None`` (with the reason printed) on failure."""
    from hikyuu_live.config import generate_default_config

    generate_default_config(Path(env["HKU_HOME"]), tmp / "stock")
    done = subprocess.run([sys.executable, "-m", "hikyuu_live.gui.importdata", "--tdx-dir", str(VIPDOC),
                           "--progress", "none", "--offline"], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout_s)
    total = re.search(r"^total: (.*)$", done.stdout, re.M)
    if done.returncode != 0 or total is None:
        print(f"demo: importdata failed (exit {done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}",
              file=sys.stderr)
        return None
    return total.group(1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--speed", type=float, default=60.0, help="replay speed (default %(default)s x real time)")
    ap.add_argument("--timeout", type=float, default=60.0, help="give up after this many seconds")
    args = ap.parse_args(argv)
    # the strategy's log goes to a file: shown when it fails, else only its summary lines are printed
    with tempfile.TemporaryDirectory(prefix="hikyuu_demo_") as tmp, open(Path(tmp) / "strategy.log", "w") as log:
        env = dict(os.environ, HKU_HOME=str(Path(tmp) / "home"), PYTHONUNBUFFERED="1")
        bus = f"ipc://{tmp}/bus.ipc"
        state = Path(tmp) / "paper_broker.json"
        t0 = time.monotonic()
        imported = _import_history(Path(tmp), env, args.timeout)
        if imported is None:
            return 1
        print(f"demo: imported {imported}", flush=True)
        print(f"demo: replaying {SAMPLE.name} at {args.speed:g}x on {bus}; strategy_demo2 trades on paper", flush=True)
        strategy = _spawn(["hikyuu_live.strategy.strategy_demo2", "--codes", CODES, "--ktypes", "day,min",
                           "--quotation-server", bus, "--clock", "market", "--broker", "paper",
                           "--broker-state", str(state), "--seconds", str(args.timeout)],
                          env, stdout=subprocess.PIPE, stderr=log, text=True)
        server = _spawn(["hikyuu_live.gui.spot_server", "--source", "replay", "--file", str(SAMPLE), "--speed",
                         str(args.speed), "--max-gap", "1", "--ipc", bus, "--server", "none", "--wait-subscribers",
                         "1"], env, stderr=subprocess.DEVNULL)
        try:
            if server.wait(timeout=args.timeout) != 0:
                print("demo: the collector failed", file=sys.stderr)
                return 1
            time.sleep(1.0)  # let the strategy take in the last cycle
            strategy.terminate()
            out, _ = strategy.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            print(f"demo: not finished after {args.timeout:g} s; stopping", file=sys.stderr)
            return 1
        finally:
            for p in (server, strategy):
                if p.poll() is None:
                    p.kill()
                    p.wait(10)
        for line in out.splitlines():
            if line.startswith("[demo2]"):
                print(line)
        done = re.search(r"\[demo2\] done: (.*)", out)
        if strategy.returncode != 0 or done is None:
            print(f"demo: the strategy failed (exit {strategy.returncode}); its log:\n"
                  f"{(Path(tmp) / 'strategy.log').read_text()[-4000:]}", file=sys.stderr)
            return 1
        paper = json.loads(state.read_text()) if state.exists() else {"cash": None, "positions": [], "orders": []}
        held = ", ".join(f"{p['market']}{p['code']} x{p['number']}" for p in paper["positions"]) or "none"
        print(f"demo: summary after {time.monotonic() - t0:.1f} s: {done.group(1)}")
        print(f"demo: paper account: cash {paper['cash']:,.2f}, positions {held}, {len(paper['orders'])} orders")
    return 0


if __name__ == "__main__":
    sys.exit(main())
