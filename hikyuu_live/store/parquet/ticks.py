"""Parquet tick store: a directory of Parquet files per trading day, for analysis tools.

Layout: ``<root>/<YYYYMMDD>/part-<first seq>-<last seq>.parquet`` (zstd), columns ``seq`` int64,
``market``, ``code``, ``name`` strings, ``datetime`` timestamp[us] (exchange wall time, no zone),
``yesterday_close`` ``open`` ``high`` ``low`` ``close`` float64 yuan, ``amount`` float64 10,000 yuan,
``volume`` float64 lots, and the book flat as the replay CSV has it: ``bid1..bid5``,
``bid_amount1..5``, ``ask1..5``, ``ask_amount1..5``. ``pyarrow.dataset.dataset(root)`` reads it all.

A Parquet file is only readable once its footer is written, so each write is a new file, written
under a temporary name and renamed into place: a killed process leaves whole files only (and maybe
a ``.tmp`` that readers ignore). Closing the store merges each day's parts into one file (written and
renamed first, the parts deleted after; a kill in between leaves rows twice, which ``load_day``
removes by ``seq``). Write it every minute or so (``--parquet-flush-s``), not every second.
"""

from __future__ import annotations

import logging
import os
import re
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from hikyuu_live.errors import StoreUnavailable
from hikyuu_live.model.spot import BOOK_LEVELS
from hikyuu_live.model.ticks import (
    BOOK_PRICES,
    BOOK_SIZES,
    PRICES,
    RECORD_DTYPE,
    TOTALS,
    encode_names,
    from_milli,
    to_milli,
)
from hikyuu_live.store.ticks import TickStore, empty_records, unique_by_seq

log = logging.getLogger(__name__)

_PART = re.compile(r"^part-(\d+)-(\d+)\.parquet$")


def records_to_table(records: np.ndarray) -> pa.Table:
    cols: dict[str, pa.Array] = {
        "seq": pa.array(records["seq"]),
        "market": pa.array(np.char.decode(records["market"], "ascii")),
        "code": pa.array(np.char.decode(records["code"], "ascii")),
        "name": pa.array([b.decode("utf-8", "ignore") for b in records["name"].tolist()], type=pa.string()),
        "datetime": pa.array(records["datetime"].astype("M8[us]")),
    }
    for p in PRICES:
        cols[p] = pa.array(from_milli(records[p]))
    for t in TOTALS:
        cols[t] = pa.array(records[t])
    for b in (*BOOK_PRICES, *BOOK_SIZES):
        values = from_milli(records[b]) if b in BOOK_PRICES else records[b].astype(np.float64)
        for lvl in range(BOOK_LEVELS):
            cols[f"{b}{lvl + 1}"] = pa.array(np.ascontiguousarray(values[:, lvl]))
    return pa.table(cols)


def table_to_records(table: pa.Table) -> np.ndarray:
    n = table.num_rows
    out = np.zeros(n, dtype=RECORD_DTYPE)
    col = {name: table.column(name).to_numpy(zero_copy_only=False) for name in table.column_names}
    out["seq"] = col["seq"]
    out["market"] = np.char.encode(col["market"].astype("U2"), "ascii")
    out["code"] = np.char.encode(col["code"].astype("U6"), "ascii")
    out["name"] = encode_names(col["name"].astype(str))
    out["datetime"] = col["datetime"].astype("M8[us]").astype(np.int64)
    for p in PRICES:
        out[p] = to_milli(col[p])
    for t in TOTALS:
        out[t] = col[t]
    for b in (*BOOK_PRICES, *BOOK_SIZES):
        levels = np.stack([col[f"{b}{lvl + 1}"] for lvl in range(BOOK_LEVELS)], axis=1)
        out[b] = to_milli(levels) if b in BOOK_PRICES else levels
    return out


class ParquetTickStore(TickStore):
    """See the module docstring."""

    name = "parquet"

    def __init__(self, root: str | Path, *, compression: str = "zstd") -> None:
        self.root = Path(root)
        self.compression = compression
        self._touched: set[date] = set()

    def describe(self) -> str:
        return f"parquet:{self.root}"

    def day_dir(self, day: date) -> Path:
        return self.root / day.strftime("%Y%m%d")

    def _parts(self, day: date) -> list[tuple[int, int, Path]]:
        d = self.day_dir(day)
        if not d.is_dir():
            return []
        out = []
        for p in d.iterdir():
            m = _PART.match(p.name)
            if m:
                out.append((int(m.group(1)), int(m.group(2)), p))
        return sorted(out)

    def _write_file(self, day: date, records: np.ndarray) -> Path:
        d = self.day_dir(day)
        lo, hi = int(records["seq"].min()), int(records["seq"].max())
        final = d / f"part-{lo:010d}-{hi:010d}.parquet"
        tmp = d / (final.name + ".tmp")
        try:
            d.mkdir(parents=True, exist_ok=True)
            pq.write_table(records_to_table(records), tmp, compression=self.compression)
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, final)
        except OSError as e:
            raise StoreUnavailable(f"cannot write {final}: {e}") from e
        return final

    # ------------------------------------------------------------------ hooks
    def _append(self, day: date, records: np.ndarray) -> None:
        self._write_file(day, records)
        self._touched.add(day)

    def _read_day(self, day: date) -> np.ndarray:
        parts = [table_to_records(pq.read_table(p)) for _, _, p in self._parts(day)]
        return np.concatenate(parts) if parts else empty_records()

    def _days(self) -> list[date]:
        if not self.root.is_dir():
            return []
        out = []
        for d in self.root.iterdir():
            if d.is_dir() and re.fullmatch(r"\d{8}", d.name) and any(_PART.match(p.name) for p in d.iterdir()):
                out.append(date(int(d.name[:4]), int(d.name[4:6]), int(d.name[6:])))
        return sorted(out)

    def _saved_seq(self, day: date) -> int:
        return max((hi for _, hi, _ in self._parts(day)), default=-1)

    def _close(self) -> None:
        for day in sorted(self._touched):
            self.compact(day)
        self._touched.clear()

    def compact(self, day: date) -> None:
        """Merge the day's parts into one file."""
        parts = self._parts(day)
        if len(parts) < 2:
            return
        rows = unique_by_seq(self._read_day(day))
        merged = self._write_file(day, rows)
        for _, _, p in parts:
            if p != merged:
                p.unlink(missing_ok=True)
        log.info("merged %d parquet parts of %s into %s", len(parts), day, merged.name)
