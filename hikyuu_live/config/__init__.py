"""The one config module every entry point uses: ``hikyuu.ini`` and ``importdata-gui.ini``.

- ``config_home(override)``: ``--config`` > ``$HKU_HOME`` > ``~/.hikyuu``.
- ``load_hikyuu_ini(path) -> HikyuuIni`` and ``load_import_ini(path) -> ImportIni``: typed, frozen,
  validated (``ConfigError`` names file, section, key and value).
- ``save_hikyuu_ini`` / ``save_import_ini`` / ``update_ini``: write values in place, keeping keys,
  sections and comments the user added by hand.
- ``hikyuu_ini_text(backend, data_dir)``, ``import_ini_text(data_dir)``, ``generate_default_config``.
- ``load_config(home, create)``: both files at once.
"""

from __future__ import annotations

from pathlib import Path

from hikyuu_live.config.hikyuu_ini import (
    DbSection,
    HikyuuIni,
    HikyuuSection,
    KDataSection,
    PreloadSection,
    load_hikyuu_ini,
    save_hikyuu_ini,
)
from hikyuu_live.config.import_ini import CollectSection, ImportIni, load_import_ini, save_import_ini
from hikyuu_live.config.ini import update_ini
from hikyuu_live.config.templates import (
    HIKYUU_INI,
    IMPORT_INI,
    config_home,
    default_data_dir,
    generate_default_config,
    hikyuu_ini_text,
    import_ini_text,
)


def load_config(home: Path | None = None, *, create: bool = False) -> tuple[HikyuuIni, ImportIni]:
    """Both config files of ``home`` (default ``config_home()``); ``create`` writes defaults if absent."""
    home = home or config_home()
    if create:
        generate_default_config(home)
    return load_hikyuu_ini(home / HIKYUU_INI), load_import_ini(home / IMPORT_INI)


__all__ = [
    "HIKYUU_INI",
    "IMPORT_INI",
    "CollectSection",
    "DbSection",
    "HikyuuIni",
    "HikyuuSection",
    "ImportIni",
    "KDataSection",
    "PreloadSection",
    "config_home",
    "default_data_dir",
    "generate_default_config",
    "hikyuu_ini_text",
    "import_ini_text",
    "load_config",
    "load_hikyuu_ini",
    "load_import_ini",
    "save_hikyuu_ini",
    "save_import_ini",
    "update_ini",
]
