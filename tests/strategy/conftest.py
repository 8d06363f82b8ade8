"""Strategies read the config home by default (``$HKU_HOME`` or ``~/.hikyuu``, as Hikyuu): each test gets an
empty one of its own, so nothing on the machine running the tests leaks into them."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def empty_config_home(tmp_path, monkeypatch):
    home = tmp_path / "hku_home_default"
    home.mkdir()
    monkeypatch.setenv("HKU_HOME", str(home))
    return home
