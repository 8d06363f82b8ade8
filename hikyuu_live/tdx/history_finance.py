"""History finance (历史财务) files of TDX: ``gpcwYYYYMMDD.dat`` (in a ``.zip`` of the same name on the
servers, unpacked under a TDX install's ``vipdoc/cw``), for Hikyuu's ``HistoryFinance`` table.

Layout (little endian): a 20-byte header ``<hIH3L`` (version, file date YYYYMMDD, stock count, two
unused words around the report size in bytes), then one 11-byte index entry ``<6scL`` per stock (code,
a pad byte, offset of its report), and at each offset ``report size / 4`` float32 values. Value 314 (index
313) is the report's announcement date as YYMMDD (a year above 80 means 19xx). Hikyuu stores each
report's raw float32 bytes unchanged in ``values`` (its ``get_history_finance`` decodes them), keyed by
``file_date``, ``market_code`` and ``report_date``; so do we.

Old files (286 values a report) have no announcement date: their rows are refused with that reason
(Hikyuu's own importer fails on them), never dated by the report period, which would make a backtest see
a report months before it was published.

A stock whose entry points outside the file, whose code is not six digits or fits no exchange, or whose
announcement date is not a date is not stored: it is listed with the reason (the importer quarantines
it) and the rest of the file is imported.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import struct
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from hikyuu_live.model.codes import share_market

HEADER = struct.Struct("<hIH3L")
ENTRY = struct.Struct("<6scL")
REPORT_DATE_INDEX = 313
FILE_NAME = re.compile(r"^gpcw(\d{8})\.(dat|zip)$", re.I)
CW_DIR = Path("vipdoc") / "cw"


@dataclass(frozen=True, slots=True)
class FinanceRow:
    market_code: str
    report_date: int  # YYYYMMDD
    values: bytes  # the report's float32 values as the file holds them


@dataclass(slots=True)
class FinanceFile:
    file_date: int
    rows: list[FinanceRow] = field(default_factory=list)
    bad: list[tuple[str, str]] = field(default_factory=list)  # (code or entry number, reason)


def finance_market(code: str) -> str | None:
    """The exchange of a finance file's code (``model.codes.share_market``)."""
    return share_market(code)


def _report_date(value: float) -> int | None:
    if not math.isfinite(value) or value <= 0:
        return None
    n = int(value)
    full = 19000000 + n if n > 800000 else 20000000 + n
    try:
        date(full // 10000, full // 100 % 100, full % 100)
    except ValueError:
        return None
    return full


def parse_finance(data: bytes) -> FinanceFile:
    """The rows of one ``gpcw*.dat``; ``ValueError`` when even the header is unusable."""
    if len(data) < HEADER.size:
        raise ValueError(f"{len(data)} bytes: shorter than the header")
    _version, file_date, count, _a, report_size, _b = HEADER.unpack_from(data)
    if _report_date_ok(file_date) is None:
        raise ValueError(f"file date {file_date} is not a date")
    if report_size % 4 or report_size < 4:
        raise ValueError(f"report size {report_size} is not a whole number of float32 values")
    if HEADER.size + count * ENTRY.size > len(data):
        raise ValueError(f"announces {count} stocks but is {len(data)} bytes")
    out = FinanceFile(file_date)
    old_layout = report_size < 4 * (REPORT_DATE_INDEX + 1)
    for i in range(count):
        raw_code, _pad, offset = ENTRY.unpack_from(data, HEADER.size + i * ENTRY.size)
        code = raw_code.decode("ascii", "replace")
        market = finance_market(code)
        if market is None:
            out.bad.append((code, "code of no exchange"))
            continue
        if offset < HEADER.size or offset + report_size > len(data):
            out.bad.append((market + code, f"report offset {offset} outside the file"))
            continue
        values = data[offset:offset + report_size]
        if old_layout:  # dating the report by its period instead would leak it into the months before
            out.bad.append((market + code, f"old layout of {report_size // 4} values has no announcement date "
                                           "(value 314): fetch the current file from the TDX servers"))
            continue
        (announced,) = struct.unpack_from("<f", values, 4 * REPORT_DATE_INDEX)
        report_date = _report_date(announced)
        if report_date is None:
            out.bad.append((market + code, f"announcement date {announced!r} is not a date"))
            continue
        out.rows.append(FinanceRow(market + code, report_date, values))
    return out


def _report_date_ok(n: int) -> int | None:
    try:
        date(n // 10000, n // 100 % 100, n % 100)
    except ValueError:
        return None
    return n


def unpack(name: str, data: bytes) -> bytes:
    """The ``.dat`` inside a ``.zip`` (as the servers send it), or ``data`` itself for a ``.dat``."""
    if not name.lower().endswith(".zip"):
        return data
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            inner = [n for n in z.namelist() if n.lower().endswith(".dat")]
            if not inner:
                raise ValueError(f"{name}: no .dat inside")
            return z.read(inner[0])
    except zipfile.BadZipFile as e:
        raise ValueError(f"{name}: not a zip file ({e})") from e


def file_date_of(name: str) -> int | None:
    m = FILE_NAME.match(Path(name).name)
    return int(m.group(1)) if m else None


def local_finance_files(tdx_dir: str | Path) -> list[Path]:
    """The ``gpcw*.dat``/``.zip`` files of a TDX install (its ``vipdoc/cw``), oldest first; a ``.dat``
    wins over a ``.zip`` of the same date."""
    base = Path(tdx_dir)
    cw = base / CW_DIR if (base / CW_DIR).is_dir() else base / "cw"
    if not cw.is_dir():
        return []
    by_date: dict[int, Path] = {}
    for p in cw.iterdir():
        d = file_date_of(p.name)
        if d is not None and (d not in by_date or p.suffix.lower() == ".dat"):
            by_date[d] = p
    return [by_date[d] for d in sorted(by_date)]


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def parse_list(text: str) -> list[tuple[str, str, int]]:
    """The servers' ``tdxfin/gpcw.txt``: ``name,md5,size`` lines; malformed lines are skipped."""
    out = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.strip().split(",")]
        if len(parts) >= 3 and file_date_of(parts[0]) is not None and parts[2].isdigit():
            out.append((parts[0], parts[1].lower(), int(parts[2])))
    return sorted(out)
