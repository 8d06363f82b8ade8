"""hikyuu_doctor: check this host against the deployment checklist (docs/deployment.md).

Prints each check as ok / warning / failed with the fix. Exit code 0 when nothing failed, 1 otherwise.

Examples::

    hikyuu_doctor                       # a strategy host: config, store, calendar, live publisher, clock
    hikyuu_doctor --role collector      # a collector host: are the IPC/TCP addresses free?
    hikyuu_doctor --json                # for scripts and monitoring
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hikyuu_live.config import config_home, generate_default_config
from hikyuu_live.doctor.checks import DoctorContext, Status, run_checks
from hikyuu_live.gui.common import setup_logging

MARK = {Status.OK: "ok     ", Status.WARNING: "WARNING", Status.FAILED: "FAILED "}


def _ini_file(config: str | None) -> Path | None:
    """``--config`` naming a file (any ``.ini``): that file is the hikyuu.ini to check."""
    if not config:
        return None
    p = Path(config).expanduser()
    return p if p.is_file() or p.suffix.lower() == ".ini" else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="hikyuu_doctor", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", help="config directory (default $HKU_HOME or ~/.hikyuu), or a hikyuu.ini file "
                    "of any name (e.g. test_data/hikyuu_linux.ini), read as it is")
    ap.add_argument("--role", choices=("strategy", "collector"), default="strategy",
                    help="strategy: a publisher must be alive at quotation_server; collector: addresses must be free")
    ap.add_argument("--address", help="bus address to check instead of the configured one")
    ap.add_argument("--wait", type=float, default=3.0, help="seconds to listen for a publisher (default 3)")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    ap.add_argument("--init", action="store_true",
                    help="first write default hikyuu.ini and importdata-gui.ini where they are missing")
    ap.add_argument("--data-dir", metavar="DIR", help="with --init: the data directory the new files name "
                    "(default ~/stock, c:\\stock on Windows)")
    args = ap.parse_args(argv)
    setup_logging(quiet=True)
    if args.data_dir and not args.init:
        ap.error("--data-dir goes with --init")
    if args.init:
        generate_default_config(config_home(args.config), Path(args.data_dir) if args.data_dir else None)
    ctx = DoctorContext(home=config_home(args.config), role=args.role, wait_s=args.wait, address=args.address,
                        hikyuu_file=_ini_file(args.config))
    results = run_checks(ctx)
    failed = any(r.status is Status.FAILED for r in results)
    if args.json:
        print(json.dumps({"ok": not failed, "checks": [r.to_dict() for r in results]}, ensure_ascii=False, indent=2))
    else:
        for r in results:
            print(f"[{MARK[r.status]}] {r.name:<9} {r.detail}")
            if r.status is not Status.OK and r.fix:
                print(f"{'':>21}fix: {r.fix}")
        print("all checks passed" if not failed else "some checks failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
