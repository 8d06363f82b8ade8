"""Cut a real TDX history finance file (``gpcwYYYYMMDD.dat``) down to a few stocks, for test_data.

    python scripts/make_finance_sample.py SRC.dat DEST.dat 600000 000001 ...

Keeps the header (with the new stock count) and each kept stock's report bytes unchanged, so every
value in the sample is the real one. ``test_data/vipdoc/cw/gpcw20110930.dat`` was made this way from
``test_data/downloads/finance/gpcw20110930.dat`` of the Hikyuu repository (fasiondog/hikyuu).
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

HEADER = struct.Struct("<hIH3L")
ENTRY = struct.Struct("<6scL")


def cut(data: bytes, codes: list[str]) -> bytes:
    version, file_date, count, a, size, b = HEADER.unpack_from(data)
    keep = []
    for i in range(count):
        code, pad, offset = ENTRY.unpack_from(data, HEADER.size + i * ENTRY.size)
        if code.decode() in codes:
            keep.append((code, pad, data[offset:offset + size]))
    first = HEADER.size + len(keep) * ENTRY.size
    out = bytearray(HEADER.pack(version, file_date, len(keep), a, size, b))
    for i, (code, pad, _) in enumerate(keep):
        out += ENTRY.pack(code, pad, first + i * size)
    for *_, report in keep:
        out += report
    return bytes(out)


def main(argv: list[str]) -> int:
    src, dest, *codes = argv
    Path(dest).parent.mkdir(parents=True, exist_ok=True)
    Path(dest).write_bytes(cut(Path(src).read_bytes(), codes))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
