"""The types and the byte layout the FlatBuffers codec shares between its writer and its readers.

``block_dtype`` is the layout our encoder gives every spot (see ``hikyuu_live.model.codec``): the fast reader
of ``hikyuu_live.model.codec_fast`` recognises exactly that layout, the general reader any valid SpotList.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hikyuu_live.model.spot import BOOK_FIELDS, NAME_CHARS

SCHEMA_VERSION = 1
#: Messages larger than this are refused before any parsing (a full market is about 2.5 MB).
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
#: A single message may not claim more spots than this.
MAX_SPOTS = 200_000
DT_CHARS = 26  # "YYYY-MM-DD HH:MM:SS.ffffff"
NAME_BYTES = 4 * NAME_CHARS
SCALARS = ("yesterday_close", "open", "high", "low", "close", "amount", "volume")
STRINGS = ("market", "code", "name", "datetime")


@dataclass(frozen=True, slots=True)
class BatchMeta:
    """hikyuu_live's extension fields of one data message (absent in Hikyuu's own messages)."""

    session_id: int
    cycle_id: int
    seq: int
    msg_count: int
    source: str = ""
    send_time_us: int = 0
    schema_version: int = SCHEMA_VERSION


@dataclass(slots=True)
class DecodedBatch:
    """One decoded data message: the spots, the extension fields if any, and what was dropped."""

    spots: np.ndarray
    meta: BatchMeta | None
    dropped: dict[str, int] = field(default_factory=dict)



# --------------------------------------------------------------------------- the layout of our encoder


def block_dtype(levels: int, name_bytes: int) -> tuple[np.dtype, dict[str, int]]:
    """The per-spot block layout; returns the dtype and each field's offset inside the block."""
    names: list[str] = []
    formats: list[Any] = []
    offsets: list[int] = []

    def put(name: str, fmt: Any, off: int) -> None:
        names.append(name)
        formats.append(fmt)
        offsets.append(off)

    put("soffset", "<i4", 0)
    for i, f in enumerate(STRINGS + BOOK_FIELDS):
        put("o_" + f, "<u4", 4 + 4 * i)
    for i, f in enumerate(SCALARS):
        put(f, "<f8", 40 + 8 * i)
    pos = 96  # table size
    for f in BOOK_FIELDS:  # [pad 4][len 4][doubles]: the doubles land on 8-byte boundaries
        put("n_" + f, "<u4", pos + 4)
        put("v_" + f, ("<f8", (levels,)), pos + 8)
        pos += 8 + 8 * levels
    str_sizes = {"market": 2, "code": 6, "datetime": DT_CHARS, "name": name_bytes}
    for f in STRINGS:
        put("n_" + f, "<u4", pos)
        put("s_" + f, f"S{str_sizes[f]}", pos + 4)
        pos += 4 + (str_sizes[f] + 1 + 3) // 4 * 4  # length, bytes, NUL, pad to 4
    size = (pos + 7) // 8 * 8
    dtype = np.dtype({"names": names, "formats": formats, "offsets": offsets, "itemsize": size})
    return dtype, dict(zip(names, offsets, strict=True))


