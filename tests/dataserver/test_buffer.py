"""The tick buffer: what counts as a tick, day handling, the memory bound, restore."""

from __future__ import annotations

import threading
import tracemalloc
from datetime import date

import numpy as np

from hikyuu_live.dataserver.buffer import TickBuffer
from hikyuu_live.model.ticks import RECORD_DTYPE, TICK_DTYPE, records_to_spots, ticks_to_spots
from tests.spot_factory import make_spots

MIN = np.iinfo(np.int64).min


def at(spots: np.ndarray, when: str, step_s: int = 0) -> np.ndarray:
    out = spots.copy()
    out["datetime"] = np.datetime64(when, "us") + np.arange(len(out)) * np.timedelta64(step_s, "s")
    return out


def key(spot) -> str:
    return str(spot["market"]) + str(spot["code"])


def test_new_datetimes_are_ticks_and_get_consecutive_seq():
    buf = TickBuffer()
    s = make_spots(50, seed=1)
    r1 = buf.add(at(s, "2026-11-24T09:30:00"))
    r2 = buf.add(at(s, "2026-11-24T09:30:03"))
    assert r1.dtype == RECORD_DTYPE and len(r1) == len(r2) == 50
    assert (np.concatenate([r1["seq"], r2["seq"]]) == np.arange(100)).all()
    assert buf.held_ticks == 100 and buf.day == date(2026, 11, 24)


def test_repeats_and_older_spots_are_not_ticks_but_changed_numbers_are():
    buf = TickBuffer()
    s = at(make_spots(10, seed=2), "2026-11-24T09:30:00")
    buf.add(s)
    assert len(buf.add(s)) == 0 and buf.stats.duplicates == 10
    older = at(s, "2026-11-24T09:29:00")
    assert len(buf.add(older)) == 0 and buf.stats.older == 10
    same_time = s.copy()
    same_time["volume"] += 100
    assert len(buf.add(same_time)) == 10


def test_stock_twice_in_one_batch_keeps_both_in_order():
    buf = TickBuffer()
    s = make_spots(1, seed=3)
    batch = np.concatenate([at(s, "2026-11-24T09:30:00"), at(s, "2026-11-24T09:30:03"),
                            at(s, "2026-11-24T09:30:01")])
    rec = buf.add(batch)
    assert len(rec) == 2 and buf.stats.older == 1
    got = buf.ticks(key(s[0]), MIN)["datetime"]
    assert list(got) == [np.datetime64("2026-11-24T09:30:00", "us").astype(np.int64),
                         np.datetime64("2026-11-24T09:30:03", "us").astype(np.int64)]


def test_values_come_back_exactly_in_yuan():
    buf = TickBuffer()
    s = at(make_spots(200, seed=4), "2026-11-24T10:00:00")
    buf.add(s)
    back = np.concatenate([ticks_to_spots(buf.ticks(key(x), MIN)) for x in s])
    for f in ("yesterday_close", "open", "high", "low", "close", "amount", "volume", "bid", "ask", "bid_amount",
              "ask_amount"):
        assert (back[f] == s[f]).all(), f


def test_earlier_day_dropped_later_trading_day_rolls_weekend_does_not():
    buf = TickBuffer()
    s = make_spots(5, seed=5)
    buf.add(at(s, "2026-11-24T10:00:00"))
    assert len(buf.add(at(s, "2026-11-23T10:00:00"))) == 0 and buf.stats.other_day == 5
    assert len(buf.add(at(s, "2026-11-28T10:00:00"))) == 0 and buf.day == date(2026, 11, 24)  # a Saturday
    assert len(buf.add(at(s, "2026-11-25T09:30:00"))) == 5
    assert buf.day == date(2026, 11, 25) and buf.held_ticks == 5 and buf.next_seq == 5 and buf.stats.day_rolls == 1


def test_spots_dated_after_today_never_roll_the_buffer():
    buf = TickBuffer(today=lambda: date(2026, 11, 24))
    s = make_spots(5, seed=6)
    buf.add(at(s, "2026-11-24T10:00:00"))
    assert len(buf.add(at(s, "2031-01-06T10:00:00"))) == 0
    assert buf.stats.future == 5 and buf.day == date(2026, 11, 24) and buf.held_ticks == 5


def test_memory_bound_drops_oldest_ticks_first():
    buf = TickBuffer(max_bytes=2 << 20)
    s = make_spots(100, seed=7)
    for k in range(400):  # 40,000 ticks x 124 bytes > 2 MiB
        buf.add(at(s, str(np.datetime64("2026-11-24T09:30:00") + np.timedelta64(3 * k, "s"))))
    assert buf.allocated_bytes <= (2 << 20) + 100 * 1024  # tick arrays within the bound, plus per-stock state
    assert buf.stats.evicted > 0 and buf.held_ticks + buf.stats.evicted == 40_000
    t = buf.ticks(key(s[0]), MIN)
    assert t["datetime"][-1] == np.datetime64("2026-11-24T09:30:00", "us").astype(np.int64) + 399 * 3_000_000
    assert t["datetime"][0] >= buf.evicted_before_us


def test_memory_per_tick_measured_within_documented_range():
    s = make_spots(6000, seed=8)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    buf = TickBuffer()
    for k in range(50):
        buf.add(at(s, str(np.datetime64("2026-11-24T09:30:00") + np.timedelta64(3 * k, "s"))))
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    per_tick = used / buf.held_ticks
    assert TICK_DTYPE.itemsize == 124
    assert 124 <= per_tick <= 200, per_tick  # docs: 124 bytes + growth slack, about 140-150 on average
    assert abs(buf.allocated_bytes - used) / used < 0.2


def test_restore_gives_same_ticks_and_continues_seq():
    buf = TickBuffer()
    s = make_spots(30, seed=9)
    recs = [buf.add(at(s, f"2026-11-24T09:3{k}:00")) for k in range(5)]
    saved = np.concatenate(recs)
    again = TickBuffer()
    again.restore(saved[::-1].copy())  # any order
    for x in s:
        assert (again.ticks(key(x), MIN) == buf.ticks(key(x), MIN)).all()
    assert again.next_seq == buf.next_seq == 150
    def closes(b: TickBuffer) -> dict[str, float]:
        return {key(x): float(x["close"]) for x in b.latest()}

    assert closes(again) == closes(buf)
    assert len(again.add(at(s, "2026-11-24T09:34:00"))) == 0  # the restored last ticks de-duplicate
    assert (again.add(at(s, "2026-11-24T09:35:00"))["seq"] == np.arange(150, 180)).all()


def test_latest_has_names_and_record_round_trip():
    buf = TickBuffer(keep_history=False)
    s = at(make_spots(8, seed=10), "2026-11-24T10:00:00")
    rec = buf.add(s)
    back = records_to_spots(rec)
    assert list(back["name"]) == list(s["name"]) and list(buf.latest()["name"]) == list(s["name"])
    assert buf.held_ticks == 0 and len(buf.ticks(key(s[0]), MIN)) == 0


def test_readers_see_consistent_rows_while_ticks_arrive():
    buf = TickBuffer(initial_ticks=2)
    s = make_spots(20, seed=11)
    stop = threading.Event()
    bad = []

    def read() -> None:
        while not stop.is_set():
            t = buf.ticks(key(s[0]), MIN)["datetime"]
            if len(t) and (np.diff(t) != 3_000_000).any():
                bad.append(t)

    reader = threading.Thread(target=read)
    reader.start()
    for k in range(2000):
        buf.add(at(s, str(np.datetime64("2026-11-24T09:30:00") + np.timedelta64(3 * k, "s"))))
    stop.set()
    reader.join()
    assert not bad and len(buf.ticks(key(s[0]), MIN)) == 2000
