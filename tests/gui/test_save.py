"""Saving from HikyuuTDX never loses a hand edit: only the keys whose fields changed are written.

Reproduces what a user found: opening the window on a hand-edited config home and saving without
changing anything reset ``quotation_server`` (a TCP address), a custom ``sh_day`` path, ``day_max = 2500``
and switched week/month preload on; a ClickHouse save wrote the HTTP port where Hikyuu needs the native one.
"""

from __future__ import annotations

import difflib
import shutil
import subprocess
from datetime import date, time
from pathlib import Path

import pytest
from PyQt5.QtCore import QDate, QTime

from hikyuu_live.config import load_hikyuu_ini, load_import_ini

HAND_HIKYUU = """\
; my strategy host: quotes come from the collector box
[hikyuu]
tmpdir = {data}/tmp
datadir = {data}
reload_time = 00:00
quotation_server = tcp://127.0.0.2:9200
lazy_preload = False
my_note = kept

[block]
type = sqlite3
db = {data}/stock.db

[preload]
day = True
week = False
month = False
day_max = 2500
min_max = 5120

[baseinfo]
type = sqlite3
db = {data}/stock.db

[kdata]
type = hdf5
sh_day = /mnt/fast/sh_day.h5
sz_day = {data}/sz_day.h5
sh_min = {data}/sh_1min.h5
"""


def hand_edit(home: Path, data: Path) -> tuple[bytes, bytes]:
    """A hand-edited pair: comments, an unknown key and section, custom values, CRLF in one file."""
    (home / "hikyuu.ini").write_text(HAND_HIKYUU.format(data=data.as_posix()), encoding="utf-8")
    imp = (home / "importdata-gui.ini").read_text(encoding="utf-8")
    imp = imp.replace("[collect]", "; the collector of this box\n[collect]").replace("interval = 305", "interval=60")
    imp += "\n[mine]\nkeep = yes\n"
    (home / "importdata-gui.ini").write_bytes(imp.replace("\n", "\r\n").encode("utf-8"))
    return (home / "hikyuu.ini").read_bytes(), (home / "importdata-gui.ini").read_bytes()


def diff_lines(before: bytes, after: bytes) -> list[str]:
    a, b = before.decode().splitlines(), after.decode().splitlines()
    return [d for d in difflib.ndiff(a, b) if d[:1] in "+-"]


def test_unchanged_save_of_hand_edited_files_keeps_every_byte(open_window, home, tmp_path):
    """Found: an unchanged save reset quotation_server, a custom sh_day, day_max = 2500 and week/month preload."""
    before = hand_edit(home, tmp_path / "data")
    win = open_window(home)
    assert win.save(), win.last_error
    assert (home / "hikyuu.ini").read_bytes() == before[0]
    assert (home / "importdata-gui.ini").read_bytes() == before[1]


def test_changing_one_field_changes_only_that_line(open_window, home, tmp_path):
    before = hand_edit(home, tmp_path / "data")
    win = open_window(home)
    win.collect_tab.interval.setValue(15)
    assert win.save(), win.last_error
    assert (home / "hikyuu.ini").read_bytes() == before[0]
    after = (home / "importdata-gui.ini").read_bytes()
    assert diff_lines(before[1], after) == ["- interval=60", "+ interval=15"]
    assert after.count(b"\r\n") == before[1].count(b"\r\n")  # line endings kept


def test_a_changed_preload_count_is_written_to_both_files_and_nothing_else(open_window, home, tmp_path):
    before = hand_edit(home, tmp_path / "data")
    win = open_window(home)
    assert win.preload_tab.maxima["day"].value() == 2500  # what hikyuu.ini says, the engine's truth
    assert not win.preload_tab.flags["week"].isChecked()
    win.preload_tab.maxima["day"].setValue(3000)
    assert win.save(), win.last_error
    assert diff_lines(before[0], (home / "hikyuu.ini").read_bytes()) == ["- day_max = 2500", "+ day_max = 3000"]
    assert load_import_ini(home / "importdata-gui.ini").preload.maxima["day"] == 3000


def test_moving_the_data_directory_moves_paths_under_it_and_keeps_custom_ones(open_window, home, tmp_path):
    data = tmp_path / "data"
    hand_edit(home, data)
    win = open_window(home)
    new = tmp_path / "elsewhere"
    win.storage_tab.fields["hdf5"]["dir"].setText(str(new))
    assert win.save(), win.last_error
    hk = load_hikyuu_ini(home / "hikyuu.ini")
    assert hk.hikyuu.datadir == new.as_posix() and hk.hikyuu.tmpdir == f"{new.as_posix()}/tmp"
    assert hk.kdata.files["sz_day"] == f"{new.as_posix()}/sz_day.h5" and hk.block.db == f"{new.as_posix()}/stock.db"
    assert hk.kdata.files["sh_day"] == "/mnt/fast/sh_day.h5"  # pointed elsewhere by hand: stays
    assert hk.hikyuu.quotation_server == "tcp://127.0.0.2:9200" and hk.preload.maxima["day"] == 2500
    assert "my_note = kept" in (home / "hikyuu.ini").read_text()


def test_quotation_server_follows_the_ipc_address_only_when_it_was_the_same(open_window, home, tmp_path):
    win = open_window(home)
    win.collect_tab.ipc.setText(f"ipc://{tmp_path}/new.ipc")
    assert win.save(), win.last_error
    assert load_hikyuu_ini(home / "hikyuu.ini").hikyuu.quotation_server == f"ipc://{tmp_path}/new.ipc"
    hand_edit(home, tmp_path / "data")  # quotation_server is a TCP address now
    win.reload()
    win.collect_tab.ipc.setText(f"ipc://{tmp_path}/other.ipc")
    assert win.save(), win.last_error
    assert load_hikyuu_ini(home / "hikyuu.ini").hikyuu.quotation_server == "tcp://127.0.0.2:9200"


def test_each_tab_round_trips_its_fields(open_window, home, tmp_path):
    win = open_window(home)
    t = win.import_tab
    (tmp_path / "tdx").mkdir()
    t.tdx.setChecked(True)
    t.tdx_dir.setText(str(tmp_path / "tdx"))
    t.tdx_number.setValue(4)
    t.quotation["fund"].setChecked(False)
    for k, box in t.ktype.items():
        box.setChecked(not box.isChecked())
        t.start[k].setDate(QDate(2024, 3, 4))
    t.weight.setChecked(False)
    t.finance.setChecked(False)
    t.block.setChecked(False)
    s = win.storage_tab
    s.radio["mysql"].setChecked(True)
    mysql = {"tmpdir": str(tmp_path / "my"), "host": "127.0.0.3", "port": "3307", "usr": "me", "pwd": "s3 cret"}
    for k, v in mysql.items():
        s.fields["mysql"][k].setText(v)
    for k, v in {"host": "127.0.0.4", "port": "9001", "http_port": "8124", "usr": "ch", "pwd": "x"}.items():
        s.fields["clickhouse"][k].setText(v)
    r = win.run_import_tab
    r.sched_enable.setChecked(True)
    r.sched_time.setTime(QTime(19, 45, 0))
    p = win.preload_tab
    p.lazy.setChecked(True)
    p.flags["min5"].setChecked(True)
    p.maxima["min5"].setValue(999)
    c = win.collect_tab
    c.source.setCurrentIndex(c.source.findData("qmt"))
    c.interval.setValue(17)
    c.phase["phase1_start"].setTime(QTime(9, 15, 0))
    c.phase["phase2_end"].setTime(QTime(15, 1, 0))
    c.ipc.setText(f"ipc://{tmp_path}/x.ipc")
    c.tcp.setText("tcp://127.0.0.1:9300")
    shown = win.collect_updates()
    assert win.save(), win.last_error
    again = open_window(home)
    assert again.collect_updates() == shown
    imp = load_import_ini(home / "importdata-gui.ini")
    assert imp.backend == "mysql" and imp.mysql.pwd == "s3 cret" and imp.sched.enable and imp.sched.time == time(19, 45)
    assert imp.ktype.day_start_date == date(2024, 3, 4) and not imp.quotation.fund and imp.collect.source == "qmt"
    hk = load_hikyuu_ini(home / "hikyuu.ini")
    assert (hk.kdata.type, hk.kdata.host, hk.kdata.port, hk.kdata.usr, hk.kdata.pwd) == (
        "mysql", "127.0.0.3", 3307, "me", "s3 cret")
    assert hk.block.type == hk.baseinfo.type == "mysql" and hk.hikyuu.lazy_preload and hk.preload.maxima["min5"] == 999


def test_the_save_error_names_the_real_file(open_window, home):
    """Found: the message named a temporary copy (/tmp/tmpXXXX/importdata-gui.ini), not the user's file."""
    win = open_window(home)
    win.storage_tab.radio["mysql"].setChecked(True)
    win.storage_tab.fields["mysql"]["port"].setText("99999")
    before = (home / "importdata-gui.ini").read_bytes()
    assert not win.save()
    assert str(home / "importdata-gui.ini") in win.last_error and "'port'" in win.last_error
    assert (home / "importdata-gui.ini").read_bytes() == before


def test_a_saved_password_makes_the_files_owner_only(open_window, home):
    win = open_window(home)
    assert (home / "importdata-gui.ini").stat().st_mode & 0o077  # created without a password: default mode
    win.storage_tab.radio["mysql"].setChecked(True)
    win.storage_tab.fields["mysql"]["pwd"].setText("secret")
    assert win.save(), win.last_error
    for name in ("importdata-gui.ini", "hikyuu.ini"):
        assert (home / name).stat().st_mode & 0o777 == 0o600, name


def test_a_clickhouse_save_writes_the_native_port_that_hikyuu_speaks(open_window, home, clickhouse):
    """Found: hikyuu.ini got the HTTP port (8123); Hikyuu's C++ client speaks ClickHouse's native protocol.

    The port written must answer the native protocol (``clickhouse-client`` speaks it, as Hikyuu's
    clickhouse-cpp client does) and our store must reach the HTTP port through the same hikyuu.ini.
    Hikyuu's own ClickHouse driver is a licensed plugin that cannot run here (see the report)."""
    from hikyuu_live.store import make_store, store_options

    win = open_window(home)
    s = win.storage_tab
    s.radio["clickhouse"].setChecked(True)
    for k, v in {"host": clickhouse.host, "port": str(clickhouse.tcp_port), "http_port": str(clickhouse.http_port),
                 "usr": "default", "pwd": ""}.items():
        s.fields["clickhouse"][k].setText(v)
    assert win.save(), win.last_error
    hk = load_hikyuu_ini(home / "hikyuu.ini")
    assert hk.kdata.type == hk.block.type == hk.baseinfo.type == "clickhouse"
    assert hk.kdata.port == hk.block.port == hk.baseinfo.port == clickhouse.tcp_port
    client = shutil.which("clickhouse-client")
    assert client, "clickhouse-client is installed with the server (scripts/system_deps.d/clickhouse.sh)"
    native = subprocess.run([client, "--host", hk.kdata.host or "", "--port", str(hk.kdata.port), "--user",
                             hk.kdata.usr or "", "-q", "SELECT 42"], capture_output=True, text=True, timeout=30)
    assert native.returncode == 0 and native.stdout.strip() == "42", native.stderr
    try:  # the HTTP port does not speak the native protocol (the old hikyuu.ini named it): error or no answer
        http = subprocess.run([client, "--host", clickhouse.host, "--port", str(clickhouse.http_port), "-q",
                               "SELECT 1"], capture_output=True, text=True, timeout=10)
        assert http.returncode != 0
    except subprocess.TimeoutExpired:
        pass
    name, options = store_options(hk)
    assert "ClickHouse" in make_store(name, **options).ping(5.0)


@pytest.mark.parametrize("backend", ["mysql", "clickhouse"])
def test_switching_back_to_hdf5_restores_its_files(open_window, home, tmp_path, backend):
    win = open_window(home)
    win.storage_tab.radio[backend].setChecked(True)
    assert win.save(), win.last_error
    win.storage_tab.radio["hdf5"].setChecked(True)
    assert win.save(), win.last_error
    hk = load_hikyuu_ini(home / "hikyuu.ini")
    data = (tmp_path / "data").as_posix()
    assert hk.kdata.type == "hdf5" and hk.kdata.files["sh_day"] == f"{data}/sh_day.h5"
    assert hk.block.type == "sqlite3" and hk.block.db == f"{data}/stock.db" and hk.hikyuu.datadir == data
