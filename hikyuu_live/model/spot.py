"""The spot record: one stock's quote snapshot, and its units.

Units (the same as Hikyuu's SpotRecord and in-memory K-data, so spots and bars agree):

- prices (``yesterday_close``, ``open``, ``high``, ``low``, ``close``, ``bid``, ``ask``): yuan;
- ``amount``: 10,000 yuan (万元), the day's cumulative turnover;
- ``volume``: lots of 100 shares (手), the day's cumulative volume;
- ``bid_amount`` / ``ask_amount``: lots per book level;
- ``datetime``: exchange wall time (Asia/Shanghai), naive, microsecond resolution.

A batch of spots travels as a numpy structured array of ``SPOT_DTYPE`` (fast: codec, bars and the
bus work column-wise) and is offered to user callbacks as ``Spot`` objects when they ask for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

#: Book depth carried in the array form; the wire format allows any depth per spot.
BOOK_LEVELS = 5
#: Longest name kept, in characters (A-share names are at most 8 CJK characters today).
NAME_CHARS = 16

SPOT_DTYPE = np.dtype(
    [
        ("market", "U2"),
        ("code", "U6"),
        ("name", f"U{NAME_CHARS}"),
        ("datetime", "M8[us]"),
        ("yesterday_close", "f8"),
        ("open", "f8"),
        ("high", "f8"),
        ("low", "f8"),
        ("close", "f8"),
        ("amount", "f8"),
        ("volume", "f8"),
        ("bid", "f8", (BOOK_LEVELS,)),
        ("bid_amount", "f8", (BOOK_LEVELS,)),
        ("ask", "f8", (BOOK_LEVELS,)),
        ("ask_amount", "f8", (BOOK_LEVELS,)),
    ]
)

PRICE_FIELDS = ("yesterday_close", "open", "high", "low", "close", "amount", "volume")
BOOK_FIELDS = ("bid", "bid_amount", "ask", "ask_amount")
MARKETS = ("SH", "SZ", "BJ")


@dataclass(slots=True)
class Spot:
    """One quote snapshot in Hikyuu's units (see module docstring)."""

    market: str
    code: str
    name: str = ""
    datetime: datetime | None = None
    yesterday_close: float = 0.0
    open: float = 0.0
    high: float = 0.0
    low: float = 0.0
    close: float = 0.0
    amount: float = 0.0
    volume: float = 0.0
    bid: list[float] = field(default_factory=list)
    bid_amount: list[float] = field(default_factory=list)
    ask: list[float] = field(default_factory=list)
    ask_amount: list[float] = field(default_factory=list)

    @property
    def market_code(self) -> str:
        """Hikyuu's stock key, e.g. ``SH600000``."""
        return self.market + self.code

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


def empty_spots(n: int = 0) -> np.ndarray:
    """A zeroed spot array of length ``n`` (datetime NaT)."""
    arr = np.zeros(n, dtype=SPOT_DTYPE)
    arr["datetime"] = np.datetime64("NaT")
    return arr


def _levels(values: Any) -> np.ndarray:
    out = np.zeros(BOOK_LEVELS)
    if values is None:
        return out
    vals = np.asarray(list(values)[:BOOK_LEVELS], dtype=np.float64)
    out[: len(vals)] = vals
    return out


def spots_to_array(records: Iterable[Spot | Mapping[str, Any]]) -> np.ndarray:
    """Turn ``Spot`` objects or dicts (the original fetchers' shape) into a ``SPOT_DTYPE`` array.

    Missing numbers become 0.0 (as Hikyuu's wire format reads them); book levels beyond
    ``BOOK_LEVELS`` are dropped; a ``datetime`` may be a ``datetime`` or ISO-like text.
    """
    recs = [r.to_dict() if isinstance(r, Spot) else r for r in records]
    arr = empty_spots(len(recs))
    for i, r in enumerate(recs):
        row = arr[i]
        row["market"] = str(r.get("market", "")).upper()
        row["code"] = str(r.get("code", ""))
        row["name"] = str(r.get("name", "") or "")
        dt = r.get("datetime")
        if dt is not None and dt != "":
            if isinstance(dt, datetime) and dt.tzinfo is not None:
                from hikyuu_live.clock import EXCHANGE_TZ

                dt = dt.astimezone(EXCHANGE_TZ).replace(tzinfo=None)
            row["datetime"] = np.datetime64(dt if isinstance(dt, datetime) else str(dt).replace("/", "-"), "us")
        for name in PRICE_FIELDS:
            v = r.get(name)
            row[name] = 0.0 if v is None else float(v)
        for name in BOOK_FIELDS:
            row[name] = _levels(r.get(name))
    return arr


def spot_from_row(row: np.void) -> Spot:
    """One array row as a ``Spot`` (book levels as lists, trailing empty levels kept)."""
    dt = row["datetime"]
    return Spot(
        market=str(row["market"]),
        code=str(row["code"]),
        name=str(row["name"]),
        datetime=None if np.isnat(dt) else dt.astype("M8[us]").item(),
        yesterday_close=float(row["yesterday_close"]),
        open=float(row["open"]),
        high=float(row["high"]),
        low=float(row["low"]),
        close=float(row["close"]),
        amount=float(row["amount"]),
        volume=float(row["volume"]),
        bid=row["bid"].tolist(),
        bid_amount=row["bid_amount"].tolist(),
        ask=row["ask"].tolist(),
        ask_amount=row["ask_amount"].tolist(),
    )


def array_to_spots(arr: np.ndarray) -> list[Spot]:
    """Every row of a ``SPOT_DTYPE`` array as ``Spot`` objects."""
    return [spot_from_row(row) for row in arr]


def concat_spots(parts: list[np.ndarray]) -> np.ndarray:
    """Spot arrays one after another (``np.concatenate`` promotes structured dtypes field by field first:
    several times slower for the many small arrays of a burst)."""
    if len(parts) == 1:
        return parts[0]
    out = np.empty(sum(len(p) for p in parts), dtype=SPOT_DTYPE)
    at = 0
    for p in parts:
        out[at:at + len(p)] = p
        at += len(p)
    return out


def market_codes(arr: np.ndarray) -> np.ndarray:
    """``market + code`` keys (``SH600000``) of a spot array, vectorised."""
    return np.char.add(arr["market"], arr["code"])
