"""``hikyuu.ini``: the engine config Hikyuu's C++ core and our strategies read.

Sections ``[hikyuu]``, ``[block]``, ``[preload]``, ``[baseinfo]``, ``[kdata]`` with the keys and defaults of
Hikyuu's three templates (HDF5, MySQL, ClickHouse). Hikyuu's C++ core throws when a section is missing,
so all five are required here too, with a message naming the file and section.
"""

from __future__ import annotations

import configparser
import dataclasses
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path

from hikyuu_live.config.ini import read_ini, update_ini
from hikyuu_live.config.sections import key, load_section, optional_text, section_values, text
from hikyuu_live.config.values import format_value, parse_address, parse_bool, parse_int, parse_port, parse_time
from hikyuu_live.errors import ConfigError

DEFAULT_QUOTATION_SERVER = "ipc:///tmp/hikyuu_real.ipc"
PRELOAD_TYPES = ("day", "week", "month", "quarter", "halfyear", "year", "min", "min5", "min15", "min30",
                 "min60", "hour2", "timeline", "trans")
DAY_TYPES = PRELOAD_TYPES[:6]
BACKENDS = ("hdf5", "mysql", "clickhouse")


def _reload_time(text_: str) -> time:
    t = parse_time(text_)
    if t.second:
        raise ValueError("reload_time is HH:MM (Hikyuu disables the reload for any other form)")
    return t


@dataclass(frozen=True, kw_only=True, slots=True)
class HikyuuSection:
    tmpdir: str = key(text, "")
    datadir: str = key(text, "")
    reload_time: time = key(_reload_time, time(0, 0))
    quotation_server: str = key(parse_address, DEFAULT_QUOTATION_SERVER)
    lazy_preload: bool = key(parse_bool, False)
    load_history_finance: bool = key(parse_bool, True)
    load_stock_weight: bool = key(parse_bool, True)
    plugindir: str | None = key(optional_text, None)


@dataclass(frozen=True, kw_only=True, slots=True)
class DbSection:
    """``[block]`` / ``[baseinfo]``: sqlite3 (``db``), qianlong (``dir``) or a database server."""

    type: str = key(text, "sqlite3")
    db: str | None = key(optional_text, None)
    dir: str | None = key(optional_text, None)
    host: str | None = key(optional_text, None)
    port: int | None = key(parse_port, None)
    usr: str | None = key(optional_text, None)
    pwd: str | None = key(optional_text, None, secret=True)
    extra: dict[str, str] = field(default_factory=dict)  # e.g. qianlong category files (指数板块 = zsbk.ini)


@dataclass(frozen=True, kw_only=True, slots=True)
class KDataSection:
    type: str = key(text, "hdf5")
    dir: str | None = key(optional_text, None)
    host: str | None = key(optional_text, None)
    port: int | None = key(parse_port, None)
    usr: str | None = key(optional_text, None)
    pwd: str | None = key(optional_text, None, secret=True)
    convert: bool | None = key(parse_bool, None)
    files: dict[str, str] = field(default_factory=dict)  # sh_day -> <dir>/sh_day.h5 ...


@dataclass(frozen=True, kw_only=True, slots=True)
class PreloadSection:
    flags: dict[str, bool] = field(default_factory=lambda: {t: t == "day" for t in PRELOAD_TYPES})
    maxima: dict[str, int] = field(default_factory=lambda: {t: 100000 if t in DAY_TYPES else 5120
                                                            for t in PRELOAD_TYPES})

    def values(self) -> dict[str, str]:
        """The section as ini text: ``day = True`` ... ``day_max = 100000`` ..."""
        out = {t: format_value(v) for t, v in self.flags.items()}
        out.update({f"{t}_max": str(v) for t, v in self.maxima.items()})
        return out


@dataclass(frozen=True, kw_only=True, slots=True)
class HikyuuIni:
    path: Path | None = None
    hikyuu: HikyuuSection = field(default_factory=HikyuuSection)
    block: DbSection = field(default_factory=DbSection)
    preload: PreloadSection = field(default_factory=PreloadSection)
    baseinfo: DbSection = field(default_factory=DbSection)
    kdata: KDataSection = field(default_factory=KDataSection)

    @property
    def backend(self) -> str:
        """``hdf5``, ``mysql``, ``clickhouse`` (or ``tdx`` for direct reads of TDX files)."""
        return self.kdata.type


_DB_KEYS = {f.name for f in dataclasses.fields(DbSection) if f.metadata.get("parse")}
_KDATA_KEYS = {f.name for f in dataclasses.fields(KDataSection) if f.metadata.get("parse")}


def _db(cp: configparser.ConfigParser, file: str, section: str) -> DbSection:
    base = load_section(DbSection, cp, file, section, required=True)
    extra = {k: v for k, v in cp.items(section) if k not in _DB_KEYS}
    return dataclasses.replace(base, extra=extra)


def load_preload(cp: configparser.ConfigParser, file: str) -> PreloadSection:
    base = PreloadSection()
    if not cp.has_section("preload"):
        raise ConfigError("missing section", file=file, section="preload")
    flags, maxima = dict(base.flags), dict(base.maxima)
    for name, raw in cp.items("preload"):
        try:
            if name.endswith("_max") and name[:-4] in PRELOAD_TYPES:
                maxima[name[:-4]] = parse_int(raw, 1)
            elif name in PRELOAD_TYPES:
                flags[name] = parse_bool(raw)
        except ValueError as e:
            raise ConfigError(str(e), file=file, section="preload", key=name, value=raw) from None
    return PreloadSection(flags=flags, maxima=maxima)


def load_hikyuu_ini(path: str | Path, *, check_paths: bool = False) -> HikyuuIni:
    """Read and validate ``hikyuu.ini``. ``check_paths`` also requires the data directory to exist."""
    path = Path(path)
    file = str(path)
    cp = read_ini(path)
    hk = load_section(HikyuuSection, cp, file, "hikyuu", required=True)
    kd = load_section(KDataSection, cp, file, "kdata", required=True)
    kd = dataclasses.replace(kd, files={k: v for k, v in cp.items("kdata") if k not in _KDATA_KEYS})
    if kd.type not in (*BACKENDS, "tdx"):
        raise ConfigError(f"unknown kdata type; valid: {', '.join((*BACKENDS, 'tdx'))}", file=file,
                          section="kdata", key="type", value=kd.type)
    cfg = HikyuuIni(path=path, hikyuu=hk, block=_db(cp, file, "block"), preload=load_preload(cp, file),
                    baseinfo=_db(cp, file, "baseinfo"), kdata=kd)
    if check_paths and hk.datadir and not Path(hk.datadir).is_dir():
        raise ConfigError("data directory does not exist (import data first)", file=file, section="hikyuu",
                          key="datadir", value=hk.datadir)
    return cfg


def hikyuu_ini_values(cfg: HikyuuIni) -> dict[str, dict[str, str]]:
    """Every section of ``cfg`` as ini text, with empty optional keys left out."""
    def clean(d: dict[str, str]) -> dict[str, str]:
        return {k: v for k, v in d.items() if v != ""}

    hk = section_values(cfg.hikyuu)
    hk["reload_time"] = cfg.hikyuu.reload_time.strftime("%H:%M")
    return {
        "hikyuu": clean(hk),
        "block": clean({**section_values(cfg.block), **cfg.block.extra}),
        "preload": cfg.preload.values(),
        "baseinfo": clean({**section_values(cfg.baseinfo), **cfg.baseinfo.extra}),
        "kdata": clean({**section_values(cfg.kdata), **cfg.kdata.files}),
    }


def save_hikyuu_ini(cfg: HikyuuIni, path: str | Path | None = None) -> Path:
    """Write ``cfg`` into ``path`` (default ``cfg.path``), keeping hand-edited keys and comments."""
    target = Path(path) if path is not None else cfg.path
    if target is None:
        raise ValueError("no path to save hikyuu.ini to")
    update_ini(target, hikyuu_ini_values(cfg))
    return target
