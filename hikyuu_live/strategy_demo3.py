"""``python -m hikyuu_live.strategy_demo3``: the ``strategy_demo3`` command.

The same as ``hikyuu-live strategy_demo3`` and its console script; ``--help`` for its options.
"""

import sys

from hikyuu_live.gui.launch import run_command

if __name__ == "__main__":
    sys.exit(run_command("strategy_demo3", sys.argv[1:]))
