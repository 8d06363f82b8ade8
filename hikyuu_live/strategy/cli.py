"""Standard options of strategy scripts, so HikyuuTDX (and people) can start any of them the same way.

    python my_strategy.py --codes sh600000,sz000001 --ktypes day,min --quotation-server ipc:///tmp/x.ipc \\
        --broker paper --broker-state ~/.hikyuu/paper.json --seconds 60 --clock market \\
        --status ipc:///tmp/my_strategy.ipc
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from typing import Any

from hikyuu_live.clock import Clock, LiveClock, MarketClock


def strategy_parser(description: str, *, codes: Sequence[str], ktypes: Sequence[str]) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--codes", default=",".join(codes), help="stock codes, comma separated (default %(default)s)")
    ap.add_argument("--ktypes", default=",".join(ktypes), help="bar types, comma separated (default %(default)s)")
    ap.add_argument("--quotation-server", help="bus address (default [hikyuu] quotation_server or the IPC default)")
    ap.add_argument("--broker", default="paper", help="paper (default) or easytrader")
    ap.add_argument("--broker-state", help="paper broker state file (default <config folder>/"
                    "paper_broker_<name>.json)")
    ap.add_argument("--seconds", type=float, default=0, help="stop after N seconds (default: until Ctrl-C)")
    ap.add_argument("--clock", choices=("live", "market"), default="live",
                    help="live: wall time; market: follow the spots' own time (for replays)")
    ap.add_argument("--config", help="config directory (default $HKU_HOME or ~/.hikyuu); its hikyuu.ini names the "
                    "store that history is preloaded from")
    ap.add_argument("--no-preload", action="store_true", help="start from today's spots only, read no history")
    ap.add_argument("--status", metavar="ADDRESS",
                    help="answer status requests (state, account, P&L, orders, fills; and stop) on this NNG address, "
                    "e.g. ipc:///tmp/my_strategy.ipc; ask with `hikyuu-live strategy_status ADDRESS`")
    ap.add_argument("-v", "--verbose", action="count", default=0)
    return ap


def clock_of(args: argparse.Namespace) -> Clock:
    return MarketClock() if args.clock == "market" else LiveClock()


def quotation_server(args: argparse.Namespace) -> str | None:
    """``--quotation-server``, else ``[hikyuu] quotation_server`` of the config when there is one."""
    if args.quotation_server:
        return args.quotation_server
    from hikyuu_live.config import config_home, load_hikyuu_ini

    path = config_home(args.config) / "hikyuu.ini"
    return load_hikyuu_ini(path).hikyuu.quotation_server if path.exists() else None


def runtime_options(args: argparse.Namespace) -> dict[str, Any]:
    """The ``Strategy`` keyword arguments the standard options give (bus, broker, clock, history). The
    config folder (``--config``, else ``$HKU_HOME`` or ``~/.hikyuu``) names the store history comes from
    and holds the paper broker's state; ``--no-preload`` keeps the folder but reads no history."""
    from hikyuu_live.config import config_home

    home = config_home(args.config)
    return {"quotation_server": quotation_server(args), "broker": args.broker, "broker_state": args.broker_state,
            "clock": clock_of(args), "config": None if args.no_preload else home, "home": home,
            "status": args.status}


def setup(args: argparse.Namespace) -> None:
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname).1s %(name)s: %(message)s")


def split(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]
