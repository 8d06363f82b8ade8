"""``hikyuu_parity``: run a strategy over a recorded trading day live and as a backtest, and show the difference.

    hikyuu_parity --strategy demo2 --recording day.csv.gz [--config DIR] [--bars auto|store|recording]
    hikyuu_parity --strategy demo2_hikyuu --recording day.csv.gz      # a Hikyuu system (extra hikyuu)
    hikyuu_parity --strategy mypkg.mystrategy:build --codes sh600000 --ktypes day,min --recording day.csv.gz

The live run replays the recording through the replay collector onto a private quote bus, into the strategy
(history preloaded from the store of ``--config``, bars built live, timers on the replayed time) and a fresh
paper broker. The backtest runs the same strategy on the same day's bars: the store's 1-minute bars of that
day when it has them, else those the recording makes (``--bars``). Both lists are printed side by side, then
every difference with its cause. Exit code: 0 no difference, 1 differences, 2 the run failed.

Built-in strategies: demo2, demo3 (ours), demo2_hikyuu, demo3_hikyuu (Hikyuu systems), broken_demo2 (demo2
deciding on the bar still being built: what the check finds).
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date
from pathlib import Path

import numpy as np

from hikyuu_live.errors import HikyuuLiveError
from hikyuu_live.model.kdata import KType

log = logging.getLogger(__name__)
EXIT_SAME, EXIT_DIFFERENT, EXIT_FAILED = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    from hikyuu_live.bridge.parity.strategies import names

    ap = argparse.ArgumentParser(prog="hikyuu_parity", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--strategy", default="demo2", help=f"{', '.join(names())}, or package.module:function "
                                                        "(default %(default)s)")
    ap.add_argument("--recording", required=True, help="the recorded day (replay format: CSV or JSON lines, .gz ok)")
    ap.add_argument("--config", help="config home whose hikyuu.ini names the store (default $HKU_HOME or ~/.hikyuu)")
    ap.add_argument("--no-history", action="store_true", help="use no stored history (live bars of the day only)")
    ap.add_argument("--codes", help="stocks, comma separated (default: the strategy's)")
    ap.add_argument("--ktypes", help="bar types, comma separated (your own strategy; default day,min)")
    ap.add_argument("--bars", choices=("auto", "store", "recording"), default="auto",
                    help="the backtest's bars of the day: the store's, those the recording makes, or the store's "
                         "when it has them (default)")
    ap.add_argument("--cash", type=float, default=1_000_000.0, help="paper account cash (default %(default).0f)")
    ap.add_argument("--preload", type=int, default=1000, help="history bars per stock and type (default 1000)")
    ap.add_argument("--speed", type=float, default=60.0, help="replay speed (default 60 x the recording's pace)")
    ap.add_argument("--timeout", type=float, default=600.0, help="give up the live run after N seconds")
    ap.add_argument("-v", "--verbose", action="count", default=0)
    return ap


def store_history(home: str | None) -> tuple[object, object] | None:
    """(history function, store) over the store of ``home``'s hikyuu.ini, or None when there is none."""
    from hikyuu_live.config import config_home, load_hikyuu_ini
    from hikyuu_live.store import open_store

    path = config_home(home) / "hikyuu.ini"
    if not path.exists():
        log.warning("no %s: no stored history, the day's bars only", path)
        return None
    store = open_store(load_hikyuu_ini(path))

    def history(code: str, ktype: KType, day: date, n: int) -> np.ndarray:
        return store.read_range(code, ktype, None, day)[-n:]

    return history, store


def main(argv: list[str] | None = None) -> int:
    from hikyuu_live.bridge.parity.report import run_parity
    from hikyuu_live.bridge.parity.strategies import resolve
    from hikyuu_live.strategy.cli import split

    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose > 1 else logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname).1s %(name)s: %(message)s")
    try:
        codes = [c.upper() for c in split(args.codes)] if args.codes else None
        spec = resolve(args.strategy, codes, split(args.ktypes) if args.ktypes else None)
    except ValueError as e:
        print(f"hikyuu_parity: {e}", file=sys.stderr)
        return EXIT_FAILED
    if spec.is_system:
        from hikyuu_live.bridge.systems import quiet_hikyuu

        quiet_hikyuu(args.verbose > 1)
    opened = None if args.no_history else store_history(args.config)
    try:
        report = run_parity(spec, Path(args.recording), opened[0] if opened else None,  # type: ignore[arg-type]
                            cash=args.cash, bars=args.bars, speed=args.speed, timeout_s=args.timeout,
                            preload=args.preload)
    except (HikyuuLiveError, ValueError, RuntimeError, OSError) as e:
        print(f"hikyuu_parity: {e}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        if opened:
            opened[1].close()  # type: ignore[attr-defined]
    print(report.text(), flush=True)
    return EXIT_SAME if report.identical else EXIT_DIFFERENT


if __name__ == "__main__":
    raise SystemExit(main())
