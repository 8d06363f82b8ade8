"""Where the config files live and how the paths written in them are read.

Relative paths in an ini file are resolved against the **current working directory**, not the file's
folder, because that is what Hikyuu's C++ core does (it hands ``datadir``, ``db`` and the ``[kdata]``
file names to its file APIs unchanged). The example configs ``test_data/hikyuu_linux.ini`` and
``hikyuu_win.ini`` rely on it: their ``./test_data`` paths mean "from the repository root", as in
Hikyuu's own test suite. Resolving against the file's folder would make them point at
``test_data/test_data``.

Windows-style paths (``.\\\\test_data``, ``c:\\\\stock``) are also read on POSIX, with ``\\`` taken as the
separator, so a config written on Windows (like ``hikyuu_win.ini``) can be checked on Linux.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path, PureWindowsPath

HIKYUU_INI = "hikyuu.ini"
IMPORT_INI = "importdata-gui.ini"


def config_home(override: str | os.PathLike[str] | None = None) -> Path:
    """The config directory: ``override`` > ``$HKU_HOME`` > ``~/.hikyuu``.

    Parameters
    ----------
    override
        The value of a ``--config`` option: a directory, or the path of a ``hikyuu.ini`` (any existing
        file, or any name ending in ``.ini``) whose folder is used.
    """
    if override is not None and str(override) != "":
        p = Path(override).expanduser()
        return p.parent if p.is_file() or p.suffix.lower() == ".ini" else p
    env = os.environ.get("HKU_HOME")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".hikyuu"


def default_data_dir() -> Path:
    """Hikyuu's default data directory: ``c:\\stock`` on Windows, ``~/stock`` elsewhere."""
    return Path("c:/stock") if sys.platform == "win32" else Path.home() / "stock"


def resolve_path(text: str | os.PathLike[str], base: Path | None = None) -> Path:
    """The path an ini value names: ``~`` expanded, ``\\`` read as a separator on POSIX.

    A relative path stays relative (the OS resolves it against the working directory, as Hikyuu
    does; see the module docstring) unless ``base`` is given, in which case it is joined to ``base``.
    """
    raw = os.fspath(text).strip()
    if os.sep == "/" and "\\" in raw:
        raw = PureWindowsPath(raw).as_posix()
    p = Path(raw).expanduser()
    return base / p if base is not None and not p.is_absolute() else p
