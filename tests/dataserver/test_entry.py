"""The ``dataserver`` command line: Hikyuu's option spellings, and which stores the config selects."""

from __future__ import annotations

from pathlib import Path

import pytest

from hikyuu_live.config import HIKYUU_INI, IMPORT_INI, hikyuu_ini_text, import_ini_text, update_ini
from hikyuu_live.errors import ConfigError
from hikyuu_live.gui import dataserver


def parse(*argv: str):
    return dataserver.build_parser().parse_args(list(argv))


def test_hikyuu_spellings_are_accepted():
    a = parse("-addr", "tcp://0.0.0.0:9301", "-n", "3", "-save", "True", "-buf", "-parquet_path", "/tmp/pq")
    assert (a.addr, a.work_num, a.save, a.buf, a.parquet_path) == ("tcp://0.0.0.0:9301", 3, True, True, "/tmp/pq")
    b = parse("--save", "False", "--buf", "true")
    assert (b.save, b.buf) == (False, True)
    c = parse()
    assert (c.addr, c.work_num, c.save, c.buf) == ("tcp://0.0.0.0:9201", 2, False, False)


def test_bad_values_are_usage_errors():
    with pytest.raises(SystemExit) as e:
        parse("--save", "maybe")
    assert e.value.code == 2
    with pytest.raises(SystemExit) as e:
        dataserver.main(["-n", "0"])
    assert e.value.code == 2


def write_config(home: Path, backend: str, data: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / HIKYUU_INI).write_text(hikyuu_ini_text(backend, data, port=9000, usr="default",
                                                   quotation_server="tcp://collector:9200"))
    (home / IMPORT_INI).write_text(import_ini_text(data))
    update_ini(home / IMPORT_INI, {"clickhouse": {"http_port": 18123}})


def test_hdf5_config_saves_under_datadir_and_takes_its_quotation_server(tmp_path):
    write_config(tmp_path / "cfg", "hdf5", tmp_path / "stock")
    srv = dataserver.build_server(parse("--config", str(tmp_path / "cfg"), "--save", "--buf", "--parquet_path",
                                        str(tmp_path / "pq")))
    assert [s.describe() for s in srv.stores] == [f"hdf5:{tmp_path / 'stock' / 'tick'}", f"parquet:{tmp_path / 'pq'}"]
    assert srv.cfg.quotation_server == "tcp://collector:9200" and srv.cfg.buf


def test_clickhouse_config_saves_to_clickhouse_on_its_http_port(tmp_path):
    write_config(tmp_path / "cfg", "clickhouse", tmp_path / "stock")
    srv = dataserver.build_server(parse("--config", str(tmp_path / "cfg"), "--save", "--quotation-server", "ipc:///x"))
    assert [s.describe() for s in srv.stores] == ["clickhouse:127.0.0.1:18123/hku_tick.spot"]
    assert srv.cfg.quotation_server == "ipc:///x"
    forced = dataserver.build_server(parse("--config", str(tmp_path / "cfg"), "--save", "--tick-store", "hdf5",
                                           "--tick-dir", str(tmp_path / "t")))
    assert [s.describe() for s in forced.stores] == [f"hdf5:{tmp_path / 't'}"]


def test_without_save_no_store_is_built(tmp_path):
    srv = dataserver.build_server(parse("--config", str(tmp_path / "empty"), "--parquet_path", str(tmp_path / "pq")))
    assert srv.stores == []


def test_bad_ktypes_are_a_config_error_naming_the_option(tmp_path):
    with pytest.raises(ConfigError, match="--ktypes"):
        dataserver.build_server(parse("--config", str(tmp_path / "none"), "--ktypes", "day,fortnight"))


def test_network_and_queue_options_reach_the_server(tmp_path):
    write_config(tmp_path / "cfg", "hdf5", tmp_path / "stock")
    update_ini(tmp_path / "cfg" / IMPORT_INI, {"dataserver": {"allow_clients": "192.168.1.0/24"}})
    from_ini = dataserver.build_server(parse("--config", str(tmp_path / "cfg")))
    assert str(from_ini.cfg.allow) == "192.168.1.0/24" and not from_ini.cfg.status_paths
    srv = dataserver.build_server(parse("--config", str(tmp_path / "cfg"), "--allow", "127.0.0.1, 10.0.0.0/8",
                                        "--max-queue", "9", "--max-per-client", "2", "--max-answer-bytes",
                                        "1048576", "--status-paths"))
    assert str(srv.cfg.allow) == "127.0.0.1/32, 10.0.0.0/8"
    assert (srv.cfg.max_queue, srv.cfg.max_per_client, srv.cfg.limits.max_answer_bytes, srv.cfg.status_paths) == (
        9, 2, 1 << 20, True)
    everyone = dataserver.build_server(parse("--config", str(tmp_path / "cfg"), "--allow", ""))
    assert everyone.cfg.allow is None


def test_bad_network_options_are_errors_naming_the_option(tmp_path):
    with pytest.raises(ConfigError, match="--allow"):
        dataserver.build_server(parse("--config", str(tmp_path / "none"), "--allow", "my-laptop"))
    for argv in (["--max-answer-bytes", "100"], ["--max-queue", "0"], ["--max-per-client", "0"]):
        with pytest.raises(SystemExit) as e:
            dataserver.main(argv)
        assert e.value.code == 2
