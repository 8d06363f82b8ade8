"""``python -m hikyuu_live.hikyuu_parity``: the ``hikyuu_parity`` command.

The same as ``hikyuu-live hikyuu_parity`` and its console script; ``--help`` for its options.
"""

import sys

from hikyuu_live.gui.launch import run_command

if __name__ == "__main__":
    sys.exit(run_command("hikyuu_parity", sys.argv[1:]))
