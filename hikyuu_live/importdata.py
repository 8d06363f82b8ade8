"""``python -m hikyuu_live.importdata``: the ``importdata`` command.

The same as ``hikyuu-live importdata`` and its console script; ``--help`` for its options.
"""

import sys

from hikyuu_live.gui.launch import run_command

if __name__ == "__main__":
    sys.exit(run_command("importdata", sys.argv[1:]))
