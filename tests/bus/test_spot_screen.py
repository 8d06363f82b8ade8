"""The bad-record screen: each rule shown to catch its violation, and legal zeros left alone."""

from __future__ import annotations

import numpy as np
import pytest

from hikyuu_live.model.spot_check import screen_spots
from tests.spot_factory import make_spots


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("close", np.nan, "bad_price"), ("close", -5.0, "bad_price"), ("high", 1e308, "bad_price"),
    ("close", np.inf, "bad_price"), ("yesterday_close", -np.inf, "bad_price"), ("open", np.nan, "bad_price"),
    ("bid", -0.01, "bad_price"), ("ask", np.nan, "bad_price"),
    ("volume", -100.0, "bad_volume"), ("volume", np.nan, "bad_volume"), ("amount", np.inf, "bad_volume"),
    ("volume", 1e15, "bad_volume"), ("amount", 1e12, "bad_volume"), ("bid_amount", -1.0, "bad_volume"),
    ("ask_amount", np.nan, "bad_volume"),
    ("low", 1e5, "low_above_high"), ("close", 1e-3, "close_outside_range"), ("close", 1e5, "close_outside_range"),
])
def test_each_rule_catches_its_violation(field, value, reason):
    spots = make_spots(5, seed=4)
    spots[field][2] = value
    good, bad = screen_spots(spots)
    assert bad == {reason: 1}
    np.testing.assert_array_equal(good, spots[[0, 1, 3, 4]])


def test_legal_zeros_pass_and_a_clean_batch_is_returned_as_is():
    spots = make_spots(4, seed=5)
    spots["open"][0] = spots["high"][0] = spots["low"][0] = 0.0  # before the first trade
    spots["volume"][1] = spots["amount"][1] = 0.0  # suspended
    spots["bid"][2] = 0.0  # empty book
    spots["high"][3] = spots["close"][3] * (1 + 1e-12)  # float noise of a source
    good, bad = screen_spots(spots)
    assert bad == {} and good is spots
    assert screen_spots(spots[:0])[1] == {}


def test_first_reason_wins_and_counts_add_up():
    spots = make_spots(8, seed=6)
    spots["close"][0] = np.nan
    spots["volume"][0] = -1  # also bad volume: counted once, as bad_price
    spots["volume"][3] = -1
    spots["low"][5] = 1e5
    good, bad = screen_spots(spots)
    assert bad == {"bad_price": 1, "bad_volume": 1, "low_above_high": 1} and len(good) == 5
