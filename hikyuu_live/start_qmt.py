"""``python -m hikyuu_live.start_qmt``: the ``start_qmt`` command.

The same as ``hikyuu-live start_qmt`` and its console script; ``--help`` for its options.
"""

import sys

from hikyuu_live.gui.launch import run_command

if __name__ == "__main__":
    sys.exit(run_command("start_qmt", sys.argv[1:]))
