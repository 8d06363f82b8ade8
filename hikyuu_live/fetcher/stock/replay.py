"""Replay a recorded quote stream: deterministic input for demos, tests and strategy rehearsals.

File format (one spot per line; ``.gz`` files are read transparently):

- **CSV** with a header row. Columns: ``market, code, name, datetime, yesterday_close, open, high, low,
  close, amount, volume``, book levels ``bid1..bid5, bid_amount1..bid_amount5, ask1..ask5,
  ask_amount1..ask_amount5`` and optionally ``cycle_time``. Missing numeric columns read as 0.
- **JSON lines** (``.jsonl``/``.ndjson``): objects with the same keys, book levels as lists
  (``"bid": [10.01, 10.0, ...]``), optional ``cycle_time``. What ``spot_listen --format json`` writes is such a
  recording (its ``{"type": "cycle", ...}`` statistics lines are skipped).

Units are those of the wire format: prices in yuan, amount in 10,000 yuan, volume and book sizes in
lots, times ``YYYY-MM-DD HH:MM:SS[.ffffff]`` in exchange time. Lines are grouped into cycles by
``cycle_time`` (the moment the recording collector polled); without that column each distinct
``datetime`` is a cycle. Cycles are replayed in file order with their recorded spacing divided by
``speed``; ``max_gap_s`` caps long pauses (the lunch break) in replay time.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

import numpy as np

from hikyuu_live.clock import Clock, LiveClock
from hikyuu_live.errors import SourceDataError
from hikyuu_live.model.spot import BOOK_FIELDS, BOOK_LEVELS, PRICE_FIELDS, empty_spots

log = logging.getLogger(__name__)

REQUIRED = ("market", "code", "datetime", "close")


@dataclass(frozen=True, slots=True)
class ReplayCycle:
    """One recorded cycle: when it was polled (recording time) and its spots."""

    cycle_time: np.datetime64
    spots: np.ndarray


def _open_text(path: Path) -> IO[str]:
    raw = gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")  # noqa: SIM115
    return io.TextIOWrapper(cast(IO[bytes], raw), encoding="utf-8", newline="")


def _is_jsonl(path: Path) -> bool:
    suffixes = [s.lower() for s in path.suffixes]
    return any(s in (".jsonl", ".ndjson", ".json") for s in suffixes)


def _columns_from_csv(fh: IO[str], path: Path) -> dict[str, list[str]]:
    reader = csv.reader(fh)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise SourceDataError(f"{path}: empty file") from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise SourceDataError(f"{path}: missing columns {missing} (have {header})")
    rows = list(reader)
    for lineno, row in enumerate(rows, start=2):
        if len(row) != len(header):
            raise SourceDataError(f"{path}:{lineno}: {len(row)} fields, header has {len(header)}")
    cols = list(zip(*rows, strict=True)) if rows else [()] * len(header)
    return {h: list(c) for h, c in zip(header, cols, strict=True)}


def _columns_from_jsonl(fh: IO[str], path: Path) -> dict[str, list[Any]]:
    cols: dict[str, list[Any]] = {}
    n = 0
    for lineno, line in enumerate(fh, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise SourceDataError(f"{path}:{lineno}: not JSON: {e}") from e
        if isinstance(obj, dict) and obj.get("type") == "cycle":
            continue  # ``spot_listen --format json``'s per-cycle statistics between its spot lines
        for c in REQUIRED:
            if c not in obj:
                raise SourceDataError(f"{path}:{lineno}: missing key {c!r}")
        for key in BOOK_FIELDS:
            levels = list(obj.pop(key, []) or [])[:BOOK_LEVELS]
            for i in range(BOOK_LEVELS):
                obj[f"{key}{i + 1}"] = levels[i] if i < len(levels) else 0.0
        for key, value in obj.items():
            cols.setdefault(key, [None] * n).append(value)
        n += 1
        for col in cols.values():
            if len(col) < n:
                col.append(None)
    return cols


def _float_column(values: list[Any] | None, n: int, name: str, path: Path) -> np.ndarray:
    if values is None:
        return np.zeros(n)
    try:
        return np.array([0.0 if v in (None, "") else v for v in values], dtype=np.float64)
    except ValueError as e:
        raise SourceDataError(f"{path}: column {name!r} is not numeric: {e}") from e


def _time_column(values: list[Any], name: str, path: Path) -> np.ndarray:
    try:
        return np.array([str(v).replace("/", "-").replace(" ", "T") for v in values], dtype="M8[us]")
    except ValueError as e:
        raise SourceDataError(f"{path}: column {name!r} holds a bad time: {e}") from e


def load_replay(path: str | Path) -> list[ReplayCycle]:
    """Read a recording into cycles; raises ``SourceDataError`` naming the file and line on bad input."""
    path = Path(path)
    if not path.is_file():
        raise SourceDataError(f"replay file not found: {path}")
    with _open_text(path) as fh:
        cols = _columns_from_jsonl(fh, path) if _is_jsonl(path) else _columns_from_csv(fh, path)
    n = len(cols["market"])
    arr = empty_spots(n)
    arr["market"] = [str(m).upper() for m in cols["market"]]
    arr["code"] = [str(c) for c in cols["code"]]
    arr["name"] = [str(x or "") for x in cols.get("name", [""] * n)]
    arr["datetime"] = _time_column(cols["datetime"], "datetime", path)
    for f in PRICE_FIELDS:
        arr[f] = _float_column(cols.get(f), n, f, path)
    for f in BOOK_FIELDS:
        for i in range(BOOK_LEVELS):
            arr[f][:, i] = _float_column(cols.get(f"{f}{i + 1}"), n, f"{f}{i + 1}", path)
    keys = _time_column(cols["cycle_time"], "cycle_time", path) if "cycle_time" in cols else arr["datetime"]
    # consecutive runs of equal keys form a cycle (file order is replay order)
    bounds = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    starts = np.concatenate([[0], bounds]) if n else np.zeros(0, dtype=np.int64)
    ends = np.concatenate([bounds, [n]]) if n else np.zeros(0, dtype=np.int64)
    cycles = [ReplayCycle(keys[s], arr[s:e]) for s, e in zip(starts, ends, strict=True)]
    log.info("loaded %s: %d spots in %d cycles", path, n, len(cycles))
    return cycles


class ReplaySource:
    """Paces recorded cycles in (scaled) real time.

    ``iter_cycles`` sleeps on the given clock between cycles and yields each cycle's spots; the caller
    publishes them. It stops early, between cycles, when ``stop`` is set.
    """

    name = "replay"

    def __init__(self, path: str | Path, *, speed: float = 1.0, max_gap_s: float | None = None,
                 loop: bool = False, clock: Clock | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be > 0")
        self.path = Path(path)
        self.speed = speed
        self.max_gap_s = max_gap_s
        self.loop = loop
        self.clock = clock or LiveClock()
        self.cycles = load_replay(self.path)

    def delays(self) -> list[float]:
        """Replay-time seconds to wait before each cycle (0 before the first)."""
        out = [0.0]
        for prev, cur in zip(self.cycles, self.cycles[1:], strict=False):
            gap = float((cur.cycle_time - prev.cycle_time) / np.timedelta64(1, "s")) / self.speed
            gap = max(0.0, gap)
            out.append(min(gap, self.max_gap_s) if self.max_gap_s is not None else gap)
        return out

    def iter_cycles(self, stop: threading.Event | None = None) -> Iterator[np.ndarray]:
        delays = self.delays()
        while True:
            started = self.clock.monotonic()
            due = 0.0
            for delay, cyc in zip(delays, self.cycles, strict=True):
                due += delay
                if self.clock.sleep(due - (self.clock.monotonic() - started), stop):
                    return
                if stop is not None and stop.is_set():
                    return
                yield cyc.spots
            if not self.loop:
                return
