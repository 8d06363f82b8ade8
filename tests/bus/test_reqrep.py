"""The request server and client over real NNG sockets (loopback TCP), in-process: abandoned work is
dropped, connections are counted from pipe events, a handler's failure is answered, BUSY past the queue."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Generator

import pytest

from hikyuu_live.bus import RequestClient, RequestServer
from hikyuu_live.errors import BusClosed, BusTimeout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SlowJobs:
    """``slow``: a job of many 20 ms slices that records how far it got; anything else: echoed at once."""

    def __init__(self) -> None:
        self.slices = 0
        self.closed = threading.Event()

    def handler(self, body: bytes) -> bytes | Generator[int, None, bytes]:
        if body != b"slow":
            return b"echo " + body
        return self._slow()

    def _slow(self) -> Generator[int, None, bytes]:
        try:
            for i in range(500):
                time.sleep(0.02)
                self.slices += 1
                yield i
            return b"done"
        finally:
            self.closed.set()


def wait_until(predicate, timeout_s: float = 10.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def test_a_client_that_times_out_drops_its_connection_and_the_server_its_work():
    jobs = SlowJobs()
    addr = f"tcp://127.0.0.1:{free_port()}"
    with RequestServer(addr, jobs.handler, workers=1) as srv, RequestClient(addr, timeout_s=0.3) as c:
        with pytest.raises(BusTimeout):
            c.request(b"slow")
        assert jobs.closed.wait(5), "the abandoned job went on"
        assert jobs.slices < 100 and srv.queue.gone == 1 and srv.queue.queued == 0
        assert c.request(b"again") == b"echo again"  # the client dials again for its next request
        wait_until(lambda: srv.clients == 1)
        assert srv.stats.connections == 2


def test_clients_counts_open_connections_only():
    addr = f"tcp://127.0.0.1:{free_port()}"
    with RequestServer(addr, lambda b: b) as srv:
        for _ in range(30):
            with RequestClient(addr, timeout_s=2) as c:
                assert c.request(b"x") == b"x"
        with RequestClient(addr, timeout_s=2) as keep:
            keep.request(b"y")
            wait_until(lambda: srv.clients == 1)
            assert srv.stats.connections == 31
        wait_until(lambda: srv.clients == 0)


def test_a_failing_handler_is_answered_by_on_error_and_the_server_goes_on():
    addr = f"tcp://127.0.0.1:{free_port()}"

    def handler(body: bytes) -> bytes:
        if body == b"boom":
            raise RuntimeError("boom")
        return body

    with RequestServer(addr, handler, on_error=lambda e: f"error {e}".encode()) as srv, \
            RequestClient(addr, timeout_s=2) as c:
        assert c.request(b"boom") == b"error boom"
        assert c.request(b"ok") == b"ok" and srv.stats.handler_errors == 1


def test_past_the_queue_bound_requests_are_answered_busy_at_once():
    jobs = SlowJobs()
    addr = f"tcp://127.0.0.1:{free_port()}"
    with RequestServer(addr, jobs.handler, workers=1, max_queue=2, busy=lambda r: b"BUSY " + r.encode()) as srv:
        clients = [RequestClient(addr, timeout_s=5).start() for _ in range(3)]
        answers: list[bytes] = []

        def ask(c: RequestClient) -> None:
            try:
                answers.append(c.request(b"slow"))
            except (BusTimeout, BusClosed):  # closed below, while still waiting
                answers.append(b"gave up")

        threads = [threading.Thread(target=ask, args=(c,)) for c in clients[:2]]
        for t in threads:
            t.start()
        wait_until(lambda: srv.queue.queued == 2)
        t0 = time.monotonic()
        assert clients[2].request(b"slow").startswith(b"BUSY server busy: 2 requests queued")
        assert time.monotonic() - t0 < 2  # not after the slow ones
        for c in clients:
            c.close()
        for t in threads:
            t.join(10)
