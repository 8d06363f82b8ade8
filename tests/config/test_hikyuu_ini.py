"""``hikyuu.ini``: typed loading, validation naming file/section/key/value, round trips, in-place saving."""

from __future__ import annotations

import dataclasses
import re
from datetime import time
from pathlib import Path

import pytest

from hikyuu_live.config import (
    DbSection,
    HikyuuIni,
    HikyuuSection,
    KDataSection,
    PreloadSection,
    hikyuu_ini_text,
    load_hikyuu_ini,
    save_hikyuu_ini,
    update_ini,
)
from hikyuu_live.config.preload import PRELOAD_TYPES
from hikyuu_live.config.sections import keyed_fields
from hikyuu_live.errors import ConfigError

from .conftest import ROOT


def hdf5_ini(tmp_path: Path) -> Path:
    p = tmp_path / "hikyuu.ini"
    p.write_text(hikyuu_ini_text("hdf5", tmp_path / "data"), encoding="utf-8")
    return p


def without_path(cfg: HikyuuIni) -> HikyuuIni:
    return dataclasses.replace(cfg, path=None)


def test_load_hikyuu_ini_hdf5_template_gives_typed_values(tmp_path):
    cfg = load_hikyuu_ini(hdf5_ini(tmp_path))
    d = (tmp_path / "data").as_posix()
    assert cfg.backend == "hdf5" and cfg.data_dir == tmp_path / "data"
    assert cfg.hikyuu == HikyuuSection(tmpdir=f"{d}/tmp", datadir=d)
    assert cfg.hikyuu.reload_time == time(0, 0) and cfg.hikyuu.lazy_preload is False
    assert cfg.block == DbSection(type="sqlite3", db=f"{d}/stock.db") == cfg.baseinfo
    assert cfg.preload == PreloadSection()
    assert cfg.kdata.paths()["bj_min5"] == tmp_path / "data" / "bj_5min.h5"
    assert len(cfg.kdata.paths()) == 15


def every_key_changed(tmp_path: Path) -> HikyuuIni:
    """A config in which every typed key differs from its default."""
    cfg = HikyuuIni(
        hikyuu=HikyuuSection(tmpdir="/t", datadir=str(tmp_path), reload_time=time(1, 30),
                             quotation_server="tcp://10.0.0.2:9200", lazy_preload=True, load_history_finance=False,
                             load_stock_weight=False, plugindir="/plugins"),
        block=DbSection(type="qianlong", db="/b.db", dir="/blk", host="h", port=1, usr="u", pwd="p w",
                        extra={"指数板块": "zsbk.ini", "self": "self.ini"}),
        preload=PreloadSection(flags={t: t != "day" for t in PRELOAD_TYPES}, maxima={t: 7 for t in PRELOAD_TYPES}),
        baseinfo=DbSection(type="mysql", db="/x.db", dir="/d", host="db", port=3307, usr="me", pwd="secret"),
        kdata=KDataSection(type="clickhouse", dir="/v", host="ch", port=9001, usr="default", pwd="pw", convert=True,
                           files={"http_port": "8124", "sh_day": "/s.h5"}),
    )
    for section in (cfg.hikyuu, cfg.block, cfg.baseinfo, cfg.kdata):
        default = type(section)()
        for f in keyed_fields(section):
            assert getattr(section, f.name) != getattr(default, f.name), f.name
    return cfg


def test_save_hikyuu_ini_then_load_gives_every_key_back(tmp_path):
    cfg = every_key_changed(tmp_path)
    out = save_hikyuu_ini(cfg, tmp_path / "saved.ini")
    assert without_path(load_hikyuu_ini(out)) == cfg
    text = out.read_text(encoding="utf-8")
    assert "reload_time = 01:30\n" in text and "lazy_preload = True\n" in text and "指数板块 = zsbk.ini" in text


def test_save_hikyuu_ini_over_a_template_gives_every_key_back(tmp_path):
    p = hdf5_ini(tmp_path)
    cfg = every_key_changed(tmp_path)
    save_hikyuu_ini(cfg, p)
    again = load_hikyuu_ini(p)
    # the template's file keys (sh_day ... bj_trans) are kept: saving never removes a key
    assert without_path(dataclasses.replace(again, kdata=dataclasses.replace(again.kdata, files={}))) == \
        dataclasses.replace(cfg, kdata=dataclasses.replace(cfg.kdata, files={}))
    assert again.kdata.files["sh_day"] == "/s.h5" and again.kdata.files["http_port"] == "8124"


@pytest.mark.parametrize("backend", ["hdf5", "mysql", "clickhouse"])
def test_load_save_load_of_each_template_is_unchanged(tmp_path, backend):
    p = tmp_path / "hikyuu.ini"
    p.write_text(hikyuu_ini_text(backend, tmp_path, pwd="pw"), encoding="utf-8")
    before = p.read_text(encoding="utf-8")
    cfg = load_hikyuu_ini(p)
    save_hikyuu_ini(cfg)
    assert p.read_text(encoding="utf-8") == before  # nothing changed, nothing rewritten
    assert load_hikyuu_ini(p) == cfg


def test_save_hikyuu_ini_keeps_hand_edits_and_writes_only_changes(tmp_path):
    p = hdf5_ini(tmp_path)
    text = p.read_text(encoding="utf-8").replace("[kdata]", "# my store\n[kdata]").replace(
        "week = False", "week = false  ") + "\n[mine]\nanswer = 42\n"
    p.write_text(text.replace("[hikyuu]\n", "[hikyuu]\n; note\nmy_key = 1\n"), encoding="utf-8")
    cfg = load_hikyuu_ini(p)
    save_hikyuu_ini(dataclasses.replace(cfg, hikyuu=dataclasses.replace(cfg.hikyuu, reload_time=time(2, 0))))
    out = p.read_text(encoding="utf-8")
    assert "# my store\n[kdata]" in out and "[mine]\nanswer = 42" in out and "; note\nmy_key = 1" in out
    assert "week = false" in out  # unchanged value: left as the user wrote it
    assert re.findall(r"^reload_time = .*$", out, re.M) == ["reload_time = 02:00"]
    assert ";type = qianlong" in out  # the template's comments too


def test_password_with_outer_spaces_is_refused_and_not_shown():
    with pytest.raises(ConfigError, match="spaces") as e:
        DbSection(pwd=" s3cret")
    assert "s3cret" not in str(e.value) and e.value.value == "***"


def test_repr_of_hikyuu_ini_hides_passwords(tmp_path):
    p = tmp_path / "hikyuu.ini"
    p.write_text(hikyuu_ini_text("mysql", tmp_path, pwd="s3cret"), encoding="utf-8")
    cfg = load_hikyuu_ini(p)
    assert cfg.kdata.pwd == "s3cret" and cfg.baseinfo.pwd == "s3cret"
    assert "s3cret" not in repr(cfg) and "pwd='***'" in repr(cfg.kdata)


BAD_VALUES = [
    ("hikyuu", "reload_time", "25:00", "not a time"),
    ("hikyuu", "reload_time", "01:30:15", "HH:MM"),
    ("hikyuu", "quotation_server", "localhost:9200", "not a bus address"),
    ("hikyuu", "lazy_preload", "maybe", "not a boolean"),
    ("hikyuu", "load_stock_weight", "Falsch", "not a boolean"),
    ("block", "type", "excel", "unknown type"),
    ("baseinfo", "type", "qianlong", "unknown type"),
    ("baseinfo", "port", "3306x", "not a port"),
    ("kdata", "type", "sqlite3", "unknown type"),
    ("kdata", "port", "0", "not a port"),
    ("kdata", "convert", "sure", "not a boolean"),
    ("preload", "day", "ja", "not a boolean"),
    ("preload", "min_max", "lots", "not an integer"),
    ("preload", "day_max", "-1", ">= 0"),
]


@pytest.mark.parametrize(("section", "key", "value", "reason"), BAD_VALUES)
def test_load_hikyuu_ini_bad_value_names_file_section_key_and_value(tmp_path, section, key, value, reason):
    p = hdf5_ini(tmp_path)
    update_ini(p, {section: {key: value}})
    with pytest.raises(ConfigError) as e:
        load_hikyuu_ini(p)
    msg = str(e.value)
    assert (e.value.file, e.value.section, e.value.key, e.value.value) == (str(p), section, key, value)
    assert str(p) in msg and f"[{section}]" in msg and repr(key) in msg and repr(value) in msg and reason in msg


@pytest.mark.parametrize("section", ["hikyuu", "block", "preload", "baseinfo", "kdata"])
def test_load_hikyuu_ini_missing_section_is_named(tmp_path, section):
    p = hdf5_ini(tmp_path)
    text = p.read_text(encoding="utf-8").replace(f"[{section}]", "[renamed]")
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"section \[{section}\]: missing section") as e:
        load_hikyuu_ini(p)
    assert e.value.file == str(p)


def test_load_hikyuu_ini_absent_or_broken_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_hikyuu_ini(tmp_path / "nope.ini")
    (tmp_path / "bad.ini").write_text("no section header\n")
    with pytest.raises(ConfigError, match="not a valid ini file"):
        load_hikyuu_ini(tmp_path / "bad.ini")
    (tmp_path / "latin.ini").write_bytes("[hikyuu]\ndatadir = c:\\stöck\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_hikyuu_ini(tmp_path / "latin.ini")


def test_load_hikyuu_ini_check_paths_requires_the_hdf5_data_dir(tmp_path):
    p = hdf5_ini(tmp_path)
    load_hikyuu_ini(p)  # not checked by default: a collector needs no data directory
    with pytest.raises(ConfigError, match="data directory does not exist") as e:
        load_hikyuu_ini(p, check_paths=True)
    assert (e.value.section, e.value.key) == ("hikyuu", "datadir")
    (tmp_path / "data").mkdir()
    assert load_hikyuu_ini(p, check_paths=True).data_dir == tmp_path / "data"


def test_load_hikyuu_ini_check_paths_requires_the_tdx_dir(tmp_path):
    p = hdf5_ini(tmp_path)
    update_ini(p, {"kdata": {"type": "tdx", "dir": str(tmp_path / "vipdoc")}})
    assert load_hikyuu_ini(p).backend == "tdx"
    with pytest.raises(ConfigError, match="vipdoc"):
        load_hikyuu_ini(p, check_paths=True)


def test_load_hikyuu_ini_false_words_are_false(tmp_path):
    p = hdf5_ini(tmp_path)
    update_ini(p, {"hikyuu": {"load_history_finance": "False", "load_stock_weight": "0", "lazy_preload": "false"},
                   "preload": {"day": "false"}})
    cfg = load_hikyuu_ini(p)
    assert (cfg.hikyuu.load_history_finance, cfg.hikyuu.load_stock_weight, cfg.hikyuu.lazy_preload,
            cfg.preload.flags["day"]) == (False, False, False, False)


def test_load_hikyuu_ini_missing_optional_keys_take_the_defaults(tmp_path):
    p = tmp_path / "hikyuu.ini"
    p.write_text("[hikyuu]\ndatadir = /d\n[block]\n[preload]\nmin = True\n[baseinfo]\n[kdata]\n", encoding="utf-8")
    cfg = load_hikyuu_ini(p)
    assert cfg.hikyuu == HikyuuSection(datadir="/d")
    assert cfg.preload.flags == {**PreloadSection().flags, "min": True}
    assert cfg.preload.maxima == PreloadSection().maxima
    assert cfg.backend == "hdf5" and cfg.kdata.files == {}


@pytest.mark.parametrize("name", ["hikyuu_linux.ini", "hikyuu_win.ini"])
def test_example_configs_load_from_the_repository_root(name, monkeypatch, tmp_path):
    """The example configs name data that ``scripts/make_test_data.py`` makes from test_data/vipdoc (checked
    in a copy of the repository layout, so the test writes nothing into the repository)."""
    from scripts.make_test_data import make

    (tmp_path / "test_data").mkdir()
    (tmp_path / "test_data" / "vipdoc").symlink_to(ROOT / "test_data" / "vipdoc")
    make(tmp_path)
    monkeypatch.chdir(tmp_path)
    cfg = load_hikyuu_ini(ROOT / "test_data" / name, check_paths=True)
    assert cfg.backend == "hdf5" and cfg.block.type == "sqlite3" and cfg.block.db == cfg.baseinfo.db
    markets = ("sh", "sz", "bj")
    assert set(cfg.kdata.files) == {f"{m}_{k}" for m in markets for k in ("day", "min", "min5", "time", "trans")}
    assert cfg.kdata.paths()["sz_min5"] == Path("test_data/hdf5/sz_5min.h5")
    assert cfg.data_dir == Path("test_data/hdf5") and cfg.data_dir.is_dir()
    assert all(p.is_file() for k, p in cfg.kdata.paths().items() if k.endswith(("_day", "_min", "_min5")))
    assert cfg.preload.flags["day"] and not cfg.preload.flags["min5"]
    assert cfg.preload.maxima["day"] == 100000 and cfg.preload.maxima["hour2"] == 5120
    assert cfg.baseinfo == DbSection(type="sqlite3", db=cfg.baseinfo.db)


@pytest.mark.parametrize("name", ["hikyuu_linux.ini", "hikyuu_win.ini"])
def test_example_configs_saved_unchanged_are_byte_identical(name, tmp_path):
    copy = tmp_path / name
    copy.write_bytes((ROOT / "test_data" / name).read_bytes())
    save_hikyuu_ini(load_hikyuu_ini(copy))
    assert copy.read_bytes() == (ROOT / "test_data" / name).read_bytes()


def test_kdata_files_given_as_paths_are_kept_as_text(tmp_path):
    kd = KDataSection(files={"sh_day": tmp_path / "sh_day.h5"})
    assert kd.files == {"sh_day": (tmp_path / "sh_day.h5").as_posix()}
    assert kd.paths()["sh_day"] == tmp_path / "sh_day.h5"


def test_example_configs_paths_are_relative_to_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not the repository root: ./test_data is not here
    with pytest.raises(ConfigError, match="data directory does not exist"):
        load_hikyuu_ini(ROOT / "test_data" / "hikyuu_linux.ini", check_paths=True)
