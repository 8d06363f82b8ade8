"""The one config module every entry point uses: ``hikyuu.ini`` and ``importdata-gui.ini``.

Pure (no sockets, databases or GUI); import does nothing, and no config is held at module level:
entry points load it once and pass the objects down.

- ``config_home(override)``: ``--config`` (a directory or a hikyuu.ini) > ``$HKU_HOME`` > ``~/.hikyuu``.
- ``load_hikyuu_ini(path) -> HikyuuIni`` and ``load_import_ini(path) -> ImportIni``: typed, frozen,
  validated; ``ConfigError`` names file, section, key and value. ``load_config(home, create)`` loads both.
- ``save_hikyuu_ini`` / ``save_import_ini``: write changed values in place, keeping keys, sections and
  comments the user added by hand; ``update_ini(path, {section: {key: value}})`` for targeted edits.
- ``hikyuu_ini_text(backend, data_dir, ...)``, ``import_ini_text(data_dir, ...)``: the templates;
  ``generate_default_config(home, data_dir, backend)`` writes them where absent.

Sections are frozen dataclasses validated on construction (``dataclasses.replace`` is checked too);
passwords show as ``'***'`` in ``repr``. Relative paths in the files are relative to the working
directory, as for Hikyuu's C++ core (``paths.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from hikyuu_live.config.hikyuu_ini import (
    BACKENDS,
    DbSection,
    HikyuuIni,
    HikyuuSection,
    KDataSection,
    load_hikyuu_ini,
    save_hikyuu_ini,
)
from hikyuu_live.config.import_ini import ImportIni, load_import_ini, save_import_ini
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
from hikyuu_live.config.ini import update_ini
from hikyuu_live.config.paths import HIKYUU_INI, IMPORT_INI, config_home, default_data_dir, resolve_path
from hikyuu_live.config.preload import PRELOAD_TYPES, PreloadSection
from hikyuu_live.config.templates import generate_default_config, hikyuu_ini_text, import_ini_text


class LiveConfig(NamedTuple):
    """Both files of one config directory; unpacks as ``hikyuu, importdata = load_config()``."""

    hikyuu: HikyuuIni
    importdata: ImportIni


def load_config(home: Path | None = None, create: bool = False) -> LiveConfig:
    """Both config files of ``home`` (default ``config_home()``); ``create`` first writes defaults if absent."""
    home = Path(home) if home is not None else config_home()
    if create:
        generate_default_config(home)
    return LiveConfig(load_hikyuu_ini(home / HIKYUU_INI), load_import_ini(home / IMPORT_INI))


__all__ = [
    "BACKENDS",
    "HIKYUU_INI",
    "IMPORT_INI",
    "PRELOAD_TYPES",
    "ClickhouseSection",
    "CollectSection",
    "DataServerSection",
    "DbSection",
    "DisabledSection",
    "EnableSection",
    "Hdf5Section",
    "HikyuuIni",
    "HikyuuSection",
    "ImportIni",
    "KDataSection",
    "KTypeSection",
    "LiveConfig",
    "MysqlSection",
    "PreloadSection",
    "PytdxSection",
    "QuotationSection",
    "SchedSection",
    "TdxSection",
    "config_home",
    "default_data_dir",
    "generate_default_config",
    "hikyuu_ini_text",
    "import_ini_text",
    "load_config",
    "load_hikyuu_ini",
    "load_import_ini",
    "resolve_path",
    "save_hikyuu_ini",
    "save_import_ini",
    "update_ini",
]
