"""The MySQL stores run on mysql-connector's C extension even in processes that also load pytdx or
easytrader (which import pandas, after which the extension can no longer be loaded): every process
start (the command launcher's package ``hikyuu_live.gui``, strategy processes through
``hikyuu_live.strategy``, the benchmarks through ``bench``) loads it first, once; adapters do not."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from hikyuu_live.store.mysql import connection

ROOT = Path(__file__).resolve().parents[2]


def _driver_class(mariadb, *first: str) -> str:
    code = "".join(f"import {m}\n" for m in first) + (
        "from hikyuu_live.store.mysql.connection import connect_mysql\n"
        f"print(type(connect_mysql({mariadb.host!r}, {mariadb.port}, 'root', '', 5)).__name__)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


@pytest.mark.parametrize("start", ["hikyuu_live.gui", "hikyuu_live.strategy", "bench"])
def test_a_process_start_keeps_the_c_extension_through_the_tdx_network_import(mariadb, start):
    # the command, strategy or benchmark package first, then pandas arrives with pytdx
    assert _driver_class(mariadb, start, "hikyuu_live.tdx.network.client") == "CMySQLConnection"


def test_without_the_process_start_the_tdx_network_import_costs_the_c_extension(mariadb):
    """The control: why the process start matters (pytdx first, then MySQL)."""
    got = _driver_class(mariadb, "hikyuu_live.tdx.network.client")
    if got == "CMySQLConnection":
        pytest.skip("on this machine the C extension loads even after pandas")
    assert got == "MySQLConnection"


def test_a_pure_python_connection_is_reported_once(mariadb, caplog):
    connection._warn_pure_python.cache_clear()
    with caplog.at_level(logging.WARNING, logger=connection.__name__):
        for _ in range(2):
            con = connection.connect_mysql(mariadb.host, mariadb.port, "root", "", 5, use_pure=True)
            con.close()
    warnings = [r for r in caplog.records if "pure-Python protocol" in r.getMessage()]
    assert len(warnings) == 1
