"""Default files: the three ``hikyuu.ini`` templates (HDF5, MySQL, ClickHouse), ``importdata-gui.ini``,
and ``generate_default_config`` (write only what is absent, never overwrite, as Hikyuu does).

``importdata-gui.ini`` is rendered from the section dataclasses' defaults, so "the template" and "a
missing key" can never disagree. Unlike the original, the two files agree with each other: the
import file enables the same store the engine file names, and when only one of the two files exists
the other is made to match it (the store, the data directory and the server settings).
"""

from __future__ import annotations

import logging
import os
from datetime import time
from pathlib import Path
from types import MappingProxyType

from hikyuu_live.config.hikyuu_ini import BACKENDS, DEFAULT_QUOTATION_SERVER, load_hikyuu_ini
from hikyuu_live.config.import_ini import load_import_ini
from hikyuu_live.config.import_sections import (
    ClickhouseSection,
    CollectSection,
    DataServerSection,
    DisabledSection,
    EnableSection,
    KTypeSection,
    MysqlSection,
    PytdxSection,
    QuotationSection,
    SchedSection,
)
from hikyuu_live.config.ini import OWNER_ONLY
from hikyuu_live.config.paths import HIKYUU_INI, IMPORT_INI, config_home, default_data_dir
from hikyuu_live.config.preload import IMPORT_PRELOADED, preload_text
from hikyuu_live.config.sections import section_values
from hikyuu_live.config.values import parse_address, parse_port, parse_reload_time
from hikyuu_live.errors import ConfigError

log = logging.getLogger(__name__)

MARKETS = ("sh", "sz", "bj")
DEFAULT_USR = MappingProxyType({"mysql": "root", "clickhouse": "default"})
# ClickHouse: the native port, which Hikyuu's C++ client speaks
DEFAULT_PORT = MappingProxyType({"mysql": 3306, "clickhouse": 9000})


def _check(backend: str, **values: tuple[object, object]) -> None:
    if backend not in BACKENDS:
        raise ConfigError(f"unknown backend; valid: {', '.join(BACKENDS)}", key="backend", value=backend)
    for name, (value, parse) in values.items():
        if value is None:
            continue
        try:
            parse(value if isinstance(value, str) else str(value))  # type: ignore[operator]
        except ValueError as e:
            raise ConfigError(str(e), key=name, value=value) from None


def hikyuu_ini_text(backend: str, data_dir: str | Path, *, host: str = "127.0.0.1", port: int | None = None,
                    usr: str | None = None, pwd: str = "", quotation_server: str = DEFAULT_QUOTATION_SERVER,
                    reload_time: str | time = "00:00") -> str:
    """``hikyuu.ini`` for ``backend`` (``hdf5`` | ``mysql`` | ``clickhouse``) with data under ``data_dir``.

    ``port`` defaults to 3306 (MySQL) or 9000 (ClickHouse's native port, which Hikyuu's C++ client
    speaks); ``usr`` to ``root`` or ``default``. The HDF5 template names one file per market and kind,
    Beijing included, and carries the original's commented alternatives (qianlong blocks, direct TDX reads).
    """
    if isinstance(reload_time, time):
        reload_time = reload_time.strftime("%H:%M")
    _check(backend, port=(port, parse_port), quotation_server=(quotation_server, parse_address),
           reload_time=(reload_time, parse_reload_time))
    d = Path(data_dir).as_posix()
    tmp = f"{d}/tmp" if backend == "hdf5" else d
    head = (f"[hikyuu]\ntmpdir = {tmp}\ndatadir = {d}\nreload_time = {reload_time}\n"
            f"quotation_server = {quotation_server}\nlazy_preload = False\n\n")
    preload = preload_text()
    if backend == "hdf5":
        files = []
        for m in MARKETS:
            files += [f"{m}_day = {d}/{m}_day.h5", f"{m}_min = {d}/{m}_1min.h5", f"{m}_min5 = {d}/{m}_5min.h5",
                      f"{m}_time = {d}/{m}_time.h5", f"{m}_trans = {d}/{m}_trans.h5"]
        block = (f"[block]\ntype = sqlite3\ndb = {d}/stock.db\n;type = qianlong\n;dir = {d}/block\n"
                 ";指数板块 = zsbk.ini\n;行业板块 = hybk.ini\n;地域板块 = dybk.ini\n;概念板块 = gnbk.ini\n"
                 ";self = self.ini\n\n")
        kdata = "[kdata]\n;type = tdx\n;dir = d:/TdxW_HuaTai/vipdoc\ntype = hdf5\n" + "\n".join(files) + "\n"
        return head + block + preload + f"\n[baseinfo]\ntype = sqlite3\ndb = {d}/stock.db\n\n" + kdata
    server = (f"type = {backend}\nhost = {host}\nport = {port or DEFAULT_PORT[backend]}\n"
              f"usr = {usr if usr is not None else DEFAULT_USR[backend]}\npwd = {pwd}\n")
    return head + f"[block]\n{server}\n" + preload + f"\n[baseinfo]\n{server}\n[kdata]\n{server}"


def _render(name: str, values: dict[str, str], *, comments: tuple[str, ...] = ()) -> str:
    return f"[{name}]\n" + "".join(f"{k} = {v}\n" for k, v in values.items()) + "".join(f"{c}\n" for c in comments)


def import_ini_text(data_dir: str | Path, *, backend: str = "hdf5", host: str = "127.0.0.1",
                    port: int | None = None, http_port: int = 8123, usr: str | None = None, pwd: str = "") -> str:
    """``importdata-gui.ini`` with the template's defaults, data under ``data_dir``, ``backend`` enabled.

    For ``clickhouse``, ``port`` is the native port (9000) and ``http_port`` the HTTP one hikyuu_live uses.
    """
    _check(backend, port=(port, parse_port), http_port=(http_port, parse_port))
    d = Path(data_dir).as_posix()
    usr = usr if usr is not None else DEFAULT_USR.get(backend, "root")
    collect = section_values(CollectSection())
    ours = {k: collect.pop(k) for k in ("ipc_address", "tcp_address", "qq_url", "batch_size", "heartbeat_interval",
                                        "metrics_port", "metrics_addr", "allow_clients", "qmt_watchdog")}
    if backend == "mysql":
        mysql = _render("mysql", section_values(MysqlSection(enable=True, tmpdir=d, host=host,
                                                             port=port or 3306, usr=usr, pwd=pwd)))
    else:
        mysql = _render("mysql", {"enable": "False"}, comments=(f";tmpdir = {d}", ";host = 127.0.0.1", ";port = 3306",
                                                                ";usr = root", ";pwd ="))
    if backend == "clickhouse":
        ch = _render("clickhouse", section_values(ClickhouseSection(enable=True, tmpdir=d, host=host,
                                                                    http_port=http_port, port=port or 9000,
                                                                    usr=usr, pwd=pwd)))
    else:
        ch = _render("clickhouse", {"enable": "False"})
    parts = [
        _render("quotation", section_values(QuotationSection())),
        _render("ktype", section_values(KTypeSection())),
        _render("weight", section_values(EnableSection())),
        _render("finance", section_values(EnableSection())),
        _render("block", section_values(EnableSection())),
        _render("tdx", {"enable": "False"}, comments=(";dir = d:/TdxW_HuaTai",)),
        _render("pytdx", section_values(PytdxSection()),
                comments=("; hosts = 1.2.3.4:7709, 5.6.7.8:7709  (hikyuu_live: servers to use; default "
                          "~/.hikyuu/hosts.py, else pytdx's list)",)),
        _render("hdf5", {"enable": str(backend == "hdf5"), "dir": d}),
        mysql,
        ch,
        _render("sched", section_values(SchedSection())),
        _render("collect", collect, comments=("# hikyuu_live: bus addresses, Tencent URL, codes per request, "
                                              "heartbeat and QMT watchdog seconds, metrics port (0 = off) and "
                                              "address, who may connect to the TCP bus (IP addresses or "
                                              "networks; empty = everyone)",
                                              *(f"{k} = {v}" for k, v in ours.items()))),
        _render("dataserver", section_values(DataServerSection()),
                comments=("# hikyuu_live: who may connect to the dataserver (e.g. 127.0.0.1, 192.168.1.0/24; "
                          "empty = everyone)",)),
        _render("lazy_preload", section_values(DisabledSection())),
        preload_text(IMPORT_PRELOADED),
    ]
    return "\n".join(parts)


def _from_existing(hk: Path, imp: Path) -> tuple[str, Path, dict[str, object]] | None:
    """(backend, data dir, server settings) of whichever of the two files exists and loads, else None."""
    try:
        if hk.exists():
            h = load_hikyuu_ini(hk)
            kd = h.kdata
            server = {"host": kd.host, "port": kd.port, "usr": kd.usr, "pwd": kd.pwd}
            backend = h.backend if h.backend in BACKENDS else "hdf5"
            return backend, h.data_dir or default_data_dir(), {k: v for k, v in server.items() if v is not None}
        if imp.exists():
            i = load_import_ini(imp)
            backend = i.backend
            if backend == "hdf5":
                return backend, Path(i.hdf5.dir), {}
            s = i.mysql if backend == "mysql" else i.clickhouse
            return backend, Path(s.tmpdir) if s.tmpdir else default_data_dir(), \
                {"host": s.host, "port": s.port, "usr": s.usr, "pwd": s.pwd}
    except ConfigError as e:
        log.warning("cannot follow the existing config (%s); writing defaults", e)
    return None


def generate_default_config(home: Path | None = None, data_dir: Path | None = None,
                            backend: str = "hdf5") -> tuple[Path, Path]:
    """Write ``hikyuu.ini`` and ``importdata-gui.ini`` into ``home`` where absent; never overwrite.

    Parameters
    ----------
    home
        Config directory (default ``config_home()``); created if needed.
    data_dir
        Data directory (default ``~/stock``, ``c:\\stock`` on Windows); it and its ``tmp`` are created
        when a file is written. When one of the two files already exists, the missing one follows
        it (store, data directory, server) and ``data_dir``/``backend`` are ignored with a warning.
    backend
        ``hdf5``, ``mysql`` or ``clickhouse`` (``root``/``default`` users on localhost).

    Returns
    -------
    (path of hikyuu.ini, path of importdata-gui.ini)
    """
    home = Path(home) if home is not None else config_home()
    hk, imp = home / HIKYUU_INI, home / IMPORT_INI
    if hk.exists() and imp.exists():
        return hk, imp
    _check(backend)
    server: dict[str, object] = {}
    existing = _from_existing(hk, imp)
    if existing is not None:
        if (data_dir is not None and Path(data_dir) != existing[1]) or backend not in ("hdf5", existing[0]):
            log.warning("config %s exists: the new file follows it (%s, %s)", home, existing[0], existing[1])
        backend, data, server = existing
    else:
        data = Path(data_dir) if data_dir is not None else default_data_dir()
    home.mkdir(parents=True, exist_ok=True)
    (data / "tmp").mkdir(parents=True, exist_ok=True)
    texts = {hk: hikyuu_ini_text(backend, data, **server),  # type: ignore[arg-type]
             imp: import_ini_text(data, backend=backend, **server)}  # type: ignore[arg-type]
    for path, text in texts.items():
        # a file with a password is created readable by its owner only
        mode = OWNER_ONLY if server.get("pwd") else 0o666
        try:
            # exclusive: another process may have just written it
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        log.info("wrote default config %s", path)
    return hk, imp


__all__ = ["DEFAULT_PORT", "DEFAULT_USR", "MARKETS", "generate_default_config", "hikyuu_ini_text", "import_ini_text"]
