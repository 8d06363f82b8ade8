"""Quote-bus framing: topics, markers, heartbeats and the receive state machine. No sockets here.

Hikyuu frames a poll cycle as ``:spot:[start spot]``, data messages ``:spot:`` + SpotList, then
``:spot:[end spot]``, over best-effort pub/sub. Its receiver drops everything until a start marker,
so one lost marker loses a whole cycle, and it cannot tell that a data message went missing.

``CycleAssembler`` keeps Hikyuu's marker semantics and adds what the extension fields of each
SpotList allow (``session_id``, ``cycle_id``, ``seq``, ``msg_count``):

- a cycle whose start marker was lost is *recovered* from its first data message;
- a cycle closes on its end marker, or as soon as all ``msg_count`` messages have arrived (so a lost
  end marker costs nothing), or when a message of a newer cycle arrives, or after a timeout;
- missing ``seq`` numbers are reported as gaps, skipped cycle ids as lost cycles, a new
  ``session_id`` as a publisher restart (and the cycles of the new session before the first one seen as
  lost: every session numbers its cycles from 1).

Nothing a sender claims is trusted (``hikyuu_live.bus.guard``): impossible ``msg_count``/``seq``/cycle
ids refuse the message, a cycle id that jumps implausibly far is held until a second message confirms
it, and bad spot records (``hikyuu_live.model.spot_check``) are dropped before any callback sees them;
all of it is counted by reason and logged at most once per ten seconds per reason.

Heartbeats and other extension messages use the ``:hkl:`` prefix, never ``:spot:``: Hikyuu's agent
subscribes by the ``:spot:`` prefix and would try to parse anything else under it.
"""

from __future__ import annotations

import logging
import struct
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from hikyuu_live.bus.guard import DEFAULT_MAX_CYCLE_JUMP, Held, LogThrottle, meta_problem
from hikyuu_live.errors import DecodeError
from hikyuu_live.model.codec import BatchMeta, DecodedBatch, decode_spotlist, decode_spotlists
from hikyuu_live.model.codec_fast import DatetimeMemo
from hikyuu_live.model.spot import SPOT_DTYPE, concat_spots
from hikyuu_live.model.spot_check import screen_spots

log = logging.getLogger(__name__)

SPOT_TOPIC = b":spot:"
START_MARKER = b":spot:[start spot]"
END_MARKER = b":spot:[end spot]"
EXT_TOPIC = b":hkl:"
HEARTBEAT_TOPIC = b":hkl:hb:"
_HEARTBEAT = struct.Struct("<QQqd")  # session_id, last cycle_id, send_time_us, heartbeat interval (s)


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """Sent by an idle publisher so subscribers can tell "quiet market" from "dead feed"."""

    session_id: int
    last_cycle_id: int
    send_time_us: int
    interval_s: float


def encode_heartbeat(hb: Heartbeat) -> bytes:
    return HEARTBEAT_TOPIC + _HEARTBEAT.pack(hb.session_id, hb.last_cycle_id, hb.send_time_us, hb.interval_s)


def decode_heartbeat(msg: bytes) -> Heartbeat:
    body = msg[len(HEARTBEAT_TOPIC):]
    if len(body) != _HEARTBEAT.size:
        raise DecodeError("bad_heartbeat", f"{len(body)} bytes")
    return Heartbeat(*_HEARTBEAT.unpack(body))


@dataclass(slots=True)
class CycleReport:
    """One finished cycle as the subscriber saw it.

    ``closed_by`` is ``"end"`` (end marker), ``"count"`` (all ``msg_count`` messages arrived),
    ``"next"`` (a newer cycle began first) or ``"timeout"``. ``latency_s`` runs from the send time of
    the cycle's first message to the moment the cycle closed (wall clocks of both hosts).
    """

    session_id: int
    cycle_id: int
    source: str
    spots: np.ndarray
    msg_count: int | None
    received: int
    missing_seqs: list[int]
    complete: bool
    recovered: bool
    closed_by: str
    first_send_us: int
    closed_us: int

    @property
    def latency_s(self) -> float:
        return (self.closed_us - self.first_send_us) / 1e6 if self.first_send_us else 0.0


@dataclass(slots=True)
class SubscriberStats:
    """Counters read by ``spot_listen``, the GUI monitor and metrics.

    ``decode_errors`` counts refused messages by reason (undecodable, impossible extension fields,
    ``cycle_jump``); ``dropped_spots`` counts refused records by reason (a bad market, code or datetime, and
    the bad records of ``hikyuu_live.model.spot_check``); ``receive_errors`` counts faults inside the receive
    loop itself (each logged with its traceback; receiving goes on).
    """

    messages: int = 0
    data_messages: int = 0
    spots: int = 0
    cycles: int = 0
    complete_cycles: int = 0
    incomplete_cycles: int = 0
    recovered_cycles: int = 0
    gaps: int = 0
    lost_cycles: int = 0
    late_messages: int = 0
    duplicate_messages: int = 0
    publisher_restarts: int = 0
    heartbeats: int = 0
    callback_errors: int = 0
    receive_errors: int = 0
    held_messages: int = 0
    decode_errors: Counter[str] = field(default_factory=Counter)
    dropped_spots: Counter[str] = field(default_factory=Counter)
    last_cycle_latency_s: float = 0.0
    last_cycle_spots: int = 0
    last_cycle_id: int = 0
    last_message_us: int = 0


@dataclass(slots=True)
class _OpenCycle:
    session_id: int
    cycle_id: int  # 0 until the first data message names it (or for Hikyuu's own producers)
    source: str = ""
    msg_count: int | None = None
    seqs: set[int] = field(default_factory=set)
    batches: list[np.ndarray] = field(default_factory=list)
    recovered: bool = False
    first_send_us: int = 0
    last_rx_us: int = 0


def _is_data(msg: bytes) -> bool:
    """A data message, as ``CycleAssembler.feed`` tells them from markers."""
    return msg.startswith(SPOT_TOPIC) and not msg.startswith(START_MARKER) and not msg.startswith(END_MARKER)


class CycleAssembler:
    """Turns raw bus messages into batches and cycles (see the module docstring).

    ``on_batch`` fires for every data message as it arrives; ``on_cycle`` once per cycle when it
    closes. Both run in the caller of ``feed``. ``now_us`` gives wall time in epoch microseconds.
    ``listening_since_us``: when this subscriber started listening; a session that began after it (its
    ``session_id`` is the publisher's start time in ns) had its cycles before the first one seen lost on
    the way, and they count as lost cycles. None: only restarts count them.
    """

    def __init__(
        self,
        on_batch: Callable[[DecodedBatch], None] | None,
        on_cycle: Callable[[CycleReport], None] | None,
        stats: SubscriberStats,
        *,
        cycle_timeout_s: float = 10.0,
        max_cycle_jump: int = DEFAULT_MAX_CYCLE_JUMP,
        listening_since_us: int | None = None,
    ) -> None:
        self._on_batch = on_batch
        self._on_cycle = on_cycle
        self.stats = stats
        self._timeout_us = int(cycle_timeout_s * 1e6)
        self.max_cycle_jump = max_cycle_jump
        self._since_us = listening_since_us
        self._open: _OpenCycle | None = None
        self._session = 0
        self._last_cycle = 0  # newest cycle id seen in this session
        self._sessions: dict[int, int] = {}  # recent sessions -> their newest cycle id (a stray cannot reset us)
        self._held: Held | None = None
        self._warn = LogThrottle(log)
        self._datetimes: DatetimeMemo = {}  # parsed datetime texts, bounded (model.codec_fast)

    # ------------------------------------------------------------------ input
    def feed(self, msg: bytes, now_us: int) -> bool:
        """Take one message; True when it was a sign of a live feed (a sound data message or heartbeat)."""
        st = self.stats
        st.messages += 1
        st.last_message_us = now_us
        if msg.startswith(START_MARKER):
            self._start_marker(now_us)
        elif msg.startswith(END_MARKER):
            if self._open is not None:
                self._close("end", now_us)
        elif msg.startswith(SPOT_TOPIC):
            return self._data(msg, now_us)
        elif msg.startswith(HEARTBEAT_TOPIC):
            return self._heartbeat(msg, now_us)
        return False

    def feed_many(self, msgs: list[bytes], now_us: int) -> bool:
        """Take messages received together, in order, as ``feed`` would one by one (the same state, counters and
        callbacks); their data messages are decoded first, together (``decode_spotlists``: a burst of one
        shape costs the reader's fixed cost once, not once per message). True when any was a sign of life."""
        data = [i for i, m in enumerate(msgs) if _is_data(m)]
        decoded = decode_spotlists([memoryview(msgs[i])[len(SPOT_TOPIC):] for i in data], memo=self._datetimes)
        ready = dict(zip(data, decoded, strict=True))
        good = [b.spots for b in decoded if isinstance(b, DecodedBatch) and len(b.spots)]
        # one screening pass over all of them when they are all good (the usual case); else message by message
        screened = len(good) > 1 and not screen_spots(concat_spots(good))[1]
        live = False
        for i, msg in enumerate(msgs):
            got = ready.get(i)
            if got is None:
                live = self.feed(msg, now_us) or live
                continue
            st = self.stats
            st.messages += 1
            st.last_message_us = now_us
            live = self._data(msg, now_us, got, screened=screened) or live
        return live

    def check_timeout(self, now_us: int) -> None:
        """Close a cycle that has heard nothing for ``cycle_timeout_s`` (its end marker and tail lost)."""
        cyc = self._open
        if cyc is not None and now_us - cyc.last_rx_us > self._timeout_us:
            self._close("timeout", now_us)

    # ------------------------------------------------------------------ handlers
    def _start_marker(self, now_us: int) -> None:
        if self._open is not None:
            self._close("next", now_us)
        self._open = _OpenCycle(session_id=0, cycle_id=0, last_rx_us=now_us)

    def _heartbeat(self, msg: bytes, now_us: int) -> bool:
        try:
            hb = decode_heartbeat(msg)
        except DecodeError as e:
            self.stats.decode_errors[e.reason] += 1
            return False
        self.stats.heartbeats += 1
        held = self._held
        if held is not None and held.corroborated_by(hb.session_id, hb.last_cycle_id):
            self._release(now_us)
        if hb.session_id != self._session or hb.last_cycle_id <= self._last_cycle or self._open is not None:
            return True
        if hb.last_cycle_id > self._last_cycle + self.max_cycle_jump:
            self._refuse("cycle_jump", "heartbeat claims cycle %d, session is at %d", hb.last_cycle_id,
                         self._last_cycle)
            return True
        # whole cycles (markers and data) vanished between two heartbeats
        self.stats.lost_cycles += hb.last_cycle_id - self._last_cycle
        self._last_cycle = hb.last_cycle_id
        return True

    def _data(self, msg: bytes, now_us: int, decoded: DecodedBatch | DecodeError | None = None, *,
              screened: bool = False) -> bool:
        st = self.stats
        try:
            if isinstance(decoded, DecodeError):
                raise decoded
            batch = decoded if decoded is not None else decode_spotlist(memoryview(msg)[len(SPOT_TOPIC):],
                                                                         memo=self._datetimes)
        except DecodeError as e:
            self._refuse(e.reason, "dropped a bad data message: %s", e)
            return False
        meta = batch.meta
        if meta is not None:
            problem = meta_problem(meta)
            if problem is not None:
                self._refuse(problem, "dropped a data message claiming msg_count=%d seq=%d cycle=%d", meta.msg_count,
                             meta.seq, meta.cycle_id)
                return False
            held = self._held
            if held is not None and held.corroborated_by(meta.session_id, meta.cycle_id):
                self._release(now_us)
            elif self._jumps(meta):
                if held is not None:
                    self._refuse("cycle_jump", "dropped a message of cycle %d (session at %d)", held.cycle_id,
                                 self._last_cycle)
                self._held = Held(batch, now_us)
                st.held_messages += 1
                return True
            elif held is not None and meta.session_id == held.session_id:
                self._held = None  # the session's numbering goes on: the held message was a stray
                self._refuse("cycle_jump", "dropped a message of cycle %d: session %x is at cycle %d",
                             held.cycle_id, meta.session_id, self._last_cycle)
        self._accept(batch, now_us, screened=screened)
        return True

    def _jumps(self, meta: BatchMeta) -> bool:
        """Is the cycle id implausibly far ahead of where this session (or a session begun since) stands?"""
        if meta.session_id == self._session:
            reference: int | None = self._last_cycle
        elif meta.session_id in self._sessions:
            reference = self._sessions[meta.session_id]
        elif self._session or self._began_while_listening(meta.session_id):
            reference = 0
        else:
            reference = None  # joined a running session: any cycle id is plausible
        return reference is not None and meta.cycle_id > reference + self.max_cycle_jump

    def _began_while_listening(self, session_id: int) -> bool:
        return self._since_us is not None and session_id // 1000 >= self._since_us

    def _release(self, now_us: int) -> None:
        held, self._held = self._held, None
        assert held is not None
        log.info("cycle ids of session %x jumped to %d (confirmed by a second message)", held.session_id,
                 held.cycle_id)
        self._accept(held.batch, now_us)

    def _refuse(self, reason: str, msg: str, *args: object) -> None:
        self.stats.decode_errors[reason] += 1
        self._warn.warning(reason, msg, *args)

    def _accept(self, batch: DecodedBatch, now_us: int, *, screened: bool = False) -> None:
        """Place a sound message; ``screened``: its spots already passed ``screen_spots`` (``feed_many``)."""
        st = self.stats
        spots, bad = (batch.spots, {}) if screened else screen_spots(batch.spots)
        if bad:
            batch.spots = spots
            for reason, count in bad.items():
                batch.dropped[reason] = batch.dropped.get(reason, 0) + count
            self._warn.warning("bad_spots", "dropped bad spot records: %s", bad)
        st.data_messages += 1
        st.spots += len(spots)
        for reason, count in batch.dropped.items():
            st.dropped_spots[reason] += count
        meta = batch.meta
        if meta is not None and not self._place(batch, now_us):
            self._emit_batch(batch)  # a late message of a closed cycle: its spots still count
            return
        if meta is None:  # Hikyuu's own producer: markers only
            if self._open is None:
                self._open = _OpenCycle(session_id=0, cycle_id=0, recovered=True, last_rx_us=now_us)
            self._open.batches.append(spots)
            self._open.last_rx_us = now_us
        self._emit_batch(batch)
        cyc = self._open
        if cyc is not None and cyc.msg_count is not None and len(cyc.seqs) >= cyc.msg_count:
            self._close("count", now_us)

    def _new_session(self, meta: BatchMeta) -> None:
        st = self.stats
        if self._session:
            self._sessions[self._session] = self._last_cycle
            while len(self._sessions) > 8:
                del self._sessions[next(iter(self._sessions))]
        known = self._sessions.pop(meta.session_id, None)
        if known is not None:  # back to a session seen before (a stray message came in between)
            self._session, self._last_cycle = meta.session_id, known
            return
        restarted = bool(self._session)
        if restarted:
            st.publisher_restarts += 1
            log.info("publisher restarted (session %x -> %x)", self._session, meta.session_id)
        self._session, self._last_cycle = meta.session_id, 0
        if (restarted or self._began_while_listening(meta.session_id)) and meta.cycle_id > 1:
            # every session numbers its cycles from 1: the ones before the first seen were lost on the way
            st.lost_cycles += meta.cycle_id - 1
            self._last_cycle = meta.cycle_id - 1
            log.warning("session %x: cycles 1..%d never arrived", meta.session_id, meta.cycle_id - 1)

    def _place(self, batch: DecodedBatch, now_us: int) -> bool:
        """Put a message with extension fields into its cycle; False if it belongs to a closed one."""
        meta = batch.meta
        assert meta is not None
        st = self.stats
        if meta.session_id != self._session:
            self._new_session(meta)
        if meta.cycle_id < self._last_cycle or (
            meta.cycle_id == self._last_cycle and (self._open is None or self._open.cycle_id != meta.cycle_id)
        ):
            st.late_messages += 1
            return False
        cyc = self._open
        if cyc is not None and cyc.cycle_id and (cyc.session_id, cyc.cycle_id) != (meta.session_id, meta.cycle_id):
            self._close("next", now_us)
            cyc = None
        if cyc is None:
            cyc = self._open = _OpenCycle(session_id=0, cycle_id=0, recovered=True)
        if not cyc.cycle_id:
            if self._last_cycle and meta.cycle_id > self._last_cycle + 1:
                st.lost_cycles += meta.cycle_id - self._last_cycle - 1
            cyc.session_id, cyc.cycle_id = meta.session_id, meta.cycle_id
            cyc.source, cyc.msg_count, cyc.first_send_us = meta.source, meta.msg_count, meta.send_time_us
            self._last_cycle = meta.cycle_id
        if meta.seq in cyc.seqs:
            st.duplicate_messages += 1
            return True
        cyc.seqs.add(meta.seq)
        cyc.batches.append(batch.spots)
        cyc.last_rx_us = now_us
        cyc.first_send_us = min(cyc.first_send_us, meta.send_time_us) or meta.send_time_us
        return True

    def _emit_batch(self, batch: DecodedBatch) -> None:
        if self._on_batch is None:
            return
        try:
            self._on_batch(batch)
        except Exception:
            self.stats.callback_errors += 1
            log.exception("on_batch callback failed")

    def _close(self, closed_by: str, now_us: int) -> None:
        cyc, self._open = self._open, None
        assert cyc is not None
        st = self.stats
        if cyc.msg_count is not None:  # bounded by MAX_MSG_COUNT, and seqs by msg_count
            missing = [s for s in range(cyc.msg_count) if s not in cyc.seqs] if len(cyc.seqs) < cyc.msg_count else []
            complete = not missing
        else:  # Hikyuu's producers: complete when framed by both markers
            missing = []
            complete = closed_by == "end" and not cyc.recovered
        spots = concat_spots(cyc.batches) if cyc.batches else np.zeros(0, dtype=SPOT_DTYPE)
        report = CycleReport(
            session_id=cyc.session_id, cycle_id=cyc.cycle_id, source=cyc.source, spots=spots,
            msg_count=cyc.msg_count, received=len(cyc.seqs) or len(cyc.batches), missing_seqs=missing,
            complete=complete, recovered=cyc.recovered, closed_by=closed_by, first_send_us=cyc.first_send_us,
            closed_us=now_us,
        )
        st.cycles += 1
        st.gaps += len(missing)
        st.recovered_cycles += cyc.recovered
        if complete:
            st.complete_cycles += 1
        else:
            st.incomplete_cycles += 1
            log.warning("cycle %s closed by %s incomplete: %d of %s messages, missing seqs %s",
                        cyc.cycle_id, closed_by, report.received, cyc.msg_count, missing[:20])
        st.last_cycle_latency_s = report.latency_s
        st.last_cycle_spots = len(spots)
        st.last_cycle_id = cyc.cycle_id
        if self._on_cycle is not None:
            try:
                self._on_cycle(report)
            except Exception:
                st.callback_errors += 1
                log.exception("on_cycle callback failed")
