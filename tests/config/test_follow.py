"""``config.follow``: which hikyuu.ini keys follow a change of importdata-gui.ini settings (pure)."""

from __future__ import annotations

import dataclasses

from hikyuu_live.config import ClickhouseSection, Hdf5Section, HikyuuIni, ImportIni, load_hikyuu_ini
from hikyuu_live.config.follow import changes, hikyuu_updates, relocate
from hikyuu_live.config.templates import hikyuu_ini_text


def test_relocate_moves_paths_under_the_old_directory_only():
    assert relocate("/data/sh_day.h5", "/data", "/new") == "/new/sh_day.h5"
    assert relocate("/data", "/data/", "/new") == "/new"
    assert relocate("/database/x.h5", "/data", "/new") is None  # a prefix of the name is not a parent
    assert relocate("/mnt/sh_day.h5", "/data", "/new") is None
    assert relocate(r"D:\Stock\sh_day.h5", "d:/stock", "e:/s") == "e:/s/sh_day.h5"  # Windows: any case and slash


def test_changes_compares_values_as_ini_text():
    before = {"a": {"x": 1, "b": True}, "c": {"y": "v"}}
    after = {"a": {"x": "1", "b": False}, "c": {"y": "v", "z": "new"}}
    assert changes(before, after) == {"a": {"b": False}, "c": {"z": "new"}}


def test_nothing_changed_gives_no_hikyuu_edit(tmp_path):
    imp = ImportIni()
    assert hikyuu_updates(imp, imp, {}, HikyuuIni()) == {}


def test_switching_to_clickhouse_writes_the_native_port_and_our_http_port(tmp_path):
    (tmp_path / "hikyuu.ini").write_text(hikyuu_ini_text("hdf5", tmp_path), encoding="utf-8")
    hk = load_hikyuu_ini(tmp_path / "hikyuu.ini")
    old = ImportIni()
    new = dataclasses.replace(old, hdf5=Hdf5Section(enable=False, dir=str(tmp_path)),
                              clickhouse=ClickhouseSection(enable=True, port=9009, http_port=8129))
    up = hikyuu_updates(old, new, {"hdf5": {"enable": False}, "clickhouse": {"enable": True}}, hk)
    for section in ("block", "baseinfo", "kdata"):
        assert up[section]["type"] == "clickhouse" and up[section]["port"] == "9009"
    assert up["kdata"]["http_port"] == "8129"


def test_a_changed_server_setting_goes_only_where_that_store_is_used(tmp_path):
    text = hikyuu_ini_text("mysql", tmp_path).replace("[block]\ntype = mysql", "[block]\ntype = sqlite3")
    (tmp_path / "hikyuu.ini").write_text(text, encoding="utf-8")
    hk = load_hikyuu_ini(tmp_path / "hikyuu.ini")
    old = ImportIni(hdf5=Hdf5Section(enable=False), mysql=dataclasses.replace(ImportIni().mysql, enable=True))
    new = dataclasses.replace(old, mysql=dataclasses.replace(old.mysql, host="127.0.0.9"))
    up = hikyuu_updates(old, new, {"mysql": {"host": "127.0.0.9"}}, hk)
    assert up == {"baseinfo": {"host": "127.0.0.9"}, "kdata": {"host": "127.0.0.9"}}
