"""The sections of ``importdata-gui.ini``, one frozen dataclass each.

Defaults are the original template's, so a missing key reads as if the template had written it.
Where the original GUI fell back to something else for a missing key, one value is used for both:

- ``[collect] interval``: 305 s (template) rather than the GUI's 3600; ``hikyuu_live`` ships the template.
- ``[collect] phase1_start``: 09:00:00, the GUI's fallback, not the template's 00:00:00: with 00:00 the
  original polled Tencent every interval from midnight until the morning session for nothing.
  ``phase1_end`` 11:35:00, ``phase2_start`` 12:00:00, ``phase2_end`` 15:05:00 follow the template (the
  GUI's 12:05 / 13:00 fallbacks are narrower and would miss the last minutes of the morning).
- ``[ktype] min/min5/trans/time_start_date``: the template's fixed dates, not "today minus N days":
  a default that changes with the day would make saving an unchanged file rewrite it.
- ``[pytdx] enable``: False (template), not the GUI's True; ``[hdf5] dir``: the default data directory
  (``~/stock``, ``c:\\stock`` on Windows), as both; ``[clickhouse] pwd``: empty, not the GUI's ``test``.
- ``[sched]`` is read from ``[sched]`` (the original GUI read ``[schec]``, a typo, and so never saw it).

``[collect]`` also holds hikyuu_live's own keys (bus addresses and who may connect, Tencent URL, batch size,
heartbeat, metrics port and address, QMT watchdog), and ``[dataserver]`` is hikyuu_live's own; the original
tools ignore unknown keys and sections, so both can share one file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from hikyuu_live.config.hikyuu_ini import DEFAULT_QUOTATION_SERVER
from hikyuu_live.config.paths import default_data_dir
from hikyuu_live.config.sections import Section, key, optional_text, raw_text, text
from hikyuu_live.config.values import (
    format_value,
    parse_address,
    parse_allow_list,
    parse_bind_host,
    parse_bool,
    parse_date,
    parse_float,
    parse_heartbeat,
    parse_hosts,
    parse_int,
    parse_port,
    parse_time,
    parse_url,
)
from hikyuu_live.errors import ConfigError

SOURCES = ("qq", "qmt")
MIN_INTERVAL_S = 1  # 0 would poll in a busy loop; the GUI's spin box starts at 1 too
MAX_INTERVAL_S = 86400
MIN_WATCHDOG_S = 1.0  # start_qmt --watchdog has the same floor


def _source(value: str) -> str:
    v = value.strip().lower()
    if v not in SOURCES:
        raise ValueError(f"unknown source; valid: {', '.join(SOURCES)}")
    return v


def _interval(value: str) -> int:
    return parse_int(value, MIN_INTERVAL_S, MAX_INTERVAL_S)


@dataclass(frozen=True, kw_only=True, slots=True, repr=False)
class QuotationSection(Section):
    """``[quotation]``: which security classes to import."""

    stock: bool = key(parse_bool, True)
    fund: bool = key(parse_bool, True)
    future: bool = key(parse_bool, False)


@dataclass(frozen=True, kw_only=True, slots=True, repr=False)
class KTypeSection(Section):
    """``[ktype]``: which bar kinds to import, and from which day on."""

    day: bool = key(parse_bool, True)
    min: bool = key(parse_bool, True)
    min5: bool = key(parse_bool, True)
    trans: bool = key(parse_bool, False)
    time: bool = key(parse_bool, False)
    day_start_date: date = key(parse_date, date(1990, 12, 19))
    min_start_date: date = key(parse_date, date(2023, 9, 19))
    min5_start_date: date = key(parse_date, date(2023, 9, 19))
    trans_start_date: date = key(parse_date, date(2023, 12, 11))
    time_start_date: date = key(parse_date, date(2023, 12, 11))


@dataclass(frozen=True, kw_only=True, slots=True, repr=False)
class EnableSection(Section):
    """``[weight]``, ``[finance]``, ``[block]``: on by default."""

    enable: bool = key(parse_bool, True)


@dataclass(frozen=True, kw_only=True, slots=True, repr=False)
class DisabledSection(Section):
    """``[qmt]``, ``[lazy_preload]``: off by default."""

    enable: bool = key(parse_bool, False)


@dataclass(frozen=True, kw_only=True, slots=True, repr=False)
class TdxSection(Section):
    """``[tdx]``: import from a local TDX installation (``dir`` holds ``vipdoc``)."""

    enable: bool = key(parse_bool, False)
    dir: str | None = key(optional_text, None)


@dataclass(frozen=True, kw_only=True, slots=True, repr=False)
class PytdxSection(Section):
    """``[pytdx]``: import over the TDX network protocol from ``use_tdx_number`` servers.

    ``hosts`` (ours, optional): ``host:port`` list to use instead of ``~/.hikyuu/hosts.py`` or pytdx's list.
    """

    enable: bool = key(parse_bool, False)
    use_tdx_number: int = key(lambda v: parse_int(v, 1, 20), 10)
    hosts: str | None = key(parse_hosts, None)


@dataclass(frozen=True, kw_only=True, slots=True, repr=False)
class Hdf5Section(Section):
    """``[hdf5]``: the HDF5 + SQLite store under ``dir``."""

    enable: bool = key(parse_bool, True)
    dir: str = key(text, factory=lambda: default_data_dir().as_posix())


@dataclass(frozen=True, kw_only=True, slots=True, repr=False)
class MysqlSection(Section):
    """``[mysql]``: a MySQL/MariaDB store; ``tmpdir`` holds downloads during an import."""

    enable: bool = key(parse_bool, False)
    tmpdir: str | None = key(optional_text, None)
    host: str = key(text, "127.0.0.1")
    port: int = key(parse_port, 3306)
    usr: str = key(text, "root")
    pwd: str = key(raw_text, "", secret=True)


@dataclass(frozen=True, kw_only=True, slots=True, repr=False)
class ClickhouseSection(Section):
    """``[clickhouse]``: ``http_port`` is what hikyuu_live speaks, ``port`` (native) what Hikyuu's C++ speaks."""

    enable: bool = key(parse_bool, False)
    tmpdir: str | None = key(optional_text, None)
    host: str = key(text, "127.0.0.1")
    http_port: int = key(parse_port, 8123)
    port: int = key(parse_port, 9000)
    usr: str = key(text, "default")
    pwd: str = key(raw_text, "", secret=True)


@dataclass(frozen=True, kw_only=True, slots=True, repr=False)
class SchedSection(Section):
    """``[sched]``: the daily automatic import time; ``enable`` (ours) turns the daily import on."""

    time: time = key(parse_time, time(18, 0))
    enable: bool = key(parse_bool, False)


@dataclass(frozen=True, kw_only=True, slots=True, repr=False)
class CollectSection(Section):
    """``[collect]``: the quote collector (``spot_server``, ``start_qmt``).

    Phases are checked in order: ``phase1_start <= phase1_end <= phase2_start <= phase2_end`` (the
    original's checks). ``interval``, ``heartbeat_interval`` and ``qmt_watchdog`` are seconds;
    ``metrics_port = 0`` serves no metrics; ``heartbeat_interval = 0`` sends no heartbeats;
    ``metrics_addr`` is the interface the metrics listen on (this host only by default);
    ``allow_clients`` lists who may connect to the TCP bus (empty: everyone).
    """

    quotation_server: str = key(parse_address, DEFAULT_QUOTATION_SERVER)
    interval: int = key(_interval, 305)
    source: str = key(_source, "qq")
    use_zhima_proxy: bool = key(parse_bool, False)
    phase1_start: time = key(parse_time, time(9, 0))
    phase1_end: time = key(parse_time, time(11, 35))
    phase2_start: time = key(parse_time, time(12, 0))
    phase2_end: time = key(parse_time, time(15, 5))
    ipc_address: str = key(parse_address, DEFAULT_QUOTATION_SERVER)
    tcp_address: str = key(parse_address, "tcp://*:9200")
    qq_url: str = key(parse_url, "http://qt.gtimg.cn/q=")
    batch_size: int = key(lambda v: parse_int(v, 1, 10000), 60)
    heartbeat_interval: float = key(parse_heartbeat, 1.0)
    metrics_port: int = key(lambda v: parse_int(v, 0, 65535), 0)
    metrics_addr: str = key(parse_bind_host, "127.0.0.1")
    allow_clients: str = key(parse_allow_list, "")
    qmt_watchdog: float = key(lambda v: parse_float(v, MIN_WATCHDOG_S, 86400.0), 60.0)

    def __post_init__(self) -> None:
        Section.__post_init__(self)
        order = ("phase1_start", "phase1_end", "phase2_start", "phase2_end")
        for a, b in zip(order, order[1:], strict=False):
            if getattr(self, a) > getattr(self, b):
                raise ConfigError(f"{a} ({format_value(getattr(self, a))}) is after {b} "
                                  f"({format_value(getattr(self, b))})", key=a, value=format_value(getattr(self, a)))


@dataclass(frozen=True, kw_only=True, slots=True, repr=False)
class DataServerSection(Section):
    """``[dataserver]`` (hikyuu_live's): who may connect to the data server (empty: everyone)."""

    allow_clients: str = key(parse_allow_list, "")


__all__ = [
    "SOURCES",
    "ClickhouseSection",
    "CollectSection",
    "DataServerSection",
    "DisabledSection",
    "EnableSection",
    "Hdf5Section",
    "KTypeSection",
    "MysqlSection",
    "PytdxSection",
    "QuotationSection",
    "SchedSection",
    "TdxSection",
]
