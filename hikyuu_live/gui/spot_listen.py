"""spot_listen: subscribe to a quote bus and print spots and per-cycle statistics.

Examples::

    spot_listen                                   # the configured quotation_server (or the default IPC)
    spot_listen tcp://192.168.1.10:9200 --codes SH600000,SZ000001
    spot_listen ipc:///tmp/hikyuu_real.ipc --format json --cycles 3
    spot_listen --stats-only --seconds 60         # one line per cycle: spots, messages, gaps, latency
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
import time
from typing import TextIO

import numpy as np

from hikyuu_live.bus import CycleReport, SpotSubscriber
from hikyuu_live.gui.common import EXIT_FAILURE, EXIT_OK, setup_logging, stop_on_signals
from hikyuu_live.model.spot import array_to_spots, market_codes

log = logging.getLogger("spot_listen")
DEFAULT_ADDRESS = "ipc:///tmp/hikyuu_real.ipc"


def default_address(config_dir: str | None) -> str:
    """``[hikyuu] quotation_server`` of the config when there is one, else Hikyuu's default IPC address."""
    try:
        from hikyuu_live.config import config_home, load_hikyuu_ini

        path = config_home(config_dir) / "hikyuu.ini"
        if path.exists():
            return load_hikyuu_ini(path).hikyuu.quotation_server or DEFAULT_ADDRESS
    except Exception as e:  # a broken config must not stop a diagnostic tool
        log.warning("could not read the config (%s); using %s", e, DEFAULT_ADDRESS)
    return DEFAULT_ADDRESS


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="spot_listen", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("address", nargs="?", help="bus address to dial, e.g. ipc:///tmp/hikyuu_real.ipc or "
                    "tcp://host:9200 (default: quotation_server from hikyuu.ini)")
    ap.add_argument("--config", help="config directory (default $HKU_HOME or ~/.hikyuu)")
    ap.add_argument("--format", choices=("table", "json"), default="table",
                    help="table: aligned columns; json: one JSON object per spot and per cycle")
    ap.add_argument("--codes", help="only print these codes, comma separated (SH600000,SZ000001)")
    ap.add_argument("--stats-only", action="store_true", help="print only the per-cycle statistics")
    ap.add_argument("--cycles", type=int, default=0, help="exit after this many cycles (0: run until Ctrl-C)")
    ap.add_argument("--seconds", type=float, default=0, help="exit after this many seconds (0: no limit)")
    ap.add_argument("--stale-after", type=float, default=5.0,
                    help="warn when nothing (data or heartbeat) arrived for this many seconds")
    ap.add_argument("--max-message-mb", type=float, default=64.0,
                    help="refuse bus messages larger than this (default 64; a full market is about 2.5 MB)")
    ap.add_argument("-v", "--verbose", action="count", default=0)
    args = ap.parse_args(argv)
    if args.cycles < 0 or args.seconds < 0:
        ap.error("--cycles and --seconds must be >= 0")
    if args.max_message_mb <= 0:
        ap.error("--max-message-mb must be > 0")
    return args


class Printer:
    """Formats cycles for the terminal or as JSON lines."""

    def __init__(self, out: TextIO, fmt: str, codes: set[str] | None, stats_only: bool) -> None:
        self.out, self.fmt, self.codes, self.stats_only = out, fmt, codes, stats_only

    def cycle(self, c: CycleReport, gaps_total: int) -> None:
        spots = c.spots
        if self.codes is not None and len(spots):
            spots = spots[np.isin(market_codes(spots), list(self.codes))]
        if not self.stats_only:
            # the cycle's time (its newest quote) on every spot line: the JSON spot lines are then a recording in
            # the replay format, one cycle per poll (``spot_server --source replay``, ``hikyuu_parity``)
            newest = c.spots["datetime"].max() if len(c.spots) else None
            cycle_time = str(newest.astype("M8[us]")).replace("T", " ") if newest is not None else None
            for s in array_to_spots(spots):
                if self.fmt == "json":
                    d = s.to_dict()
                    d["datetime"] = s.datetime.isoformat(sep=" ") if s.datetime else None
                    d["cycle_time"] = cycle_time
                    self.out.write(json.dumps(d, ensure_ascii=False) + "\n")
                else:
                    self.out.write(f"{s.market}{s.code} {s.name:<8} {s.datetime} close={s.close:<10.3f} "
                                   f"vol={s.volume:<12.0f} amount={s.amount:<12.2f} "
                                   f"bid1={s.bid[0]:.3f} ask1={s.ask[0]:.3f}\n")
        stats = {"cycle": c.cycle_id, "source": c.source, "spots": len(c.spots), "messages": c.received,
                 "expected": c.msg_count, "missing": len(c.missing_seqs), "gaps_total": gaps_total,
                 "complete": c.complete, "recovered": c.recovered, "closed_by": c.closed_by,
                 "latency_ms": round(c.latency_s * 1000, 2)}
        if self.fmt == "json":
            self.out.write(json.dumps({"type": "cycle", **stats}) + "\n")
        else:
            self.out.write("cycle " + " ".join(f"{k}={v}" for k, v in stats.items()) + "\n")
        self.out.flush()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_logging(args.verbose)
    address = args.address or default_address(args.config)
    codes = {c.strip().upper() for c in args.codes.split(",")} if args.codes else None
    printer = Printer(sys.stdout, args.format, codes, args.stats_only)
    stop = threading.Event()
    stop_on_signals(stop)
    seen = 0
    sub: SpotSubscriber

    def on_cycle(c: CycleReport) -> None:
        nonlocal seen
        seen += 1
        printer.cycle(c, sub.stats.gaps)
        if args.cycles and seen >= args.cycles:
            stop.set()

    sub = SpotSubscriber(address, on_cycle=on_cycle, stale_after_s=args.stale_after,
                         max_message_bytes=int(args.max_message_mb * 1024 * 1024))
    try:
        sub.start()
    except Exception as e:
        log.error("%s", e)
        return EXIT_FAILURE
    log.info("listening on %s (Ctrl-C to stop)", address)
    deadline = time.monotonic() + args.seconds if args.seconds else None
    try:
        while not stop.wait(0.2):
            if deadline is not None and time.monotonic() >= deadline:
                break
    finally:
        sub.stop()
    st = sub.stats
    log.info("received cycles=%d complete=%d spots=%d messages=%d gaps=%d lost_cycles=%d restarts=%d "
             "refused_messages=%d dropped_spots=%d", st.cycles, st.complete_cycles, st.spots, st.data_messages,
             st.gaps, st.lost_cycles, st.publisher_restarts, sum(st.decode_errors.values()),
             sum(st.dropped_spots.values()))
    for what, counts in (("refused messages", st.decode_errors), ("dropped spot records", st.dropped_spots)):
        if counts:
            log.info("%s by reason: %s", what, ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
