"""Fixtures of the config tests: a config home under tmp_path, never the real ``~/.hikyuu``."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``$HKU_HOME`` pointing at an empty directory under ``tmp_path`` (and ``HOME`` too, as a safety net)."""
    h = tmp_path / "home" / ".hikyuu"
    monkeypatch.setenv("HKU_HOME", str(h))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return h


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "stock"
