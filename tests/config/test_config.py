"""The shared config module: round trips, defaults, home resolution, validation, in-place saving."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, time
from pathlib import Path

import pytest

from hikyuu_live.config import (
    config_home,
    generate_default_config,
    hikyuu_ini_text,
    load_config,
    load_hikyuu_ini,
    load_import_ini,
    save_hikyuu_ini,
    save_import_ini,
    update_ini,
)
from hikyuu_live.config.values import parse_bool
from hikyuu_live.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    h = tmp_path / "home"
    monkeypatch.setenv("HKU_HOME", str(h))
    return h


def test_config_home_resolution(tmp_path, monkeypatch):
    monkeypatch.delenv("HKU_HOME", raising=False)
    assert config_home() == Path.home() / ".hikyuu"
    monkeypatch.setenv("HKU_HOME", str(tmp_path / "env"))
    assert config_home() == tmp_path / "env"
    assert config_home(tmp_path / "cli") == tmp_path / "cli"
    assert config_home(tmp_path / "cli" / "hikyuu.ini") == tmp_path / "cli"


def test_generate_default_config_writes_only_what_is_absent(home, tmp_path):
    hk, imp = generate_default_config(home, tmp_path / "data")
    assert (tmp_path / "data" / "tmp").is_dir()
    hk.write_text(hk.read_text() + "\n# mine\n")
    generate_default_config(home, tmp_path / "other")
    assert hk.read_text().endswith("# mine\n")
    assert not (tmp_path / "other" / "x").exists()
    a, b = load_config(home)
    assert a.backend == "hdf5" and b.backend == "hdf5"
    assert a.hikyuu.datadir == (tmp_path / "data").as_posix()
    assert a.kdata.files["bj_min5"].endswith("bj_5min.h5")
    assert a.preload.flags["day"] and not a.preload.flags["min"]
    assert a.preload.maxima["day"] == 100000 and a.preload.maxima["min"] == 5120
    assert b.preload.flags["week"] and b.collect.interval == 305 and b.collect.phase1_start == time(9, 0)
    assert b.ktype.day_start_date == date(1990, 12, 19)


@pytest.mark.parametrize("backend", ["hdf5", "mysql", "clickhouse"])
def test_every_backend_template_loads(tmp_path, backend):
    p = tmp_path / "hikyuu.ini"
    p.write_text(hikyuu_ini_text(backend, tmp_path, pwd="s3cret"))
    cfg = load_hikyuu_ini(p)
    assert cfg.backend == backend
    if backend != "hdf5":
        assert cfg.kdata.port == (3306 if backend == "mysql" else 9000)
        assert cfg.baseinfo.pwd == "s3cret"
        assert "s3cret" not in repr(cfg)


def test_import_ini_roundtrip_of_every_key(home, tmp_path):
    _, imp = generate_default_config(home, tmp_path / "d")
    cfg = load_import_ini(imp)
    changed = dataclasses.replace(
        cfg,
        quotation=dataclasses.replace(cfg.quotation, future=True),
        ktype=dataclasses.replace(cfg.ktype, trans=True, time_start_date=date(2024, 1, 2)),
        tdx=dataclasses.replace(cfg.tdx, enable=True, dir=str(tmp_path)),
        pytdx=dataclasses.replace(cfg.pytdx, use_tdx_number=3, hosts="127.0.0.1:7709"),
        hdf5=dataclasses.replace(cfg.hdf5, enable=False),
        mysql=dataclasses.replace(cfg.mysql, enable=True, port=3307, pwd="pw"),
        sched=dataclasses.replace(cfg.sched, time=time(19, 30)),
        collect=dataclasses.replace(cfg.collect, interval=5, source="qmt", tcp_address="tcp://*:9300",
                                    metrics_port=9900, heartbeat_interval=0.5),
        preload=dataclasses.replace(cfg.preload, maxima={**cfg.preload.maxima, "min": 777}),
    )
    out = tmp_path / "saved.ini"
    save_import_ini(changed, out)
    again = load_import_ini(out)
    assert dataclasses.replace(again, path=None) == dataclasses.replace(changed, path=None)
    assert again.backend == "mysql"


def test_hikyuu_ini_roundtrip(tmp_path):
    p = tmp_path / "hikyuu.ini"
    p.write_text(hikyuu_ini_text("hdf5", tmp_path))
    cfg = load_hikyuu_ini(p)
    changed = dataclasses.replace(cfg, hikyuu=dataclasses.replace(cfg.hikyuu, reload_time=time(1, 30),
                                                                   quotation_server="tcp://10.0.0.2:9200"))
    save_hikyuu_ini(changed, tmp_path / "b.ini")
    again = load_hikyuu_ini(tmp_path / "b.ini")
    assert dataclasses.replace(again, path=None) == dataclasses.replace(changed, path=None)
    assert "reload_time = 01:30" in (tmp_path / "b.ini").read_text()


def test_save_keeps_hand_edited_keys_sections_and_comments(home, tmp_path):
    _, imp = generate_default_config(home, tmp_path / "d")
    text = imp.read_text().replace("[collect]", "[collect]\n# my poll settings\nmy_note = keep me")
    imp.write_text(text + "\n[my_section]\nanswer = 42\n")
    cfg = load_import_ini(imp)
    save_import_ini(dataclasses.replace(cfg, collect=dataclasses.replace(cfg.collect, interval=7)))
    out = imp.read_text()
    assert "# my poll settings" in out and "my_note = keep me" in out and "[my_section]\nanswer = 42" in out
    assert re.findall(r"^interval = .*$", out, re.M) == ["interval = 7"]
    assert load_import_ini(imp).collect.interval == 7


def test_update_ini_appends_missing_keys_and_sections(tmp_path):
    p = tmp_path / "a.ini"
    p.write_text("[a]\nx = 1\n; comment\n\n[b]\ny = 2\n")
    update_ini(p, {"a": {"x": 5, "z": True}, "c": {"w": "v"}})
    assert p.read_text() == "[a]\nx = 5\nz = True\n; comment\n\n[b]\ny = 2\n\n[c]\nw = v\n"


@pytest.mark.parametrize(("section", "key", "value", "reason"), [
    ("collect", "interval", "0", "must be within"),
    ("collect", "interval", "ten", "not an integer"),
    ("collect", "phase1_start", "25:00", "not a time"),
    ("collect", "source", "sina", "unknown source"),
    ("collect", "use_zhima_proxy", "maybe", "not a boolean"),
    ("collect", "quotation_server", "localhost:9200", "not a bus address"),
    ("mysql", "port", "70000", "not a port"),
    ("ktype", "day_start_date", "1990/12/19", "not a date"),
    ("pytdx", "use_tdx_number", "50", "must be within"),
])
def test_bad_values_name_file_section_key_and_value(home, tmp_path, section, key, value, reason):
    _, imp = generate_default_config(home, tmp_path / "d")
    update_ini(imp, {section: {key: value}})
    with pytest.raises(ConfigError) as e:
        load_import_ini(imp)
    msg = str(e.value)
    assert str(imp) in msg and f"[{section}]" in msg and repr(key) in msg and repr(value) in msg and reason in msg


def test_phase_order_and_single_backend_are_checked(home, tmp_path):
    _, imp = generate_default_config(home, tmp_path / "d")
    update_ini(imp, {"collect": {"phase1_end": "13:00:00"}})
    with pytest.raises(ConfigError, match="phase1_end"):
        load_import_ini(imp)
    update_ini(imp, {"collect": {"phase1_end": "11:35:00"}, "mysql": {"enable": True}})
    with pytest.raises(ConfigError, match="exactly one"):
        load_import_ini(imp)


def test_missing_sections_files_and_directories(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_hikyuu_ini(tmp_path / "nope.ini")
    p = tmp_path / "h.ini"
    p.write_text("[hikyuu]\ndatadir = /nonexistent/dir\n[block]\n[preload]\n[baseinfo]\n")
    with pytest.raises(ConfigError, match=r"section \[kdata\]"):
        load_hikyuu_ini(p)
    p.write_text(p.read_text() + "[kdata]\ntype = hdf5\n")
    load_hikyuu_ini(p)
    with pytest.raises(ConfigError, match="data directory does not exist"):
        load_hikyuu_ini(p, check_paths=True)
    imp = tmp_path / "i.ini"
    imp.write_text("[tdx]\nenable = True\ndir = /nonexistent/tdx\n")
    with pytest.raises(ConfigError, match="TDX directory"):
        load_import_ini(imp, check_paths=True)


@pytest.mark.parametrize(("text", "value"), [("False", False), ("false", False), ("0", False), ("no", False),
                                             ("True", True), ("1", True), ("on", True)])
def test_booleans_are_booleans(text, value):
    assert parse_bool(text) is value


@pytest.mark.parametrize("name", ["hikyuu_linux.ini", "hikyuu_win.ini"])
def test_example_configs_load(name, monkeypatch):
    monkeypatch.chdir(ROOT)
    cfg = load_hikyuu_ini(ROOT / "test_data" / name)
    assert cfg.backend == "hdf5" and cfg.block.type == "qianlong"
    assert cfg.block.extra["指数板块"] == "zsbk.ini"
    assert set(cfg.kdata.files) == {f"{m}_{k}" for m in ("sh", "sz") for k in ("day", "min", "min5", "time", "trans")}
    assert cfg.preload.flags["day"] and not cfg.preload.flags["min5"]
