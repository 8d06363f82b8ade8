"""Services every suite shares, started once per test session (``tests/services/``).

A service that cannot start fails the tests that need it, loudly: no backend is skipped.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def clickhouse(tmp_path_factory):
    """A private ClickHouse server (``.host``, ``.http_port``) for the whole session."""
    from tests.services import clickhouse as ch

    if not ch.available():
        pytest.fail("clickhouse-server is not installed: run `bash scripts/system_deps.sh` (make services)")
    server = ch.start(tmp_path_factory.mktemp("clickhouse"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mariadb(tmp_path_factory):
    """MariaDB at 127.0.0.1:3306 when it answers, else a private server (``.host``, ``.port``)."""
    from tests.services import mariadb as my

    try:
        server = my.connect_or_start(tmp_path_factory.mktemp("mariadb"))
    except Exception as e:  # noqa: BLE001 - report why, fail loudly
        pytest.fail(f"no MariaDB server: {e}")
    yield server
    server.stop()


def pytest_configure(config: pytest.Config) -> None:
    """Every test process, and every process it starts, may connect only to this machine."""
    import os
    from pathlib import Path

    guard = str(Path(__file__).with_name("netguard"))
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (guard, os.environ.get("PYTHONPATH", "")) if p)
    import importlib.util

    spec = importlib.util.spec_from_file_location("hkl_netguard", Path(guard) / "sitecustomize.py")
    assert spec is not None and spec.loader is not None
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
