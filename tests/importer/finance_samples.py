"""Samples of TDX history finance files (``gpcw*.dat``) for the tests.

``test_data/vipdoc/cw/gpcw20110930.dat`` is real: six stocks cut (``scripts/make_finance_sample.py``) from
``test_data/downloads/finance/gpcw20110930.dat`` of the Hikyuu repository (fasiondog/hikyuu). It is an old
layout: 286 values a report, without the announcement date (value 314).

``current_layout`` turns it into the current layout (the servers' files today): each report's 286 real
values, then TDX's "no value" marker bytes (0xf8f8f8f8, which Hikyuu reads as null) up to 581 values, with
value 314 set to an announcement date. Only that date is made up; every other value is the real one.
"""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REAL_2011 = ROOT / "test_data" / "vipdoc" / "cw" / "gpcw20110930.dat"
HEADER = struct.Struct("<hIH3L")
ENTRY = struct.Struct("<6scL")
NULL = b"\xf8\xf8\xf8\xf8"
FIELDS = 581
ANNOUNCED = {"600000": 111027.0, "000001": 111020.0}  # YYMMDD; others get 111028


def current_layout(data: bytes | None = None, *, file_date: int | None = None, scale: float = 1.0) -> bytes:
    """The real sample in the current layout; ``scale`` multiplies value 1 (a changed file for the tests)."""
    data = REAL_2011.read_bytes() if data is None else data
    version, fdate, count, a, size, b = HEADER.unpack_from(data)
    new_size = FIELDS * 4
    first = HEADER.size + count * ENTRY.size
    head = bytearray(HEADER.pack(version, file_date or fdate, count, a, new_size, b))
    body = bytearray()
    for i in range(count):
        code, pad, offset = ENTRY.unpack_from(data, HEADER.size + i * ENTRY.size)
        head += ENTRY.pack(code, pad, first + i * new_size)
        report = bytearray(data[offset:offset + size] + NULL * (FIELDS - size // 4))
        struct.pack_into("<f", report, 313 * 4, ANNOUNCED.get(code.decode(), 111028.0))
        if scale != 1.0:
            (v,) = struct.unpack_from("<f", report, 0)
            struct.pack_into("<f", report, 0, v * scale)
        body += report
    return bytes(head + body)


def zipped(name: str, dat: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, dat)
    return buf.getvalue()


def install(tdx: Path, files: dict[str, bytes]) -> Path:
    """A TDX install folder with these ``vipdoc/cw`` files."""
    cw = tdx / "vipdoc" / "cw"
    cw.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (cw / name).write_bytes(data)
    return tdx
