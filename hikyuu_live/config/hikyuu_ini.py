"""``hikyuu.ini``: the engine config Hikyuu's C++ core and our strategies read.

Sections ``[hikyuu]``, ``[block]``, ``[preload]``, ``[baseinfo]``, ``[kdata]`` with the keys and defaults of
Hikyuu's three templates (HDF5, MySQL, ClickHouse). Hikyuu's C++ core fails when a section is missing,
so all five are required here too, with a message naming the file and section. Keys Hikyuu reads
but no typed field covers are kept: ``[block]``/``[baseinfo]`` ``extra`` (e.g. the qianlong category
files ``指数板块 = zsbk.ini``, case preserved) and ``[kdata]`` ``files`` (``sh_day = <dir>/sh_day.h5``; any
other extra key of ``[kdata]`` such as ``http_port`` lands there too). Values stay the text written in
the file; ``HikyuuIni.data_dir`` and ``KDataSection.paths()`` give ``Path`` objects (relative paths are
relative to the working directory, as for Hikyuu: see ``paths.py``).
"""

from __future__ import annotations

import configparser
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path

from hikyuu_live.config.ini import read_ini, save_values
from hikyuu_live.config.paths import resolve_path
from hikyuu_live.config.preload import DAY_TYPES, PRELOAD_TYPES, PreloadSection, load_preload
from hikyuu_live.config.sections import (
    Section,
    key,
    known_keys,
    load_section,
    optional_text,
    raw_text,
    section_values,
    text,
    text_map,
    warn_unknown,
)
from hikyuu_live.config.values import parse_address, parse_bool, parse_port, parse_reload_time
from hikyuu_live.errors import ConfigError

DEFAULT_QUOTATION_SERVER = "ipc:///tmp/hikyuu_real.ipc"
BACKENDS = ("hdf5", "mysql", "clickhouse")
KDATA_TYPES = (*BACKENDS, "tdx")
BLOCK_TYPES = ("sqlite3", "qianlong", "mysql", "clickhouse")
BASEINFO_TYPES = ("sqlite3", "mysql", "clickhouse")
_FILE_KEY = re.compile(r"[a-z]{2}_(day|min|min5|time|trans)")


def choice(valid: tuple[str, ...]) -> Callable[[str], str]:
    """A parser accepting one of ``valid`` (case-insensitive)."""
    def parse(value: str) -> str:
        v = value.strip().lower()
        if v not in valid:
            raise ValueError(f"unknown type; valid: {', '.join(valid)}")
        return v
    return parse


@dataclass(frozen=True, kw_only=True, slots=True, repr=False)
class HikyuuSection(Section):
    """``[hikyuu]``. ``load_history_finance``, ``load_stock_weight`` and ``plugindir`` are read by the
    engine though no template writes them; their defaults are the engine's."""

    tmpdir: str = key(text, "")
    datadir: str = key(text, "")
    reload_time: time = key(parse_reload_time, time(0, 0))
    quotation_server: str = key(parse_address, DEFAULT_QUOTATION_SERVER)
    lazy_preload: bool = key(parse_bool, False)
    load_history_finance: bool = key(parse_bool, True)
    load_stock_weight: bool = key(parse_bool, True)
    plugindir: str | None = key(optional_text, None)


@dataclass(frozen=True, kw_only=True, slots=True, repr=False)
class DbSection(Section):
    """``[block]`` / ``[baseinfo]``: sqlite3 (``db``), qianlong (``dir``, block only) or a database server."""

    type: str = key(choice(BLOCK_TYPES), "sqlite3")
    db: str | None = key(optional_text, None)
    dir: str | None = key(optional_text, None)
    host: str | None = key(optional_text, None)
    port: int | None = key(parse_port, None)
    usr: str | None = key(optional_text, None)
    pwd: str | None = key(raw_text, None, secret=True)
    extra: dict[str, str] = field(default_factory=dict)  # e.g. qianlong category files (指数板块 = zsbk.ini)

    def __post_init__(self) -> None:
        Section.__post_init__(self)
        object.__setattr__(self, "extra", text_map(self.extra))


@dataclass(frozen=True, kw_only=True, slots=True, repr=False)
class KDataSection(Section):
    """``[kdata]``: ``hdf5`` (one file per market and kind in ``files``), ``mysql``/``clickhouse``
    (a server) or ``tdx`` (``dir`` = a TDX ``vipdoc`` read directly by Hikyuu)."""

    type: str = key(choice(KDATA_TYPES), "hdf5")
    dir: str | None = key(optional_text, None)
    host: str | None = key(optional_text, None)
    port: int | None = key(parse_port, None)
    usr: str | None = key(optional_text, None)
    pwd: str | None = key(raw_text, None, secret=True)
    convert: bool | None = key(parse_bool, None)
    files: dict[str, str] = field(default_factory=dict)  # sh_day -> <dir>/sh_day.h5, plus other extra keys

    def __post_init__(self) -> None:
        Section.__post_init__(self)
        object.__setattr__(self, "files", text_map(self.files))

    def paths(self) -> dict[str, Path]:
        """The per-market HDF5 files (``sh_day``, ``sz_min5``, ``bj_trans``...) as paths."""
        return {k: resolve_path(v) for k, v in self.files.items() if _FILE_KEY.fullmatch(k) and v.strip()}


@dataclass(frozen=True, kw_only=True, slots=True)
class HikyuuIni:
    """A whole ``hikyuu.ini``; ``path`` is where it was read from (``None`` if built in code)."""

    path: Path | None = None
    hikyuu: HikyuuSection = field(default_factory=HikyuuSection)
    block: DbSection = field(default_factory=DbSection)
    preload: PreloadSection = field(default_factory=PreloadSection)
    baseinfo: DbSection = field(default_factory=DbSection)
    kdata: KDataSection = field(default_factory=KDataSection)

    @property
    def backend(self) -> str:
        """``hdf5``, ``mysql`` or ``clickhouse``; ``tdx`` when Hikyuu reads a TDX ``vipdoc`` directly
        (no store of ours can write that)."""
        return self.kdata.type

    @property
    def data_dir(self) -> Path | None:
        """``[hikyuu] datadir`` as a path (``None`` when empty)."""
        return resolve_path(self.hikyuu.datadir) if self.hikyuu.datadir else None


def _db(cp: configparser.ConfigParser, file: str, section: str) -> DbSection:
    known = known_keys(DbSection)
    extra = {k: v for k, v in cp.items(section) if k not in known} if cp.has_section(section) else {}
    return load_section(DbSection, cp, file, section, required=True, extra=extra)


def load_hikyuu_ini(path: str | Path, *, check_paths: bool = False, text: str | None = None) -> HikyuuIni:
    """Read and validate ``hikyuu.ini``.

    Parameters
    ----------
    path
        The file (UTF-8).
    check_paths
        Also require what Hikyuu will open to exist: the data directory for ``hdf5``, the ``vipdoc``
        directory for ``tdx``. Off by default: a collector needs no data directory.
    text
        Read this instead of the file (an edit about to be saved); errors still name ``path``.

    Raises
    ------
    ConfigError
        Naming the file, section, key and value of the first problem.
    """
    path = Path(path)
    file = str(path)
    cp = read_ini(path, text)
    hk = load_section(HikyuuSection, cp, file, "hikyuu", required=True)
    warn_unknown(cp, file, "hikyuu", known_keys(HikyuuSection))
    block, baseinfo = _db(cp, file, "block"), _db(cp, file, "baseinfo")
    if baseinfo.type not in BASEINFO_TYPES:
        raise ConfigError(f"unknown type; valid: {', '.join(BASEINFO_TYPES)}", file=file, section="baseinfo",
                          key="type", value=baseinfo.type)
    if not cp.has_section("preload"):
        raise ConfigError("missing section", file=file, section="preload")
    preload = load_preload(cp, file, PreloadSection())
    known = known_keys(KDataSection)
    files = {k: v for k, v in cp.items("kdata") if k not in known} if cp.has_section("kdata") else {}
    kd = load_section(KDataSection, cp, file, "kdata", required=True, files=files)
    cfg = HikyuuIni(path=path, hikyuu=hk, block=block, preload=preload, baseinfo=baseinfo, kdata=kd)
    if check_paths:
        _check_paths(cfg, file)
    return cfg


def _check_paths(cfg: HikyuuIni, file: str) -> None:
    if cfg.backend == "hdf5" and (cfg.data_dir is None or not cfg.data_dir.is_dir()):
        raise ConfigError("data directory does not exist (run importdata first, or fix the path)", file=file,
                          section="hikyuu", key="datadir", value=cfg.hikyuu.datadir)
    if cfg.backend == "tdx" and (not cfg.kdata.dir or not resolve_path(cfg.kdata.dir).is_dir()):
        raise ConfigError("TDX vipdoc directory does not exist", file=file, section="kdata", key="dir",
                          value=cfg.kdata.dir or "")


def hikyuu_ini_values(cfg: HikyuuIni) -> dict[str, dict[str, str]]:
    """Every section of ``cfg`` as ini text (``reload_time`` as ``HH:MM``, as Hikyuu reads it)."""
    hk = section_values(cfg.hikyuu)
    hk["reload_time"] = cfg.hikyuu.reload_time.strftime("%H:%M")
    return {
        "hikyuu": hk,
        "block": {**section_values(cfg.block), **cfg.block.extra},
        "preload": cfg.preload.values(),
        "baseinfo": {**section_values(cfg.baseinfo), **cfg.baseinfo.extra},
        "kdata": {**section_values(cfg.kdata), **cfg.kdata.files},
    }


def save_hikyuu_ini(cfg: HikyuuIni, path: str | Path | None = None) -> Path:
    """Write ``cfg`` into ``path`` (default ``cfg.path``), changing only the values that differ.

    Keys, sections and comments added by hand are kept; see ``ini.save_values``.
    """
    target = Path(path) if path is not None else cfg.path
    if target is None:
        raise ConfigError("no path to save hikyuu.ini to")
    old = _old_values(target)
    save_values(target, hikyuu_ini_values(cfg), old)
    return target


def _old_values(target: Path) -> dict[str, dict[str, str]] | None:
    if not target.exists():
        return None
    try:
        return hikyuu_ini_values(load_hikyuu_ini(target))
    except ConfigError:
        return None  # an invalid file: every value is written


__all__ = [
    "BACKENDS",
    "BASEINFO_TYPES",
    "BLOCK_TYPES",
    "DAY_TYPES",
    "DEFAULT_QUOTATION_SERVER",
    "KDATA_TYPES",
    "PRELOAD_TYPES",
    "DbSection",
    "HikyuuIni",
    "HikyuuSection",
    "KDataSection",
    "PreloadSection",
    "choice",
    "hikyuu_ini_values",
    "load_hikyuu_ini",
    "save_hikyuu_ini",
]
