"""``importdata-gui.ini``: what to import, from where, into which store, and how to collect quotes.

Every section and key of the original's template; the defaults and where they differ
from the original GUI's fallbacks are listed in ``import_sections.py``. No section is required: a
missing one reads as the template's. Exactly one of ``[hdf5]``, ``[mysql]``, ``[clickhouse]`` must be
enabled (the original GUI's radio buttons guaranteed it; a hand-edited file may not).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hikyuu_live.config.hikyuu_ini import BACKENDS
from hikyuu_live.config.import_sections import (
    ClickhouseSection,
    CollectSection,
    DataServerSection,
    DisabledSection,
    EnableSection,
    Hdf5Section,
    KTypeSection,
    MysqlSection,
    PytdxSection,
    QuotationSection,
    SchedSection,
    TdxSection,
)
from hikyuu_live.config.ini import read_ini, save_values
from hikyuu_live.config.paths import resolve_path
from hikyuu_live.config.preload import IMPORT_PRELOADED, PreloadSection, default_flags, load_preload
from hikyuu_live.config.sections import known_keys, load_section, section_values, warn_unknown
from hikyuu_live.errors import ConfigError


def _import_preload() -> PreloadSection:
    return PreloadSection(flags=default_flags(IMPORT_PRELOADED))


@dataclass(frozen=True, kw_only=True, slots=True)
class ImportIni:
    """A whole ``importdata-gui.ini``; ``path`` is where it was read from (``None`` if built in code)."""

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
    dataserver: DataServerSection = field(default_factory=DataServerSection)
    lazy_preload: DisabledSection = field(default_factory=DisabledSection)
    preload: PreloadSection = field(default_factory=_import_preload)

    @property
    def backend(self) -> str:
        """``hdf5``, ``mysql`` or ``clickhouse``: the one store enabled; ``ConfigError`` unless exactly one."""
        enabled = [name for name in BACKENDS if getattr(self, name).enable]
        if len(enabled) != 1:
            raise ConfigError(f"exactly one of [hdf5], [mysql], [clickhouse] must have enable = True, "
                              f"found {', '.join(enabled) or 'none'}", file=str(self.path or "") or None,
                              key="enable")
        return enabled[0]


# section name (== field name of ImportIni) -> its class, for every typed section but [preload]
_SECTIONS = (("quotation", QuotationSection), ("ktype", KTypeSection), ("weight", EnableSection),
             ("finance", EnableSection), ("block", EnableSection), ("tdx", TdxSection), ("pytdx", PytdxSection),
             ("qmt", DisabledSection), ("hdf5", Hdf5Section), ("mysql", MysqlSection),
             ("clickhouse", ClickhouseSection), ("sched", SchedSection), ("collect", CollectSection),
             ("dataserver", DataServerSection), ("lazy_preload", DisabledSection))


def load_import_ini(path: str | Path, *, check_paths: bool = False, text: str | None = None) -> ImportIni:
    """Read and validate ``importdata-gui.ini``.

    Parameters
    ----------
    path
        The file (UTF-8).
    check_paths
        Also require the TDX directory to exist when ``[tdx]`` is enabled, and ``[hdf5] dir`` not to be
        a file (it is created by the import when absent).
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
    values: dict[str, Any] = {}  # section name -> its dataclass, checked by ImportIni's fields
    for name, cls in _SECTIONS:
        values[name] = load_section(cls, cp, file, name)
        warn_unknown(cp, file, name, known_keys(cls))
    preload = load_preload(cp, file, _import_preload()) if cp.has_section("preload") else _import_preload()
    cfg = ImportIni(path=path, preload=preload, **values)
    cfg.backend  # noqa: B018 - validates the enable flags
    if check_paths:
        _check_paths(cfg, file)
    return cfg


def _check_paths(cfg: ImportIni, file: str) -> None:
    if cfg.tdx.enable and (not cfg.tdx.dir or not resolve_path(cfg.tdx.dir).is_dir()):
        raise ConfigError("TDX directory does not exist", file=file, section="tdx", key="dir", value=cfg.tdx.dir or "")
    if cfg.hdf5.enable:
        d = resolve_path(cfg.hdf5.dir) if cfg.hdf5.dir else None
        if d is None:
            raise ConfigError("HDF5 store needs a data directory", file=file, section="hdf5", key="dir", value="")
        if d.exists() and not d.is_dir():
            raise ConfigError("exists but is not a directory", file=file, section="hdf5", key="dir",
                              value=cfg.hdf5.dir)


def import_ini_values(cfg: ImportIni) -> dict[str, dict[str, str]]:
    """Every section of ``cfg`` as ini text."""
    out = {name: section_values(getattr(cfg, name)) for name, _ in _SECTIONS}
    out["preload"] = cfg.preload.values()
    return out


def save_import_ini(cfg: ImportIni, path: str | Path | None = None) -> Path:
    """Write ``cfg`` into ``path`` (default ``cfg.path``), changing only the values that differ.

    Keys, sections and comments added by hand are kept; see ``ini.save_values``.
    """
    target = Path(path) if path is not None else cfg.path
    if target is None:
        raise ConfigError("no path to save importdata-gui.ini to")
    old = None
    if target.exists():
        try:
            old = import_ini_values(load_import_ini(target))
        except ConfigError:
            old = None  # an invalid file: every value is written
    save_values(target, import_ini_values(cfg), old)
    return target


__all__ = ["ImportIni", "import_ini_values", "load_import_ini", "save_import_ini"]
