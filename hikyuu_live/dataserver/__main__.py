"""``python -m hikyuu_live.dataserver``: the ``dataserver`` command.

The same as ``hikyuu-live dataserver`` and its console script; ``--help`` for its options.
"""

import sys

from hikyuu_live.gui.launch import run_command

if __name__ == "__main__":
    sys.exit(run_command("dataserver", sys.argv[1:]))
