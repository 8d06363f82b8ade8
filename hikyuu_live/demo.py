"""The main job on embedded defaults (``make demo``): no broker, no database server, no internet.

It runs the chain as separate processes, as in production, on a private bus address and config
home under a temporary directory: the replay collector (``spot_server --source replay``) publishes the
recorded market in ``test_data/replay_sample.csv.gz``; ``spot_listen`` subscribes and prints one line
per cycle; then everything stops by itself and a summary is printed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "test_data" / "replay_sample.csv.gz"


def _spawn(args: list[str], env: dict[str, str], **kw: object) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", *args], env=env, cwd=ROOT, **kw)  # type: ignore[call-overload]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--speed", type=float, default=60.0, help="replay speed (default %(default)s x real time)")
    ap.add_argument("--timeout", type=float, default=60.0, help="give up after this many seconds")
    args = ap.parse_args(argv)
    from hikyuu_live.fetcher.stock.replay import load_replay

    n_cycles = len(load_replay(SAMPLE))
    with tempfile.TemporaryDirectory(prefix="hikyuu_demo_") as tmp:
        env = dict(os.environ, HKU_HOME=str(Path(tmp) / "home"), PYTHONUNBUFFERED="1")
        bus = f"ipc://{tmp}/bus.ipc"
        print(f"demo: replaying {SAMPLE.name} ({n_cycles} cycles) at {args.speed:g}x on {bus}", flush=True)
        t0 = time.monotonic()
        listener = _spawn(["hikyuu_live.gui.spot_listen", bus, "--stats-only", "--cycles", str(n_cycles)], env)
        server = _spawn(["hikyuu_live.gui.spot_server", "--source", "replay", "--file", str(SAMPLE),
                         "--speed", str(args.speed), "--max-gap", "1", "--ipc", bus, "--server", "none",
                         "--wait-subscribers", "1"], env)
        procs = {"spot_listen": listener, "spot_server": server}
        try:
            for name, p in procs.items():
                left = max(1.0, args.timeout - (time.monotonic() - t0))
                code = p.wait(timeout=left)
                if code != 0:
                    print(f"demo: {name} exited with {code}", file=sys.stderr)
                    return 1
        except subprocess.TimeoutExpired:
            print(f"demo: not finished after {args.timeout:g} s; stopping", file=sys.stderr)
            return 1
        finally:
            for p in procs.values():
                if p.poll() is None:
                    p.terminate()
                    p.wait(10)
        print(f"demo: done in {time.monotonic() - t0:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
