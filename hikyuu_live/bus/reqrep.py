"""NNG request/reply: a replier with ``n`` worker contexts, and a requester with timeouts.

The bus is the only pynng importer, so the data server's transport lives here and knows nothing of
its protocol: ``RequestServer`` hands each request body to a ``handler(bytes) -> bytes`` and sends
back what it returns. Each worker owns an nng *context* of one Rep0 socket, so ``n`` requests are
answered concurrently and a slow one (a large answer) never holds up the others' receives.

A replier must answer every request: if the handler raises, ``on_error(exc)`` builds the answer, and
if that fails too the worker logs and goes on. Bodies larger than ``recv_max_bytes`` are dropped by
nng itself, which closes that client's connection without an answer: set it well above the largest
request the handler accepts so that oversized requests are refused *by the handler* with an error
code, and nng's limit only guards memory.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import pynng

from hikyuu_live.errors import BusBroken, BusClosed, BusTimeout
from hikyuu_live.model.state import State

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ServerStats:
    """Counters of a ``RequestServer`` (read by the data server's ``status`` command)."""

    requests: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    handler_errors: int = 0
    send_errors: int = 0
    connections: int = 0  # pipes ever connected
    busy_workers: int = 0


class RequestServer:
    """Answer requests on ``address`` with ``workers`` concurrent nng contexts."""

    def __init__(
        self,
        address: str,
        handler: Callable[[bytes], bytes],
        *,
        workers: int = 2,
        recv_max_bytes: int = 16 * 1024 * 1024,
        on_error: Callable[[BaseException], bytes] | None = None,
        name: str = "rep",
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be >= 1")
        if recv_max_bytes < 1:
            raise ValueError("recv_max_bytes must be >= 1")
        self.address = address
        self.workers = workers
        self.recv_max_bytes = recv_max_bytes
        self.name = name
        self.stats = ServerStats()
        self.state = State.NEW
        self._handler = handler
        self._on_error = on_error
        self._sock: pynng.Rep0 | None = None
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> RequestServer:
        if self.state is State.RUNNING:
            return self
        if self.state is State.CLOSED:
            raise BusClosed("request server was closed")
        sock = pynng.Rep0(recv_max_size=self.recv_max_bytes)
        sock.add_post_pipe_connect_cb(self._pipe_connected)
        try:
            sock.listen(self.address)
        except pynng.NNGException as e:
            sock.close()
            raise BusBroken(f"cannot listen on {self.address}: {e} (another server running there?)") from e
        self._sock = sock
        self.state = State.RUNNING
        for i in range(self.workers):
            ctx = sock.new_context()
            t = threading.Thread(target=self._work, args=(ctx,), name=f"{self.name}-worker-{i}", daemon=True)
            self._threads.append(t)
            t.start()
        log.info("answering requests on %s with %d workers", self.address, self.workers)
        return self

    def close(self) -> None:
        if self.state is not State.RUNNING:
            self.state = State.CLOSED
            return
        self.state = State.CLOSED
        if self._sock is not None:
            self._sock.close()  # every blocked ctx.recv() raises Closed
        for t in self._threads:
            if t is not threading.current_thread():
                t.join(timeout=5)

    def __enter__(self) -> RequestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def clients(self) -> int:
        """Client connections (nng pipes) open right now."""
        sock = self._sock
        return len(sock.pipes) if sock is not None and self.state is State.RUNNING else 0

    # ------------------------------------------------------------------ internals
    def _pipe_connected(self, _pipe: pynng.Pipe) -> None:
        with self._lock:
            self.stats.connections += 1

    def _answer(self, body: bytes) -> bytes | None:
        try:
            return self._handler(body)
        except Exception as e:  # the handler should not raise; if it does, still answer
            with self._lock:  # counters are written by every worker thread
                self.stats.handler_errors += 1
            log.exception("request handler failed")
            if self._on_error is None:
                return None
            try:
                return self._on_error(e)
            except Exception:
                log.exception("on_error failed")
                return None

    def _work(self, ctx: pynng.Context) -> None:
        st = self.stats
        while True:
            try:
                body = ctx.recv()
            except pynng.Closed:
                break
            except pynng.NNGException as e:
                log.warning("receive failed on %s: %s", self.address, e)
                time.sleep(0.01)
                continue
            with self._lock:
                st.requests += 1
                st.bytes_in += len(body)
                st.busy_workers += 1
            reply = self._answer(body)
            with self._lock:
                st.busy_workers -= 1
            if reply is None:
                continue  # nothing to say: the requester times out (logged above)
            try:
                ctx.send(reply)
            except pynng.Closed:
                break
            except pynng.NNGException as e:
                with self._lock:
                    st.send_errors += 1
                log.warning("send failed on %s: %s", self.address, e)
                continue
            with self._lock:
                st.bytes_out += len(reply)
        try:
            ctx.close()
        except pynng.NNGException:
            pass


class RequestClient:
    """A requester on one connection; ``request`` sends a body and waits for the answer.

    ``start`` dials at once and raises ``BusBroken`` if nothing listens (as Hikyuu's client does);
    ``request`` raises ``BusTimeout`` if no answer comes within ``timeout_s``. One request at a
    time per client (REQ semantics); use one client per thread.
    """

    def __init__(self, address: str, *, timeout_s: float = 10.0, reconnect_min_ms: int = 10,
                 reconnect_max_ms: int = 15_000, recv_max_bytes: int = 0) -> None:
        if timeout_s <= 0:
            raise ValueError("timeout_s must be > 0")
        self.address = address
        self.timeout_s = timeout_s
        self.reconnect_min_ms = reconnect_min_ms
        self.reconnect_max_ms = reconnect_max_ms
        self.recv_max_bytes = recv_max_bytes
        self.state = State.NEW
        self._sock: pynng.Req0 | None = None

    def start(self) -> RequestClient:
        if self.state is State.RUNNING:
            return self
        if self.state is State.CLOSED:
            raise BusClosed("request client was closed")
        ms = int(self.timeout_s * 1000)
        sock = pynng.Req0(send_timeout=ms, recv_timeout=ms, reconnect_time_min=self.reconnect_min_ms,
                          reconnect_time_max=self.reconnect_max_ms, recv_max_size=self.recv_max_bytes)
        try:
            sock.dial(self.address, block=True)
        except pynng.NNGException as e:
            sock.close()
            raise BusBroken(f"cannot connect to {self.address}: {e}") from e
        self._sock = sock
        self.state = State.RUNNING
        return self

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
        self.state = State.CLOSED

    def __enter__(self) -> RequestClient:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, body: bytes) -> bytes:
        sock = self._sock
        if sock is None or self.state is not State.RUNNING:
            raise BusClosed("request client is not running")
        try:
            sock.send(body)
            return sock.recv()
        except pynng.Timeout as e:
            raise BusTimeout(f"no answer from {self.address} within {self.timeout_s:g} s") from e
        except pynng.Closed as e:
            raise BusClosed("request client closed") from e
        except pynng.NNGException as e:
            raise BusBroken(f"request to {self.address} failed: {e}") from e


def request_once(address: str, body: bytes, *, timeout_s: float = 10.0) -> bytes:
    """Connect, send one request, return the answer and disconnect (Hikyuu's client does this per call)."""
    with RequestClient(address, timeout_s=timeout_s) as client:
        return client.request(body)
