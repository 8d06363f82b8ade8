"""Hikyuu's side of bench_burst. Runs INSIDE the Hikyuu chroot (``tests/services/hikyuu_core.py``) under its
Python 3.13 with only numpy and the wheel: Hikyuu 2.8.3's own ``Strategy`` (its C++ SpotAgent, C++ event
loop and K-data updaters) with a trivial Python ``on_change`` doing exactly what ours does in
``burst_strategy_child.py``. Usage: ``hikyuu_burst_child.py INI CODES_JSON SPOTS KTYPES CYCLES BASE STEP OUT``.
"""

import glob
import importlib.util
import json
import os
import sys
import threading
import time


def load_core():
    so = glob.glob("/opt/hv/lib/python3*/site-packages/hikyuu/cpp/core3*.so")
    so = [p for p in so if p.endswith(f"core{sys.version_info[0]}{sys.version_info[1]}.so")][0]
    spec = importlib.util.spec_from_file_location(so.rsplit("/", 1)[1][:-3], so)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main():
    ini, codes_path, spots, ktypes, cycles, base, step, out = sys.argv[1:9]
    spots, cycles, step = int(spots), int(cycles), int(step)
    h = load_core()
    codes = [c.lower() for c in json.load(open(codes_path))[:spots]]
    hh, mm, ss = (int(x) for x in base[11:19].split(":"))
    base_s = hh * 3600 + mm * 60 + ss
    expected = spots * cycles
    seen = {}
    total = [0]

    def dump_and_exit():
        with open(out, "w") as f:
            json.dump({"cycles": seen}, f)
        os._exit(0)

    def on_change(stg, stk, spot):
        dt = spot.datetime
        k = (dt.hour * 3600 + dt.minute * 60 + dt.second - base_s) // step
        entry = seen.get(k)
        if entry is None:
            entry = seen[k] = [0, 0]
        entry[0] = time.time_ns() // 1000
        entry[1] += 1
        total[0] += 1
        if total[0] >= expected:
            dump_and_exit()

    stg = h.Strategy(codes, ktypes.split(","), {}, "bench", ini)
    stg.on_change(on_change)
    threading.Timer(float(os.environ.get("BENCH_TIMEOUT", "300")), dump_and_exit).start()
    stg.start()


if __name__ == "__main__":
    main()
