"""The quote publisher: one NNG pub socket listening on IPC and/or TCP addresses.

Unlike the original collector (module-level sockets, a fixed IPC path, nng's default 16-message
send queue that lost most of a burst), each publisher owns its socket, listens where it is told,
sets the send queue to the maximum nng accepts, numbers every message, and says it is alive with a
heartbeat when it has nothing else to send.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from types import TracebackType

import numpy as np
import pynng

from hikyuu_live.bus.allow import AllowList, PipeGuard
from hikyuu_live.bus.framing import END_MARKER, SPOT_TOPIC, START_MARKER, Heartbeat, encode_heartbeat
from hikyuu_live.errors import BusBroken, BusClosed
from hikyuu_live.model.codec import BatchMeta, encode_spots
from hikyuu_live.model.spot import SPOT_DTYPE
from hikyuu_live.model.state import State

log = logging.getLogger(__name__)

#: nng refuses larger queue sizes.
MAX_BUFFER_MSGS = 8192


@dataclass(slots=True)
class PublisherStats:
    cycles: int = 0
    abandoned_cycles: int = 0
    messages: int = 0
    spots: int = 0
    heartbeats: int = 0
    bytes: int = 0
    last_cycle_s: float = 0.0
    last_cycle_spots: int = 0
    last_cycle_end_us: int = 0


def _now_us() -> int:
    return time.time_ns() // 1000


class CycleWriter:
    """One framed cycle in progress. ``send`` may be called from several threads at once.

    ``close`` sends empty messages for sequence numbers that were never sent (a source batch that
    failed), so that subscribers count only real bus losses as gaps, then the end marker.
    ``abandon`` ends the cycle without an end marker and logs why; subscribers close it as
    incomplete.
    """

    def __init__(self, pub: QuotePublisher, cycle_id: int, msg_count: int) -> None:
        self._pub = pub
        self.cycle_id = cycle_id
        self.msg_count = msg_count
        self._next_seq = 0
        self._lock = threading.Lock()
        self._done = False
        self._t0 = time.perf_counter()
        self.spots = 0
        pub._send(START_MARKER)

    def _take_seq(self) -> int:
        with self._lock:
            if self._done:
                raise BusClosed(f"cycle {self.cycle_id} is already finished")
            if self._next_seq >= self.msg_count:
                raise ValueError(f"cycle {self.cycle_id} announced {self.msg_count} messages; one more was sent")
            seq = self._next_seq
            self._next_seq += 1
            return seq

    def send(self, spots: np.ndarray) -> None:
        """Encode and publish one batch as the next message of this cycle."""
        seq = self._take_seq()
        meta = BatchMeta(session_id=self._pub.session_id, cycle_id=self.cycle_id, seq=seq,
                         msg_count=self.msg_count, source=self._pub.source, send_time_us=_now_us())
        self._pub._send(encode_spots(spots, meta, prefix=SPOT_TOPIC), spots=len(spots))
        with self._lock:
            self.spots += len(spots)

    def close(self) -> None:
        empty = np.zeros(0, dtype=SPOT_DTYPE)
        while True:
            with self._lock:
                if self._done or self._next_seq >= self.msg_count:
                    break
            self.send(empty)
        with self._lock:
            if self._done:
                return
            self._done = True
        self._pub._send(END_MARKER)
        self._pub._cycle_finished(self, time.perf_counter() - self._t0, abandoned=False)

    def abandon(self, reason: str) -> None:
        with self._lock:
            if self._done:
                return
            self._done = True
        log.warning("cycle %d abandoned after %d of %d messages: %s", self.cycle_id, self._next_seq,
                    self.msg_count, reason)
        self._pub._cycle_finished(self, time.perf_counter() - self._t0, abandoned=True)

    def __enter__(self) -> CycleWriter:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        if et is None:
            self.close()
        else:
            self.abandon(f"{et.__name__}: {ev}")


class QuotePublisher:
    """Publishes framed spot cycles; see ``docs/architecture.md`` for the wire contract."""

    def __init__(
        self,
        addresses: list[str],
        *,
        source: str,
        batch_size: int = 500,
        heartbeat_interval_s: float = 1.0,
        send_buffer_msgs: int = MAX_BUFFER_MSGS,
        allow: AllowList | None = None,
    ) -> None:
        if not addresses:
            raise ValueError("a publisher needs at least one address to listen on")
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        if not 1 <= send_buffer_msgs <= MAX_BUFFER_MSGS:
            raise ValueError(f"send_buffer_msgs must be within 1..{MAX_BUFFER_MSGS}")
        self.addresses = list(addresses)
        self.source = source
        self.batch_size = batch_size
        self.heartbeat_interval_s = heartbeat_interval_s
        self.send_buffer_msgs = send_buffer_msgs
        self.guard = PipeGuard(allow, "quote bus")  # who may subscribe over TCP (None: everyone)
        # changes with every run, so subscribers can tell a restart from lost cycles
        self.session_id = time.time_ns() & 0x7FFF_FFFF_FFFF_FFFF
        self.stats = PublisherStats()
        self.state = State.NEW
        self._sock: pynng.Pub0 | None = None
        self._cycle_id = 0
        self._lock = threading.Lock()
        self._stats_lock = threading.Lock()  # ``stats`` is written by every thread that sends
        self._last_send = 0.0
        self._stop = threading.Event()
        self._hb_thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> QuotePublisher:
        if self.state is State.RUNNING:
            return self
        if self.state is State.CLOSED:
            raise BusClosed("publisher was closed")
        sock = pynng.Pub0(send_buffer_size=self.send_buffer_msgs)
        self.guard.install(sock)
        try:
            for addr in self.addresses:
                try:
                    sock.listen(addr)
                except pynng.NNGException as e:
                    raise BusBroken(f"cannot listen on {addr}: {e} (another collector running there?)") from e
        except BaseException:
            sock.close()
            raise
        self._sock = sock
        self.state = State.RUNNING
        self._last_send = time.monotonic()
        if self.heartbeat_interval_s > 0:
            self._hb_thread = threading.Thread(target=self._heartbeat_loop, name="bus-heartbeat", daemon=True)
            self._hb_thread.start()
        log.info("publishing on %s (session %x)", ", ".join(self.addresses), self.session_id)
        return self

    def close(self) -> None:
        if self.state is State.CLOSED:
            return
        self._stop.set()
        if self._hb_thread is not None:
            self._hb_thread.join(timeout=5)
        if self._sock is not None:
            self._sock.close()
        self.state = State.CLOSED

    def __enter__(self) -> QuotePublisher:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ publishing
    def open_cycle(self, msg_count: int) -> CycleWriter:
        """Start a cycle that will carry exactly ``msg_count`` data messages."""
        if msg_count < 0:
            raise ValueError("msg_count must be >= 0")
        with self._lock:
            self._cycle_id += 1
            cycle_id = self._cycle_id
        return CycleWriter(self, cycle_id, msg_count)

    def publish_cycle(self, spots: np.ndarray) -> int:
        """Publish a whole cycle in batches of ``batch_size``; returns the number of data messages."""
        count = math.ceil(len(spots) / self.batch_size)
        with self.open_cycle(count) as cyc:
            for i in range(count):
                cyc.send(spots[i * self.batch_size : (i + 1) * self.batch_size])
        return count

    @property
    def last_cycle_id(self) -> int:
        return self._cycle_id

    @property
    def subscriber_count(self) -> int:
        """Connected subscriber pipes right now (0 when closed)."""
        sock = self._sock
        return len(sock.pipes) if sock is not None and self.state is State.RUNNING else 0

    def wait_for_subscribers(self, count: int = 1, timeout_s: float = 10.0) -> bool:
        """Block until ``count`` subscribers are connected (pub/sub drops what is sent before that)."""
        deadline = time.monotonic() + timeout_s
        while self.subscriber_count < count:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    # ------------------------------------------------------------------ internals
    def _send(self, msg: bytes, spots: int = 0) -> None:
        sock = self._sock
        if sock is None or self.state is not State.RUNNING:
            raise BusClosed("publisher is not running")
        try:
            sock.send(msg)
        except pynng.Closed as e:
            raise BusClosed("publisher socket closed") from e
        except pynng.NNGException as e:
            raise BusBroken(str(e)) from e
        self._last_send = time.monotonic()
        with self._stats_lock:  # sent from the source's worker threads at once: no lost counts
            st = self.stats
            st.messages += 1
            st.bytes += len(msg)
            st.spots += spots

    def _cycle_finished(self, cyc: CycleWriter, seconds: float, abandoned: bool) -> None:
        with self._stats_lock:
            st = self.stats
            if abandoned:
                st.abandoned_cycles += 1
                return
            st.cycles += 1
            st.last_cycle_s = seconds
            st.last_cycle_spots = cyc.spots
            st.last_cycle_end_us = _now_us()
        log.debug("cycle=%d messages=%d spots=%d seconds=%.4f", cyc.cycle_id, cyc.msg_count, cyc.spots, seconds)

    def _heartbeat_loop(self) -> None:
        interval = self.heartbeat_interval_s
        while not self._stop.wait(min(interval, 0.2)):
            if time.monotonic() - self._last_send < interval:
                continue
            hb = Heartbeat(self.session_id, self._cycle_id, _now_us(), interval)
            try:
                self._send(encode_heartbeat(hb))
                with self._stats_lock:
                    self.stats.heartbeats += 1
            except BusClosed:
                return
            except Exception:
                log.exception("heartbeat failed")
