"""Hypothesis feeds random and mutated messages to the decoder and the receive state machine:
the only exception allowed out of the decoder is DecodeError, and nothing hangs or crashes."""

from __future__ import annotations

import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hikyuu_live.bus.framing import END_MARKER, SPOT_TOPIC, START_MARKER, CycleAssembler, SubscriberStats
from hikyuu_live.errors import DecodeError
from hikyuu_live.model.codec import MAX_SPOTS, BatchMeta, decode_spotlist, encode_spots
from hikyuu_live.model.codec_fast import decode_own, decode_own_many
from hikyuu_live.model.codec_read import decode_any
from hikyuu_live.model.flat.builder import build_spotlist
from hikyuu_live.model.spot import SPOT_DTYPE
from tests.spot_factory import make_spots

VALID = [
    encode_spots(make_spots(5, seed=1), BatchMeta(1, 1, 0, 1, "qq", 1)),
    encode_spots(make_spots(1, seed=2)),
    build_spotlist(make_spots(3, seed=3)),
    build_spotlist(make_spots(2, seed=4), BatchMeta(2, 3, 1, 2, "qmt", 9)),
]
# random exploration on developer machines; the same examples every time in CI, so that a landing does
# not depend on luck (anything found locally becomes an explicit regression test)
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                derandomize=os.environ.get("CI") == "true")


def _decode_or_reject(buf: bytes) -> None:
    try:
        out = decode_spotlist(buf)
    except DecodeError as e:
        assert e.reason
        return
    assert out.spots.dtype == SPOT_DTYPE
    assert not np.isnat(out.spots["datetime"]).any()


@FUZZ
@given(st.binary(max_size=2048))
def test_random_bytes_never_crash_the_decoder(data):
    _decode_or_reject(data)


@st.composite
def mutated(draw):
    buf = bytearray(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["flip", "set", "cut", "insert"]))
        if kind == "cut":
            buf = buf[: draw(st.integers(0, len(buf)))]
        elif not buf:
            break
        elif kind == "insert":
            pos = draw(st.integers(0, len(buf)))
            buf[pos:pos] = draw(st.binary(min_size=1, max_size=8))
        else:
            pos = draw(st.integers(0, len(buf) - 1))
            buf[pos] = draw(st.integers(0, 255)) if kind == "set" else buf[pos] ^ (1 << draw(st.integers(0, 7)))
    return bytes(buf)


@FUZZ
@given(mutated())
def test_mutated_messages_never_crash_the_decoder(buf):
    _decode_or_reject(buf)


def test_a_name_with_a_nul_byte_inside_is_decoded_alone():
    spots = make_spots(3, seed=8)
    buf = bytearray(encode_spots(spots))
    pos = buf.find("浦发银行".encode())
    assert pos > 0
    buf[pos + 3] = 0  # a NUL inside the first name: found by the fuzzer in CI
    out = decode_spotlist(bytes(buf))
    assert len(out.spots) == 3 and out.spots["code"].tolist() == spots["code"].tolist()


@FUZZ
@given(st.lists(st.one_of(
    st.sampled_from([START_MARKER, END_MARKER, b":hkl:hb:", b":hkl:hb:" + b"\0" * 32, b":spot:[start"]),
    mutated().map(lambda b: SPOT_TOPIC + b),
    st.binary(max_size=64),
), max_size=30))
def test_state_machine_survives_any_message_sequence(messages):
    stats = SubscriberStats()
    cycles = []
    asm = CycleAssembler(None, cycles.append, stats, cycle_timeout_s=1.0)
    for i, m in enumerate(messages):
        asm.feed(m, 1_000_000 * i)
    asm.check_timeout(10**12)
    assert stats.messages == len(messages)
    assert stats.cycles == len(cycles)
    assert all(c.spots.dtype == SPOT_DTYPE for c in cycles)


# --------------------------------------------------------------------------- the fast reader of our own layout

OURS = [encode_spots(make_spots(n, seed=n), BatchMeta(7, n, 0, 3, "qq", 5)) for n in (1, 2, 7, 60)] + [
    encode_spots(make_spots(4, seed=5, micro=False))]
MEMO: dict = {}  # shared across examples on purpose: a memo hit must give what a parse gives


def _same(fast, general) -> None:
    np.testing.assert_array_equal(fast.spots, general.spots)
    assert fast.meta == general.meta and fast.dropped == general.dropped


@st.composite
def our_messages(draw):
    n = draw(st.integers(1, 70))
    spots = make_spots(n, seed=draw(st.integers(0, 10**6)), micro=draw(st.booleans()))
    names = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x9FFF, blacklist_categories=["Cs"]),
                    max_size=16)
    spots["name"] = [draw(names) for _ in range(n)]
    meta = draw(st.one_of(st.none(), st.builds(BatchMeta, st.integers(1, 2**62), st.integers(1, 2**40),
                                               st.integers(0, 5), st.integers(6, 9), st.text(max_size=20),
                                               st.integers(0, 2**62))))
    return encode_spots(spots, meta)


@FUZZ
@given(our_messages())
def test_fast_and_general_readers_agree_on_every_message_of_our_encoder(buf):
    fast = decode_own(buf, max_spots=MAX_SPOTS, memo=MEMO)
    assert fast is not None  # our encoder's layout is always recognised
    _same(fast, decode_any(buf, max_spots=MAX_SPOTS))


@st.composite
def mutated_ours(draw):
    buf = bytearray(draw(st.sampled_from(OURS)))
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(buf) - 1))
        kind = draw(st.sampled_from(["flip", "set", "cut"]))
        if kind == "cut":
            buf = buf[: draw(st.integers(0, len(buf)))]
            if not buf:
                break
        elif kind == "set":
            buf[pos] = draw(st.integers(0, 255))
        else:
            buf[pos] ^= 1 << draw(st.integers(0, 7))
    return bytes(buf)


@FUZZ
@given(mutated_ours())
def test_the_fast_reader_never_accepts_what_the_general_one_refuses_or_reads_differently(buf):
    """The fast reader returns None (the general one decides) or exactly what the general one returns."""
    if len(buf) < 12:
        return
    try:
        fast = decode_own(buf, max_spots=MAX_SPOTS, memo=MEMO)
    except Exception as e:  # noqa: BLE001 - the fast reader must never raise on anything
        raise AssertionError(f"the fast reader raised {e!r}") from e
    if fast is None:
        return
    try:
        general = decode_any(buf, max_spots=MAX_SPOTS)
    except DecodeError as e:
        raise AssertionError(f"fast reader accepted what the general one refuses ({e.reason})") from e
    _same(fast, general)


# --------------------------------------------------------------------------- messages received together


def _same_or_none(many, alone) -> None:
    assert (many is None) == (alone is None)
    if many is not None:
        _same(many, alone)


@st.composite
def bursts(draw):
    """Messages as they come off the socket together: runs of one shape (a burst of 60-spot messages, same
    name widths), other shapes between them, and now and then a mutated one."""
    out = []
    for _ in range(draw(st.integers(1, 6))):
        n = draw(st.sampled_from([1, 3, 60]))
        cycle = draw(st.integers(1, 2**40))
        for seq in range(draw(st.integers(1, 5))):
            spots = make_spots(n, seed=draw(st.integers(0, 10**6)), micro=draw(st.booleans()))
            buf = encode_spots(spots, BatchMeta(7, cycle, seq, 5, "qq", seq))
            if draw(st.integers(0, 9)) == 0:
                b = bytearray(buf)
                pos = draw(st.integers(0, len(b) - 1))
                b[pos] ^= 1 << draw(st.integers(0, 7))
                buf = bytes(b)
            out.append(buf)
    return out


@FUZZ
@given(bursts())
def test_messages_read_together_are_read_as_each_alone(bufs):
    """Every message of a run read together passes the checks it would pass alone and gives the same spots,
    metadata and drops; a message the fast reader refuses alone is refused together too."""
    many = decode_own_many(bufs, max_spots=MAX_SPOTS, memo=MEMO)
    assert len(many) == len(bufs)
    for together, buf in zip(many, bufs, strict=True):
        _same_or_none(together, decode_own(buf, max_spots=MAX_SPOTS, memo=MEMO))


def test_a_burst_of_one_shape_is_read_in_one_pass_and_a_bad_message_in_it_is_refused_alone():
    spots = make_spots(60 * 4, seed=11)
    bufs = [encode_spots(spots[60 * i:60 * (i + 1)], BatchMeta(3, 9, i, 4, "qq", i)) for i in range(4)]
    bad = bytearray(bufs[2])
    bad[len(bad) - 200] ^= 0xFF  # a number inside the last block: still a sound message
    bad_soffset = bytearray(bufs[1])
    at = len(bad_soffset) - len(bad_soffset) // 60  # inside a block's table offset area: not our layout
    bad_soffset[at - (at % 4)] ^= 1
    for burst in (bufs, [bufs[0], bytes(bad_soffset), bytes(bad), bufs[3]]):
        many = decode_own_many(burst, max_spots=MAX_SPOTS)
        for got, buf in zip(many, burst, strict=True):
            _same_or_none(got, decode_own(buf, max_spots=MAX_SPOTS))
    got = decode_own_many(bufs, max_spots=MAX_SPOTS)
    np.testing.assert_array_equal(np.concatenate([g.spots for g in got]), spots)
    assert [g.meta.seq for g in got] == [0, 1, 2, 3]


def _run_machine(messages, chunks, *, together):
    """Feed ``messages`` chunk by chunk (a chunk: what one turn takes off the socket, stamped with one time),
    through ``feed_many`` or message by message through ``feed``; return everything the machine said."""
    stats = SubscriberStats()
    batches, cycles = [], []
    asm = CycleAssembler(batches.append, cycles.append, stats, cycle_timeout_s=1.0)
    at = 0
    for turn, size in enumerate(chunks, start=1):
        part = messages[at:at + size]
        at += size
        if together:
            asm.feed_many(list(part), turn * 400_000)
        else:
            for m in part:
                asm.feed(m, turn * 400_000)
    asm.check_timeout(10**12)
    return stats, batches, cycles


@FUZZ
@given(st.lists(st.one_of(
    st.sampled_from([START_MARKER, END_MARKER, b":hkl:hb:" + b"\0" * 32]),
    our_messages().map(lambda b: SPOT_TOPIC + b),
    mutated_ours().map(lambda b: SPOT_TOPIC + b),
    st.binary(max_size=64),
), max_size=30), st.lists(st.integers(1, 8), min_size=30, max_size=30))
def test_messages_fed_together_change_nothing_the_machine_says(messages, chunks):
    """What the receive thread takes off the socket together (``feed_many``) gives the same counters, the same
    batches in the same order and the same cycles as the same messages fed one by one."""
    one = _run_machine(messages, chunks, together=False)
    many = _run_machine(messages, chunks, together=True)
    assert one[0] == many[0]  # every counter
    assert [b.meta for b in one[1]] == [b.meta for b in many[1]]
    for a, b in zip(one[1], many[1], strict=True):
        np.testing.assert_array_equal(a.spots, b.spots)
        assert a.dropped == b.dropped
    assert [(c.cycle_id, c.received, c.complete, c.missing_seqs, c.closed_by) for c in one[2]] == \
        [(c.cycle_id, c.received, c.complete, c.missing_seqs, c.closed_by) for c in many[2]]


def test_a_bad_record_in_a_burst_fed_together_is_dropped_as_when_fed_one_by_one():
    """The one screening pass over a turn's messages must not let a bad record through: a NaN close in one
    message of a burst is dropped and counted as when the messages come one by one."""
    spots = make_spots(180, seed=21)
    spots["close"][130] = np.nan
    burst = [START_MARKER] + [SPOT_TOPIC + encode_spots(spots[60 * i:60 * (i + 1)], BatchMeta(5, 1, i, 3, "qq", i))
                              for i in range(3)] + [END_MARKER]
    one = _run_machine(burst, [len(burst)], together=False)
    many = _run_machine(burst, [len(burst)], together=True)
    assert many[0].dropped_spots == {"bad_price": 1} == one[0].dropped_spots
    assert sum(len(b.spots) for b in many[1]) == 179
