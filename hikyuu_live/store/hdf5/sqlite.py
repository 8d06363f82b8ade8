"""The SQLite connection of the HDF5 mode (``stock.db``: base info, finance), made one way for every store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hikyuu_live.errors import StoreUnavailable


def connect_sqlite(path: Path, *, read_only: bool = False, timeout_s: float = 60.0) -> sqlite3.Connection:
    """``stock.db`` and friends: its folder made if needed, a long lock wait (an import and a reader may
    share it), StoreUnavailable naming the file when it cannot be opened. ``read_only``: never creates or
    changes the file (health checks)."""
    try:
        if read_only:
            return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=timeout_s)
        path.parent.mkdir(parents=True, exist_ok=True)
        return sqlite3.connect(path, timeout=timeout_s)
    except (OSError, sqlite3.Error) as e:
        raise StoreUnavailable(f"cannot open {path}: {e}") from e
