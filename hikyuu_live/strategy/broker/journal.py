"""Broker state on disk: one JSON document, replaced atomically after every change.

Written to a temporary file in the same directory, flushed and fsynced, then ``os.replace``d over the
old one, so a crash at any moment leaves either the old or the new state, never half of one. A state
file that exists but cannot be parsed raises ``BrokerError`` instead of starting empty: silently
forgetting positions and orders is the one thing a broker journal must not do.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from hikyuu_live.errors import BrokerError


def write_json_atomic(path: str | Path, data: Any) -> None:
    """Replace ``path`` with ``data`` as JSON, all or nothing; ``BrokerError`` when it cannot be written."""
    path = Path(path)
    try:
        _write(path, data)
    except OSError as e:
        raise BrokerError(f"broker state {path} cannot be written: {e}") from e


def _write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def read_json(path: str | Path) -> Any | None:
    """The stored document, or None when the file does not exist."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as e:
        raise BrokerError(f"broker state {path} cannot be read: {e}") from e
    try:
        return json.loads(text)
    except ValueError as e:
        raise BrokerError(f"broker state {path} is corrupt ({e}); fix or move it away, it holds positions") from e
