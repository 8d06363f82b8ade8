"""dataserver: buffer and save the day's ticks from the quote bus, and answer other processes.

It subscribes to the collector like any strategy (``--quotation-server``, default from hikyuu.ini),
and answers NNG request/reply on ``--addr`` in Hikyuu's dataserver protocol (``market``, ``tick``) plus
``snapshot`` and ``status``: Hikyuu's own ``get_data_from_buffer_server`` and
``get_spot_from_buffer_server`` work against it, and so do ours in ``hikyuu_live.dataserver``.

  --buf    keep today's ticks and live bars in memory (needed by market and tick); 124 bytes per tick
           in memory (about 140 allocated), bounded by --buf-max-mb (oldest ticks dropped past it)
  --save   save ticks as they arrive (batched every --flush-s): HDF5 files <tick-dir>/<YYYYMMDD>.h5, or
           ClickHouse when hikyuu.ini's [kdata] type is clickhouse (or --tick-store clickhouse); with
           --parquet_path also Parquet files per day. A restart reloads today's ticks from what was saved.

Heavy clients: each connection has its own queue and the workers serve connections fairly, a slice of
work at a time; answers are bounded (--max-answer-bytes; error 15 says how to page, our clients page by
themselves); at most --max-queue requests wait (more are answered BUSY, error 16); work for a client
that disconnected is dropped.

Network: --addr listens on every interface by default, as Hikyuu's; --addr tcp://192.168.1.5:9201 binds
one interface, --allow (or [dataserver] allow_clients in importdata-gui.ini) lists the client addresses
let in. status answers hide local paths unless --status-paths.

Examples::

    dataserver --buf --save
    dataserver --buf --save --parquet_path ~/stock/parquet --quotation-server tcp://collector:9200
    dataserver -n 4 --addr tcp://0.0.0.0:9301 --buf --max-codes 2000 --allow 192.168.1.0/24,127.0.0.1
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import threading
from datetime import date, datetime
from pathlib import Path
from typing import Any

from hikyuu_live.bus import AllowList
from hikyuu_live.clock import LiveClock
from hikyuu_live.config import (
    HIKYUU_INI,
    IMPORT_INI,
    HikyuuIni,
    ImportIni,
    config_home,
    default_data_dir,
    load_hikyuu_ini,
    load_import_ini,
)
from hikyuu_live.config.values import parse_bool
from hikyuu_live.dataserver import DataServer, DataServerConfig, Limits
from hikyuu_live.dataserver.protocol import MIN_ANSWER_BYTES
from hikyuu_live.errors import ConfigError, HikyuuLiveError
from hikyuu_live.gui.common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, setup_logging, stop_on_signals
from hikyuu_live.model.calendar import TradingCalendar
from hikyuu_live.model.kdata import parse_ktype
from hikyuu_live.store.ticks import TickStore, make_tick_store

log = logging.getLogger("dataserver")

DEFAULT_ADDR = "tcp://0.0.0.0:9201"
GIL_SWITCH_S = 0.0005


class DayShiftedClock(LiveClock):
    """The host clock moved by whole days so that today is a given date (``--today``)."""

    def __init__(self, today: date) -> None:
        self._shift = today - super().now().date()

    def now(self) -> datetime:
        return super().now() + self._shift


def _flag(text: str) -> bool:
    try:
        return parse_bool(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="dataserver", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-addr", "--addr", default=DEFAULT_ADDR, help="address to answer on (default %(default)s)")
    ap.add_argument("-n", "--work_num", type=int, default=2, help="request worker threads (default %(default)s)")
    # Hikyuu's CLI takes "--save True"; a bare "--save" works too
    ap.add_argument("-save", "--save", type=_flag, nargs="?", const=True, default=False, help="save ticks")
    ap.add_argument("-buf", "--buf", type=_flag, nargs="?", const=True, default=False,
                    help="buffer today's ticks and bars in memory")
    ap.add_argument("-parquet_path", "--parquet_path", default="", help="also save ticks as Parquet under this folder")
    ap.add_argument("--quotation-server", help="quote bus to subscribe to (default: hikyuu.ini quotation_server)")
    ap.add_argument("--config", help="config directory (default $HKU_HOME or ~/.hikyuu)")
    ap.add_argument("--tick-store", choices=("hdf5", "clickhouse"),
                    help="where --save writes (default: clickhouse if hikyuu.ini [kdata] type is clickhouse, "
                    "else hdf5)")
    ap.add_argument("--tick-dir", help="HDF5 tick folder (default <datadir>/tick from hikyuu.ini)")
    ap.add_argument("--ktypes", default="day,min,min5,min15,min30,min60,hour2",
                    help="bar types kept with --buf (default %(default)s)")
    ap.add_argument("--max-request-bytes", type=int, default=1 << 20,
                    help="refuse longer requests (error 12; default %(default)s)")
    ap.add_argument("--max-codes", type=int, default=10_000,
                    help="refuse requests for more codes (error 13; default %(default)s)")
    ap.add_argument("--max-answer-bytes", type=int, default=64 << 20,
                    help="refuse requests whose answer would be longer, saying how to page (error 15; "
                    "default %(default)s)")
    ap.add_argument("--max-queue", type=int, default=256,
                    help="requests waiting in all; more are answered BUSY (error 16; default %(default)s)")
    ap.add_argument("--max-per-client", type=int, default=1,
                    help="requests waiting per connection; a newer one replaces the oldest, which is answered "
                    "BUSY (default %(default)s: a REQ socket has one request in flight)")
    ap.add_argument("--allow", default=None,
                    help="client IP addresses or networks allowed to connect, comma-separated (default "
                    "[dataserver] allow_clients of importdata-gui.ini; empty = everyone)")
    ap.add_argument("--status-paths", action="store_true",
                    help="let status answers show local paths (store folders, IPC addresses)")
    ap.add_argument("--buf-max-mb", type=int, default=4096, help="tick buffer bound in MiB (default %(default)s)")
    ap.add_argument("--flush-s", type=float, default=1.0, help="seconds between saves (default %(default)s)")
    ap.add_argument("--parquet-flush-s", type=float, default=60.0,
                    help="seconds between Parquet files (default %(default)s)")
    ap.add_argument("--status-s", type=float, default=60.0, help="seconds between status log lines")
    ap.add_argument("--today", type=date.fromisoformat,
                    help="take this date (YYYY-MM-DD) as today, for replays of a recorded day: spots dated after "
                    "today are refused, and a restart reloads the saved ticks of today or the previous trading day")
    ap.add_argument("-v", "--verbose", action="count", default=0)
    return ap


def _stores(args: argparse.Namespace, hk: HikyuuIni, imp: ImportIni | None) -> list[TickStore]:
    """The stores ``--save`` writes to; the first is the one a restart recovers from."""
    stores: list[TickStore] = []
    if not args.save:
        if args.parquet_path:
            log.warning("--parquet_path is used only with --save")
        return stores
    kind = args.tick_store or ("clickhouse" if hk.backend == "clickhouse" else "hdf5")
    if kind == "clickhouse":
        kd = hk.kdata
        http_port = imp.clickhouse.http_port if imp is not None else 8123
        stores.append(make_tick_store("clickhouse", host=kd.host or "127.0.0.1", port=http_port,
                                      username=kd.usr or "default", password=kd.pwd or ""))
    else:
        datadir = hk.hikyuu.datadir or str(default_data_dir())
        folder = Path(args.tick_dir or Path(datadir) / "tick").expanduser()
        check_writable(folder, "--tick-dir" if args.tick_dir else "the tick folder (<datadir>/tick; --tick-dir)")
        stores.append(make_tick_store("hdf5", folder))
    if args.parquet_path:
        folder = Path(args.parquet_path).expanduser()
        check_writable(folder, "--parquet_path")
        stores.append(make_tick_store("parquet", folder))
    return stores


def check_writable(folder: Path, option: str) -> None:
    """``ConfigError`` unless ``folder`` exists (or can be created) and a file can be written in it: found at
    start, not as a write error every second after "ready"."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
            pass
    except OSError as e:
        raise ConfigError(f"cannot write ticks there: {e.strerror or e}; give a folder this user can write",
                          key=option, value=str(folder)) from None


def build_server(args: argparse.Namespace) -> DataServer:
    home = config_home(args.config)
    hk = load_hikyuu_ini(home / HIKYUU_INI) if (home / HIKYUU_INI).is_file() else HikyuuIni()
    imp = load_import_ini(home / IMPORT_INI) if (home / IMPORT_INI).is_file() else None
    try:
        ktypes = tuple(parse_ktype(k) for k in args.ktypes.split(",") if k.strip())
    except ValueError as e:
        raise ConfigError(str(e), key="--ktypes", value=args.ktypes) from None
    allow_text = args.allow if args.allow is not None else (imp.dataserver.allow_clients if imp else "")
    try:
        allow = AllowList.parse(allow_text)
    except ValueError as e:
        raise ConfigError(str(e), key="--allow" if args.allow is not None else "[dataserver] allow_clients",
                          value=allow_text) from None
    cfg = DataServerConfig(
        addr=args.addr, quotation_server=args.quotation_server or hk.hikyuu.quotation_server, workers=args.work_num,
        buf=args.buf, ktypes=ktypes, buf_max_bytes=args.buf_max_mb << 20,
        limits=Limits(max_request_bytes=args.max_request_bytes, max_codes=args.max_codes,
                      max_answer_bytes=args.max_answer_bytes),
        flush_interval_s=args.flush_s, secondary_flush_interval_s=args.parquet_flush_s,
        allow=allow, max_queue=args.max_queue, max_per_client=args.max_per_client, status_paths=args.status_paths,
    )
    return DataServer(cfg, stores=_stores(args, hk, imp), is_trading_day=TradingCalendar.shipped().is_trading_day,
                      clock=DayShiftedClock(args.today) if args.today else None)


def log_status(st: dict[str, Any]) -> None:
    """One ``key=value`` line of the server's state (every ``--status-s``)."""
    q = st["queue"]
    log.info("ticks=%s codes=%s in_memory=%s buffer_mb=%.1f clients=%s requests=%s refused=%s busy=%s "
             "dropped_gone=%s refused_connections=%s pending=%s bus_connected=%s", st["ticks"], st["codes"],
             st["ticks_in_memory"], st["buffer"]["allocated_bytes"] / 2**20, st["clients"], st["requests"]["total"],
             st["requests"]["refused"], q.get("busy", 0), q.get("dropped_gone", 0),
             st["requests"]["refused_connections"], [s["pending"] for s in st["stores"]], st["bus"]["connected"])


def main(argv: list[str] | None = None) -> int:
    ap = build_parser()
    args = ap.parse_args(argv)
    if args.work_num < 1:
        ap.error("-n/--work_num must be >= 1")
    if args.max_request_bytes < 64 or args.max_codes < 1 or args.buf_max_mb < 1:
        ap.error("--max-request-bytes >= 64, --max-codes >= 1 and --buf-max-mb >= 1 please")
    if args.max_answer_bytes < MIN_ANSWER_BYTES:
        ap.error(f"--max-answer-bytes must be >= {MIN_ANSWER_BYTES}")
    if args.max_queue < 1 or args.max_per_client < 1:
        ap.error("--max-queue and --max-per-client must be >= 1")
    if args.flush_s <= 0 or args.parquet_flush_s <= 0:
        ap.error("flush intervals must be > 0")
    setup_logging(args.verbose)
    # Request threads wait for the GIL each time they wake (a request arrives, a send completes); behind a
    # thread busy with a heavy answer that wait is the switch interval, 5 ms by default, several times per
    # request. 0.5 ms keeps small answers fast while others are built (bench/bench_dataserver.py --flood).
    sys.setswitchinterval(GIL_SWITCH_S)
    try:
        server = build_server(args)
    except (ConfigError, ValueError) as e:
        log.error("%s", e)
        return EXIT_USAGE
    stop = threading.Event()
    stop_on_signals(stop)
    try:
        with server:
            while not stop.wait(args.status_s):
                log_status(server.status())
    except HikyuuLiveError as e:
        log.error("%s", e)
        return EXIT_FAILURE
    if server.unsaved_rows:
        log.error("stopped with %d ticks not saved (see the errors above)", server.unsaved_rows)
        return EXIT_FAILURE
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
