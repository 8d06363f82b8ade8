"""The checks of the deployment checklist. Each returns ok / warning / failed with what to do about it.

A check never raises: whatever goes wrong inside it becomes a ``failed`` result that says what was tried.
The order follows docs/deployment.md: config, its permissions, data, calendar, bus, QMT, broker, clock.
"""

from __future__ import annotations

import enum
import importlib
import os
import socket
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path

from hikyuu_live.clock import EXCHANGE_TZ, Clock, LiveClock
from hikyuu_live.config import HIKYUU_INI, IMPORT_INI, HikyuuIni, ImportIni, load_hikyuu_ini, load_import_ini
from hikyuu_live.errors import ConfigError, StoreUnavailable
from hikyuu_live.model.calendar import TradingCalendar
from hikyuu_live.store import make_store, store_options


class Status(enum.StrEnum):
    OK = "ok"
    WARNING = "warning"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    status: Status
    detail: str
    fix: str = ""

    def to_dict(self) -> dict[str, str]:
        return {k: str(v) for k, v in asdict(self).items()}


@dataclass
class DoctorContext:
    """What the checks share: where the config is, the role of this host, and probes to use."""

    home: Path
    role: str = "strategy"  # "strategy" (dials a publisher) or "collector" (listens)
    wait_s: float = 3.0
    address: str | None = None
    clock: Clock = field(default_factory=LiveClock)
    calendar: TradingCalendar = field(default_factory=TradingCalendar.shipped)
    hikyuu: HikyuuIni | None = None
    imports: ImportIni | None = None
    hikyuu_file: Path | None = None  # ``--config FILE``: this file, not ``home/hikyuu.ini``


Check = Callable[[DoctorContext], CheckResult]


def check_config(ctx: DoctorContext) -> CheckResult:
    """``hikyuu.ini`` (or the file ``--config`` names) and ``importdata-gui.ini`` beside it. A file given by
    name may stand alone, as Hikyuu's example configs do: a missing importdata-gui.ini is then noted,
    not a failure, and the collector settings take their defaults."""
    problems = []
    hk_path = ctx.hikyuu_file or ctx.home / HIKYUU_INI
    try:
        ctx.hikyuu = load_hikyuu_ini(hk_path)
    except ConfigError as e:
        problems.append(str(e))
    imp_path = hk_path.parent / IMPORT_INI
    note = ""
    if ctx.hikyuu_file is not None and not imp_path.exists():
        ctx.imports = ImportIni()
        note = f"; no {IMPORT_INI} beside it (collector settings default)"
    else:
        try:
            ctx.imports = load_import_ini(imp_path)
        except ConfigError as e:
            problems.append(str(e))
    if problems:
        return CheckResult("config", Status.FAILED, "; ".join(problems),
                           f"create defaults with `hikyuu_doctor --init --config {ctx.home}` (or HikyuuTDX), "
                           "then fix the named key")
    return CheckResult("config", Status.OK, f"{hk_path} and {IMPORT_INI} are valid" if not note
                       else f"{hk_path} is valid{note}")


def check_permissions(ctx: DoctorContext) -> CheckResult:
    """Config files holding a password must be readable by their owner only (0600)."""
    from hikyuu_live.config.ini import holds_password, readable_by_others

    if os.name == "nt":
        return CheckResult("secrets", Status.OK, "file permissions are not checked on Windows (NTFS ACLs)")
    exposed = []
    for path in sorted(ctx.home.glob("*.ini")):
        try:
            if holds_password(path) and readable_by_others(path):
                exposed.append(f"{path} (mode {path.stat().st_mode & 0o777:o})")
        except OSError as e:
            exposed.append(f"{path} (cannot check: {e})")
    if exposed:
        return CheckResult("secrets", Status.WARNING, f"readable by other users and holding a password: "
                           f"{', '.join(exposed)}", "chmod 600 " + " ".join(e.split(" (")[0] for e in exposed))
    return CheckResult("secrets", Status.OK, "config files with passwords are readable by their owner only")


def check_store(ctx: DoctorContext) -> CheckResult:
    cfg = ctx.hikyuu
    if cfg is None:
        return CheckResult("store", Status.FAILED, "no valid hikyuu.ini", "fix the config first")
    try:
        last = _store_last_date(cfg)
    except Exception as e:  # noqa: BLE001 - report whatever the driver said
        return CheckResult("store", Status.FAILED, f"{cfg.backend} store unreachable: {e}",
                           "start the database server or fix host/port/usr/pwd in hikyuu.ini; for HDF5 run importdata")
    if last is None:
        return CheckResult("store", Status.FAILED, f"{cfg.backend} store has no day bars of SH000001",
                           "run `importdata` to import history")
    today = ctx.clock.now().date()
    expected = ctx.calendar.previous_trading_day(today)
    if last < expected:
        return CheckResult("store", Status.WARNING, f"newest day bar of SH000001 is {last}; expected {expected}",
                           "run `importdata` after the close (it is incremental)")
    return CheckResult("store", Status.OK, f"{cfg.backend} store reachable, newest day bar {last}")


def _store_last_date(cfg: HikyuuIni) -> date | None:
    """The newest day bar of SH000001 in the store ``cfg`` names, read through the store adapter without
    creating anything; StoreUnavailable (or ConfigError) saying why it cannot be read."""
    name, options = store_options(cfg)  # ClickHouse: the HTTP port ([kdata] http_port), not the native one
    health = make_store(name, **options).check("SH000001", timeout_s=3.0)
    if health.missing_tables:
        raise StoreUnavailable(f"{health.server}: base info lacks tables {list(health.missing_tables)} "
                               "that Hikyuu needs")
    day = health.newest_day
    return None if day is None else day.astype("M8[D]").astype(date)


def check_calendar(ctx: DoctorContext) -> CheckResult:
    today = ctx.clock.now().date()
    cal = ctx.calendar
    if not cal.covers(today):
        return CheckResult("calendar", Status.FAILED, f"holiday list ends with {cal.covers_until}; today is {today}",
                           "update hikyuu_live or import holidays into the store's Holiday table")
    if today.month == 12 and not cal.covers(date(today.year + 1, 1, 1)):
        return CheckResult("calendar", Status.WARNING, f"holiday list ends this year ({cal.covers_until})",
                           "update before January: next year's holidays are announced in November")
    return CheckResult("calendar", Status.OK, f"holiday list covers up to {cal.covers_until}")


def _addresses(ctx: DoctorContext) -> list[str]:
    if ctx.address:
        return [ctx.address]
    if ctx.role == "collector" and ctx.imports is not None:
        return [ctx.imports.collect.ipc_address, ctx.imports.collect.tcp_address]
    if ctx.hikyuu is not None:
        return [ctx.hikyuu.hikyuu.quotation_server]
    return ["ipc:///tmp/hikyuu_real.ipc"]


def check_bus(ctx: DoctorContext) -> CheckResult:
    from hikyuu_live.bus.probe import listen_error, probe_feed

    if ctx.role == "collector":
        busy = {a: err for a in _addresses(ctx) if (err := listen_error(a))}
        if busy:
            return CheckResult("bus", Status.FAILED, "; ".join(f"{a}: {e}" for a, e in busy.items()),
                               "another collector is running there: stop it, or give this one other --ipc/--server")
        return CheckResult("bus", Status.OK, f"free to listen on {', '.join(_addresses(ctx))}")
    addr = _addresses(ctx)[0]
    probe = probe_feed(addr, ctx.wait_s)
    if not probe.connected:
        return CheckResult("bus", Status.FAILED, f"no publisher at {addr}",
                           "start spot_server (or start_qmt), and make quotation_server match its --ipc/--server")
    if not probe.messages:
        return CheckResult("bus", Status.FAILED, f"connected to {addr} but nothing arrived in {ctx.wait_s:g} s "
                           "(no data, no heartbeat)", "the publisher is stuck or not hikyuu_live's: restart it")
    kind = f"{probe.cycles} cycles" if probe.cycles else f"{probe.heartbeats} heartbeats (idle market)"
    return CheckResult("bus", Status.OK, f"publisher at {addr} alive: {kind}, last message "
                       f"{probe.last_message_age_s:.1f} s ago")


def check_xtquant(ctx: DoctorContext) -> CheckResult:
    if ctx.imports is None or ctx.imports.collect.source != "qmt":
        return CheckResult("xtquant", Status.OK, "QMT not configured ([collect] source is not qmt)")
    try:
        importlib.import_module("xtquant.xtdata")
    except Exception as e:  # noqa: BLE001 - ImportError or xtquant's own failures
        return CheckResult("xtquant", Status.FAILED, f"xtquant cannot load on {sys.platform}: {e}",
                           "run start_qmt on the Windows machine with QMT; strategies here dial its TCP address")
    return CheckResult("xtquant", Status.OK, "xtquant.xtdata imports")


def check_broker(ctx: DoctorContext) -> CheckResult:
    target = _broker_target(ctx)
    if target is None:
        return CheckResult("broker", Status.OK, "paper broker (no remote broker configured)")
    host, port = target
    try:
        with socket.create_connection((host, port), timeout=3):
            pass
    except OSError as e:
        return CheckResult("broker", Status.FAILED, f"easytrader server {host}:{port} unreachable: {e}",
                           "start `easytrader.server` beside the broker client on Windows; check firewall")
    return CheckResult("broker", Status.OK, f"easytrader server {host}:{port} reachable")


def _broker_target(ctx: DoctorContext) -> tuple[str, int] | None:
    import configparser

    path = ctx.home / IMPORT_INI
    cp = configparser.ConfigParser(interpolation=None)
    cp.read(path, encoding="utf-8")
    if not cp.has_section("broker") or cp.get("broker", "type", fallback="paper") == "paper":
        return None
    return cp.get("broker", "host", fallback="127.0.0.1"), cp.getint("broker", "port", fallback=1430)


def check_clock(ctx: DoctorContext) -> CheckResult:
    now = ctx.clock.now()
    local = datetime.now().astimezone()
    if now.utcoffset() is None or now.utcoffset().total_seconds() != 8 * 3600:  # type: ignore[union-attr]
        return CheckResult("clock", Status.FAILED, "Asia/Shanghai time zone data unusable",
                           "install tzdata (pip install tzdata)")
    if now.year < 2024:
        return CheckResult("clock", Status.FAILED, f"system clock says {now:%Y-%m-%d}", "set the clock (NTP)")
    note = ("" if local.utcoffset() == now.utcoffset()
            else f" (host zone {local.tzname()}; all schedules use exchange time)")
    return CheckResult("clock", Status.OK, f"exchange time {now.astimezone(EXCHANGE_TZ):%Y-%m-%d %H:%M:%S}{note}")


ALL_CHECKS: list[Check] = [check_config, check_permissions, check_store, check_calendar, check_bus, check_xtquant,
                           check_broker, check_clock]


def run_checks(ctx: DoctorContext, checks: list[Check] | None = None) -> list[CheckResult]:
    results = []
    for check in checks or ALL_CHECKS:
        try:
            results.append(check(ctx))
        except Exception as e:  # noqa: BLE001 - a check never crashes the doctor
            results.append(CheckResult(check.__name__.removeprefix("check_"), Status.FAILED,
                                       f"check crashed: {type(e).__name__}: {e}", "report this as a bug"))
    return results
