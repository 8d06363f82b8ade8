"""The MySQL stores run on mysql-connector's C extension even in processes that also load pytdx (which
imports pandas, after which the extension can no longer be loaded), and say so when they cannot."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from hikyuu_live.store import sqlbase

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("first", ["hikyuu_live.tdx.network", "hikyuu_live.tdx.network.client"])
def test_the_c_extension_survives_the_tdx_network_import(mariadb, first):
    code = (f"import {first}\n"
            "from hikyuu_live.store.sqlbase import connect_mysql\n"
            f"print(type(connect_mysql({mariadb.host!r}, {mariadb.port}, 'root', '', 5)).__name__)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "CMySQLConnection", out.stderr


def test_a_pure_python_connection_is_reported_once(mariadb, caplog):
    sqlbase._warn_pure_python.cache_clear()
    with caplog.at_level(logging.WARNING, logger=sqlbase.__name__):
        for _ in range(2):
            con = sqlbase.connect_mysql(mariadb.host, mariadb.port, "root", "", 5, use_pure=True)
            con.close()
    warnings = [r for r in caplog.records if "pure-Python protocol" in r.getMessage()]
    assert len(warnings) == 1
