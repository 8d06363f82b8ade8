"""The numpy-built MessagePack rows are byte for byte what msgpack makes of the same rows as lists.

Data: the recorded sample day (``test_data/replay_sample.csv.gz``, 300 codes, 91 cycles of real quotes),
fed through ``LiveBars`` and the tick buffer as the server does.
"""

from __future__ import annotations

from datetime import date

import msgpack
import numpy as np

from hikyuu_live.dataserver.barbook import DEFAULT_KTYPES
from hikyuu_live.dataserver.buffer import TickBuffer
from hikyuu_live.dataserver.packing import (
    BAR_ROW_BYTES,
    TICK_ROW_BYTES,
    array_header,
    datetime_bytes,
    entry_head,
    ok_head,
    pack_bar_rows,
    pack_snapshot_rows,
    pack_tick_rows,
)
from hikyuu_live.dataserver.protocol import bar_rows, format_datetimes, spot_rows
from hikyuu_live.fetcher.stock.replay import load_replay
from hikyuu_live.model.bars import LiveBars
from hikyuu_live.model.spot import market_codes
from hikyuu_live.model.ticks import BOOKS, SCALARS, spot_columns
from tests.dataserver.conftest import SAMPLE

CYCLES = load_replay(SAMPLE)
SPOTS = np.concatenate([c.spots for c in CYCLES])
KEYS = sorted(set(market_codes(SPOTS).tolist()))
FIELDS = ("open", "high", "low", "close", "amount", "volume")


def test_bar_rows_of_the_sample_day_pack_as_msgpack_does():
    bars = LiveBars(KEYS, DEFAULT_KTYPES, date(2026, 11, 24))
    for c in CYCLES:
        bars.update(c.spots)
    checked = 0
    for kt in DEFAULT_KTYPES:
        for key in KEYS[::7]:
            b = bars.bars(key, kt)
            dt = b["datetime"].astype(np.int64)
            cols = [b[f] for f in FIELDS]
            want = msgpack.packb({"code": key, "data": bar_rows(dt, cols)}, use_bin_type=True)
            assert entry_head(key, len(b)) + pack_bar_rows(dt, cols) == want, (kt, key)
            assert len(pack_bar_rows(dt, cols)) == BAR_ROW_BYTES * len(b)
            checked += len(b)
    assert checked > 1000


def test_tick_and_snapshot_rows_of_the_sample_day_pack_as_msgpack_does():
    buf = TickBuffer()
    for c in CYCLES:
        buf.add(c.spots)
    for key in KEYS[::11]:
        ticks = buf.ticks(key, np.iinfo(np.int64).min)
        dt, scalars, books = spot_columns(ticks)
        assert pack_tick_rows(dt, scalars, books) == msgpack.packb(spot_rows(dt, scalars, books),
                                                                   use_bin_type=True)[len(array_header(len(ticks))):]
        assert len(pack_tick_rows(dt, scalars, books)) == TICK_ROW_BYTES * len(ticks)
    last = buf.latest()
    dt = last["datetime"].astype("M8[us]").astype(np.int64)
    rows = spot_rows(dt, [last[f] for f in SCALARS], [last[b] for b in BOOKS])
    want = [[m, c, n, *r] for m, c, n, r in zip(last["market"].tolist(), last["code"].tolist(),
                                                 last["name"].tolist(), rows, strict=True)]
    got = pack_snapshot_rows(last["market"].tolist(), last["code"].tolist(), last["name"].tolist(), dt,
                             [last[f] for f in SCALARS], [last[b] for b in BOOKS])
    assert ok_head(len(want)) + got == msgpack.packb({"ret": 0, "data": want}, use_bin_type=True)
    assert any(len(n.encode()) > 3 for n in last["name"].tolist())  # real Chinese names went through


def test_both_ways_of_packing_give_the_same_bytes_for_any_number_of_rows():
    """Below ``FEW_*_ROWS`` rows are packed as lists, above with numpy: msgpack's bytes either way."""
    from hikyuu_live.dataserver.packing import FEW_BAR_ROWS, FEW_TICK_ROWS

    rng = np.random.default_rng(11)
    for n in (0, 1, FEW_TICK_ROWS - 1, FEW_TICK_ROWS, FEW_BAR_ROWS - 1, FEW_BAR_ROWS, 700):
        dt = np.sort(rng.integers(1_700_000_000_000_000, 1_800_000_000_000_000, n))
        cols = [np.round(rng.random(n) * 100, 2) for _ in range(6)]
        books = [rng.random((n, 5)) for _ in range(4)]
        assert pack_bar_rows(dt, cols) == msgpack.packb(bar_rows(dt, cols))[len(array_header(n)):], n
        assert pack_tick_rows(dt, cols + cols[:1], books) == msgpack.packb(
            spot_rows(dt, cols + cols[:1], books))[len(array_header(n)):], n


def test_datetime_text_matches_numpy_over_the_whole_range():
    rng = np.random.default_rng(7)
    lo = int(np.datetime64("1400-01-01T00:00:00", "us").astype(np.int64))
    hi = int(np.datetime64("9999-12-31T23:59:59", "us").astype(np.int64))
    us = np.concatenate([rng.integers(lo, hi, 20_000), [lo, hi, 0, -1, 86_400_000_000 - 1]])
    assert datetime_bytes(us).astype("U19").tolist() == format_datetimes(us)


def test_array_headers_are_msgpacks():
    for n in (0, 1, 15, 16, 65_535, 65_536, 100_000):
        assert array_header(n) == msgpack.packb([None] * n)[: len(array_header(n))]
