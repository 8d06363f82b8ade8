"""Default files: the three ``hikyuu.ini`` templates (HDF5, MySQL, ClickHouse) and ``importdata-gui.ini``,
and ``generate_default_config`` (write only what is absent, as Hikyuu does)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hikyuu_live.config.hikyuu_ini import (
    BACKENDS,
    DAY_TYPES,
    DEFAULT_QUOTATION_SERVER,
    PRELOAD_TYPES,
)
from hikyuu_live.errors import ConfigError

HIKYUU_INI = "hikyuu.ini"
IMPORT_INI = "importdata-gui.ini"
MARKETS = ("sh", "sz", "bj")


def config_home(override: str | os.PathLike[str] | None = None) -> Path:
    """``--config`` (a directory, or a hikyuu.ini whose folder is used) > ``$HKU_HOME`` > ``~/.hikyuu``."""
    if override:
        p = Path(override).expanduser()
        return p.parent if p.suffix.lower() == ".ini" else p
    env = os.environ.get("HKU_HOME")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".hikyuu"


def default_data_dir() -> Path:
    return Path("c:/stock") if sys.platform == "win32" else Path.home() / "stock"


def _preload_lines(day_flags: tuple[str, ...] = ("day",)) -> str:
    flags = "\n".join(f"{t} = {'True' if t in day_flags else 'False'}" for t in PRELOAD_TYPES)
    maxima = "\n".join(f"{t}_max = {100000 if t in DAY_TYPES else 5120}" for t in PRELOAD_TYPES)
    return f"[preload]\n{flags}\n{maxima}\n"


def hikyuu_ini_text(backend: str, data_dir: str | Path, *, host: str = "127.0.0.1", port: int | None = None,
                    usr: str = "root", pwd: str = "", quotation_server: str = DEFAULT_QUOTATION_SERVER,
                    reload_time: str = "00:00") -> str:
    """``hikyuu.ini`` for ``backend`` (hdf5 | mysql | clickhouse) with data under ``data_dir``."""
    if backend not in BACKENDS:
        raise ConfigError(f"unknown backend {backend!r}; valid: {', '.join(BACKENDS)}")
    d = Path(data_dir).as_posix()
    tmp = f"{d}/tmp" if backend == "hdf5" else d
    head = (f"[hikyuu]\ntmpdir = {tmp}\ndatadir = {d}\nreload_time = {reload_time}\n"
            f"quotation_server = {quotation_server}\nlazy_preload = False\n\n")
    if backend == "hdf5":
        files = []
        for m in MARKETS:
            files += [f"{m}_day = {d}/{m}_day.h5", f"{m}_min = {d}/{m}_1min.h5", f"{m}_min5 = {d}/{m}_5min.h5",
                      f"{m}_time = {d}/{m}_time.h5", f"{m}_trans = {d}/{m}_trans.h5"]
        body = (f"[block]\ntype = sqlite3\ndb = {d}/stock.db\n\n" + _preload_lines() +
                f"\n[baseinfo]\ntype = sqlite3\ndb = {d}/stock.db\n\n[kdata]\ntype = hdf5\n" + "\n".join(files) + "\n")
        return head + body
    port = port or (3306 if backend == "mysql" else 9000)
    server = f"type = {backend}\nhost = {host}\nport = {port}\nusr = {usr}\npwd = {pwd}\n"
    return head + f"[block]\n{server}\n" + _preload_lines() + f"\n[baseinfo]\n{server}\n[kdata]\n{server}"


def import_ini_text(data_dir: str | Path) -> str:
    """``importdata-gui.ini`` with the template's defaults and data under ``data_dir``."""
    d = Path(data_dir).as_posix()
    return f"""[quotation]
stock = True
fund = True
future = False

[ktype]
day = True
min = True
min5 = True
trans = False
time = False
day_start_date = 1990-12-19
min_start_date = 2023-09-19
min5_start_date = 2023-09-19
trans_start_date = 2023-12-11
time_start_date = 2023-12-11

[weight]
enable = True

[finance]
enable = True

[block]
enable = True

[tdx]
enable = False
;dir = d:/TdxW_HuaTai

[pytdx]
enable = False
use_tdx_number = 10

[hdf5]
enable = True
dir = {d}

[mysql]
enable = False
;tmpdir = D:/stock
;host = 127.0.0.1
;port = 3306
;usr = root
;pwd =

[clickhouse]
enable = False

[sched]
time = 18:00:00

[collect]
quotation_server = {DEFAULT_QUOTATION_SERVER}
interval = 305
source = qq
use_zhima_proxy = False
phase1_start = 09:00:00
phase1_end = 11:35:00
phase2_start = 12:00:00
phase2_end = 15:05:00

[lazy_preload]
enable = False

""" + _preload_lines(("day", "week", "month"))


def generate_default_config(home: Path | None = None, data_dir: Path | None = None,
                            backend: str = "hdf5") -> tuple[Path, Path]:
    """Write ``hikyuu.ini`` and ``importdata-gui.ini`` where absent (never overwrite); create the data dir."""
    home = home or config_home()
    data = data_dir or default_data_dir()
    hk, imp = home / HIKYUU_INI, home / IMPORT_INI
    if hk.exists() and imp.exists():
        return hk, imp
    home.mkdir(parents=True, exist_ok=True)
    (data / "tmp").mkdir(parents=True, exist_ok=True)  # only when a config pointing there is written
    if not hk.exists():
        hk.write_text(hikyuu_ini_text(backend, data), encoding="utf-8")
    if not imp.exists():
        imp.write_text(import_ini_text(data), encoding="utf-8")
    return hk, imp
