"""``python -m hikyuu_live.spot_listen``: the ``spot_listen`` command.

The same as ``hikyuu-live spot_listen`` and its console script; ``--help`` for its options.
"""

import sys

from hikyuu_live.gui.launch import run_command

if __name__ == "__main__":
    sys.exit(run_command("spot_listen", sys.argv[1:]))
