"""What every entry script shares: logging set-up and exit-code conventions.

Library code only logs; entry scripts configure handlers once, here.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


def setup_logging(verbosity: int = 0, *, quiet: bool = False) -> None:
    """Log to stderr with timestamps; ``-v`` for debug, ``quiet`` for warnings only."""
    level = logging.WARNING if quiet else (logging.DEBUG if verbosity > 0 else logging.INFO)
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname).1s %(name)s: %(message)s",
        stream=sys.stderr,
        force=True,
    )


def stop_on_signals(stop: threading.Event) -> None:
    """Set ``stop`` on Ctrl-C and SIGTERM (SIGBREAK on Windows) instead of dying mid-cycle."""

    def handler(signum: int, _frame: object) -> None:
        logging.getLogger(__name__).info("signal %s: stopping", signum)
        stop.set()

    signal.signal(signal.SIGINT, handler)
    for name in ("SIGTERM", "SIGBREAK"):
        sig = getattr(signal, name, None)
        if sig is not None:
            signal.signal(sig, handler)
