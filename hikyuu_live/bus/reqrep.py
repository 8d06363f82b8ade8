"""NNG request/reply: a fair replier for many clients, and a requester with timeouts.

The bus is the only pynng importer, so the data server's transport lives here and knows nothing of its
protocol. ``RequestServer`` keeps ``max_queue`` + a few nng *contexts* of one Rep0 socket receiving, each
on its own thread, so every request is taken off the network as it arrives, whoever sent it. It knows
each request's connection from the received message's pipe and hands it to a ``FairScheduler``
(``fairqueue``), which serves connections fairly, slice by slice, with at most ``workers`` slices
running at once; an idle server answers on the receiving thread itself. A handler answers ``bytes`` or a
job (a generator of slices).

A replier answers every request it keeps: if the handler raises, ``on_error(exc)`` builds the answer;
``busy(reason)`` builds the answer to a request the queue will not take; ``precheck(body)`` may answer
at once before anything is queued (a body too long, say). Work for a connection that has closed is
dropped. Bodies larger than ``recv_max_bytes`` are dropped by nng itself, which closes that client's
connection without an answer: set it above the largest request the handler accepts so that oversized
requests are refused *by the handler* with an error code, and nng's limit only guards memory. An
``allow`` list closes connections from other addresses before they are added (``allow.PipeGuard``).

Connections are counted from nng's pipe events (``clients``): pynng's own pipe list also holds pipes
that closed while one of their messages was being received (it re-adds them when the message is read
after the close), which is how a server once reported 325 clients with 1 connected.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import pynng

from hikyuu_live.bus.allow import AllowList, PipeGuard
from hikyuu_live.bus.fairqueue import FairScheduler, Handler, SchedulerStats
from hikyuu_live.errors import BusBroken, BusClosed, BusTimeout
from hikyuu_live.model.state import State

log = logging.getLogger(__name__)

#: contexts kept receiving beyond the queue bound, so that a full queue is answered BUSY at once
SPARE_CONTEXTS = 8


@dataclass(slots=True)
class ServerStats:
    """Counters of a ``RequestServer`` (read by the data server's ``status`` command)."""

    requests: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    handler_errors: int = 0
    send_errors: int = 0
    connections: int = 0  # pipes ever connected


def _no_busy(reason: str) -> bytes:
    return reason.encode()


class RequestServer:
    """Answer requests on ``address``; see the module docstring."""

    def __init__(
        self,
        address: str,
        handler: Handler,
        *,
        workers: int = 2,
        recv_max_bytes: int = 16 * 1024 * 1024,
        on_error: Callable[[BaseException], bytes] | None = None,
        busy: Callable[[str], bytes] = _no_busy,
        precheck: Callable[[bytes], bytes | None] | None = None,
        allow: AllowList | None = None,
        max_queue: int = 128,
        max_per_client: int = 1,
        large_bytes: int = 1 << 20,
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
        self.sched = FairScheduler(busy=busy, workers=workers, max_queue=max_queue, max_per_conn=max_per_client,
                                   large_bytes=large_bytes)
        self.guard = PipeGuard(allow, f"{name} {address}")
        self._handler = handler
        self._on_error = on_error
        self._precheck = precheck
        self._sock: pynng.Rep0 | None = None
        self._threads: list[threading.Thread] = []
        self._live: set[int] = set()
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> RequestServer:
        if self.state is State.RUNNING:
            return self
        if self.state is State.CLOSED:
            raise BusClosed("request server was closed")
        sock = pynng.Rep0(recv_max_size=self.recv_max_bytes)
        self.guard.install(sock)
        sock.add_pre_pipe_connect_cb(self._pipe_added)
        sock.add_post_pipe_remove_cb(self._pipe_removed)
        try:
            sock.listen(self.address)
        except pynng.NNGException as e:
            sock.close()
            raise BusBroken(f"cannot listen on {self.address}: {e} (another server running there?)") from e
        self._sock = sock
        self.state = State.RUNNING
        for i in range(self.sched.max_queue + SPARE_CONTEXTS):
            t = threading.Thread(target=self._receive, args=(sock.new_context(),), name=f"{self.name}-ctx-{i}",
                                 daemon=True)
            self._threads.append(t)
            t.start()
        log.info("answering requests on %s with %d workers%s", self.address, self.workers,
                 f" (allowed: {self.guard.allow})" if self.guard.allow else "")
        return self

    def close(self) -> None:
        if self.state is not State.RUNNING:
            self.state = State.CLOSED
            return
        self.state = State.CLOSED
        self.sched.stop()
        if self._sock is not None:
            self._sock.close()  # every blocked receive ends with Closed
        deadline = time.monotonic() + 5
        for t in self._threads:
            if t is not threading.current_thread():
                t.join(timeout=max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> RequestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def clients(self) -> int:
        """Client connections (nng pipes) open right now."""
        with self._lock:
            return len(self._live) if self.state is State.RUNNING else 0

    @property
    def queue(self) -> SchedulerStats:
        return self.sched.stats

    @property
    def refused_pipes(self) -> int:
        """Connections closed by the allow-list."""
        return self.guard.refused

    # ------------------------------------------------------------------ connections
    def _pipe_added(self, pipe: pynng.Pipe) -> None:
        if pipe.closed:  # refused by the allow-list
            return
        with self._lock:
            self._live.add(pipe.id)
            self.stats.connections += 1
        self.sched.open(pipe.id)

    def _pipe_removed(self, pipe: pynng.Pipe) -> None:
        with self._lock:
            self._live.discard(pipe.id)
        self.sched.close(pipe.id)

    def _forget_closed_pipe(self, pipe_id: int) -> None:
        """Drop a closed pipe that pynng re-added to its list when a message of it was read after the close."""
        sock = self._sock
        pipes = getattr(sock, "_pipes", None)
        lock = getattr(sock, "_pipe_notify_lock", None)
        if isinstance(pipes, dict) and lock is not None:
            with lock:
                pipes.pop(pipe_id, None)

    # ------------------------------------------------------------------ receiving
    def _receive(self, ctx: pynng.Context) -> None:
        try:
            while True:
                try:
                    msg = ctx.recv_msg()
                except pynng.Closed:
                    return
                except pynng.NNGException as e:
                    if self.state is not State.RUNNING:
                        return
                    log.warning("receive failed on %s: %s", self.address, e)
                    time.sleep(0.01)
                    continue
                answer = self._answer(msg)
                if answer is None:
                    continue  # the client has gone, or there is nothing to say (logged where decided)
                try:
                    ctx.send(answer)
                except pynng.Closed:
                    return
                except pynng.NNGException as e:
                    with self._lock:
                        self.stats.send_errors += 1
                    log.warning("send failed on %s: %s", self.address, e)
                    continue
                with self._lock:
                    self.stats.bytes_out += len(answer)
        finally:
            try:
                ctx.close()
            except pynng.NNGException:
                pass

    def _answer(self, msg: pynng.Message) -> bytes | None:
        body = msg.bytes
        pipe = msg.pipe
        pipe_id = pipe.id if pipe is not None else -1
        with self._lock:
            self.stats.requests += 1
            self.stats.bytes_in += len(body)
            live = pipe_id in self._live
        if not live:  # closed while its message was on the way: nobody to answer
            self._forget_closed_pipe(pipe_id)
            self.sched.submit(pipe_id, body)  # counted as gone
            return None
        if self._precheck is not None:
            early = self._precheck(body)
            if early is not None:
                return early
        task = self.sched.submit(pipe_id, body)
        if task is None or isinstance(task, bytes):
            return task
        return self.sched.serve(task, self._handler, self._handle_error)

    def _handle_error(self, exc: BaseException) -> bytes | None:
        with self._lock:
            self.stats.handler_errors += 1
        if self._on_error is None:
            return None
        return self._on_error(exc)


class RequestClient:
    """A requester on one connection; ``request`` sends a body and waits for the answer.

    ``start`` dials at once and raises ``BusBroken`` if nothing listens (as Hikyuu's client does);
    ``request`` raises ``BusTimeout`` if no answer comes within ``timeout_s``, and then drops the
    connection (so the server drops the abandoned work) and dials again on the next request. One
    request at a time per client (REQ semantics); use one client per thread.
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
        self._connect()
        self.state = State.RUNNING
        return self

    def _connect(self) -> pynng.Req0:
        ms = int(self.timeout_s * 1000)
        sock = pynng.Req0(send_timeout=ms, recv_timeout=ms, reconnect_time_min=self.reconnect_min_ms,
                          reconnect_time_max=self.reconnect_max_ms, recv_max_size=self.recv_max_bytes)
        try:
            sock.dial(self.address, block=True)
        except pynng.NNGException as e:
            sock.close()
            raise BusBroken(f"cannot connect to {self.address}: {e}") from e
        self._sock = sock
        return sock

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self.state = State.CLOSED

    def __enter__(self) -> RequestClient:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, body: bytes) -> bytes:
        if self.state is not State.RUNNING:
            raise BusClosed("request client is not running")
        sock = self._sock or self._connect()
        try:
            sock.send(body)
            return sock.recv()
        except pynng.Timeout as e:
            sock.close()  # the server sees the connection go and drops the work; the next request dials again
            self._sock = None
            raise BusTimeout(f"no answer from {self.address} within {self.timeout_s:g} s") from e
        except pynng.Closed as e:
            raise BusClosed("request client closed") from e
        except pynng.NNGException as e:
            raise BusBroken(f"request to {self.address} failed: {e}") from e


def request_once(address: str, body: bytes, *, timeout_s: float = 10.0) -> bytes:
    """Connect, send one request, return the answer and disconnect (Hikyuu's client does this per call)."""
    with RequestClient(address, timeout_s=timeout_s) as client:
        return client.request(body)

