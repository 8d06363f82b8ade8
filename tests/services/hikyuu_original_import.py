"""Runs INSIDE the Hikyuu chroot: Hikyuu 2.8.3's own importer functions on a ``stock.db``, as the oracle
for what ours writes. Usage: ``hikyuu_original_import.py hfinance STOCK_DB GPCW_DAT...``: creates the
database with Hikyuu's ``create_database`` (its sqlite_upgrade scripts) when new and imports each history
finance file with its ``history_finance_import_sqlite``.

The wheel's ``hikyuu.data`` modules import akshare, pandas, requests and ``hikyuu.util`` at the top
(network helpers these two functions never call); they are stubbed so that the chroot needs none of them,
and the wheel's own files are loaded unchanged.
"""

import glob
import importlib.util
import sqlite3
import sys
import types

PKG = glob.glob("/opt/hv/lib/python3*/site-packages/hikyuu")[0]


def stub(name, **attrs):
    mod = types.ModuleType(name)
    mod.__dict__.update(attrs)
    sys.modules[name] = mod
    return mod


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def main():
    for name in ("akshare", "pandas", "requests"):
        stub(name)
    stub("hikyuu").__path__ = []

    def deco(*_a, **_k):
        return lambda f: f

    def say(*a, **_k):
        print(*a)

    stub("hikyuu.util", hku_info=say, hku_error=say, hku_warn=say, hku_debug=say, hku_catch=deco, timeout=deco,
         hku_check=lambda *a, **k: None)
    stub("hikyuu.data").__path__ = [f"{PKG}/data"]
    load("hikyuu.data.common", f"{PKG}/data/common.py")
    sq = load("hikyuu.data.common_sqlite3", f"{PKG}/data/common_sqlite3.py")
    fin = load("hikyuu.data.pytdx_finance_to_sqlite", f"{PKG}/data/pytdx_finance_to_sqlite.py")
    what, db, *files = sys.argv[1:]
    assert what == "hfinance", what
    con = sqlite3.connect(db)
    sq.create_database(con)
    for f in files:
        fin.history_finance_import_sqlite(con, f)
    con.close()


if __name__ == "__main__":
    main()
