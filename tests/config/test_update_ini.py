"""``update_ini``: targeted edits that keep every line the user wrote."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from hikyuu_live.config import update_ini
from hikyuu_live.config.ini import read_ini
from hikyuu_live.errors import ConfigError


def write(p: Path, text: str) -> Path:
    p.write_bytes(text.encode("utf-8"))
    return p


def test_update_ini_existing_key_changes_in_place_and_others_stay(tmp_path):
    p = write(tmp_path / "a.ini", "# top\n[a]\nx = 1\n; about y\ny=2\n\n[b]\nz = 3\n")
    update_ini(p, {"a": {"y": 5}})
    assert p.read_text() == "# top\n[a]\nx = 1\n; about y\ny=5\n\n[b]\nz = 3\n"


def test_update_ini_missing_keys_go_after_the_last_key_of_their_section(tmp_path):
    p = write(tmp_path / "a.ini", "[a]\nx = 1\n; comment\n\n[b]\ny = 2\n")
    update_ini(p, {"a": {"x": 5, "z": True}, "c": {"w": "v"}})
    assert p.read_text() == "[a]\nx = 5\nz = True\n; comment\n\n[b]\ny = 2\n\n[c]\nw = v\n"


def test_update_ini_absent_file_is_created_with_its_folder(tmp_path):
    p = tmp_path / "new" / "x.ini"
    update_ini(p, {"s": {"k": "v"}})
    assert p.read_text() == "[s]\nk = v\n"


def test_update_ini_duplicated_section_is_changed_everywhere(tmp_path):
    p = write(tmp_path / "a.ini", "[a]\nx = 1\n[b]\ny = 1\n[a]\nx = 2\n")
    update_ini(p, {"a": {"x": 9}})
    assert p.read_text().count("x = 9") == 2
    assert read_ini(p).get("a", "x") == "9"


def test_update_ini_continuation_lines_of_a_replaced_value_are_dropped(tmp_path):
    p = write(tmp_path / "a.ini", "[a]\nx = one\n  two\n  three\ny = keep\n  this\n")
    update_ini(p, {"a": {"x": "single"}})
    assert p.read_text() == "[a]\nx = single\ny = keep\n  this\n"
    assert read_ini(p).get("a", "y") == "keep\nthis"


def test_update_ini_keeps_crlf_line_endings(tmp_path):
    p = write(tmp_path / "a.ini", "[a]\r\nx = 1\r\n")
    update_ini(p, {"a": {"x": 2, "y": 3}})
    assert p.read_bytes() == b"[a]\r\nx = 2\r\ny = 3\r\n"


def test_update_ini_keeps_case_and_chinese_keys(tmp_path):
    p = write(tmp_path / "a.ini", "[block]\n指数板块 = zsbk.ini\nSelf = self.ini\n")
    update_ini(p, {"block": {"指数板块": "zs.ini", "self": "s.ini"}})
    assert p.read_text(encoding="utf-8") == "[block]\n指数板块 = zs.ini\nSelf = self.ini\nself = s.ini\n"


def test_update_ini_colon_delimiter_and_spacing_are_kept(tmp_path):
    p = write(tmp_path / "a.ini", "[a]\nx: 1\ny=2\nz   =   3\n")
    update_ini(p, {"a": {"x": 7, "y": 8, "z": 9}})
    assert p.read_text() == "[a]\nx: 7\ny=8\nz   =   9\n"


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_update_ini_keeps_file_permissions(tmp_path):
    p = write(tmp_path / "a.ini", "[a]\npwd = x\n")
    p.chmod(0o600)
    update_ini(p, {"a": {"pwd": "y"}})
    assert stat.S_IMODE(p.stat().st_mode) == 0o600


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")
def test_update_ini_writes_through_a_symlink(tmp_path):
    real = write(tmp_path / "real.ini", "[a]\nx = 1\n")
    link = tmp_path / "link.ini"
    link.symlink_to(real)
    update_ini(link, {"a": {"x": 2}})
    assert link.is_symlink() and real.read_text() == "[a]\nx = 2\n"


def test_update_ini_leaves_no_temporary_files(tmp_path):
    p = write(tmp_path / "a.ini", "[a]\nx = 1\n")
    update_ini(p, {"a": {"x": 2}})
    assert sorted(f.name for f in tmp_path.iterdir()) == ["a.ini"]


@pytest.mark.parametrize("updates", [
    {"a": {"x": "one\nmore = line"}},
    {"a": {"x = y": 1}},
    {"a": {"#x": 1}},
    {"a]\n[b": {"x": 1}},
    {"a": {"": 1}},
])
def test_update_ini_values_that_would_break_the_file_are_refused(tmp_path, updates):
    p = write(tmp_path / "a.ini", "[a]\nx = 1\n")
    with pytest.raises(ConfigError):
        update_ini(p, updates)
    assert p.read_text() == "[a]\nx = 1\n"


def test_update_ini_empty_section_update_adds_no_section(tmp_path):
    p = write(tmp_path / "a.ini", "[a]\nx = 1\n")
    update_ini(p, {"a": {"x": 2}, "b": {}})
    assert p.read_text() == "[a]\nx = 2\n"


def test_update_ini_unicode_line_separators_inside_values_are_kept(tmp_path):
    p = write(tmp_path / "a.ini", "[a]\nnote = x\u2028y\nk = 1\n")
    update_ini(p, {"a": {"k": 2}})
    assert p.read_text(encoding="utf-8") == "[a]\nnote = x\u2028y\nk = 2\n"


def test_update_ini_writing_a_password_makes_the_file_owner_only(tmp_path):
    """Issue 16: a file that holds a password is readable by its owner only (created so, tightened on write)."""
    p = write(tmp_path / "a.ini", "[mysql]\nhost = 127.0.0.1\n")
    p.chmod(0o644)
    update_ini(p, {"mysql": {"host": "127.0.0.2"}})
    assert stat.S_IMODE(p.stat().st_mode) == 0o644  # no password: the mode the user chose stays
    update_ini(p, {"mysql": {"pwd": "s3cret"}})
    assert stat.S_IMODE(p.stat().st_mode) == 0o600
    fresh = tmp_path / "new.ini"
    update_ini(fresh, {"clickhouse": {"pwd": "x"}})
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600


def test_default_config_with_a_password_is_created_owner_only(tmp_path):
    from hikyuu_live.config import generate_default_config

    home = tmp_path / "home"
    home.mkdir()
    (home / "importdata-gui.ini").write_text(
        "[hdf5]\nenable = False\n[mysql]\nenable = True\nhost = 127.0.0.1\nusr = root\npwd = s3cret\n")
    hk, _ = generate_default_config(home)
    assert "pwd = s3cret" in hk.read_text() and stat.S_IMODE(hk.stat().st_mode) == 0o600
