"""HikyuuTDX's monitor under a full market: the longest stall of the Qt event loop.

A publisher process sends the whole market (6,000 spots) every 3 s in 60-spot messages (the qq collector's
and Hikyuu's batch size); the window (offscreen) watches it with every code in the quote table, the K-line
chart of one code open and the bus-health plots running. A 5 ms Qt timer measures the event loop: a stall
is how much later than due it fired. Baseline in the same run: the same window, monitor idle.

Target: the longest stall under 50 ms. Printed: stall p50/p99/max for both phases, the ratio, and the time
the monitor's own refresh took on the Qt thread.

    python -m bench.bench_gui [--seconds 30]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import pct, verdict  # noqa: E402

TICK_MS = 5


def measure_stalls(app: object, seconds: float) -> list[float]:
    """Lateness (s) of each firing of a ``TICK_MS`` timer over ``seconds`` of the running event loop."""
    from PyQt5.QtCore import QEventLoop, QTimer

    stalls: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        stalls.append(max(0.0, now - last[0] - TICK_MS / 1000))
        last[0] = now

    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    last[0] = time.perf_counter()
    timer.start()
    loop.exec_()
    timer.stop()
    return stalls[1:]


def report(name: str, stalls: list[float]) -> str:
    over = sum(s > 0.020 for s in stalls)
    return (f"  {name:<34} ticks {len(stalls):6d}  stall p50 {pct(stalls, 50) * 1e3:6.2f} ms  "
            f"p99 {pct(stalls, 99) * 1e3:6.2f} ms  max {max(stalls) * 1e3:7.2f} ms  over 20 ms: {over}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=30.0, help="seconds of each phase (default 30)")
    args = ap.parse_args()
    from PyQt5.QtWidgets import QApplication

    app = QApplication([])
    from hikyuu_live.config import generate_default_config
    from hikyuu_live.gui.HikyuuTDX import MainWindow

    tmp = Path(tempfile.mkdtemp(prefix="bench_gui_"))
    home = tmp / "home"
    generate_default_config(home, tmp / "data")
    win = MainWindow(home)
    win.resize(1920, 1080)
    win.show()
    win.tabs.setCurrentIndex(win.tabs_list.index(win.monitor_tab))
    app.processEvents()
    idle = measure_stalls(app, args.seconds / 2)

    bus = f"ipc://{tmp}/bench.ipc"
    m = win.monitor_tab
    m.address.setText(bus)
    refresh_s: list[float] = []
    original = m.refresh

    def timed_refresh() -> None:
        t = time.perf_counter()
        original()
        refresh_s.append(time.perf_counter() - t)

    m.timer.timeout.disconnect()
    m.timer.timeout.connect(timed_refresh)
    m.toggle()
    cycles = int(args.seconds / 3) + 3
    child = subprocess.Popen([sys.executable, str(Path(__file__).with_name("bus_publisher_child.py")), "--address",
                              bus, "--cycles", str(cycles), "--rate", str(1 / 3), "--spots", "6000", "--batch", "60",
                              "--out", str(tmp / "pub.jsonl")])
    deadline = time.monotonic() + 30
    while m.model.rowCount() < 6000 and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    assert m.model.rowCount() == 6000, f"the table shows {m.model.rowCount()} codes, not the whole market"
    m.chart_code(m.model.code_at(0) or "")
    busy = measure_stalls(app, args.seconds)
    st = m.feed.subscriber.stats if m.feed else None
    child.wait(60)
    m.stop()
    win.stop_all()
    assert st is not None and st.spots >= 6000 * int(args.seconds / 3) and st.gaps == 0, st
    print(f"bench_gui: whole market (6,000 spots / 3 s, 60 per message), table of every code, chart open; "
          f"load {os.getloadavg()[0]:.2f}")
    print(report("baseline: window idle", idle))
    print(report("monitor on the full market", busy))
    print(f"  monitor refresh on the Qt thread      median {pct(refresh_s, 50) * 1e3:6.2f} ms  "
          f"p99 {pct(refresh_s, 99) * 1e3:6.2f} ms  max {max(refresh_s) * 1e3:6.2f} ms  ({len(refresh_s)} refreshes)")
    print(f"  received: {st.spots:,} spots in {st.data_messages:,} messages, {st.cycles} cycles, {st.gaps} gaps")
    print(f"  ratio max stall busy / idle: {max(busy) / max(max(idle), 1e-4):.1f}x")
    print(verdict("longest Qt event-loop stall", max(busy) * 1e3, 50.0, unit=" ms"))


if __name__ == "__main__":
    main()
