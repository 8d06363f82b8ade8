"""Every command's launcher: the console scripts, ``hikyuu-live <command> ...`` and ``python -m hikyuu_live``.

A command module is imported only when its command runs, inside a guard: a missing optional part (PyQt5
for ``HikyuuTDX``, pytdx for a network import, ...) ends the command with one line naming the extra that
installs it and exit code 2, never a traceback. Hikyuu's own wheel installs ``HikyuuTDX``, ``importdata``
and ``dataserver`` scripts too; ``hikyuu-live <command>`` reaches ours whichever package installed last.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence

from hikyuu_live.extras import extra_of, install_hint

EXIT_MISSING_EXTRA = 2

#: command name -> "module:function"; the function takes argv (without the command) and returns an exit code
COMMANDS = {
    "HikyuuTDX": "hikyuu_live.gui.HikyuuTDX:start",
    "dataserver": "hikyuu_live.gui.dataserver:main",
    "hikyuu_doctor": "hikyuu_live.gui.doctor:main",
    "hikyuu_parity": "hikyuu_live.bridge.parity.cli:main",
    "importdata": "hikyuu_live.gui.importdata:main",
    "spot_listen": "hikyuu_live.gui.spot_listen:main",
    "spot_server": "hikyuu_live.gui.spot_server:main",
    "start_qmt": "hikyuu_live.gui.start_qmt:main",
    "strategy_status": "hikyuu_live.gui.strategy_status:main",
    "strategy_demo1": "hikyuu_live.strategy.strategy_demo1:main",
    "strategy_demo2": "hikyuu_live.strategy.strategy_demo2:main",
    "strategy_demo3": "hikyuu_live.strategy.strategy_demo3:main",
    "strategy_demo2_hikyuu": "hikyuu_live.bridge.strategy_demo2:main",
    "strategy_demo3_hikyuu": "hikyuu_live.bridge.strategy_demo3:main",
    "strategy_demo_pf_hikyuu": "hikyuu_live.bridge.strategy_demo_pf:main",
}


def run_command(name: str, argv: Sequence[str] | None = None) -> int:
    """Run command ``name`` with ``argv``; its exit code (2 and one line on stderr for a missing extra)."""
    module, _, function = COMMANDS[name].partition(":")
    try:
        entry: Callable[[list[str] | None], int | None] = getattr(importlib.import_module(module), function)
        code = entry(None if argv is None else list(argv))
    except ModuleNotFoundError as e:
        extra = extra_of(e)
        if extra is None:
            raise
        part = (e.name or "").split(".")[0]
        sys.stderr.write(f"{name}: needs the optional part '{part}' (extra '{extra}'), which is not installed; "
                         f"install it with: {install_hint(extra)}\n")
        return EXIT_MISSING_EXTRA
    return int(code or 0)


def main(argv: Sequence[str] | None = None) -> int:
    """``hikyuu-live <command> [options]``: any command of the package by name."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help") or args[0] not in COMMANDS:
        out = sys.stdout if args and args[0] in ("-h", "--help") else sys.stderr
        if args and args[0] not in ("-h", "--help"):
            out.write(f"hikyuu-live: unknown command {args[0]!r}\n")
        out.write("usage: hikyuu-live <command> [options]   (hikyuu-live <command> --help for its options)\n"
                  "commands: " + ", ".join(sorted(COMMANDS, key=str.lower)) + "\n")
        return 0 if args and args[0] in ("-h", "--help") else 2
    return run_command(args[0], args[1:])


def _script(name: str) -> Callable[[], int]:
    def run() -> int:
        return run_command(name, sys.argv[1:])

    run.__name__ = name
    run.__doc__ = f"The ``{name}`` console script."
    return run


HikyuuTDX = _script("HikyuuTDX")
dataserver = _script("dataserver")
hikyuu_doctor = _script("hikyuu_doctor")
hikyuu_parity = _script("hikyuu_parity")
importdata = _script("importdata")
spot_listen = _script("spot_listen")
spot_server = _script("spot_server")
start_qmt = _script("start_qmt")
strategy_demo2_hikyuu = _script("strategy_demo2_hikyuu")
strategy_demo3_hikyuu = _script("strategy_demo3_hikyuu")
strategy_demo_pf_hikyuu = _script("strategy_demo_pf_hikyuu")

__all__ = ["COMMANDS", "HikyuuTDX", "dataserver", "hikyuu_doctor", "hikyuu_parity", "importdata", "main",
           "run_command", "spot_listen", "spot_server", "start_qmt", "strategy_demo2_hikyuu", "strategy_demo3_hikyuu",
           "strategy_demo_pf_hikyuu"]
