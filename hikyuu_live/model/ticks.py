"""Tick records: the compact in-memory form, the saved form, and conversions to and from spots.

A *tick* is one spot of one stock that says something new: a newer datetime, or the same datetime
with different numbers. Collectors publish the whole market every cycle, so a stock that has not
traded since the last cycle (or is suspended) repeats itself; those repeats are not ticks.

In memory a tick takes 124 bytes (``TICK_DTYPE``, no code or name: they belong to the stock):

- ``datetime``: int64 µs since 1970-01-01 of the exchange wall time (numpy ``datetime64[us]``);
- prices (``yesterday_close``, ``open``, ``high``, ``low``, ``close``, ``bid``, ``ask``): uint32
  thousandths of a yuan, the precision Hikyuu's own HDF5 K-data keeps (A-share prices have 2
  decimals, funds 3, so they come back exactly; a finer price is rounded to 0.001 yuan);
- ``amount`` float64 (10,000 yuan) and ``volume`` float64 (lots), the day's cumulative totals;
- ``bid_amount`` / ``ask_amount``: float32 lots per book level (exact up to 16.7 million lots).

The saved form (``RECORD_DTYPE``, 188 bytes before compression) adds ``seq`` (arrival order within
the trading day, from 0), ``market``, ``code`` and ``name`` (UTF-8, 48 bytes).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from hikyuu_live.model.spot import BOOK_LEVELS, empty_spots

PRICE_SCALE = 1000
_U32_MAX = float(np.iinfo(np.uint32).max)
US_PER_DAY = 86_400_000_000
NAME_BYTES = 48
_EPOCH = date(1970, 1, 1)


def day_number(day: date) -> int:
    """Days since 1970-01-01 (a tick's ``datetime // US_PER_DAY``)."""
    return (day - _EPOCH).days


def day_of(number: int) -> date:
    """The date of a day number (inverse of ``day_number``)."""
    return _EPOCH + timedelta(days=int(number))

PRICES = ("yesterday_close", "open", "high", "low", "close")
TOTALS = ("amount", "volume")
BOOK_PRICES = ("bid", "ask")
BOOK_SIZES = ("bid_amount", "ask_amount")

TICK_DTYPE = np.dtype(
    [("datetime", "i8")]
    + [(p, "u4") for p in PRICES]
    + [(t, "f8") for t in TOTALS]
    + [("bid", "u4", (BOOK_LEVELS,)), ("bid_amount", "f4", (BOOK_LEVELS,)),
       ("ask", "u4", (BOOK_LEVELS,)), ("ask_amount", "f4", (BOOK_LEVELS,))]
)

TICK_FIELDS: tuple[str, ...] = tuple(TICK_DTYPE.names or ())

RECORD_DTYPE = np.dtype(
    [("seq", "i8"), ("market", "S2"), ("code", "S6"), ("name", f"S{NAME_BYTES}")]
    + [(name, TICK_DTYPE[name]) for name in TICK_FIELDS]
)

#: Field order of a 12-field spot row of the protocol (after the datetime).
SCALARS = ("yesterday_close", "open", "high", "low", "close", "amount", "volume")
BOOKS = ("bid", "bid_amount", "ask", "ask_amount")


def to_milli(prices: np.ndarray) -> np.ndarray:
    """Yuan -> uint32 thousandths (NaN and negatives -> 0, beyond 4.29 million yuan clipped)."""
    p = np.nan_to_num(np.asarray(prices, dtype=np.float64) * PRICE_SCALE, nan=0.0, posinf=_U32_MAX, neginf=0.0)
    return np.rint(np.clip(p, 0.0, _U32_MAX)).astype(np.uint32)


def from_milli(milli: np.ndarray) -> np.ndarray:
    """uint32 thousandths -> float64 yuan (the nearest double of the decimal price)."""
    return np.asarray(milli, dtype=np.float64) / PRICE_SCALE


def spots_to_ticks(spots: np.ndarray) -> np.ndarray:
    """``SPOT_DTYPE`` rows -> ``TICK_DTYPE`` rows (NaT datetimes become int64 min)."""
    out = np.empty(len(spots), dtype=TICK_DTYPE)
    out["datetime"] = spots["datetime"].astype("M8[us]").astype(np.int64)
    for p in PRICES:
        out[p] = to_milli(spots[p])
    for t in TOTALS:
        out[t] = spots[t]
    for b in BOOK_PRICES:
        out[b] = to_milli(spots[b])
    for b in BOOK_SIZES:
        out[b] = spots[b]
    return out


def ticks_to_spots(ticks: np.ndarray, market: str | np.ndarray = "", code: str | np.ndarray = "",
                   name: str | np.ndarray = "") -> np.ndarray:
    """``TICK_DTYPE`` (or ``RECORD_DTYPE``) rows -> ``SPOT_DTYPE`` rows in yuan."""
    out = empty_spots(len(ticks))
    out["market"], out["code"], out["name"] = market, code, name
    out["datetime"] = ticks["datetime"].astype("M8[us]")
    for p in PRICES:
        out[p] = from_milli(ticks[p])
    for t in TOTALS:
        out[t] = ticks[t]
    for b in BOOK_PRICES:
        out[b] = from_milli(ticks[b])
    for b in BOOK_SIZES:
        out[b] = ticks[b]
    return out


def records_to_spots(records: np.ndarray) -> np.ndarray:
    """Saved records -> ``SPOT_DTYPE`` (names decoded from UTF-8)."""
    return ticks_to_spots(records, np.char.decode(records["market"], "ascii"),
                          np.char.decode(records["code"], "ascii"), decode_names(records["name"]))


def records_to_ticks(records: np.ndarray) -> np.ndarray:
    out = np.empty(len(records), dtype=TICK_DTYPE)
    for f in TICK_FIELDS:
        out[f] = records[f]
    return out


def encode_names(names: np.ndarray) -> np.ndarray:
    """Unicode names -> UTF-8 bytes of at most ``NAME_BYTES`` (cut on a character boundary)."""
    out = []
    for n in np.asarray(names).tolist():
        b = n.encode("utf-8")
        if len(b) > NAME_BYTES:
            b = b[:NAME_BYTES].decode("utf-8", "ignore").encode("utf-8")
        out.append(b)
    return np.array(out, dtype=f"S{NAME_BYTES}")


def decode_names(raw: np.ndarray) -> np.ndarray:
    return np.array([b.decode("utf-8", "ignore") for b in np.asarray(raw).tolist()], dtype="U16")


def spot_columns(ticks: np.ndarray) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """(datetime µs, the 7 scalar columns in yuan/10k yuan/lots, the 4 book columns) for protocol rows."""
    scalars = [from_milli(ticks[p]) for p in PRICES] + [ticks[t] for t in TOTALS]
    books = [from_milli(ticks["bid"]), ticks["bid_amount"], from_milli(ticks["ask"]), ticks["ask_amount"]]
    return ticks["datetime"], scalars, books


assert TICK_DTYPE.itemsize == 124, TICK_DTYPE.itemsize  # the figure the docs state
