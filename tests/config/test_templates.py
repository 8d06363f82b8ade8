"""Templates and ``generate_default_config``: defaults as the original's, write-if-absent, files that agree."""

from __future__ import annotations

import dataclasses
from datetime import time

import pytest

from hikyuu_live.config import (
    HIKYUU_INI,
    IMPORT_INI,
    Hdf5Section,
    HikyuuSection,
    ImportIni,
    LiveConfig,
    PreloadSection,
    generate_default_config,
    hikyuu_ini_text,
    import_ini_text,
    load_config,
    load_hikyuu_ini,
    load_import_ini,
)
from hikyuu_live.errors import ConfigError


@pytest.mark.parametrize(("backend", "port", "usr"), [("mysql", 3306, "root"), ("clickhouse", 9000, "default")])
def test_hikyuu_ini_text_server_templates_name_the_server_everywhere(tmp_path, backend, port, usr):
    p = tmp_path / HIKYUU_INI
    p.write_text(hikyuu_ini_text(backend, tmp_path, host="db.local", pwd="pw"), encoding="utf-8")
    cfg = load_hikyuu_ini(p)
    assert cfg.backend == backend
    for section in (cfg.block, cfg.baseinfo, cfg.kdata):
        assert (section.type, section.host, section.port, section.usr, section.pwd) == (backend, "db.local", port,
                                                                                       usr, "pw")
    assert cfg.hikyuu.tmpdir == cfg.hikyuu.datadir == tmp_path.as_posix()


def test_hikyuu_ini_text_hdf5_template_has_every_market_file_and_defaults(tmp_path):
    p = tmp_path / HIKYUU_INI
    p.write_text(hikyuu_ini_text("hdf5", "/data"), encoding="utf-8")
    cfg = load_hikyuu_ini(p)
    assert cfg.hikyuu == HikyuuSection(tmpdir="/data/tmp", datadir="/data")
    assert cfg.preload == PreloadSection()
    assert cfg.preload.flags["day"] and not any(v for k, v in cfg.preload.flags.items() if k != "day")
    assert cfg.preload.maxima["year"] == 100000 and cfg.preload.maxima["trans"] == 5120
    expected = {f"{m}_{k}": f"/data/{m}_{f}.h5" for m in ("sh", "sz", "bj")
                for k, f in (("day", "day"), ("min", "1min"), ("min5", "5min"), ("time", "time"), ("trans", "trans"))}
    assert cfg.kdata.files == expected
    assert cfg.block.db == cfg.baseinfo.db == "/data/stock.db"


def test_hikyuu_ini_text_takes_quote_server_and_reload_time(tmp_path):
    p = tmp_path / HIKYUU_INI
    p.write_text(hikyuu_ini_text("hdf5", tmp_path, quotation_server="tcp://10.1.1.1:9200", reload_time=time(3, 15)))
    cfg = load_hikyuu_ini(p)
    assert (cfg.hikyuu.quotation_server, cfg.hikyuu.reload_time) == ("tcp://10.1.1.1:9200", time(3, 15))


@pytest.mark.parametrize(("kwargs", "key"), [({"backend": "sqlite"}, "backend"), ({"port": 0}, "port"),
                                             ({"quotation_server": "nowhere"}, "quotation_server"),
                                             ({"reload_time": "3pm"}, "reload_time")])
def test_hikyuu_ini_text_bad_arguments_are_config_errors(tmp_path, kwargs, key):
    args = {"backend": "mysql", **kwargs}
    with pytest.raises(ConfigError) as e:
        hikyuu_ini_text(args.pop("backend"), tmp_path, **args)
    assert e.value.key == key


def test_import_ini_text_is_the_dataclass_defaults(tmp_path):
    p = tmp_path / IMPORT_INI
    p.write_text(import_ini_text("/data"), encoding="utf-8")
    cfg = load_import_ini(p)
    assert dataclasses.replace(cfg, path=None) == ImportIni(hdf5=Hdf5Section(dir="/data"))
    assert cfg.collect.interval == 305 and cfg.collect.phase1_start == time(9, 0)
    assert cfg.preload.flags["week"] and cfg.preload.flags["month"] and not cfg.preload.flags["year"]


@pytest.mark.parametrize("backend", ["mysql", "clickhouse"])
def test_import_ini_text_enables_the_chosen_store(tmp_path, backend):
    p = tmp_path / IMPORT_INI
    p.write_text(import_ini_text("/data", backend=backend, host="db", pwd="pw"), encoding="utf-8")
    cfg = load_import_ini(p)
    store = getattr(cfg, backend)
    assert cfg.backend == backend and (store.tmpdir, store.host, store.pwd) == ("/data", "db", "pw")


def test_generate_default_config_writes_both_files_and_the_data_dirs(home, data_dir):
    hk, imp = generate_default_config(home, data_dir)
    assert (hk, imp) == (home / HIKYUU_INI, home / IMPORT_INI)
    assert (data_dir / "tmp").is_dir()
    a, b = load_hikyuu_ini(hk), load_import_ini(imp)
    assert a.backend == b.backend == "hdf5"
    assert a.data_dir == data_dir and b.hdf5.dir == data_dir.as_posix()


def test_generate_default_config_never_overwrites(home, data_dir, tmp_path):
    hk, imp = generate_default_config(home, data_dir)
    hk.write_text(hk.read_text(encoding="utf-8") + "# mine\n", encoding="utf-8")
    imp.write_text(imp.read_text(encoding="utf-8") + "# mine too\n", encoding="utf-8")
    generate_default_config(home, tmp_path / "other", backend="mysql")
    assert hk.read_text(encoding="utf-8").endswith("# mine\n")
    assert imp.read_text(encoding="utf-8").endswith("# mine too\n")
    assert not (tmp_path / "other").exists()  # nothing written, so no data dir made for it


def test_generate_default_config_missing_import_file_follows_hikyuu_ini(home, tmp_path):
    home.mkdir(parents=True)
    (home / HIKYUU_INI).write_text(hikyuu_ini_text("mysql", tmp_path / "m", host="db", port=3307, pwd="pw"))
    generate_default_config(home)
    cfg = load_import_ini(home / IMPORT_INI)
    assert cfg.backend == "mysql"
    assert (cfg.mysql.host, cfg.mysql.port, cfg.mysql.pwd, cfg.mysql.tmpdir) == ("db", 3307, "pw",
                                                                                  (tmp_path / "m").as_posix())


def test_generate_default_config_missing_hikyuu_ini_follows_the_import_file(home, tmp_path):
    home.mkdir(parents=True)
    (home / IMPORT_INI).write_text(import_ini_text(tmp_path / "c", backend="clickhouse", host="ch", port=9001))
    generate_default_config(home, tmp_path / "ignored")
    cfg = load_hikyuu_ini(home / HIKYUU_INI)
    assert (cfg.backend, cfg.kdata.host, cfg.kdata.port) == ("clickhouse", "ch", 9001)
    assert cfg.data_dir == tmp_path / "c" and not (tmp_path / "ignored").exists()


def test_generate_default_config_defaults_to_hku_home_and_home_stock(home, tmp_path):
    hk, imp = generate_default_config()
    assert hk.parent == home and load_hikyuu_ini(hk).data_dir == tmp_path / "home" / "stock"
    assert (tmp_path / "home" / "stock" / "tmp").is_dir()


def test_generate_default_config_unknown_backend_is_a_config_error(home):
    with pytest.raises(ConfigError, match="unknown backend"):
        generate_default_config(home, backend="excel")
    assert not home.exists()


def test_load_config_reads_both_files_of_hku_home(home, data_dir):
    with pytest.raises(ConfigError, match="file not found"):
        load_config()
    cfg = load_config(create=True)
    assert isinstance(cfg, LiveConfig) and cfg.hikyuu.path == home / HIKYUU_INI
    hikyuu, importdata = load_config(home)
    assert hikyuu == cfg.hikyuu and importdata == cfg.importdata
