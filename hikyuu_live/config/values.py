"""Parsers for ini values. Each raises ``ValueError`` with a reason; the loaders add file/section/key.

Booleans are parsed as booleans: the original read ``"False"`` as true for some keys because any
non-empty string is truthy.
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


def parse_bool(text: str) -> bool:
    v = text.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise ValueError("not a boolean (use True or False)")


def parse_time(text: str) -> time:
    """``HH:MM`` or ``HH:MM:SS`` (``H:MM`` accepted)."""
    v = text.strip()
    for fmt in ("%H:%M:%S", "%H:%M"):
        try:
            return datetime.strptime(v, fmt).time()
        except ValueError:
            continue
    raise ValueError("not a time of day (use HH:MM or HH:MM:SS)")


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError("not a date (use YYYY-MM-DD)") from None


def parse_int(text: str, lo: int | None = None, hi: int | None = None) -> int:
    try:
        v = int(text.strip())
    except ValueError:
        raise ValueError("not an integer") from None
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise ValueError(f"must be within {lo}..{hi}" if hi is not None else f"must be >= {lo}")
    return v


def parse_port(text: str) -> int:
    try:
        return parse_int(text, 1, 65535)
    except ValueError:
        raise ValueError("not a port (1..65535)") from None


def parse_float(text: str, lo: float | None = None) -> float:
    try:
        v = float(text.strip())
    except ValueError:
        raise ValueError("not a number") from None
    if lo is not None and v < lo:
        raise ValueError(f"must be >= {lo}")
    return v


def parse_address(text: str) -> str:
    v = text.strip()
    if not v.startswith(("ipc://", "tcp://", "inproc://", "ws://")):
        raise ValueError("not a bus address (ipc://PATH or tcp://HOST:PORT)")
    if v.startswith("tcp://"):
        host, _, port = v[6:].rpartition(":")
        if not host:
            raise ValueError("tcp address needs HOST:PORT")
        parse_port(port)
    return v


def format_value(value: object) -> str:
    """Write values the way the original tools do: ``True``/``False``, ``HH:MM:SS``, ``YYYY-MM-DD``."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Path):
        return value.as_posix()
    if value is None:
        return ""
    return str(value)
