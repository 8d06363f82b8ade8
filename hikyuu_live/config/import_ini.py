"""``importdata-gui.ini``: what to import, from where, into which store, and how to collect quotes.

Every section and key of the original's template, with the template's defaults. Where the original
GUI fell back to other values when a key was missing (``interval`` 3600 vs 305, phase times, preload
maxima 4096 vs 5120) we use the template's value in both cases, except ``phase1_start``: the template's
``00:00:00`` polls all night, so the default is ``09:00:00``. ``[collect]`` also holds hikyuu_live's own
keys (bus addresses, Tencent URL, batch size, heartbeat, metrics port, QMT watchdog).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path

from hikyuu_live.config.hikyuu_ini import DEFAULT_QUOTATION_SERVER, PreloadSection, load_preload
from hikyuu_live.config.ini import read_ini, update_ini
from hikyuu_live.config.sections import key, load_section, optional_text, section_values, text
from hikyuu_live.config.values import (
    format_value,
    parse_address,
    parse_bool,
    parse_date,
    parse_float,
    parse_int,
    parse_port,
    parse_time,
)
from hikyuu_live.errors import ConfigError

SOURCES = ("qq", "qmt")
MIN_INTERVAL_S = 1


def _source(value: str) -> str:
    v = value.strip().lower()
    if v not in SOURCES:
        raise ValueError(f"unknown source; valid: {', '.join(SOURCES)}")
    return v


@dataclass(frozen=True, kw_only=True, slots=True)
class QuotationSection:
    stock: bool = key(parse_bool, True)
    fund: bool = key(parse_bool, True)
    future: bool = key(parse_bool, False)


@dataclass(frozen=True, kw_only=True, slots=True)
class KTypeSection:
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


@dataclass(frozen=True, kw_only=True, slots=True)
class EnableSection:
    enable: bool = key(parse_bool, True)


@dataclass(frozen=True, kw_only=True, slots=True)
class DisabledSection:
    enable: bool = key(parse_bool, False)


@dataclass(frozen=True, kw_only=True, slots=True)
class TdxSection:
    enable: bool = key(parse_bool, False)
    dir: str | None = key(optional_text, None)


@dataclass(frozen=True, kw_only=True, slots=True)
class PytdxSection:
    enable: bool = key(parse_bool, False)
    use_tdx_number: int = key(lambda v: parse_int(v, 1, 20), 10)
    hosts: str | None = key(optional_text, None)  # "host:port, host:port"; else ~/.hikyuu/hosts.py


@dataclass(frozen=True, kw_only=True, slots=True)
class Hdf5Section:
    enable: bool = key(parse_bool, True)
    dir: str = key(text, "")


@dataclass(frozen=True, kw_only=True, slots=True)
class MysqlSection:
    enable: bool = key(parse_bool, False)
    tmpdir: str | None = key(optional_text, None)
    host: str = key(text, "127.0.0.1")
    port: int = key(parse_port, 3306)
    usr: str = key(text, "root")
    pwd: str = key(lambda v: v, "", secret=True)


@dataclass(frozen=True, kw_only=True, slots=True)
class ClickhouseSection:
    enable: bool = key(parse_bool, False)
    tmpdir: str | None = key(optional_text, None)
    host: str = key(text, "127.0.0.1")
    http_port: int = key(parse_port, 8123)
    port: int = key(parse_port, 9000)
    usr: str = key(text, "default")
    pwd: str = key(lambda v: v, "", secret=True)


@dataclass(frozen=True, kw_only=True, slots=True)
class SchedSection:
    time: time = key(parse_time, time(18, 0))


@dataclass(frozen=True, kw_only=True, slots=True)
class CollectSection:
    quotation_server: str = key(parse_address, DEFAULT_QUOTATION_SERVER)
    interval: int = key(lambda v: parse_int(v, MIN_INTERVAL_S, 86400), 305)
    source: str = key(_source, "qq")
    use_zhima_proxy: bool = key(parse_bool, False)
    phase1_start: time = key(parse_time, time(9, 0))
    phase1_end: time = key(parse_time, time(11, 35))
    phase2_start: time = key(parse_time, time(12, 0))
    phase2_end: time = key(parse_time, time(15, 5))
    ipc_address: str = key(parse_address, DEFAULT_QUOTATION_SERVER)
    tcp_address: str = key(parse_address, "tcp://*:9200")
    qq_url: str = key(text, "http://qt.gtimg.cn/q=")
    batch_size: int = key(lambda v: parse_int(v, 1, 10000), 60)
    heartbeat_interval: float = key(lambda v: parse_float(v, 0.05), 1.0)
    metrics_port: int = key(lambda v: parse_int(v, 0, 65535), 0)
    qmt_watchdog: float = key(lambda v: parse_float(v, 1.0), 60.0)


@dataclass(frozen=True, kw_only=True, slots=True)
class ImportIni:
    path: Path | None = None
    quotation: QuotationSection = field(default_factory=QuotationSection)
    ktype: KTypeSection = field(default_factory=KTypeSection)
    weight: EnableSection = field(default_factory=EnableSection)
    finance: EnableSection = field(default_factory=EnableSection)
    block: EnableSection = field(default_factory=EnableSection)
    tdx: TdxSection = field(default_factory=TdxSection)
    pytdx: PytdxSection = field(default_factory=PytdxSection)
    qmt: DisabledSection = field(default_factory=DisabledSection)
    hdf5: Hdf5Section = field(default_factory=Hdf5Section)
    mysql: MysqlSection = field(default_factory=MysqlSection)
    clickhouse: ClickhouseSection = field(default_factory=ClickhouseSection)
    sched: SchedSection = field(default_factory=SchedSection)
    collect: CollectSection = field(default_factory=CollectSection)
    lazy_preload: DisabledSection = field(default_factory=DisabledSection)
    preload: PreloadSection = field(default_factory=lambda: PreloadSection(
        flags={t: t in ("day", "week", "month") for t in PreloadSection().flags}))

    @property
    def backend(self) -> str:
        enabled = [name for name in ("hdf5", "mysql", "clickhouse") if getattr(self, name).enable]
        if len(enabled) != 1:
            raise ConfigError(f"exactly one of [hdf5], [mysql], [clickhouse] must have enable = True, "
                              f"found {enabled or 'none'}", file=str(self.path or ""))
        return enabled[0]


_SECTIONS = [f for f in dataclasses.fields(ImportIni) if f.name not in ("path", "preload")]


def _check_phases(c: CollectSection, file: str) -> None:
    pairs = [("phase1_start", "phase1_end"), ("phase2_start", "phase2_end"), ("phase1_end", "phase2_start")]
    for a, b in pairs:
        if getattr(c, a) > getattr(c, b):
            raise ConfigError(f"{a} ({getattr(c, a)}) is after {b} ({getattr(c, b)})", file=file,
                              section="collect", key=a, value=format_value(getattr(c, a)))


def load_import_ini(path: str | Path, *, check_paths: bool = False) -> ImportIni:
    """Read and validate ``importdata-gui.ini``; ``check_paths`` also checks the TDX directory exists."""
    path = Path(path)
    file = str(path)
    cp = read_ini(path)
    values = {f.name: load_section(f.default_factory().__class__, cp, file, f.name)  # type: ignore[misc]
              for f in _SECTIONS}
    preload = load_preload(cp, file) if cp.has_section("preload") else ImportIni().preload
    cfg = ImportIni(path=path, preload=preload, **values)
    _check_phases(cfg.collect, file)
    cfg.backend  # noqa: B018 - validates the enable flags
    if check_paths and cfg.tdx.enable:
        if not cfg.tdx.dir or not Path(cfg.tdx.dir).is_dir():
            raise ConfigError("TDX directory does not exist", file=file, section="tdx", key="dir",
                              value=cfg.tdx.dir or "")
    if check_paths and cfg.hdf5.enable and cfg.hdf5.dir and Path(cfg.hdf5.dir).exists() \
            and not Path(cfg.hdf5.dir).is_dir():
        raise ConfigError("exists but is not a directory", file=file, section="hdf5", key="dir", value=cfg.hdf5.dir)
    return cfg


def import_ini_values(cfg: ImportIni) -> dict[str, dict[str, str]]:
    out = {f.name: {k: v for k, v in section_values(getattr(cfg, f.name)).items() if v != ""} for f in _SECTIONS}
    out["preload"] = cfg.preload.values()
    return out


def save_import_ini(cfg: ImportIni, path: str | Path | None = None) -> Path:
    """Write ``cfg`` (default to ``cfg.path``), keeping hand-edited keys, sections and comments."""
    target = Path(path) if path is not None else cfg.path
    if target is None:
        raise ValueError("no path to save importdata-gui.ini to")
    update_ini(target, import_ini_values(cfg))
    return target
