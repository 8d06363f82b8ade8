"""Where the config lives (``--config`` > ``$HKU_HOME`` > ``~/.hikyuu``) and how ini paths are read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hikyuu_live.config import config_home, default_data_dir, resolve_path


def test_config_home_without_override_or_env_is_dot_hikyuu(tmp_path, monkeypatch):
    monkeypatch.delenv("HKU_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert config_home() == tmp_path / ".hikyuu"


def test_config_home_env_beats_home(home):
    assert config_home() == home


def test_config_home_override_beats_env(home, tmp_path):
    assert config_home(tmp_path / "cli") == tmp_path / "cli"
    assert config_home(str(tmp_path / "cli")) == tmp_path / "cli"


def test_config_home_override_naming_an_ini_uses_its_folder(home, tmp_path):
    assert config_home(tmp_path / "cli" / "hikyuu.ini") == tmp_path / "cli"
    existing = tmp_path / "my_config"  # an existing file without the .ini suffix
    existing.write_text("[hikyuu]\n")
    assert config_home(existing) == tmp_path


def test_config_home_empty_override_falls_back_to_env(home):
    assert config_home("") == home


def test_default_data_dir_is_stock_under_home(home, tmp_path):
    if os.name == "nt":
        assert default_data_dir() == Path("c:/stock")
    else:
        assert default_data_dir() == tmp_path / "home" / "stock"


@pytest.mark.skipif(os.sep != "/", reason="backslashes are separators on Windows anyway")
def test_resolve_path_windows_style_is_read_on_posix():
    assert resolve_path(".\\\\test_data\\\\sh_day.h5") == Path("test_data/sh_day.h5")
    assert resolve_path(".\\test_data") == Path("test_data")


def test_resolve_path_relative_stays_relative_unless_a_base_is_given(tmp_path):
    assert resolve_path("./test_data") == Path("test_data")
    assert resolve_path("./test_data", base=tmp_path) == tmp_path / "test_data"
    assert resolve_path("/abs/x", base=tmp_path) == Path("/abs/x")


def test_resolve_path_expands_user(home, tmp_path):
    assert resolve_path("~/stock") == tmp_path / "home" / "stock"
