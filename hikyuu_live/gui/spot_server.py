"""spot_server: the quote collector. Polls a source and publishes full-market spot cycles on the bus.

Sources: ``qq`` (Tencent HTTP, the default), ``qmt`` (QMT/xtquant snapshots, Windows), ``replay``
(a recorded file, for demos and tests). The publisher listens on an IPC address (``--ipc``, default
``ipc:///tmp/hikyuu_real.ipc``) and a TCP address (``--server``, default ``tcp://*:9200``); strategies on
the same host dial the IPC address, others the TCP one.

Examples::

    spot_server                                          # Tencent, 10 s polls, in trading hours
    spot_server --source replay --file test_data/replay_sample.csv.gz --speed 60
    spot_server --ipc ipc:///tmp/second.ipc --server tcp://*:9300 --source qq --seconds 5
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading

from hikyuu_live.bus import QuotePublisher
from hikyuu_live.errors import HikyuuLiveError
from hikyuu_live.gui.common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, setup_logging, stop_on_signals

log = logging.getLogger("spot_server")

DEFAULT_IPC = "ipc:///tmp/hikyuu_real.ipc"
DEFAULT_TCP = "tcp://*:9200"


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="spot_server", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-server", "--server", default=DEFAULT_TCP,
                    help="TCP address to listen on (default %(default)s); 'none' to disable")
    ap.add_argument("--ipc", default=DEFAULT_IPC, help="IPC address to listen on (default %(default)s); "
                    "'none' to disable")
    ap.add_argument("-source", "--source", default="qq", choices=("qq", "qmt", "replay"),
                    help="quote source (default %(default)s)")
    ap.add_argument("--file", help="replay: the recorded file (CSV or JSON lines, optionally .gz)")
    ap.add_argument("--speed", type=float, default=1.0, help="replay: pacing factor (default 1 = as recorded)")
    ap.add_argument("--max-gap", type=float, default=None,
                    help="replay: cap pauses between cycles at this many seconds (e.g. the lunch break)")
    ap.add_argument("--loop", action="store_true", help="replay: start again at the end")
    ap.add_argument("--batch-size", type=int, default=500, help="spots per bus message (default %(default)s)")
    ap.add_argument("--heartbeat", type=float, default=1.0,
                    help="seconds of silence before a heartbeat is sent (default %(default)s)")
    ap.add_argument("--wait-subscribers", type=int, default=0,
                    help="replay: wait for this many subscribers before the first cycle")
    ap.add_argument("--config", help="config directory (default $HKU_HOME or ~/.hikyuu)")
    ap.add_argument("-v", "--verbose", action="count", default=0)
    return ap


def addresses(args: argparse.Namespace) -> list[str]:
    out = []
    for value in (args.ipc, args.server):
        if value and value.lower() != "none":
            out.append(value)
    return out


def run_replay_source(args: argparse.Namespace, stop: threading.Event) -> int:
    from hikyuu_live.fetcher.replay_service import run_replay
    from hikyuu_live.fetcher.stock.replay import ReplaySource

    source = ReplaySource(args.file, speed=args.speed, max_gap_s=args.max_gap, loop=args.loop)
    with QuotePublisher(addresses(args), source="replay", batch_size=args.batch_size,
                        heartbeat_interval_s=args.heartbeat) as pub:
        result = run_replay(source, pub, stop, wait_subscribers=args.wait_subscribers)
    log.info("replay finished: cycles=%d spots=%d messages=%d seconds=%.1f%s", result.cycles, result.spots,
             result.messages, result.seconds, " (stopped)" if result.stopped_early else "")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    ap = build_parser()
    args = ap.parse_args(argv)
    if args.source == "replay" and not args.file:
        ap.error("--source replay needs --file")
    if args.speed <= 0:
        ap.error("--speed must be > 0")
    if args.batch_size < 1:
        ap.error("--batch-size must be >= 1")
    if not addresses(args):
        ap.error("nothing to listen on: give --ipc or --server")
    setup_logging(args.verbose)
    stop = threading.Event()
    stop_on_signals(stop)
    try:
        if args.source == "replay":
            return run_replay_source(args, stop)
        log.error("source %r is not available in this build", args.source)
        return EXIT_USAGE
    except HikyuuLiveError as e:
        log.error("%s", e)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
