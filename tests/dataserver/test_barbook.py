"""Bars of the data server: a growing universe, and a restart's rebuild giving the very same bars."""

from __future__ import annotations

from datetime import date

import numpy as np

from hikyuu_live.dataserver.barbook import DEFAULT_KTYPES, BarBook
from hikyuu_live.dataserver.buffer import TickBuffer
from hikyuu_live.model.bars import LiveBars
from hikyuu_live.model.spot import market_codes
from hikyuu_live.model.ticks import records_to_spots
from tests.spot_factory import make_spots

MIN = np.iinfo(np.int64).min
DAY = date(2026, 11, 24)


def session_times() -> list[np.datetime64]:
    """Polls through the rules' edge cases: auction, open, the 11:30 close with late prints, lunch, the
    13:00 reopen and the 15:00 close with late prints."""
    out = []
    for start, end, step in (("09:24:00", "09:36:00", 3), ("11:28:00", "11:31:10", 2), ("12:59:00", "13:06:00", 3),
                             ("14:58:00", "15:01:10", 1)):
        out += list(np.arange(np.datetime64(f"2026-11-24T{start}"), np.datetime64(f"2026-11-24T{end}"),
                              np.timedelta64(step, "s")))
    return out


def stream(n: int, seed: int = 1):
    """Cycles of ``n`` stocks: each poll, about 30% did not trade (their spot repeats), the others trade at
    a per-stock offset after the poll; some prints carry no price."""
    rng = np.random.default_rng(seed)
    base = make_spots(n, seed=seed, micro=False)
    offset = rng.integers(0, 3, n).astype("m8[s]")
    vol = np.zeros(n)
    prev = None
    for t in session_times():
        s = base.copy()
        s["datetime"] = t + offset
        vol += rng.integers(0, 50, n)
        s["volume"], s["amount"] = vol, vol * 3.0
        s["close"] = np.round(s["close"] * (1 + rng.normal(0, 0.01, n)), 2)
        s["close"][rng.random(n) < 0.02] = 0.0
        if prev is not None:
            idle = rng.random(n) < 0.3
            s[idle] = prev[idle]
            vol[idle] = prev["volume"][idle]
        prev = s
        yield s[rng.permutation(n)]


def feed(n: int, seed: int = 1):
    """A buffer and a book fed like the server does."""
    buf, book = TickBuffer(), BarBook()
    for s in stream(n, seed):
        rec = buf.add(s)
        if book.day is None:
            book.reset(buf.day)
        book.update(records_to_spots(rec))
    return buf, book


def test_rebuild_from_ticks_gives_the_same_bars_as_live():
    buf, book = feed(400)
    keys = buf.keys()
    live = {(k, kt): book.bars(k, kt, MIN) for k in keys for kt in DEFAULT_KTYPES}
    assert book.shards == 1
    book.rebuild(keys, lambda k: buf.ticks(k, MIN))
    for (k, kt), bars in live.items():
        again = book.bars(k, kt, MIN)
        assert len(again) == len(bars) and (again == bars).all(), (k, kt)
    assert len(live[(keys[0], DEFAULT_KTYPES[1])]) == 16  # 09:31-09:36, 11:29-11:30, 13:01-13:06, 14:59-15:00


def test_book_equals_one_livebars_fed_every_spot():
    buf, book = feed(100, seed=2)
    ref = LiveBars(buf.keys(), DEFAULT_KTYPES, DAY)
    for s in stream(100, seed=2):
        ref.update(s)
    assert buf.stats.duplicates > 0
    for k in buf.keys():
        for kt in DEFAULT_KTYPES:
            assert (book.bars(k, kt, MIN) == ref.bars(k, kt)).all(), (k, kt)


def test_new_codes_get_shards_and_compaction_keeps_bars():
    buf = TickBuffer()
    book = BarBook(max_shards=3)
    spots = make_spots(50, seed=3, micro=False)
    for k in range(10):  # every batch brings 5 new codes and the old ones again
        s = spots[: 5 * (k + 1)].copy()
        s["datetime"] = np.datetime64("2026-11-24T09:30:00") + np.timedelta64(20 * k, "s")
        s["volume"] += k
        rec = buf.add(s)
        if book.day is None:
            book.reset(buf.day)
        book.update(records_to_spots(rec))
        book.compact_if_needed(lambda key: buf.ticks(key, MIN))
    assert book.rebuilds >= 1 and book.shards <= 4
    for key in market_codes(spots).tolist():
        day = book.bars(key, DEFAULT_KTYPES[0], MIN)
        assert len(day) == 1 and day["datetime"][0] == np.datetime64("2026-11-24", "us")


def test_bars_since_filters_by_datetime():
    buf, book = feed(20, seed=4)
    k = buf.keys()[0]
    allbars = book.bars(k, DEFAULT_KTYPES[1], MIN)
    cut = int(allbars["datetime"][5].astype(np.int64))
    assert (book.bars(k, DEFAULT_KTYPES[1], cut) == allbars[5:]).all()
