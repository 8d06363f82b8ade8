"""``python -m hikyuu_live.strategy_demo2``: the ``strategy_demo2`` command.

The same as ``hikyuu-live strategy_demo2`` and its console script; ``--help`` for its options.
"""

import sys

from hikyuu_live.gui.launch import run_command

if __name__ == "__main__":
    sys.exit(run_command("strategy_demo2", sys.argv[1:]))
