"""start_qmt: publish QMT's whole-market push on the quote bus. Runs on Windows beside QMT/MiniQMT.

The usual topology: QMT + ``start_qmt --server tcp://*:9200`` on the Windows machine, strategies and the
dataserver on Linux with ``quotation_server = tcp://<windows-host>:9200``. A watchdog resubscribes when QMT
goes silent during trading hours (``--watchdog``, seconds). ``--allow`` (or ``[collect] allow_clients``) lists
the addresses that may subscribe over TCP; Prometheus metrics listen on 127.0.0.1 unless ``--metrics-addr``.

    start_qmt [--server tcp://*:9200] [--ipc ipc:///tmp/hikyuu_real.ipc | none] [--watchdog 60]
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading

from hikyuu_live.errors import HikyuuLiveError
from hikyuu_live.gui.common import EXIT_FAILURE, EXIT_OK, setup_logging, stop_on_signals

log = logging.getLogger("start_qmt")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="start_qmt", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server", default=None, help="TCP address to listen on (default [collect] tcp_address)")
    ap.add_argument("--ipc", default=None, help="IPC address (default [collect] ipc_address; 'none' on Windows "
                    "if IPC is not wanted)")
    ap.add_argument("--watchdog", type=float, default=None,
                    help="resubscribe after this many silent seconds in trading hours (default [collect] qmt_watchdog)")
    ap.add_argument("--chunk", type=int, default=250, help="codes per subscription (default 250)")
    ap.add_argument("--metrics-port", type=int, default=None, help="Prometheus metrics port (0 = off)")
    ap.add_argument("--metrics-addr", default=None,
                    help="interface the metrics listen on (default [collect] metrics_addr or 127.0.0.1)")
    ap.add_argument("--allow", default=None,
                    help="IP addresses or networks allowed to subscribe over TCP, comma-separated (default "
                    "[collect] allow_clients; empty = everyone)")
    ap.add_argument("--config", help="config directory (default $HKU_HOME or ~/.hikyuu)")
    ap.add_argument("-v", "--verbose", action="count", default=0)
    args = ap.parse_args(argv)
    if args.chunk < 1:
        ap.error("--chunk must be >= 1")
    if args.watchdog is not None and args.watchdog < 1:
        ap.error("--watchdog must be at least 1 second")
    if args.metrics_port is not None and not 0 <= args.metrics_port < 65536:
        ap.error("--metrics-port must be within 0..65535")
    from hikyuu_live.bus import AllowList
    from hikyuu_live.config.values import parse_bind_host

    try:
        metrics_addr = parse_bind_host(args.metrics_addr) if args.metrics_addr is not None else None
        allow = AllowList.parse(args.allow)
    except ValueError as e:
        ap.error(str(e))
    setup_logging(args.verbose)
    from hikyuu_live.bus import QuotePublisher
    from hikyuu_live.clock import LiveClock
    from hikyuu_live.config import CollectSection, config_home, load_import_ini
    from hikyuu_live.fetcher.metrics import CollectorMetrics
    from hikyuu_live.fetcher.qmt_push import QmtPushCollector
    from hikyuu_live.fetcher.stock.zh_stock_a_qmt import load_xtdata
    from hikyuu_live.fetcher.universe import load_market_info

    stop = threading.Event()
    stop_on_signals(stop)
    try:
        home = config_home(args.config)
        path = home / "importdata-gui.ini"
        collect = load_import_ini(path).collect if path.exists() else CollectSection()
        addrs = [a for a in (args.ipc or collect.ipc_address, args.server or collect.tcp_address)
                 if a and a.lower() != "none"]
        if not addrs:
            ap.error("nothing to listen on: give --server (and/or --ipc)")
        xtdata = load_xtdata()
        market = load_market_info(home)
        clock = LiveClock()
        market.calendar.check_coverage(clock.now().date())
        metrics = CollectorMetrics("qmt")
        metrics.serve(args.metrics_port if args.metrics_port is not None else collect.metrics_port,
                      metrics_addr or collect.metrics_addr)
        if allow is None and args.allow is None:
            allow = AllowList.parse(collect.allow_clients)
        try:
            with QuotePublisher(addrs, source="qmt", heartbeat_interval_s=collect.heartbeat_interval,
                                allow=allow) as pub:
                service = QmtPushCollector(xtdata, market.codes, pub, calendar=market.calendar, clock=clock,
                                           metrics=metrics, chunk=args.chunk,
                                           watchdog_s=args.watchdog or collect.qmt_watchdog)
                log.info("publishing QMT pushes of %d codes (%s) on %s (Ctrl-C to stop)", len(market.codes),
                         market.origin, ", ".join(addrs))
                service.run(stop)
        finally:
            metrics.close()
        log.info("stopped: pushes=%d snapshots=%d resubscribes=%d", service.pushes, service.snapshots,
                 service.resubscribes)
        return EXIT_OK
    except HikyuuLiveError as e:
        log.error("%s", e)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
