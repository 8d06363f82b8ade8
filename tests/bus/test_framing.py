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


# --------------------------------------------------------------------------- nothing a sender claims is trusted


def test_impossible_extension_fields_refuse_the_message_and_size_nothing():
    r = Rig()
    spots = make_spots(3)
    for meta, reason in ((BatchMeta(7, 1, 0, 4_000_000_000, "t", 1), "bad_msg_count"),
                         (BatchMeta(7, 1, 0, 0, "t", 1), "bad_msg_count"),
                         (BatchMeta(7, 1, 5, 5, "t", 1), "bad_seq"),
                         (BatchMeta(7, 2**62, 0, 1, "t", 1), "bad_cycle_id")):
        assert r.asm.feed(SPOT_TOPIC + encode_spots(spots, meta), r.t) is False
        assert r.stats.decode_errors[reason] >= 1
    assert r.batches == [] and r.stats.data_messages == 0
    for m in full_cycle(1):
        r.feed(m)
    assert [c.complete for c in r.cycles] == [True]


def test_a_stray_jump_is_held_then_dropped_and_the_session_goes_on():
    r = Rig()
    for m in full_cycle(1):
        r.feed(m)
    r.feed(data(1 + 2**20, 0, 3))  # cycle 1 with bit 20 flipped
    assert r.stats.held_messages == 1 and len(r.batches) == 3
    for m in full_cycle(2) + full_cycle(3):
        r.feed(m)
    assert [(c.cycle_id, c.complete) for c in r.cycles] == [(1, True), (2, True), (3, True)]
    assert r.stats.decode_errors == {"cycle_jump": 1}
    assert r.stats.lost_cycles == 0 and r.stats.late_messages == 0


def test_a_real_jump_is_confirmed_by_the_next_message_and_nothing_is_lost():
    """A publisher really moved on 5,000 cycles while this subscriber heard nothing: the first message of the
    new position is held, the second confirms it, and both are delivered in order."""
    r = Rig()
    for m in full_cycle(1):
        r.feed(m)
    for m in full_cycle(5002):
        r.feed(m)
    assert [(c.cycle_id, c.complete, len(c.spots)) for c in r.cycles] == [(1, True, 9), (5002, True, 9)]
    assert len(r.batches) == 6 and r.stats.decode_errors == {}
    assert r.stats.lost_cycles == 5000


def test_a_heartbeat_confirms_a_held_single_message_cycle():
    r = Rig()
    for m in full_cycle(1, count=1):
        r.feed(m)
    r.feed(data(3001, 0, 1))
    assert r.cycles[-1].cycle_id == 1
    r.feed(encode_heartbeat(Heartbeat(7, 3001, 0, 1.0)))
    assert [c.cycle_id for c in r.cycles] == [1, 3001]


def test_a_stray_session_cannot_reset_the_numbering_of_the_real_one():
    r = Rig()
    for m in full_cycle(1) + full_cycle(2):
        r.feed(m)
    r.feed(data(1, 0, 1, session=999))  # a stray sender with its own session
    for m in full_cycle(3):
        r.feed(m)
    assert [c.cycle_id for c in r.cycles if c.session_id == 7] == [1, 2, 3]
    assert r.stats.lost_cycles == 0


def test_a_session_begun_while_listening_reports_the_cycles_it_never_delivered():
    stats = SubscriberStats()
    cycles: list = []
    asm = CycleAssembler(None, cycles.append, stats, listening_since_us=1_000)
    session = 5_000_000  # a publisher that started (ns) after the subscriber (us)
    for i, m in enumerate(full_cycle(3, session=session)):
        asm.feed(m, 2_000 + i)
    assert [c.cycle_id for c in cycles] == [3] and stats.lost_cycles == 2
    joined = CycleAssembler(None, None, SubscriberStats(), listening_since_us=10**12)
    for i, m in enumerate(full_cycle(3, session=session)):  # a session already running when we joined
        joined.feed(m, 2_000 + i)
    assert joined.stats.lost_cycles == 0


def test_bad_records_are_dropped_from_batches_and_cycles_and_counted():
    r = Rig()
    spots = make_spots(6, seed=3)
    spots["close"][1] = np.nan
    spots["volume"][4] = -1
    r.feed(START_MARKER)
    r.feed(SPOT_TOPIC + encode_spots(spots, BatchMeta(7, 1, 0, 1, "t", 1)))
    good = spots[[0, 2, 3, 5]]
    np.testing.assert_array_equal(r.batches[0].spots, good)
    np.testing.assert_array_equal(r.cycles[0].spots, good)
    assert r.stats.dropped_spots == {"bad_price": 1, "bad_volume": 1} and r.stats.spots == 4
