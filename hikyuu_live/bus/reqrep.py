"""NNG request/reply: a fair replier for many clients, and a requester with timeouts.

The bus is the only pynng importer, so the data server's transport lives here and knows nothing of its
protocol. ``RequestServer`` listens with a *raw* Rep0 socket: a few threads (``RECEIVERS``) take every
request off the socket as it arrives, whoever sent it, with the connection (nng pipe) it came on and the
routing header its reply must carry; a ``FairScheduler`` (``fairqueue``) serves connections fairly,
slice by slice, on ``workers`` worker threads, which send each reply themselves. When a worker token is
free and no other connection has work waiting, the receiving thread runs the first slice itself, so a small
request on an idle server is answered with no hand-off.
A handler answers ``bytes`` or a job (a generator of slices). Four threads plus the workers, whatever
the number of clients: in Python every thread that wants the GIL lengthens the wait of the others, and a
small request waits for it each time one of its threads wakes.

A replier answers every request it keeps: if the handler raises, ``on_error(exc)`` builds the answer;
``busy(reason)`` builds the answer to a request the queue will not take; ``precheck(body)`` may answer
at once before anything is queued (a body too long, say). Work for a connection that has closed is
dropped. Bodies larger than ``recv_max_bytes`` are dropped by nng itself, which closes that client's
connection without an answer: set it above the largest request the handler accepts so that oversized
requests are refused *by the handler* with an error code, and nng's limit only guards memory. An
``allow`` list closes connections from other addresses before they are added (``allow.PipeGuard``).

Connections are counted from nng's pipe events (``clients``). (pynng's own pipe list, used with cooked
sockets and ``Message.pipe``, also re-adds pipes that closed while one of their messages was being read,
which is how a server once reported 325 clients with 1 connected.)
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import pynng
from pynng import ffi, lib

from hikyuu_live.bus.allow import AllowList, PipeGuard
from hikyuu_live.bus.fairqueue import FairScheduler, Handler, SchedulerStats
from hikyuu_live.errors import BusBroken, BusClosed, BusTimeout
from hikyuu_live.model.state import State

log = logging.getLogger(__name__)

#: a reply to a client that does not read it gives up after this long (the worker is needed elsewhere)
SEND_TIMEOUT_MS = 5000
#: threads taking requests off the socket: with one, a small request waited behind the intake of every
#: heavy request queued before it (50 clients flooding: p99 15-35 ms; with four 7-10 ms)
RECEIVERS = 4


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
        sock = pynng.Rep0(opener=lib.nng_rep0_open_raw, recv_max_size=self.recv_max_bytes,
                          send_timeout=SEND_TIMEOUT_MS)
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
        for i in range(self.workers):
            self._threads.append(threading.Thread(target=self.sched.work, args=(self._handler, self._handle_error),
                                                  name=f"{self.name}-worker-{i}", daemon=True))
        for i in range(RECEIVERS):
            self._threads.append(threading.Thread(target=self._receive, args=(sock,), name=f"{self.name}-receive-{i}",
                                                  daemon=True))
        for t in self._threads:
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
            self._sock.close()  # the blocked receive ends with ECLOSED
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

    # ------------------------------------------------------------------ receiving and sending
    def _receive(self, sock: pynng.Rep0) -> None:
        """A receiving thread: requests, each with its pipe and its routing header, off the raw socket."""
        handle = sock.socket
        msg_p = ffi.new("nng_msg **")
        while True:
            rv = lib.nng_recvmsg(handle, msg_p, 0)  # blocks without the GIL
            if rv:
                if rv == lib.NNG_ECLOSED or self.state is not State.RUNNING:
                    return
                log.warning("receive failed on %s: %s", self.address, ffi.string(lib.nng_strerror(rv)).decode())
                time.sleep(0.01)
                continue
            m = msg_p[0]
            try:
                header = ffi.buffer(lib.nng_msg_header(m), lib.nng_msg_header_len(m))[:]
                body = ffi.buffer(lib.nng_msg_body(m), lib.nng_msg_len(m))[:]
                pipe_id = lib.nng_pipe_id(lib.nng_msg_get_pipe(m))
            finally:
                lib.nng_msg_free(m)
            try:
                self._dispatch(pipe_id, header, body)
            except Exception:  # never let one request end the receiving thread
                log.exception("handling a request failed")

    def _dispatch(self, pipe_id: int, header: bytes, body: bytes) -> None:
        with self._lock:
            self.stats.requests += 1
            self.stats.bytes_in += len(body)
            live = pipe_id in self._live
        reply = functools.partial(self._send, header)
        if not live:  # closed while its message was on the way: nobody to answer
            self.sched.submit(pipe_id, body, reply)  # counted as gone, nothing sent
            return
        if self._precheck is not None:
            early = self._precheck(body)
            if early is not None:
                self._send(header, early)
                return
        task = self.sched.submit(pipe_id, body, reply)
        if task is not None:
            self.sched.run_first(task, self._handler, self._handle_error)

    def _send(self, header: bytes, answer: bytes | None) -> None:
        """Send ``answer`` to the request that carried ``header`` (its pipe and request id); None: nothing."""
        sock = self._sock
        if answer is None or sock is None or self.state is not State.RUNNING:
            return
        msg_p = ffi.new("nng_msg **")
        if lib.nng_msg_alloc(msg_p, 0):
            raise MemoryError("nng_msg_alloc failed")
        m = msg_p[0]
        if lib.nng_msg_header_append(m, header, len(header)) or lib.nng_msg_append(m, answer, len(answer)):
            lib.nng_msg_free(m)
            raise MemoryError("building an answer message failed")
        rv = lib.nng_sendmsg(sock.socket, m, 0)  # the message is nng's once sent
        if rv:
            lib.nng_msg_free(m)
            with self._lock:
                self.stats.send_errors += 1
                n = self.stats.send_errors
            if rv != lib.NNG_ECLOSED and (n <= 10 or n % 1000 == 0):
                log.warning("send failed on %s (%d so far): %s", self.address, n,
                            ffi.string(lib.nng_strerror(rv)).decode())
            return
        with self._lock:
            self.stats.bytes_out += len(answer)

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

