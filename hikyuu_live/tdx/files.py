"""Local TDX files: ``vipdoc/{sh,sz,bj}/lday/*.day``, ``minline/*.lc1``, ``fzline/*.lc5``.

Record layouts (little endian, 32 bytes each, oldest first):

- ``.day``: date ``YYYYMMDD`` uint32; open, high, low, close uint32 in 0.01 yuan (0.001 yuan for funds,
  ETFs, bonds and SH B shares); amount float32 in yuan; volume uint32 in shares (indices: as reported);
  4 reserved bytes.
- ``.lc1`` / ``.lc5``: date uint16 packed as ``(year - 2004) * 2048 + month * 100 + day``; minutes after
  midnight uint16 (the bar's end: 09:31 for the first minute); open, high, low, close, amount float32
  (yuan); volume uint32 in shares; 4 reserved bytes.

Prices divide by 1000 for codes starting 15, 16, 18, 50, 51, 52, 56, 58, 900, 10, 11, 12 (Hikyuu's
list plus 52, whose SH ETFs TDX also prices in 0.001 yuan; the original left 52 at 0.01 and stored such
ETFs ten times too high), else by 100. Volumes become lots (shares / 100) except for indices, whose
volume is kept as reported, as Hikyuu's importer does.

Reading is numpy over the whole file, or over its tail: records are sorted, so the first record after
the newest stored bar is found by binary search on a memory map and only the rest is read (Hikyuu's
incremental rule, and why a daily run over years of 1-minute files is quick).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

from hikyuu_live.errors import ConfigError
from hikyuu_live.model.codes import StockType, classify
from hikyuu_live.model.datenum import from_number, ymd_datetimes
from hikyuu_live.model.kdata import KDATA_DTYPE, KType
from hikyuu_live.tdx.base import ImportJob, SourceResult

log = logging.getLogger(__name__)

DAY_RECORD = np.dtype([("date", "<u4"), ("open", "<u4"), ("high", "<u4"), ("low", "<u4"), ("close", "<u4"),
                       ("amount", "<f4"), ("volume", "<u4"), ("reserved", "<u4")])
LC_RECORD = np.dtype([("date", "<u2"), ("minutes", "<u2"), ("open", "<f4"), ("high", "<f4"), ("low", "<f4"),
                      ("close", "<f4"), ("amount", "<f4"), ("volume", "<u4"), ("reserved", "<u4")])
FOLDERS = {KType.DAY: ("lday", ".day"), KType.MIN: ("minline", ".lc1"), KType.MIN5: ("fzline", ".lc5")}
THOUSANDTHS = ("15", "16", "18", "50", "51", "52", "56", "58", "900", "10", "11", "12")
_NAME = re.compile(r"^(sh|sz|bj)([0-9]{6})\.(day|lc1|lc5)$", re.IGNORECASE | re.ASCII)


def price_divisor(code: str) -> int:
    """100 or 1000: how many price units a yuan has in ``.day`` files for this code."""
    return 1000 if code.startswith(THOUSANDTHS) else 100


def volume_divisor(market: str, code: str) -> int:
    """Shares per stored volume unit: 100 (lots) except for indices (1)."""
    return 1 if classify(market, code) is StockType.INDEX else 100


def lc_datetimes(date: np.ndarray, minutes: np.ndarray) -> np.ndarray:
    """``.lc1``/``.lc5`` packed dates (``(year - 2004) * 2048 + month * 100 + day``) and minutes of the day
    -> ``M8[us]``; impossible dates or times give NaT (the validator rejects them)."""
    d = date.astype(np.int64)
    ymd = (d // 2048 + 2004) * 10000 + d % 2048
    mins = minutes.astype(np.int64)
    # past 23:59 is 0 (NaT): an hour of 100 or more would carry into the day's digits
    return from_number(np.where(mins < 24 * 60, ymd * 10000 + mins // 60 * 100 + mins % 60, 0))


def day_key(after: np.datetime64) -> int:
    """The ``.day`` date number of the last stored day: records with a larger number are new."""
    d = after.astype("M8[D]").item()
    return d.year * 10000 + d.month * 100 + d.day


def lc_key(after: np.datetime64) -> int:
    """(packed date << 16 | minutes) of the last stored bar; record keys compare the same way."""
    t = after.astype("M8[m]").item()
    packed = (t.year - 2004) * 2048 + t.month * 100 + t.day
    return (packed << 16) | (t.hour * 60 + t.minute)


def _tail(path: Path, record: np.dtype, key_of: Callable[[np.void], int], after_key: int | None) -> np.ndarray:
    """Records of ``path``, only those after ``after_key``: a binary search on a memory map touches a few
    pages, then only the tail is read. A partial record at the end (TDX writing a bar as we read) is left
    out with a warning naming the file and the bytes: the next import reads it whole."""
    nbytes = path.stat().st_size
    size, extra = divmod(nbytes, record.itemsize)
    if extra:
        log.warning("%s: the last %d bytes are not a whole %d-byte record (a bar being written?): ignored", path,
                    extra, record.itemsize)
    if size == 0:
        return np.zeros(0, dtype=record)
    if after_key is None:
        return np.fromfile(path, dtype=record, count=size)
    mm = np.memmap(path, dtype=record, mode="r", shape=(size,))
    lo, hi = 0, size
    while lo < hi:
        mid = (lo + hi) // 2
        if key_of(mm[mid]) <= after_key:
            lo = mid + 1
        else:
            hi = mid
    out = np.array(mm[lo:])
    del mm
    return out


def read_day(path: Path, market: str, code: str, after: np.datetime64 | None = None) -> np.ndarray:
    """Bars of a ``.day`` file (after ``after`` when given) in memory units."""
    raw = _tail(path, DAY_RECORD, lambda r: int(r["date"]), None if after is None else day_key(after))
    out = np.empty(len(raw), dtype=KDATA_DTYPE)
    out["datetime"] = ymd_datetimes(raw["date"])
    div = float(price_divisor(code))
    for f in ("open", "high", "low", "close"):
        out[f] = raw[f] / div
    out["amount"] = raw["amount"].astype(np.float64) * 0.0001
    out["volume"] = raw["volume"] / float(volume_divisor(market, code))
    return out


def _lc_key(r: np.void) -> int:
    return (int(r["date"]) << 16) | int(r["minutes"])


def read_lc(path: Path, market: str, code: str, after: np.datetime64 | None = None) -> np.ndarray:
    """Bars of a ``.lc1``/``.lc5`` file (after ``after`` when given) in memory units."""
    raw = _tail(path, LC_RECORD, _lc_key, None if after is None else lc_key(after))
    out = np.empty(len(raw), dtype=KDATA_DTYPE)
    out["datetime"] = lc_datetimes(raw["date"], raw["minutes"])
    for f in ("open", "high", "low", "close"):
        # float32 prices: round to the price tick so 10.23 stays 10.23, not 10.229999542
        out[f] = np.round(raw[f].astype(np.float64), 3)
    out["amount"] = raw["amount"].astype(np.float64) * 0.0001
    out["volume"] = raw["volume"] / float(volume_divisor(market, code))
    return out


def install_root(tdx_dir: str | Path) -> Path:
    """The TDX install folder (holding ``vipdoc`` and ``T0002``) of ``tdx_dir``, which may be the install or
    its ``vipdoc`` folder."""
    p = Path(tdx_dir).expanduser()
    return p.parent if p.name.lower() == "vipdoc" and not (p / "vipdoc").is_dir() else p


def find_vipdoc(tdx_dir: str | Path) -> Path:
    """The ``vipdoc`` folder of a TDX install (``tdx_dir`` may be the install or ``vipdoc`` itself)."""
    p = Path(tdx_dir).expanduser()
    for cand in (p / "vipdoc", p):
        if cand.is_dir() and any((cand / m).is_dir() for m in ("sh", "sz", "bj")):
            return cand
    raise ConfigError("no TDX data here: expected vipdoc/sh, vipdoc/sz or vipdoc/bj", section="tdx", key="dir",
                      value=str(tdx_dir))


class LocalTdxSource:
    """``BarSource`` over a TDX install's files (``tdx/base.py``)."""

    name = "tdx"
    wants_last_bar = False

    def __init__(self, tdx_dir: str | Path) -> None:
        self.vipdoc = find_vipdoc(tdx_dir)

    def path(self, market: str, code: str, ktype: KType) -> Path:
        folder, suffix = FOLDERS[ktype]
        m = market.lower()
        return self.vipdoc / m / folder / f"{m}{code}{suffix}"

    def list_codes(self, market: str, ktype: KType) -> list[str]:
        folder, suffix = FOLDERS[ktype]
        d = self.vipdoc / market.lower() / folder
        if not d.is_dir():
            return []
        out = []
        for p in d.iterdir():
            m = _NAME.match(p.name)
            if m and m.group(1).upper() == market.upper() and p.suffix.lower() == suffix:
                out.append(m.group(2))
        return sorted(out)

    def read(self, market: str, code: str, ktype: KType, after: np.datetime64 | None = None) -> np.ndarray:
        path = self.path(market, code, ktype)
        return (read_day if ktype is KType.DAY else read_lc)(path, market, code, after)

    def fetch(self, jobs: Iterable[ImportJob]) -> Iterator[SourceResult]:
        for job in jobs:
            try:
                yield SourceResult(job, self.read(job.market, job.code, job.ktype, job.after))
            except OSError as e:
                yield SourceResult(job, error=f"cannot read {self.path(job.market, job.code, job.ktype)}: {e}")

    def close(self) -> None:
        """Nothing to release."""
