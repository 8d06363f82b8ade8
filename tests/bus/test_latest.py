"""The subscriber's last-value cache (``latest()``) without sockets."""

from __future__ import annotations

import numpy as np

from hikyuu_live.bus import SpotSubscriber
from hikyuu_live.model.codec import DecodedBatch
from tests.spot_factory import make_spots


def test_latest_keeps_the_newest_row_per_code_even_with_duplicates_in_a_batch():
    sub = SpotSubscriber("ipc:///nonexistent")  # never started: no socket is opened
    a = make_spots(1500, seed=1)
    b = a.copy()
    b["close"] += 1
    dup = np.concatenate([b[:10], b[:10]])
    dup["close"][10:] += 5  # the second copy of each code comes later in the batch
    for batch in (a, b, dup):
        sub._handle_batch(DecodedBatch(batch, None))
    latest = sub.latest()
    assert len(latest) == 1500
    np.testing.assert_array_equal(latest["close"][:10], dup["close"][10:])
    np.testing.assert_array_equal(latest["close"][10:], b["close"][10:])
