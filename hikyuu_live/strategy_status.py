"""``python -m hikyuu_live.strategy_status``: the ``strategy_status`` command.

The same as ``hikyuu-live strategy_status`` and its console script; ``--help`` for its options.
"""

import sys

from hikyuu_live.gui.launch import run_command

if __name__ == "__main__":
    sys.exit(run_command("strategy_status", sys.argv[1:]))
