"""spot_server: the quote collector. Polls a source and publishes full-market spot cycles on the bus.

Sources: ``qq`` (Tencent HTTP, the default), ``qmt`` (QMT/xtquant snapshots, Windows), ``replay``
(a recorded file, for demos and tests). The publisher listens on an IPC address (``--ipc``, default
``ipc:///tmp/hikyuu_real.ipc``) and a TCP address (``--server``, default ``tcp://*:9200``); strategies on
the same host dial the IPC address, others the TCP one. ``--server tcp://192.168.1.5:9200`` listens on one
interface only; ``--allow`` (or ``[collect] allow_clients``) lists the addresses that may subscribe over TCP.
Prometheus metrics (``--metrics-port``) listen on 127.0.0.1 unless ``--metrics-addr`` says otherwise.

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
import urllib.request

from hikyuu_live.bus import AllowList, QuotePublisher
from hikyuu_live.config.values import parse_bind_host
from hikyuu_live.errors import HikyuuLiveError
from hikyuu_live.fetcher.schedule import Phase, parse_phase
from hikyuu_live.gui.common import EXIT_FAILURE, EXIT_OK, setup_logging, stop_on_signals

log = logging.getLogger("spot_server")

DEFAULT_IPC = "ipc:///tmp/hikyuu_real.ipc"
DEFAULT_TCP = "tcp://*:9200"


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="spot_server", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-server", "--server", default=None,
                    help=f"TCP address to listen on (default [collect] tcp_address or {DEFAULT_TCP}); "
                    "'none' to disable")
    ap.add_argument("--ipc", default=None, help=f"IPC address to listen on (default [collect] ipc_address or "
                    f"{DEFAULT_IPC}); 'none' to disable")
    ap.add_argument("-source", "--source", default="qq", choices=("qq", "qmt", "replay"),
                    help="quote source (default %(default)s)")
    ap.add_argument("-seconds", "--seconds", type=int, default=10, help="poll interval in seconds (default 10)")
    ap.add_argument("-phase1", "--phase1", default="9:00-12:00", help="morning polling window (default %(default)s)")
    ap.add_argument("-phase2", "--phase2", default="13:00-15:00",
                    help="afternoon polling window (default %(default)s)")
    ap.add_argument("-ignore_weekend", "--ignore_weekend", action="store_true",
                    help="do not poll on Saturdays and Sundays (holidays are never polled)")
    ap.add_argument("-use_proxy", "--use_proxy", action="store_true",
                    help="qq: go through the HTTP proxy of the environment (HTTP_PROXY); the original's "
                    "hard-coded zhima proxy service is not supported")
    ap.add_argument("--once", action="store_true", help="run one cycle now, then exit")
    ap.add_argument("--metrics-port", type=int, default=None,
                    help="serve Prometheus metrics on this port (default [collect] metrics_port, 0 = off)")
    ap.add_argument("--metrics-addr", default=None,
                    help="interface the metrics listen on (default [collect] metrics_addr or 127.0.0.1; "
                    "0.0.0.0 = every interface)")
    ap.add_argument("--allow", default=None,
                    help="IP addresses or networks allowed to subscribe over TCP, comma-separated (default "
                    "[collect] allow_clients; empty = everyone)")
    ap.add_argument("--qq-url", default=None, help="Tencent quote URL (default [collect] qq_url)")
    ap.add_argument("--file", help="replay: the recorded file (CSV or JSON lines, optionally .gz)")
    ap.add_argument("--speed", type=float, default=1.0, help="replay: pacing factor (default 1 = as recorded)")
    ap.add_argument("--max-gap", type=float, default=None,
                    help="replay: cap pauses between cycles at this many seconds (e.g. the lunch break)")
    ap.add_argument("--loop", action="store_true", help="replay: start again at the end")
    ap.add_argument("--batch-size", type=int, default=None,
                    help="replay: spots per bus message (default [collect] batch_size or 60; qq sends one "
                    "message per request of 60 codes, qmt one per snapshot, as the original)")
    ap.add_argument("--heartbeat", type=float, default=None,
                    help="seconds of silence before a heartbeat is sent (default [collect] heartbeat_interval or 1)")
    ap.add_argument("--wait-subscribers", type=int, default=0,
                    help="wait (up to 10 s) for this many subscribers before the first cycle; pub/sub drops what "
                    "is sent before a subscriber is connected (useful with --once and replays)")
    ap.add_argument("--config", help="config directory (default $HKU_HOME or ~/.hikyuu)")
    ap.add_argument("-v", "--verbose", action="count", default=0)
    return ap


def apply_config(args: argparse.Namespace) -> None:
    """Fill options left unset from ``[collect]`` of importdata-gui.ini when it exists."""
    from hikyuu_live.config import CollectSection, config_home, load_import_ini

    path = config_home(args.config) / "importdata-gui.ini"
    collect = load_import_ini(path).collect if path.exists() else CollectSection()
    if args.ipc is None:
        args.ipc = collect.ipc_address
    if args.server is None:
        args.server = collect.tcp_address
    if args.metrics_port is None:
        args.metrics_port = collect.metrics_port
    if args.metrics_addr is None:
        args.metrics_addr = collect.metrics_addr
    if args.allow is None:
        args.allow = collect.allow_clients
    if args.qq_url is None:
        args.qq_url = collect.qq_url
    if args.heartbeat is None:
        args.heartbeat = collect.heartbeat_interval
    if args.batch_size is None:
        args.batch_size = collect.batch_size


def addresses(args: argparse.Namespace) -> list[str]:
    out = []
    for value in (args.ipc, args.server):
        if value and value.lower() != "none":
            out.append(value)
    return out


def run_replay_source(args: argparse.Namespace, stop: threading.Event) -> int:
    from hikyuu_live.fetcher.replay_service import run_replay
    from hikyuu_live.fetcher.stock import create_source

    source = create_source("replay", path=args.file, speed=args.speed, max_gap_s=args.max_gap, loop=args.loop)
    with QuotePublisher(addresses(args), source="replay", batch_size=args.batch_size,
                        heartbeat_interval_s=args.heartbeat, allow=args.allow_list) as pub:
        result = run_replay(source, pub, stop, wait_subscribers=args.wait_subscribers)
    log.info("replay finished: cycles=%d spots=%d messages=%d seconds=%.1f%s", result.cycles, result.spots,
             result.messages, result.seconds, " (stopped)" if result.stopped_early else "")
    return EXIT_OK


def run_polling(args: argparse.Namespace, phases: tuple[Phase, Phase], stop: threading.Event) -> int:
    from hikyuu_live.clock import LiveClock
    from hikyuu_live.config import config_home
    from hikyuu_live.fetcher.collector import Collector
    from hikyuu_live.fetcher.metrics import CollectorMetrics
    from hikyuu_live.fetcher.schedule import PollSchedule
    from hikyuu_live.fetcher.stock import create_source
    from hikyuu_live.fetcher.universe import load_market_info

    clock = LiveClock()
    market = load_market_info(config_home(args.config))
    calendar, codes = market.calendar, market.codes
    calendar.check_coverage(clock.now().date())
    if args.use_proxy and args.source == "qq" and not urllib.request.getproxies().get("http"):
        log.warning("--use_proxy: no HTTP_PROXY in the environment, connecting directly")
    source = create_source(args.source, codes, qq_url=args.qq_url)
    schedule = PollSchedule(args.seconds, *phases, calendar=calendar, clock=clock, skip_weekends=args.ignore_weekend)
    metrics = CollectorMetrics(source.name)
    log.info("collecting %d codes (%s) from %s every %d s in %s and %s (Ctrl-C to stop)", len(codes),
             market.origin, source.name, args.seconds, args.phase1, args.phase2)
    try:
        metrics.serve(args.metrics_port, args.metrics_addr)
        with QuotePublisher(addresses(args), source=source.name, batch_size=args.batch_size,
                            heartbeat_interval_s=args.heartbeat, allow=args.allow_list) as pub:
            if args.wait_subscribers and not pub.wait_for_subscribers(args.wait_subscribers, 10.0):
                log.warning("fewer than %d subscribers after 10 s; collecting anyway", args.wait_subscribers)
            collector = Collector(source, pub, schedule, clock=clock, metrics=metrics)
            cycles = collector.run(stop, once=args.once)
        log.info("stopped after %d cycles (%d abandoned)", cycles, collector.abandoned)
    finally:
        source.close()
        metrics.close()
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    ap = build_parser()
    args = ap.parse_args(argv)
    if args.source == "replay" and not args.file:
        ap.error("--source replay needs --file")
    if args.speed <= 0:
        ap.error("--speed must be > 0")
    if args.seconds < 1:
        ap.error("--seconds must be >= 1")
    phases = []
    for opt in ("phase1", "phase2"):
        try:
            phases.append(parse_phase(getattr(args, opt)))
        except ValueError as e:
            ap.error(f"--{opt}: {e}")
    if not phases[0].empty and not phases[1].empty and phases[0].end > phases[1].start:
        ap.error(f"--phase1 {args.phase1} must end before --phase2 {args.phase2} starts")
    for opt, schemes in (("ipc", ("ipc://", "inproc://")), ("server", ("tcp://", "ws://"))):
        value = getattr(args, opt)
        if value and value.lower() != "none" and not value.startswith(schemes):
            ap.error(f"--{opt} {value!r}: expected an address starting with {' or '.join(schemes)} (or 'none')")
    try:
        apply_config(args)
    except HikyuuLiveError as e:
        ap.error(f"--config: {e}")
    if args.batch_size < 1:
        ap.error("--batch-size must be >= 1")
    if not addresses(args):
        ap.error("nothing to listen on: give --ipc or --server")
    if args.metrics_port and not 0 < args.metrics_port < 65536:
        ap.error("--metrics-port must be within 1..65535")
    try:
        args.metrics_addr = parse_bind_host(args.metrics_addr)
    except ValueError as e:
        ap.error(f"--metrics-addr {args.metrics_addr!r}: {e}")
    try:
        args.allow_list = AllowList.parse(args.allow)
    except ValueError as e:
        ap.error(f"--allow: {e}")
    setup_logging(args.verbose)
    stop = threading.Event()
    stop_on_signals(stop)
    try:
        if args.source == "replay":
            return run_replay_source(args, stop)
        return run_polling(args, (phases[0], phases[1]), stop)
    except HikyuuLiveError as e:
        log.error("%s", e)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
