"""Bad spot records: what the bus drops before any callback, live bar, dataserver buffer or figure sees it.

A spot from the wire is a bad record, with the first reason that applies, when:

- ``bad_price``: a price (yesterday's close, open, high, low, close, a bid or an ask level) is NaN, infinite,
  negative or above ``MAX_PRICE`` (what Hikyuu's uint32 x 1000 storage can hold; 1e308 is no price);
- ``bad_volume``: the volume, the amount or a book size is NaN, infinite, negative or absurd (above
  ``MAX_VOLUME`` lots, ``MAX_AMOUNT`` x 10,000 yuan);
- ``low_above_high``: both are set (> 0) and ``low > high``;
- ``close_outside_range``: close, high and low are set and the close lies outside ``[low, high]``.

Zero is a legal value everywhere: before the first trade of the day a quote has no open, high or low, an
empty book level is 0, a suspended stock has no volume. Why a record and not the message: one broken
quote must not cost the other 59 of its message.
"""

from __future__ import annotations

import numpy as np

from hikyuu_live.model.spot import SPOT_DTYPE
from hikyuu_live.model.validate import MAX_AMOUNT, MAX_PRICE, MAX_VOLUME

REASONS = ("bad_price", "bad_volume", "low_above_high", "close_outside_range")
_SLACK = 1e-9  # float noise of sources that send 7.390000000000001 beside 7.39

# SPOT_DTYPE keeps its 27 numbers side by side: yesterday_close, open, high, low, close, amount, volume,
# then 5 bids, 5 bid sizes, 5 asks, 5 ask sizes. One strided (n, 27) view checks them all in one pass.
_FIELDS = SPOT_DTYPE.fields
assert _FIELDS is not None
_FIRST: int = _FIELDS["yesterday_close"][1]
_NUMBERS = 27
_PRICE_COLS = np.r_[0:5, 7:12, 17:22]
_SIZE_COLS = np.r_[5:7, 12:17, 22:27]
_LIMIT = np.empty(_NUMBERS)
_LIMIT[_PRICE_COLS] = MAX_PRICE
_LIMIT[_SIZE_COLS] = MAX_VOLUME
_LIMIT[5] = MAX_AMOUNT
assert _FIELDS["ask_amount"][1] == _FIRST + 8 * 22, "SPOT_DTYPE numbers are no longer contiguous"


def _numbers(spots: np.ndarray) -> np.ndarray:
    """The 27 numbers of each spot as an (n, 27) float64 view (no copy for a contiguous array)."""
    arr = np.ascontiguousarray(spots)
    return np.ndarray((len(arr), _NUMBERS), np.float64, arr, _FIRST, (SPOT_DTYPE.itemsize, 8))


def screen_spots(spots: np.ndarray) -> tuple[np.ndarray, dict[str, int]]:
    """(the good records in their order, the bad ones counted by reason); the input when all are good."""
    n = len(spots)
    if not n:
        return spots, {}
    x = _numbers(spots)
    with np.errstate(invalid="ignore"):
        # NaN fails both comparisons: one pass finds NaN, inf, negatives and absurd values
        out_of_range = ~((x >= 0) & (x <= _LIMIT)).all(axis=1)
        high, low, close = x[:, 2], x[:, 3], x[:, 4]
        both = (high > 0) & (low > 0)
        inverted = both & (low > high)
        outside = both & (close > 0) & ((close > high * (1 + _SLACK)) | (close < low * (1 - _SLACK)))
    bad = out_of_range | inverted | outside
    if not bad.any():
        return spots, {}
    with np.errstate(invalid="ignore"):
        bad_price = ~((x[:, _PRICE_COLS] >= 0) & (x[:, _PRICE_COLS] <= MAX_PRICE)).all(axis=1)
    bad_volume = out_of_range & ~bad_price
    counts: dict[str, int] = {}
    taken = np.zeros(n, dtype=bool)
    for reason, mask in zip(REASONS, (bad_price, bad_volume, inverted, outside), strict=True):
        hit = mask & ~taken
        if hit.any():
            counts[reason] = int(hit.sum())
            taken |= hit
    return spots[~bad], counts
