"""``python -m hikyuu_live.HikyuuTDX``: the ``HikyuuTDX`` command.

The same as ``hikyuu-live HikyuuTDX`` and its console script; ``--help`` for its options.
"""

import sys

from hikyuu_live.gui.launch import run_command

if __name__ == "__main__":
    sys.exit(run_command("HikyuuTDX", sys.argv[1:]))
