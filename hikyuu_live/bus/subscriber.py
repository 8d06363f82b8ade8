"""The subscriber API for strategy processes (the role of Hikyuu's ``SpotAgent``).

It dials the publisher without blocking (nng keeps redialling until a publisher listens and after
it restarts, so a strategy may start before its collector), runs the framing state machine on its
own receive thread, and hands out:

- ``on_batch(DecodedBatch)``: every data message, right after it is decoded (cheapest; arrays);
- ``on_spot(Spot)``: every spot of every data message, after ``on_batch`` (convenient, about
  10 µs per spot of Python overhead: prefer ``on_batch``/``on_cycle`` for the full market);
- ``on_cycle(CycleReport)``: once per cycle, when it closes (end marker, all messages received,
  next cycle begun, or timeout), with all of the cycle's spots.

Each turn of the receive thread takes every message that has arrived (up to ``DRAIN_MAX``) and decodes the
data messages among them together (``CycleAssembler.feed_many``): a burst of 60-spot messages pays the
decoder's fixed cost once per turn, not once per message. Callbacks still see message after message.

All callbacks run on the receive thread, one at a time, in arrival order; an exception in a callback
is logged and counted and never stops the subscriber. ``latest()`` returns the newest spot of every
code seen so far, for late joiners.

Nothing from the wire is trusted: the socket refuses messages above ``max_message_bytes`` before they are
buffered (64 MB by default, a full market is about 2.5 MB), the framing refuses impossible claims and bad
records (``hikyuu_live.bus.framing``), and the receive loop is supervised: a fault inside it is logged with
its traceback and counted in ``stats.receive_errors``, and receiving goes on. The feed counts as alive only
while it delivers (a sound data message or heartbeat): junk keeps nobody fresh, and ``is_stale`` turns true.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import numpy as np
import pynng

from hikyuu_live.bus.framing import EXT_TOPIC, SPOT_TOPIC, CycleAssembler, CycleReport, SubscriberStats
from hikyuu_live.bus.guard import DEFAULT_MAX_CYCLE_JUMP
from hikyuu_live.bus.publisher import MAX_BUFFER_MSGS
from hikyuu_live.errors import BusBroken, BusClosed
from hikyuu_live.model.codec import MAX_MESSAGE_BYTES, DecodedBatch
from hikyuu_live.model.spot import SPOT_DTYPE, Spot, market_codes, spot_from_row
from hikyuu_live.model.state import State

log = logging.getLogger(__name__)

#: messages read off the socket in one turn: what arrived while the last ones were handled, decoded together
#: (a 6,000-spot burst is 100 messages; more than this wait for the next turn, nothing is dropped)
DRAIN_MAX = 256


def _now_us() -> int:
    return time.time_ns() // 1000


class SpotSubscriber:
    """Subscribe to a quote bus address; see the module docstring for callbacks and threads."""

    def __init__(
        self,
        address: str,
        *,
        on_batch: Callable[[DecodedBatch], None] | None = None,
        on_spot: Callable[[Spot], None] | None = None,
        on_cycle: Callable[[CycleReport], None] | None = None,
        stale_after_s: float = 5.0,
        cycle_timeout_s: float = 10.0,
        recv_buffer_msgs: int = MAX_BUFFER_MSGS,
        reconnect_min_ms: int = 100,
        reconnect_max_ms: int = 2000,
        keep_latest: bool = True,
        max_message_bytes: int = MAX_MESSAGE_BYTES,
        max_cycle_jump: int = DEFAULT_MAX_CYCLE_JUMP,
    ) -> None:
        if max_message_bytes < 1:
            raise ValueError("max_message_bytes must be >= 1")
        self.address = address
        self._on_batch_user = on_batch
        self._on_spot = on_spot
        self.stale_after_s = stale_after_s
        self.recv_buffer_msgs = recv_buffer_msgs
        self.reconnect_min_ms = reconnect_min_ms
        self.reconnect_max_ms = reconnect_max_ms
        self.keep_latest = keep_latest
        self.max_message_bytes = max_message_bytes
        self.stats = SubscriberStats()
        self.state = State.NEW
        self._on_cycle = on_cycle
        self._cycle_timeout_s = cycle_timeout_s
        self._max_cycle_jump = max_cycle_jump
        self._assembler = self._make_assembler(None)
        self._sock: pynng.Sub0 | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._started_mono = 0.0
        self._last_rx_mono = 0.0
        self._stale_logged = False
        self._latest_lock = threading.Lock()
        self._latest = np.zeros(1024, dtype=SPOT_DTYPE)  # rows 0..len(_index)-1 are in use
        self._index: dict[str, int] = {}  # market+code -> row of _latest

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> SpotSubscriber:
        if self.state is State.RUNNING:
            return self
        if self.state is State.CLOSED:
            raise BusClosed("subscriber was stopped")
        sock = pynng.Sub0(
            recv_buffer_size=self.recv_buffer_msgs,
            recv_timeout=100,
            recv_max_size=self.max_message_bytes,  # set before dialing: applies to every pipe
            reconnect_time_min=self.reconnect_min_ms,
            reconnect_time_max=self.reconnect_max_ms,
        )
        sock.subscribe(SPOT_TOPIC)
        sock.subscribe(EXT_TOPIC)
        try:
            sock.dial(self.address, block=False)
        except pynng.NNGException as e:
            sock.close()
            raise BusBroken(f"cannot dial {self.address}: {e}") from e
        self._sock = sock
        self.state = State.RUNNING
        self._started_mono = self._last_rx_mono = time.monotonic()
        self._assembler = self._make_assembler(_now_us())
        self._thread = threading.Thread(target=self._run, name=f"spot-sub {self.address}", daemon=True)
        self._thread.start()
        log.info("subscribed to %s", self.address)
        return self

    def stop(self) -> None:
        if self.state is not State.RUNNING:
            self.state = State.CLOSED
            return
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        if self._sock is not None:
            self._sock.close()
        self.state = State.CLOSED

    close = stop

    def __enter__(self) -> SpotSubscriber:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ status
    @property
    def is_running(self) -> bool:
        return self.state is State.RUNNING

    @property
    def is_connected(self) -> bool:
        """True while a pipe to a publisher is up."""
        sock = self._sock
        return bool(sock is not None and self.state is State.RUNNING and sock.pipes)

    @property
    def is_stale(self) -> bool:
        """Nothing delivered (no sound data message, no heartbeat) for ``stale_after_s``, or never since start."""
        return self.state is State.RUNNING and time.monotonic() - self._last_rx_mono > self.stale_after_s

    @property
    def seconds_since_last_message(self) -> float:
        return time.monotonic() - self._last_rx_mono

    def latest(self) -> np.ndarray:
        """The newest spot of every ``market+code`` received so far (a copy)."""
        with self._latest_lock:
            return self._latest[: len(self._index)].copy()

    # ------------------------------------------------------------------ internals
    def _make_assembler(self, since_us: int | None) -> CycleAssembler:
        return CycleAssembler(self._handle_batch, self._on_cycle, self.stats, cycle_timeout_s=self._cycle_timeout_s,
                              max_cycle_jump=self._max_cycle_jump, listening_since_us=since_us)

    def _remember(self, spots: np.ndarray) -> None:
        """Keep the newest row per code: a dict lookup per spot (about 0.2 µs), no per-cycle sort."""
        index = self._index
        rows = [index.setdefault(k, len(index)) for k in market_codes(spots).tolist()]
        if len(index) > len(self._latest):
            grown = np.zeros(max(len(index), 2 * len(self._latest)), dtype=SPOT_DTYPE)
            grown[: len(self._latest)] = self._latest
            self._latest = grown
        if len(set(rows)) == len(rows):
            self._latest[rows] = spots
        else:  # a code twice in one batch: numpy does not promise which duplicate wins, so go in order
            for row, spot in zip(rows, spots, strict=True):
                self._latest[row] = spot

    def _handle_batch(self, batch: DecodedBatch) -> None:
        if self.keep_latest and len(batch.spots):
            with self._latest_lock:
                self._remember(batch.spots)
        if self._on_batch_user is not None:
            self._on_batch_user(batch)
        if self._on_spot is not None:
            for row in batch.spots:
                try:
                    self._on_spot(spot_from_row(row))
                except Exception:
                    self.stats.callback_errors += 1
                    log.exception("on_spot callback failed")

    def _run(self) -> None:
        """The receive loop, supervised: whatever goes wrong in one turn is logged and counted, never fatal."""
        while not self._stop.is_set():
            try:
                if not self._receive_once():
                    break
            except Exception:  # the loop must survive anything a peer sends and any bug of ours
                self.stats.receive_errors += 1
                log.exception("receive loop fault on %s (receiving goes on)", self.address)
                time.sleep(0.01)

    def _receive_once(self) -> bool:
        """One receive (or idle) turn; False when the socket is closed."""
        sock = self._sock
        assert sock is not None
        try:
            msg = sock.recv()
        except pynng.Timeout:
            self._idle()
            return True
        except pynng.Closed:
            return False
        except pynng.NNGException:
            log.exception("receive failed on %s", self.address)
            time.sleep(0.1)
            return True
        msgs = [msg]
        while len(msgs) < DRAIN_MAX:  # what else has arrived meanwhile is read together (one decode pass)
            try:
                msgs.append(sock.recv(block=False))
            except pynng.TryAgain:
                break
            except pynng.NNGException:
                break  # closed or failing: the next turn's blocking receive says which
        if self._assembler.feed_many(msgs, _now_us()):
            self._last_rx_mono = time.monotonic()
            if self._stale_logged:
                log.info("feed on %s is live again", self.address)
                self._stale_logged = False
        else:
            self._idle()  # junk arriving all the time must not hide a feed that delivers nothing
        return True

    def _idle(self) -> None:
        self._assembler.check_timeout(_now_us())
        if self.is_stale and not self._stale_logged:
            self._stale_logged = True
            log.warning("feed on %s is stale: nothing delivered for %.1f s (no data, no heartbeat)",
                        self.address, self.seconds_since_last_message)
