"""``importdata-gui.ini``: every section and key of the original, validation, round trips, in-place saving."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, time
from pathlib import Path

import pytest

from hikyuu_live.config import (
    ClickhouseSection,
    CollectSection,
    DataServerSection,
    DisabledSection,
    EnableSection,
    Hdf5Section,
    ImportIni,
    KTypeSection,
    MysqlSection,
    PreloadSection,
    PytdxSection,
    QuotationSection,
    SchedSection,
    TdxSection,
    import_ini_text,
    load_import_ini,
    save_import_ini,
    update_ini,
)
from hikyuu_live.config.import_ini import _SECTIONS
from hikyuu_live.config.preload import PRELOAD_TYPES
from hikyuu_live.config.sections import keyed_fields
from hikyuu_live.errors import ConfigError


@pytest.fixture
def imp(tmp_path: Path) -> Path:
    p = tmp_path / "importdata-gui.ini"
    p.write_text(import_ini_text(tmp_path / "data"), encoding="utf-8")
    return p


def without_path(cfg: ImportIni) -> ImportIni:
    return dataclasses.replace(cfg, path=None)


def test_every_section_of_import_ini_is_typed():
    assert [name for name, _ in _SECTIONS] == [f.name for f in dataclasses.fields(ImportIni)
                                              if f.name not in ("path", "preload")]
    assert {name for name, _ in _SECTIONS} == {"quotation", "ktype", "weight", "finance", "block", "tdx", "pytdx",
                                               "qmt", "hdf5", "mysql", "clickhouse", "sched", "collect",
                                               "dataserver", "lazy_preload"}


def every_key_changed(tmp_path: Path) -> ImportIni:
    """An import config in which every key of every section differs from its default."""
    cfg = ImportIni(
        quotation=QuotationSection(stock=False, fund=False, future=True),
        ktype=KTypeSection(day=False, min=False, min5=False, trans=True, time=True, day_start_date=date(2000, 1, 4),
                           min_start_date=date(2024, 1, 2), min5_start_date=date(2024, 1, 3),
                           trans_start_date=date(2024, 1, 4), time_start_date=date(2024, 1, 5)),
        weight=EnableSection(enable=False), finance=EnableSection(enable=False), block=EnableSection(enable=False),
        tdx=TdxSection(enable=True, dir=str(tmp_path / "tdx")),
        pytdx=PytdxSection(enable=True, use_tdx_number=3, hosts="127.0.0.1:7709, 10.0.0.1:7711"),
        qmt=DisabledSection(enable=True),
        hdf5=Hdf5Section(enable=False, dir=str(tmp_path / "h5")),
        mysql=MysqlSection(enable=True, tmpdir="/tmp/m", host="db", port=3307, usr="me", pwd="p#w;d"),
        clickhouse=ClickhouseSection(enable=False, tmpdir="/tmp/c", host="ch", http_port=8124, port=9001, usr="u",
                                     pwd="x"),
        sched=SchedSection(time=time(19, 30, 5), enable=True),
        collect=CollectSection(quotation_server="tcp://10.0.0.2:9200", interval=5, source="qmt", use_zhima_proxy=True,
                               phase1_start=time(9, 15), phase1_end=time(11, 31), phase2_start=time(13, 0),
                               phase2_end=time(15, 1), ipc_address="ipc:///tmp/other.ipc", tcp_address="tcp://*:9300",
                               qq_url="https://example.test/q=", batch_size=30, heartbeat_interval=0.5,
                               metrics_port=9900, metrics_addr="0.0.0.0", allow_clients="192.168.1.0/24, 10.0.0.7",
                               qmt_watchdog=30.0),
        dataserver=DataServerSection(allow_clients="127.0.0.1"),
        lazy_preload=DisabledSection(enable=True),
        preload=PreloadSection(flags={t: t not in ("day", "week", "month") for t in PRELOAD_TYPES},
                               maxima={t: 11 for t in PRELOAD_TYPES}),
    )
    default = ImportIni()
    for name, _ in _SECTIONS:
        section, base = getattr(cfg, name), getattr(default, name)
        for f in keyed_fields(section):
            if (name, f.name) != ("clickhouse", "enable"):  # exactly one store may be enabled
                assert getattr(section, f.name) != getattr(base, f.name), (name, f.name)
    return cfg


def test_save_import_ini_then_load_gives_every_key_back(tmp_path):
    cfg = every_key_changed(tmp_path)
    out = save_import_ini(cfg, tmp_path / "saved.ini")
    again = load_import_ini(out)
    assert without_path(again) == cfg and again.backend == "mysql"
    text = out.read_text(encoding="utf-8")
    assert "time = 19:30:05\n" in text and "day_start_date = 2000-01-04\n" in text and "future = True\n" in text


def test_save_import_ini_over_the_template_gives_every_key_back(imp, tmp_path):
    cfg = every_key_changed(tmp_path)
    save_import_ini(cfg, imp)
    assert without_path(load_import_ini(imp)) == cfg


def test_clickhouse_enabled_round_trips(imp):
    cfg = load_import_ini(imp)
    changed = dataclasses.replace(cfg, hdf5=dataclasses.replace(cfg.hdf5, enable=False),
                                  clickhouse=dataclasses.replace(cfg.clickhouse, enable=True))
    save_import_ini(changed)
    assert load_import_ini(imp).backend == "clickhouse"


def test_load_save_of_the_template_changes_nothing(imp):
    before = imp.read_text(encoding="utf-8")
    save_import_ini(load_import_ini(imp))
    assert imp.read_text(encoding="utf-8") == before


def test_save_import_ini_keeps_hand_edited_keys_sections_and_comments(imp):
    text = imp.read_text(encoding="utf-8").replace("[collect]", "[collect]\n# my poll settings\nmy_note = keep me")
    imp.write_text(text + "\n[my_section]\nanswer = 42\n", encoding="utf-8")
    cfg = load_import_ini(imp)
    save_import_ini(dataclasses.replace(cfg, collect=dataclasses.replace(cfg.collect, interval=7)))
    out = imp.read_text(encoding="utf-8")
    assert "# my poll settings\nmy_note = keep me" in out and "[my_section]\nanswer = 42" in out
    assert ";dir = d:/TdxW_HuaTai" in out and ";pwd =" in out  # the template's own comments
    assert re.findall(r"^interval = .*$", out, re.M) == ["interval = 7"]
    assert load_import_ini(imp).collect.interval == 7


def test_save_import_ini_appends_a_changed_key_the_file_lacks(tmp_path):
    p = tmp_path / "i.ini"
    p.write_text("[collect]\n# only this\ninterval = 10\n", encoding="utf-8")
    cfg = load_import_ini(p)
    save_import_ini(dataclasses.replace(cfg, collect=dataclasses.replace(cfg.collect, metrics_port=9100)))
    assert p.read_text(encoding="utf-8") == "[collect]\n# only this\ninterval = 10\nmetrics_port = 9100\n"


def test_load_import_ini_empty_file_is_the_template(tmp_path, imp):
    empty = tmp_path / "empty.ini"
    empty.write_text("", encoding="utf-8")
    from_template = dataclasses.replace(load_import_ini(imp), hdf5=Hdf5Section(dir="x"))
    assert without_path(dataclasses.replace(load_import_ini(empty), hdf5=Hdf5Section(dir="x"))) == \
        without_path(from_template) == ImportIni(hdf5=Hdf5Section(dir="x"))


def test_load_import_ini_partial_preload_keeps_the_import_defaults(tmp_path):
    p = tmp_path / "i.ini"
    p.write_text("[preload]\nmin = True\nmin_max = 100\n", encoding="utf-8")
    cfg = load_import_ini(p)
    assert cfg.preload.flags == {**ImportIni().preload.flags, "min": True}
    assert cfg.preload.flags["week"] and cfg.preload.maxima["min"] == 100


def test_load_import_ini_false_words_are_false(tmp_path):
    p = tmp_path / "i.ini"
    p.write_text("[quotation]\nstock = False\nfund = false\n[weight]\nenable = 0\n[finance]\nenable = no\n"
                 "[block]\nenable = off\n[ktype]\nday = False\n", encoding="utf-8")
    cfg = load_import_ini(p)
    assert not any([cfg.quotation.stock, cfg.quotation.fund, cfg.weight.enable, cfg.finance.enable,
                    cfg.block.enable, cfg.ktype.day])


BAD_VALUES = [
    ("quotation", "stock", "Falsch", "not a boolean"),
    ("ktype", "day_start_date", "1990/12/19", "not a date"),
    ("ktype", "min_start_date", "2023-13-01", "not a date"),
    ("pytdx", "use_tdx_number", "50", "must be within"),
    ("pytdx", "hosts", "1.2.3.4", "not host:port"),
    ("mysql", "port", "70000", "not a port"),
    ("clickhouse", "http_port", "0", "not a port"),
    ("sched", "time", "18h", "not a time"),
    ("collect", "interval", "0", "must be within"),
    ("collect", "interval", "ten", "not an integer"),
    ("collect", "phase1_start", "25:00", "not a time"),
    ("collect", "source", "sina", "unknown source"),
    ("collect", "use_zhima_proxy", "maybe", "not a boolean"),
    ("collect", "quotation_server", "localhost:9200", "not a bus address"),
    ("collect", "tcp_address", "tcp://*:99999", "not a port"),
    ("collect", "qq_url", "qt.gtimg.cn", "not an http(s) URL"),
    ("collect", "batch_size", "0", "must be within"),
    ("collect", "heartbeat_interval", "0.001", "must be 0 (off) or >="),
    ("collect", "metrics_port", "-1", "must be within"),
    ("collect", "qmt_watchdog", "0.5", "must be within"),
    ("preload", "week", "sometimes", "not a boolean"),
    ("preload", "min5_max", "-3", ">= 0"),
]


@pytest.mark.parametrize(("section", "key", "value", "reason"), BAD_VALUES)
def test_load_import_ini_bad_value_names_file_section_key_and_value(imp, section, key, value, reason):
    update_ini(imp, {section: {key: value}})
    with pytest.raises(ConfigError) as e:
        load_import_ini(imp)
    msg = str(e.value)
    assert (e.value.file, e.value.section, e.value.key, e.value.value) == (str(imp), section, key, value)
    assert str(imp) in msg and f"[{section}]" in msg and repr(key) in msg and repr(value) in msg and reason in msg


@pytest.mark.parametrize(("key", "value", "reason"), [
    ("phase1_start", "12:00:00", "phase1_start (12:00:00) is after phase1_end"),
    ("phase1_end", "13:00:00", "phase1_end (13:00:00) is after phase2_start"),
    ("phase2_start", "15:30:00", "phase2_start (15:30:00) is after phase2_end"),
])
def test_load_import_ini_phases_out_of_order_are_refused(imp, key, value, reason):
    update_ini(imp, {"collect": {key: value}})
    with pytest.raises(ConfigError, match=re.escape(reason)) as e:
        load_import_ini(imp)
    assert (e.value.file, e.value.section, e.value.key, e.value.value) == (str(imp), "collect", key, value)


def test_load_import_ini_equal_phase_bounds_are_allowed(imp):
    update_ini(imp, {"collect": {"phase1_start": "00:00:00", "phase1_end": "00:00:00",
                                 "phase2_start": "00:00:00", "phase2_end": "00:00:00"}})
    assert load_import_ini(imp).collect.phase2_end == time(0, 0)


@pytest.mark.parametrize(("flags", "found"), [({"mysql": True}, "hdf5, mysql"), ({"hdf5": False}, "none")])
def test_load_import_ini_needs_exactly_one_store(imp, flags, found):
    update_ini(imp, {name: {"enable": on} for name, on in flags.items()})
    with pytest.raises(ConfigError, match=f"exactly one.*found {found}") as e:
        load_import_ini(imp)
    assert e.value.file == str(imp)


def test_load_import_ini_check_paths_requires_the_tdx_dir(imp, tmp_path):
    update_ini(imp, {"tdx": {"enable": True, "dir": str(tmp_path / "tdx")}})
    assert load_import_ini(imp).tdx.enable
    with pytest.raises(ConfigError, match="TDX directory does not exist") as e:
        load_import_ini(imp, check_paths=True)
    assert (e.value.section, e.value.key) == ("tdx", "dir")
    (tmp_path / "tdx").mkdir()
    assert load_import_ini(imp, check_paths=True).tdx.dir == str(tmp_path / "tdx")


def test_load_import_ini_check_paths_refuses_a_file_as_hdf5_dir(imp, tmp_path):
    (tmp_path / "data").write_text("not a directory")
    with pytest.raises(ConfigError, match="not a directory"):
        load_import_ini(imp, check_paths=True)


def test_sections_built_in_code_are_validated_and_typed():
    assert CollectSection(interval="5", use_zhima_proxy="yes").interval == 5
    assert CollectSection(use_zhima_proxy="yes").use_zhima_proxy is True
    with pytest.raises(ConfigError, match="must be within") as e:
        dataclasses.replace(CollectSection(), interval=0)
    assert (e.value.key, e.value.value) == ("interval", "0")
    with pytest.raises(ConfigError, match="is after"):
        dataclasses.replace(CollectSection(), phase1_end=time(12, 30))


def test_sections_hide_passwords_in_repr_and_keep_them_in_values():
    m, c = MysqlSection(pwd="s3cret"), ClickhouseSection(pwd="s3cret")
    assert "s3cret" not in repr(m) + repr(c) + repr(ImportIni(mysql=m, clickhouse=c))
    assert "pwd='***'" in repr(m) and m.pwd == "s3cret"
    assert "pwd=''" in repr(MysqlSection())  # an empty password is shown as empty


def test_unknown_keys_are_logged_not_fatal(imp, caplog):
    update_ini(imp, {"collect": {"intervall": "5"}, "preload": {"min1": "True"}})
    cfg = load_import_ini(imp)
    assert cfg.collect.interval == 305
    assert "intervall" in caplog.text and "min1" in caplog.text
