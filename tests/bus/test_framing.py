"""The receive state machine, message by message, without sockets."""

from __future__ import annotations

import numpy as np
import pytest

from hikyuu_live.bus.framing import (
    END_MARKER,
    SPOT_TOPIC,
    START_MARKER,
    CycleAssembler,
    Heartbeat,
    SubscriberStats,
    decode_heartbeat,
    encode_heartbeat,
)
from hikyuu_live.model.codec import BatchMeta, encode_spots
from hikyuu_live.model.flat.builder import build_spotlist
from tests.spot_factory import make_spots


class Rig:
    def __init__(self, timeout_s: float = 10.0) -> None:
        self.stats = SubscriberStats()
        self.batches = []
        self.cycles = []
        self.asm = CycleAssembler(self.batches.append, self.cycles.append, self.stats, cycle_timeout_s=timeout_s)
        self.t = 1_000_000

    def feed(self, msg: bytes) -> None:
        self.t += 1000
        self.asm.feed(msg, self.t)


def data(cycle: int, seq: int, count: int, *, session: int = 7, n: int = 3, seed: int = 0) -> bytes:
    spots = make_spots(n, seed=seed or cycle * 100 + seq)
    return SPOT_TOPIC + encode_spots(spots, BatchMeta(session, cycle, seq, count, "t", 10 + seq))


def full_cycle(cycle: int, count: int = 3, *, session: int = 7, skip: tuple[int, ...] = (),
               start: bool = True, end: bool = True) -> list[bytes]:
    msgs = [START_MARKER] if start else []
    msgs += [data(cycle, s, count, session=session) for s in range(count) if s not in skip]
    return msgs + ([END_MARKER] if end else [])


def test_a_framed_cycle_is_complete_and_closes_when_its_messages_are_in():
    r = Rig()
    for m in full_cycle(1):
        r.feed(m)
    assert len(r.batches) == 3
    (c,) = r.cycles
    assert c.complete and not c.recovered and c.closed_by == "count"
    assert len(c.spots) == 9 and c.missing_seqs == [] and c.cycle_id == 1 and c.source == "t"
    assert r.stats.complete_cycles == 1 and r.stats.gaps == 0


def test_lost_start_marker_is_recovered_from_extension_fields():
    r = Rig()
    for m in full_cycle(1, start=False):
        r.feed(m)
    (c,) = r.cycles
    assert c.complete and c.recovered and len(c.spots) == 9
    assert r.stats.recovered_cycles == 1


def test_lost_end_marker_costs_nothing():
    r = Rig()
    for m in full_cycle(1, end=False) + full_cycle(2):
        r.feed(m)
    assert [c.complete for c in r.cycles] == [True, True]
    assert [c.closed_by for c in r.cycles] == ["count", "count"]


def test_lost_message_is_a_gap_with_its_sequence_number():
    r = Rig()
    for m in full_cycle(1, count=4, skip=(2,)):
        r.feed(m)
    (c,) = r.cycles
    assert not c.complete and c.missing_seqs == [2] and c.closed_by == "end"
    assert r.stats.gaps == 1 and r.stats.incomplete_cycles == 1


def test_lost_message_and_lost_end_marker_close_when_the_next_cycle_starts():
    r = Rig()
    for m in full_cycle(1, count=4, skip=(3,), end=False) + full_cycle(2):
        r.feed(m)
    assert [(c.cycle_id, c.complete, c.closed_by) for c in r.cycles] == [(1, False, "next"), (2, True, "count")]
    assert r.stats.gaps == 1


def test_next_cycle_data_without_any_marker_closes_the_previous_one():
    r = Rig()
    msgs = full_cycle(1, count=3, skip=(2,), end=False) + full_cycle(2, start=False)
    for m in msgs:
        r.feed(m)
    assert [(c.cycle_id, c.closed_by, c.recovered) for c in r.cycles] == [(1, "next", False), (2, "count", True)]


def test_skipped_cycle_ids_count_as_lost_cycles():
    r = Rig()
    for m in full_cycle(1) + full_cycle(4):
        r.feed(m)
    assert r.stats.lost_cycles == 2


def test_publisher_restart_is_detected_and_numbering_restarts():
    r = Rig()
    for m in full_cycle(5, session=1) + full_cycle(1, session=2):
        r.feed(m)
    assert r.stats.publisher_restarts == 1
    assert r.stats.lost_cycles == 0 and all(c.complete for c in r.cycles)


def test_duplicate_and_late_messages_are_counted_not_double_counted():
    r = Rig()
    msgs = full_cycle(1)
    for m in msgs[:2] + [msgs[1]] + msgs[2:] + [msgs[1]]:
        r.feed(m)
    (c,) = r.cycles
    assert len(c.spots) == 9 and c.complete
    assert r.stats.duplicate_messages == 1 and r.stats.late_messages == 1


def test_timeout_closes_a_cycle_that_went_silent():
    r = Rig(timeout_s=2.0)
    for m in full_cycle(1, count=3, skip=(1, 2), end=False):
        r.feed(m)
    r.asm.check_timeout(r.t + 1_000_000)
    assert r.cycles == []
    r.asm.check_timeout(r.t + 3_000_000)
    (c,) = r.cycles
    assert c.closed_by == "timeout" and c.missing_seqs == [1, 2]


def test_hikyuu_producer_without_extension_fields_uses_the_markers():
    r = Rig()
    msgs = [START_MARKER, SPOT_TOPIC + build_spotlist(make_spots(4)), SPOT_TOPIC + build_spotlist(make_spots(2)),
            END_MARKER]
    for m in msgs:
        r.feed(m)
    (c,) = r.cycles
    assert c.complete and len(c.spots) == 6 and c.msg_count is None and c.closed_by == "end"


def test_garbage_on_the_topic_is_counted_and_the_cycle_survives():
    r = Rig()
    msgs = full_cycle(1)
    msgs.insert(2, SPOT_TOPIC + b"not a flatbuffer at all")
    for m in msgs:
        r.feed(m)
    assert r.cycles[0].complete
    assert sum(r.stats.decode_errors.values()) == 1


def test_heartbeat_roundtrip_and_lost_whole_cycles():
    hb = Heartbeat(7, 3, 123, 1.0)
    assert decode_heartbeat(encode_heartbeat(hb)) == hb
    r = Rig()
    for m in full_cycle(1):
        r.feed(m)
    r.feed(encode_heartbeat(Heartbeat(7, 3, 0, 1.0)))  # cycles 2 and 3 never arrived at all
    assert r.stats.heartbeats == 1 and r.stats.lost_cycles == 2


def test_callback_errors_are_counted_and_do_not_stop_the_machine():
    stats = SubscriberStats()

    def boom(_):
        raise RuntimeError("user bug")

    asm = CycleAssembler(boom, boom, stats)
    for i, m in enumerate(full_cycle(1) + full_cycle(2)):
        asm.feed(m, i)
    assert stats.cycles == 2 and stats.callback_errors == 8


@pytest.mark.parametrize("seed", [1, 2])
def test_cycle_spots_are_the_concatenated_batches(seed):
    r = Rig()
    msgs = [START_MARKER] + [data(1, s, 2, seed=seed + s) for s in range(2)] + [END_MARKER]
    for m in msgs:
        r.feed(m)
    expected = np.concatenate([make_spots(3, seed=seed), make_spots(3, seed=seed + 1)])
    np.testing.assert_array_equal(r.cycles[0].spots, expected)
