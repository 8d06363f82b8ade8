"""Security names of a TDX install: ``T0002/hq_cache/shm.tnf``, ``szm.tnf`` and ``bjm.tnf`` (the client
rewrites them every day it connects), the list of everything the exchange lists that day.

Layout: a 50-byte header, then 314-byte records: the code in bytes 0-5 (ASCII), the name from byte 23
(GBK, up to 18 bytes, ended by a NUL), the pinyin initials from byte 285. Records whose code is not six
digits or whose name is empty or undecodable are counted as bad, not guessed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

NAME_FILES = {"SH": "shm.tnf", "SZ": "szm.tnf", "BJ": "bjm.tnf"}
HQ_CACHE = Path("T0002") / "hq_cache"
HEADER = 50
RECORD = 314
NAME_AT, NAME_BYTES = 23, 18


@dataclass(slots=True)
class NameFile:
    names: dict[str, str] = field(default_factory=dict)
    bad: list[tuple[str, str]] = field(default_factory=list)  # (record, reason)


def parse_name_file(data: bytes) -> NameFile:
    out = NameFile()
    if len(data) < HEADER:
        raise ValueError(f"{len(data)} bytes: shorter than the header")
    body = data[HEADER:]
    for i in range(len(body) // RECORD):
        rec = body[i * RECORD:(i + 1) * RECORD]
        code = rec[:6].decode("ascii", "replace")
        if not code.isdigit():
            out.bad.append((f"record {i}", f"code {rec[:6]!r} is not six digits"))
            continue
        raw = rec[NAME_AT:NAME_AT + NAME_BYTES].split(b"\x00", 1)[0]
        try:
            name = raw.decode("gbk").strip()
        except UnicodeDecodeError:
            out.bad.append((code, f"name {raw!r} is not GBK"))
            continue
        if not name:
            out.bad.append((code, "no name"))
            continue
        out.names[code] = name
    if len(body) % RECORD:
        out.bad.append(("end of file", f"{len(body) % RECORD} bytes of a cut record"))
    return out


class LocalNames:
    """``names(market)`` of a TDX install's name files; None for a market whose file is missing."""

    name = "tdx"

    def __init__(self, tdx_dir: str | Path) -> None:
        base = Path(tdx_dir)
        self.dir = (base.parent if base.name.lower() == "vipdoc" else base) / HQ_CACHE
        self.bad: dict[str, list[tuple[str, str]]] = {}

    def names(self, market: str) -> dict[str, str] | None:
        path = self.dir / NAME_FILES[market.upper()]
        if not path.is_file():
            return None
        try:
            parsed = parse_name_file(path.read_bytes())
        except (OSError, ValueError) as e:
            log.warning("name file %s unreadable: %s", path, e)
            return None
        self.bad[market.upper()] = parsed.bad
        return parsed.names
