"""Which ``hikyuu.ini`` keys follow from a change of ``importdata-gui.ini`` settings, and only those.

HikyuuTDX edits the import settings; ``hikyuu.ini`` (read by Hikyuu's C++ core and our strategies) must
name the same store, data directory, preload and bus address. The original GUI regenerated the whole
``hikyuu.ini`` from a template on every save, so a hand-set ``quotation_server``, a custom ``sh_day``
path or ``day_max = 2500`` were reset, and its ClickHouse template got the HTTP port where Hikyuu's C++
client needs the native one. Here a save writes only what the changed settings decide:

- another store chosen: ``[hikyuu] tmpdir/datadir`` and the ``type``/server keys of ``[block]``,
  ``[baseinfo]``, ``[kdata]`` (HDF5: the per-market file keys that are missing, and those under the old
  data directory moved to the new one; ClickHouse: the native ``port`` Hikyuu speaks and our ``http_port``);
- the HDF5 data directory changed: every path under the old directory moves to the new one (a path the
  user pointed elsewhere stays), ``datadir`` becomes the new directory;
- a server setting of the store in use changed: that key in each section whose type is that store;
- ``[preload]`` keys and ``[lazy_preload] enable``: the same keys of ``hikyuu.ini``;
- ``[collect] ipc_address``: ``quotation_server`` too, but only if it was the old IPC address (a strategy
  host that dials another machine's TCP address keeps it).

``changes(before, after)`` finds what the user changed (values compared as ini text), and
``save_changes(import_path, hikyuu_path, changed)`` applies them: both files are edited in memory and
validated first (errors name the real files), then each is replaced atomically; nothing is written when
nothing changed or anything is invalid.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path, PurePosixPath, PureWindowsPath

from hikyuu_live.config.hikyuu_ini import HikyuuIni, load_hikyuu_ini
from hikyuu_live.config.import_ini import ImportIni, load_import_ini
from hikyuu_live.config.ini import SECRET_KEYS, edit_ini_text, read_ini_text, write_atomically
from hikyuu_live.config.templates import DEFAULT_PORT, MARKETS
from hikyuu_live.config.values import format_value

Changes = Mapping[str, Mapping[str, object]]
SERVER_KEYS = ("host", "port", "usr", "pwd")
DB_SECTIONS = ("block", "baseinfo", "kdata")
_FILE_NAMES = (("day", "day"), ("min", "1min"), ("min5", "5min"), ("time", "time"), ("trans", "trans"))


def _norm(path: str) -> str:
    """A path for comparison: forward slashes, no trailing slash (Windows paths compared case-blind)."""
    p = path.strip().replace("\\", "/").rstrip("/")
    return p.lower() if PureWindowsPath(path).drive else p


def relocate(value: str, old_dir: str, new_dir: str) -> str | None:
    """``value`` moved from under ``old_dir`` to ``new_dir``; None when it is not under ``old_dir``."""
    if not old_dir.strip():
        return None
    v, old = _norm(value), _norm(old_dir)
    if v == old:
        return PurePosixPath(new_dir.replace("\\", "/")).as_posix()
    if not v.startswith(old + "/"):
        return None
    rest = value.strip().replace("\\", "/")[len(old) + 1:]
    return f"{new_dir.replace(chr(92), '/').rstrip('/')}/{rest}"


def _hdf5_files(data_dir: str) -> dict[str, str]:
    return {f"{m}_{k}": f"{data_dir}/{m}_{name}.h5" for m in MARKETS for k, name in _FILE_NAMES}


def _moved(hk: HikyuuIni, old_dir: str, new_dir: str) -> dict[str, dict[str, str]]:
    """Every path of ``hk`` under ``old_dir``, moved to ``new_dir``."""
    out: dict[str, dict[str, str]] = {}
    candidates = {
        "hikyuu": {"tmpdir": hk.hikyuu.tmpdir, "datadir": hk.hikyuu.datadir},
        "block": {"db": hk.block.db or "", "dir": hk.block.dir or ""},
        "baseinfo": {"db": hk.baseinfo.db or ""},
        "kdata": dict(hk.kdata.files),
    }
    for section, values in candidates.items():
        for k, v in values.items():
            if v and (moved := relocate(v, old_dir, new_dir)) is not None and moved != v:
                out.setdefault(section, {})[k] = moved
    return out


def _to_hdf5(old: ImportIni, new: ImportIni, hk: HikyuuIni) -> dict[str, dict[str, str]]:
    d = new.hdf5.dir.replace("\\", "/").rstrip("/")
    old_dir = hk.hikyuu.datadir or old.hdf5.dir
    out = _moved(hk, old_dir, d)
    out.setdefault("hikyuu", {}).update({"datadir": d, "tmpdir": out.get("hikyuu", {}).get("tmpdir", f"{d}/tmp")})
    for section in ("block", "baseinfo"):
        out.setdefault(section, {}).update({"type": "sqlite3", "db": f"{d}/stock.db"})
    kdata = out.setdefault("kdata", {})
    kdata["type"] = "hdf5"
    for k, v in _hdf5_files(d).items():
        if k not in hk.kdata.files:
            kdata[k] = v
    return out


def _to_server(backend: str, new: ImportIni) -> dict[str, dict[str, str]]:
    s = new.mysql if backend == "mysql" else new.clickhouse
    server = {"type": backend, "host": s.host, "port": str(s.port or DEFAULT_PORT[backend]), "usr": s.usr,
              "pwd": s.pwd}
    out: dict[str, dict[str, str]] = {section: dict(server) for section in DB_SECTIONS}
    if backend == "clickhouse":
        out["kdata"]["http_port"] = str(new.clickhouse.http_port)
    if s.tmpdir:
        out["hikyuu"] = {"tmpdir": s.tmpdir, "datadir": s.tmpdir}
    return out


def _server_edits(backend: str, old: ImportIni, new: ImportIni, changed: Mapping[str, object],
                  hk: HikyuuIni) -> dict[str, dict[str, str]]:
    """Changed host/port/usr/pwd (+ http_port, tmpdir) of the store in use, where hikyuu.ini uses that store."""
    out: dict[str, dict[str, str]] = {}
    s = new.mysql if backend == "mysql" else new.clickhouse
    for section in DB_SECTIONS:
        if getattr(hk, section).type != backend:
            continue
        for k in SERVER_KEYS:
            if k in changed:
                out.setdefault(section, {})[k] = format_value(getattr(s, k))
    if backend == "clickhouse" and "http_port" in changed and hk.kdata.type == "clickhouse":
        out.setdefault("kdata", {})["http_port"] = str(new.clickhouse.http_port)
    if "tmpdir" in changed and s.tmpdir:
        before = (old.mysql if backend == "mysql" else old.clickhouse).tmpdir or ""
        hikyuu = out.setdefault("hikyuu", {})
        hikyuu["tmpdir"] = s.tmpdir
        if not hk.hikyuu.datadir or _norm(hk.hikyuu.datadir) == _norm(before):
            hikyuu["datadir"] = s.tmpdir
    return out


def _merge(into: dict[str, dict[str, str]], more: Mapping[str, Mapping[str, str]]) -> None:
    for section, values in more.items():
        into.setdefault(section, {}).update(values)


def hikyuu_updates(old: ImportIni, new: ImportIni, changed: Changes, hk: HikyuuIni) -> dict[str, dict[str, str]]:
    """The ``hikyuu.ini`` edits that follow from ``changed`` (see the module docstring).

    Parameters
    ----------
    old, new
        ``importdata-gui.ini`` before and after the change (``new`` validated).
    changed
        The import-file keys whose values the user changed: ``{section: {key: new value}}``.
    hk
        ``hikyuu.ini`` as it is now.
    """
    out: dict[str, dict[str, str]] = {}
    backend, before = new.backend, old.backend
    if backend != before:
        _merge(out, _to_hdf5(old, new, hk) if backend == "hdf5" else _to_server(backend, new))
    elif backend == "hdf5" and "dir" in changed.get("hdf5", {}):
        d = new.hdf5.dir.replace("\\", "/").rstrip("/")
        _merge(out, _moved(hk, hk.hikyuu.datadir or old.hdf5.dir, d))
        out.setdefault("hikyuu", {})["datadir"] = d
    elif backend != "hdf5" and changed.get(backend):
        _merge(out, _server_edits(backend, old, new, changed[backend], hk))
    preload = {k: format_value(v) for k, v in changed.get("preload", {}).items()}
    if preload:
        out.setdefault("preload", {}).update(preload)
    if "enable" in changed.get("lazy_preload", {}):
        out.setdefault("hikyuu", {})["lazy_preload"] = format_value(new.lazy_preload.enable)
    if "ipc_address" in changed.get("collect", {}) and hk.hikyuu.quotation_server == old.collect.ipc_address:
        out.setdefault("hikyuu", {})["quotation_server"] = new.collect.ipc_address
    return out


def changes(before: Changes, after: Changes) -> dict[str, dict[str, object]]:
    """The keys of ``after`` whose value (as ini text) differs from ``before`` or is new."""
    out: dict[str, dict[str, object]] = {}
    for section, values in after.items():
        old = before.get(section, {})
        for k, v in values.items():
            if k not in old or format_value(old[k]) != format_value(v):
                out.setdefault(section, {})[k] = v
    return out


def _has_secret(updates: Changes) -> bool:
    return any(k in SECRET_KEYS and format_value(v) for kv in updates.values() for k, v in kv.items())


def save_changes(import_path: Path, hikyuu_path: Path, changed: Changes, *,
                 check_paths: bool = True) -> tuple[ImportIni, HikyuuIni, dict[str, dict[str, str]]]:
    """Write ``changed`` into ``import_path`` and what follows into ``hikyuu_path`` (module docstring).

    Returns the new ``(ImportIni, HikyuuIni, hikyuu.ini edits)``. Raises ``ConfigError`` naming the real
    file, section and key when the result would not load; then nothing is written.
    """
    old = load_import_ini(import_path)
    hk = load_hikyuu_ini(hikyuu_path)
    imp_text = edit_ini_text(read_ini_text(import_path), changed, import_path)
    new = load_import_ini(import_path, check_paths=check_paths, text=imp_text)
    follow = hikyuu_updates(old, new, changed, hk)
    hk_text = edit_ini_text(read_ini_text(hikyuu_path), follow, hikyuu_path)
    new_hk = load_hikyuu_ini(hikyuu_path, text=hk_text)
    if changed:
        write_atomically(import_path.resolve(), imp_text, secret=_has_secret(changed))
    if follow:
        write_atomically(hikyuu_path.resolve(), hk_text, secret=_has_secret(follow))
    return new, new_hk, follow


__all__ = ["Changes", "changes", "hikyuu_updates", "relocate", "save_changes"]
