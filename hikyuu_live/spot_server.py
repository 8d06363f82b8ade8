"""``python -m hikyuu_live.spot_server``: the ``spot_server`` command.

The same as ``hikyuu-live spot_server`` and its console script; ``--help`` for its options.
"""

import sys

from hikyuu_live.gui.launch import run_command

if __name__ == "__main__":
    sys.exit(run_command("spot_server", sys.argv[1:]))
