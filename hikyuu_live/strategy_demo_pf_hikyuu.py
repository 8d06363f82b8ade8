"""``python -m hikyuu_live.strategy_demo_pf_hikyuu``: the ``strategy_demo_pf_hikyuu`` command.

The same as ``hikyuu-live strategy_demo_pf_hikyuu`` and its console script; ``--help`` for its options.
"""

import sys

from hikyuu_live.gui.launch import run_command

if __name__ == "__main__":
    sys.exit(run_command("strategy_demo_pf_hikyuu", sys.argv[1:]))
