"""``python -m hikyuu_live <command> [options]``: the same as ``hikyuu-live <command>``."""

import sys

from hikyuu_live.gui.launch import main

sys.exit(main())
