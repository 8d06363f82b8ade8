"""Make the data the example configs ``test_data/hikyuu_linux.ini`` and ``hikyuu_win.ini`` name: the sample TDX
files of ``test_data/vipdoc`` imported into HDF5 files and ``stock.db`` under ``test_data/hdf5``.

    python scripts/make_test_data.py [--root DIR]      # or: make test-data

``--root`` is the folder holding ``test_data`` (default: this repository). Afterwards, from that folder,
``hikyuu_doctor --config test_data/hikyuu_linux.ini --role collector`` passes (the strategy role also wants a
running quote publisher at the ini's ``quotation_server``). Running it again adds nothing (the import is
incremental).
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date
from pathlib import Path

from hikyuu_live.data.importer import Importer, ImportOptions
from hikyuu_live.model.kdata import KType
from hikyuu_live.store import make_store
from hikyuu_live.tdx.files import LocalTdxSource

log = logging.getLogger("make_test_data")


def make(root: Path) -> int:
    """Import ``root/test_data/vipdoc`` into ``root/test_data/hdf5``; returns the rows written."""
    since = {KType.DAY: date(1990, 12, 19), KType.MIN: date(2000, 1, 1), KType.MIN5: date(2000, 1, 1)}
    out = root / "test_data" / "hdf5"
    (out / "tmp").mkdir(parents=True, exist_ok=True)
    with make_store("hdf5", directory=out) as store:
        report = Importer(store, LocalTdxSource(root / "test_data"), ImportOptions(since=since)).run()
    log.info("%s: %d rows, %d rejected", out, report.rows, report.quarantine.total)
    return report.rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    make(args.root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
