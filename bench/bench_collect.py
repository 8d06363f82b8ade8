"""Collector benchmark: a full-market Tencent poll (the shipped universe, ~5,500 codes in 92 requests of
60) against the local stand-in server running in its own process with 20 ms latency per request: fetch,
parse and publish on the real bus to a subscriber in another process. And parse speed in lines/s, ours
against easyquotation's Tencent parser on the same reply text (GBK names) in the same run; easyquotation
is handed the text already decoded (its usual input), ours starts from the GBK bytes.
Run: ``python -m bench.bench_collect [--cycles 10] [--parse-runs 15]``.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import time as dtime
from pathlib import Path

from bench.common import summary_ms, verdict
from hikyuu_live.bus import QuotePublisher
from hikyuu_live.clock import LiveClock
from hikyuu_live.fetcher.collector import Collector
from hikyuu_live.fetcher.schedule import Phase, PollSchedule
from hikyuu_live.fetcher.stock.zh_stock_a_qq import QQSpotSource, parse_qq
from hikyuu_live.model.calendar import TradingCalendar
from hikyuu_live.model.codes import universe
from tests.standins.qq_server import QQServer, tencent_universe

ROOT = Path(__file__).resolve().parents[1]


def poll_bench(cycles: int) -> list[float]:
    server = subprocess.Popen([sys.executable, str(ROOT / "tests" / "standins" / "qq_server.py"), "--latency", "0.02"],
                              stdout=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().strip()
        codes = universe()
        src = QQSpotSource(codes, base_url=url, workers=16)
        tmp = tempfile.mkdtemp()
        addr = f"ipc://{tmp}/b.ipc"
        never = Phase(dtime(0), dtime(0))  # no phases: the schedule is not what is measured here
        sched = PollSchedule(1, never, never, calendar=TradingCalendar.shipped(), clock=LiveClock())
        with QuotePublisher([addr], source="qq") as pub:
            # the subscriber runs in its own process, as a strategy would
            listener = subprocess.Popen([sys.executable, "-m", "hikyuu_live.gui.spot_listen", addr, "--stats-only",
                                         "--format", "json", "--cycles", str(cycles)], stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True)
            pub.wait_for_subscribers(1, 10)
            col = Collector(src, pub, sched, clock=LiveClock())
            stop = threading.Event()
            times = []
            for _ in range(cycles):
                t = time.perf_counter()
                r = col.run_cycle(stop)
                times.append(time.perf_counter() - t)
                assert r is not None and r.batches_failed == 0 and r.spots == len(codes)
                time.sleep(0.2)
            out, _ = listener.communicate(timeout=30)
        src.close()
        got = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        assert len(got) == cycles and all(c["complete"] and c["spots"] == len(codes) for c in got), got
        print(f"poll: {len(codes)} codes in {src.batch_count()} requests of 60, 20 ms server latency, 16 workers")
        return times
    finally:
        server.kill()


def parse_bench(runs: int) -> tuple[list[float], list[float], int]:
    from easyquotation.tencent import Tencent

    codes = universe()
    srv = QQServer(tencent_universe(codes))
    text = srv.body([c.market.lower() + c.code for c in codes])
    data = text.encode("gbk")
    easy = Tencent.__new__(Tencent)  # only the parser: no network, no code-list download
    easy.grep_stock_code = re.compile(r"(?<=_)\w+")
    # it keys its result by the bare code, so an SH index and an SZ share of the same six digits collide
    assert len(easy.format_response_data([text])) == len({c.code for c in codes})
    spots, bad = parse_qq(data)
    assert len(spots) == len(codes) and not bad
    keys = zip(spots["market"].tolist(), spots["code"].tolist(), strict=True)
    assert spots["name"].tolist() == [srv.universe[m.lower() + c] for m, c in keys]
    ours, theirs = [], []
    for _ in range(runs):
        t = time.perf_counter()
        parse_qq(data)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        easy.format_response_data([text])
        theirs.append(time.perf_counter() - t)
    return ours, theirs, len(codes)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cycles", type=int, default=10)
    ap.add_argument("--parse-runs", type=int, default=15)
    args = ap.parse_args()
    polls = poll_bench(args.cycles)
    print(f"  fetch + parse + publish one cycle       {summary_ms(polls)}")
    ours, theirs, lines = parse_bench(args.parse_runs)
    m = statistics.median
    print(f"parse: {lines} lines")
    print(f"  ours (column-wise on GBK bytes)         {summary_ms(ours)}  {lines / m(ours):,.0f} lines/s")
    print(f"  easyquotation Tencent parser            {summary_ms(theirs)}  {lines / m(theirs):,.0f} lines/s")
    print("targets:")
    print(verdict("full-market poll (median)", m(polls) * 1e3, 300, unit=" ms"))
    print(verdict("parse speed vs easyquotation (median)", m(theirs) / m(ours), 3, lower_is_better=False, unit="x"))


if __name__ == "__main__":
    main()
