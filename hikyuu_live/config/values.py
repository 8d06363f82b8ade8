"""Parsers and the writer for ini values.

Each parser takes the text of one value and returns the typed value or raises ``ValueError`` with a
short reason; the section machinery (``sections.py``) adds file, section, key and value to make it a
``ConfigError``. ``format_value`` is the inverse, writing what the original tools write (``True`` /
``False``, ``HH:MM:SS``, ``YYYY-MM-DD``), so ``parse(format_value(x)) == x`` for every parser here.

Booleans are parsed as booleans: the original read ``[quotation]`` flags as strings, so ``"False"``
counted as true (any non-empty string is truthy). Here ``True/False/true/false/1/0/yes/no/on/off`` are
accepted (an empty value is false) and anything else is an error.
"""

from __future__ import annotations

import ipaddress
import math
import re
from datetime import date, datetime, time
from pathlib import Path
from urllib.parse import urlsplit

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off", ""})
BUS_SCHEMES = ("ipc://", "tcp://", "inproc://", "ws://")
_INT = re.compile(r"[+-]?[0-9]+")
MIN_HEARTBEAT_S = 0.05  # below this the heartbeat is most of the bus traffic


def parse_bool(text: str) -> bool:
    v = text.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise ValueError("not a boolean (use True or False)")


def parse_time(text: str) -> time:
    """``HH:MM`` or ``HH:MM:SS`` (a one-digit hour is accepted, as ``QTime`` writes none)."""
    v = text.strip()
    for fmt in ("%H:%M:%S", "%H:%M"):
        try:
            return datetime.strptime(v, fmt).time()
        except ValueError:
            continue
    raise ValueError("not a time of day (use HH:MM or HH:MM:SS)")


def parse_reload_time(text: str) -> time:
    """``[hikyuu] reload_time``: Hikyuu's C++ core reads only ``HH:MM`` and disables the reload otherwise."""
    t = parse_time(text)
    if t.second:
        raise ValueError("reload_time is HH:MM (Hikyuu disables the daily reload for any other form)")
    return t


def parse_date(text: str) -> date:
    v = text.strip()
    try:
        return datetime.strptime(v, "%Y-%m-%d").date()
    except ValueError:
        raise ValueError("not a date (use YYYY-MM-DD)") from None


def parse_int(text: str, lo: int | None = None, hi: int | None = None) -> int:
    v = text.strip()
    # int() would also take "1_000" and non-ASCII digits; an ini value is plain ASCII
    if not _INT.fullmatch(v):
        raise ValueError("not an integer")
    n = int(v)
    if (lo is not None and n < lo) or (hi is not None and n > hi):
        raise ValueError(f"must be within {lo}..{hi}" if hi is not None else f"must be >= {lo}")
    return n


def parse_port(text: str) -> int:
    try:
        return parse_int(text, 1, 65535)
    except ValueError:
        raise ValueError("not a port (1..65535)") from None


def parse_float(text: str, lo: float | None = None, hi: float | None = None) -> float:
    try:
        v = float(text.strip())
    except ValueError:
        raise ValueError("not a number") from None
    if not math.isfinite(v):
        raise ValueError("not a finite number")
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise ValueError(f"must be within {lo}..{hi}" if hi is not None else f"must be >= {lo}")
    return v


def parse_heartbeat(text: str) -> float:
    """Seconds of bus silence before a heartbeat; ``0`` turns heartbeats off."""
    v = parse_float(text, 0.0, 3600.0)
    if 0 < v < MIN_HEARTBEAT_S:
        raise ValueError(f"must be 0 (off) or >= {MIN_HEARTBEAT_S}")
    return v


def parse_address(text: str) -> str:
    """An NNG address: ``ipc://PATH``, ``tcp://HOST:PORT`` (``*`` = every interface), ``inproc://``, ``ws://``."""
    v = text.strip()
    if not v.startswith(BUS_SCHEMES):
        raise ValueError("not a bus address (ipc://PATH or tcp://HOST:PORT)")
    rest = v.split("://", 1)[1]
    if not rest:
        raise ValueError("bus address without a path or host")
    if v.startswith("tcp://"):
        host, _, port = rest.rpartition(":")
        if not host:
            raise ValueError("tcp address needs HOST:PORT")
        parse_port(port)
    return v


def parse_allow_list(text: str) -> str:
    """Client addresses allowed to connect: IP addresses or networks separated by commas or spaces
    (``192.168.1.0/24, 10.0.0.7``); empty = everyone. Kept as text, normalised; host names are refused."""
    out = []
    for item in text.replace(",", " ").split():
        try:
            out.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or network "
                             "(like 192.168.1.20 or 192.168.1.0/24)") from None
    return ", ".join(out)


def parse_bind_host(text: str) -> str:
    """The IP address of one local interface to listen on (``127.0.0.1``, ``0.0.0.0`` for all, ``::1``)."""
    v = text.strip()
    try:
        return str(ipaddress.ip_address(v))
    except ValueError:
        raise ValueError("not an IP address (127.0.0.1 = this host only, 0.0.0.0 = every interface)") from None


def parse_url(text: str) -> str:
    v = text.strip()
    parts = urlsplit(v)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("not an http(s) URL")
    return v


def parse_hosts(text: str) -> str | None:
    """``[pytdx] hosts``: ``host:port`` entries separated by commas (``name=host:port`` also accepted).

    Kept as text (``tdx/network/hosts.py`` builds the host list); checked here so a typo fails at load.
    """
    v = text.strip()
    if not v:
        return None
    for entry in v.split(","):
        item = entry.strip().rpartition("=")[2].strip()
        host, _, port = item.rpartition(":")
        if not host:
            raise ValueError(f"entry {entry.strip()!r} is not host:port")
        try:
            parse_port(port)
        except ValueError:
            raise ValueError(f"entry {entry.strip()!r} has no valid port (1..65535)") from None
    return v


def format_value(value: object) -> str:
    """Write a value the way the original tools do: ``True``/``False``, ``HH:MM:SS``, ``YYYY-MM-DD``."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Path):
        return value.as_posix()
    if value is None:
        return ""
    return str(value)
