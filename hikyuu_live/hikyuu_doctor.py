"""``python -m hikyuu_live.hikyuu_doctor``: the ``hikyuu_doctor`` command.

The same as ``hikyuu-live hikyuu_doctor`` and its console script; ``--help`` for its options.
"""

import sys

from hikyuu_live.gui.launch import run_command

if __name__ == "__main__":
    sys.exit(run_command("hikyuu_doctor", sys.argv[1:]))
