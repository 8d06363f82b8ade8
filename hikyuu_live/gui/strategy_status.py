"""strategy_status: ask a running strategy (started with ``--status ADDRESS``) how it is doing, or stop it.

Prints its state, account (cash, equity, realised and unrealised P&L), positions and newest orders; the
same figures HikyuuTDX's strategies tab shows, for any broker. Exit code 1 when nothing answers.

Examples::

    hikyuu-live strategy_status ipc:///tmp/demo2.ipc
    hikyuu-live strategy_status ipc:///tmp/demo2.ipc --json          # the whole snapshot, for scripts
    hikyuu-live strategy_status ipc:///tmp/demo2.ipc --watch 2       # every 2 s until Ctrl-C
    hikyuu-live strategy_status ipc:///tmp/demo2.ipc --stop          # a clean stop, as Ctrl-C would
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from typing import Any

from hikyuu_live.errors import HikyuuLiveError
from hikyuu_live.gui.common import EXIT_FAILURE, EXIT_OK, setup_logging, stop_on_signals
from hikyuu_live.strategy.status import query_status, request_stop


def render(snap: dict[str, Any], orders: int = 10) -> str:
    acc = snap.get("account", {})
    bus = snap["bus"]
    feed = "stale" if bus["stale"] else "live" if bus["connected"] else "not connected"
    lines = [f"{snap['name']} (pid {snap['pid']}): {snap['state']}, broker {snap['broker']}, quotes "
             f"{snap['quotation_server']} ({feed})",
             f"spots {snap['stats']['spots']:,}  cycles {snap['stats']['cycles']:,}  "
             f"callback errors {snap['stats']['callback_errors']}"]
    if "error" in acc:
        lines.append(f"account: {acc['error']}")
    elif acc:
        lines.append(f"cash {acc['cash']:,.2f}  market value {acc['market_value']:,.2f}  equity {acc['equity']:,.2f}  "
                     f"realised {acc['realised_pnl']:+,.2f}  unrealised {acc['unrealised_pnl']:+,.2f}")
    lines.append(f"{'code':<10}{'name':<10}{'shares':>10}{'sellable':>10}{'cost':>10}{'last':>10}{'P&L':>12}")
    for p in snap.get("positions", []):
        last = p.get("last_price")
        lines.append(f"{p['market'] + p['code']:<10}{p.get('name', ''):<10}{p['number']:>10,}{p['sellable']:>10,}"
                     f"{p['cost_price']:>10.3f}{(last if last is not None else float('nan')):>10.3f}"
                     f"{p['unrealised_pnl']:>+12,.2f}")
    for o in snap.get("orders", [])[-orders:]:
        why = f" ({o['reason']})" if o.get("reason") else ""
        lines.append(f"order {o['datetime']} {o['side']:<4} {o['market']}{o['code']} x{o['number']} @ {o['price']:.3f} "
                     f"{o['status']}{why}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="strategy_status", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("address", help="the strategy's --status address")
    ap.add_argument("--json", action="store_true", help="print the whole snapshot as JSON")
    ap.add_argument("--watch", type=float, metavar="SECONDS", help="ask again every SECONDS until Ctrl-C")
    ap.add_argument("--stop", action="store_true", help="ask the strategy to stop")
    ap.add_argument("--timeout", type=float, default=3.0, help="seconds to wait for an answer (default 3)")
    args = ap.parse_args(argv)
    setup_logging(quiet=True)
    try:
        if args.stop:
            request_stop(args.address, args.timeout)
            print(f"{args.address}: stopping")
            return EXIT_OK
        stop = threading.Event()
        if args.watch:
            stop_on_signals(stop)
        while True:
            snap = query_status(args.address, args.timeout)
            print(json.dumps(snap, ensure_ascii=False, indent=2) if args.json else render(snap), flush=True)
            if not args.watch or stop.wait(args.watch):
                return EXIT_OK
            print()
    except HikyuuLiveError as e:
        print(f"strategy_status: {e}", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
