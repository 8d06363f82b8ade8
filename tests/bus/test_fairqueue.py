"""The fair scheduler of request work, in-process with real threads: who runs next, and every bound.

Slices here wait for the test's permission (a semaphore per task) and each costs exactly one second of
the scheduler's CPU clock (a counter), so the order in which work runs is decided by the scheduler alone
and every assertion is about that order, not about timing.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Generator

import pytest

from hikyuu_live.bus.fairqueue import FairScheduler, Task

TIMEOUT = 10


class Script:
    """Jobs whose slices each wait for a go from the test and log ``(name, slice)`` when they run."""

    def __init__(self) -> None:
        self.log: list[tuple[str, int]] = []
        self.gates: dict[str, threading.Semaphore] = {}
        self.started: dict[str, threading.Event] = {}
        self.closed: set[str] = set()
        self._lock = threading.Lock()

    def body(self, name: str, slices: int, size_per_slice: int = 1) -> bytes:
        self.gates[name] = threading.Semaphore(0)
        self.started[name] = threading.Event()
        return f"{name}:{slices}:{size_per_slice}".encode()

    def handler(self, body: bytes) -> Generator[int, None, bytes]:
        name, slices, per = body.decode().split(":")
        return self._job(name, int(slices), int(per))

    def _job(self, name: str, slices: int, per: int) -> Generator[int, None, bytes]:
        try:
            for i in range(slices):
                self.started[name].set()
                assert self.gates[name].acquire(timeout=TIMEOUT), f"{name} slice {i} never allowed"
                with self._lock:
                    self.log.append((name, i))
                if i < slices - 1:
                    yield (i + 1) * per
            return f"answer {name}".encode()
        finally:
            self.closed.add(name)

    def go(self, name: str, n: int = 1) -> None:
        for _ in range(n):
            self.gates[name].release()

    def wait_logged(self, name: str, i: int) -> None:
        deadline = time.monotonic() + TIMEOUT
        while (name, i) not in self.log:
            assert time.monotonic() < deadline, f"{name} slice {i} never ran: {self.log}"
            time.sleep(0.001)


def busy(reason: str) -> bytes:
    return f"BUSY {reason}".encode()


def on_error(e: BaseException) -> bytes:
    return f"ERROR {e}".encode()


class Client(threading.Thread):
    """The receiving side of one request of ``conn``: submits it (running its first slice when the
    scheduler says so) and waits for what is delivered to its ``reply``."""

    def __init__(self, sched: FairScheduler, script: Script, conn: int, body: bytes) -> None:
        super().__init__(daemon=True)
        self.sched, self.script, self.conn, self.body = sched, script, conn, body
        self.answer: bytes | None = b"<none yet>"
        self.submitted = threading.Event()
        self.replied = threading.Event()

    def reply(self, answer: bytes | None) -> None:
        assert not self.replied.is_set(), "a request answered twice"
        self.answer = answer
        self.replied.set()

    def run(self) -> None:
        task = self.sched.submit(self.conn, self.body, self.reply)
        self.submitted.set()
        if task is not None:
            self.sched.run_first(task, self.script.handler, on_error)

    def result(self) -> bytes | None:
        assert self.replied.wait(TIMEOUT), "no answer"
        return self.answer


def slice_clock() -> object:
    """A CPU clock that advances half a second per reading: a slice (two readings) costs one second."""
    ticks = itertools.count()
    return lambda: next(ticks) / 2


STARTED: list[FairScheduler] = []


@pytest.fixture(autouse=True)
def stop_workers():
    yield
    while STARTED:
        STARTED.pop().stop()


def make(**kw: object) -> tuple[FairScheduler, Script]:
    """A scheduler with its worker threads running (stopped after the test), connections 1-9 open."""
    kw.setdefault("cpu_clock", slice_clock())
    sched = FairScheduler(busy=busy, **kw)  # type: ignore[arg-type]
    script = Script()
    for conn in range(1, 10):
        sched.open(conn)
    for _ in range(sched.workers):
        threading.Thread(target=sched.work, args=(script.handler, on_error), daemon=True).start()
    STARTED.append(sched)
    return sched, script


def test_a_small_request_runs_after_the_current_slice_not_after_the_heavy_request():
    sched, s = make(workers=1)
    heavy = Client(sched, s, 1, s.body("heavy", 5))
    heavy.start()
    s.go("heavy", 2)
    assert s.started["heavy"].wait(TIMEOUT)
    light = Client(sched, s, 2, s.body("light", 1))
    light.start()
    assert light.submitted.wait(TIMEOUT)
    s.go("light")
    s.go("heavy", 3)
    assert light.result() == b"answer light" and heavy.result() == b"answer heavy"
    first_light = s.log.index(("light", 0))
    assert first_light <= 3, s.log  # after at most the heavy slices already allowed, never after all five


def test_connections_alternate_slice_by_slice():
    sched, s = make(workers=1)
    a = Client(sched, s, 1, s.body("a", 4))
    b = Client(sched, s, 2, s.body("b", 4))
    a.start()
    assert s.started["a"].wait(TIMEOUT)
    b.start()
    assert b.submitted.wait(TIMEOUT)
    s.go("a", 4)
    s.go("b", 4)
    assert a.result() == b"answer a" and b.result() == b"answer b"
    assert [name for name, _ in s.log] == ["a", "b", "a", "b", "a", "b", "a", "b"], s.log


def test_a_newer_request_on_the_same_connection_replaces_the_older_one():
    sched, s = make(workers=1)
    old = Client(sched, s, 1, s.body("old", 3))
    old.start()
    s.go("old")
    assert s.started["old"].wait(TIMEOUT)
    new = Client(sched, s, 1, s.body("new", 1))
    new.start()
    assert new.submitted.wait(TIMEOUT)
    s.go("old", 3)
    s.go("new")
    assert old.result().startswith(b"BUSY a newer request")
    assert new.result() == b"answer new"
    assert ("old", 2) not in s.log and "old" in s.closed  # not run to its end, and its generator was closed
    assert sched.stats.replaced == 1


def test_work_of_a_closed_connection_is_dropped_without_an_answer():
    sched, s = make(workers=1)
    running = Client(sched, s, 1, s.body("running", 3))
    running.start()
    assert s.started["running"].wait(TIMEOUT)
    waiting = Client(sched, s, 2, s.body("waiting", 2))
    waiting.start()
    assert waiting.submitted.wait(TIMEOUT)
    sched.close(2)
    sched.close(1)
    s.go("running", 3)
    assert waiting.result() is None and running.result() is None
    assert s.log == [("running", 0)] and "running" in s.closed
    assert sched.stats.gone == 2 and sched.stats.queued == 0
    late: list[bytes | None] = []
    assert sched.submit(1, b"late", late.append) is None and late == [None]  # closed connection: nothing sent


def test_a_full_queue_answers_busy_at_once():
    sched, s = make(workers=1, max_queue=2)
    first = Client(sched, s, 1, s.body("first", 1))
    second = Client(sched, s, 2, s.body("second", 1))
    first.start()
    second.start()
    assert first.submitted.wait(TIMEOUT) and second.submitted.wait(TIMEOUT)
    third: list[bytes | None] = []
    assert sched.submit(3, s.body("third", 1), third.append) is None
    assert third[0] is not None and third[0].startswith(b"BUSY server busy: 2 requests queued")
    s.go("first")
    s.go("second")
    assert first.result() == b"answer first" and second.result() == b"answer second"
    assert sched.stats.busy_full == 1


def test_large_answers_wait_for_a_slot_but_small_ones_do_not():
    sched, s = make(workers=2, large_bytes=10, max_large=1)
    big1 = Client(sched, s, 1, s.body("big1", 3, size_per_slice=100))
    big1.start()
    s.go("big1")  # first slice: 100 bytes built, takes the one slot
    s.wait_logged("big1", 0)
    big2 = Client(sched, s, 2, s.body("big2", 3, size_per_slice=100))
    big2.start()
    s.go("big2")  # its first slice runs, then it waits for the slot
    s.wait_logged("big2", 0)
    s.go("big2", 2)  # allowed, but it must not run before big1 has finished
    small = Client(sched, s, 3, s.body("small", 1))
    small.start()
    s.go("small")
    assert small.result() == b"answer small"
    assert ("big2", 1) not in s.log
    assert sched.stats.parked == 1
    s.go("big1", 2)
    assert big1.result() == b"answer big1" and big2.result() == b"answer big2"
    assert s.log.index(("big1", 2)) < s.log.index(("big2", 1)), s.log


def test_a_failing_handler_answers_through_on_error():
    sched = FairScheduler(busy=busy, workers=1)
    sched.open(1)

    def boom(_body: bytes) -> bytes:
        raise ValueError("bad")

    got: list[bytes | None] = []
    task = sched.submit(1, b"x", got.append)
    assert isinstance(task, Task)
    sched.run_first(task, boom, on_error)  # idle: the receiving thread runs it
    assert got == [b"ERROR bad"]


def test_under_load_the_receiving_thread_only_takes_requests_in():
    """Found with ``bench_dataserver --flood``: 50 connections each sending a cheap 283 KB request again as
    soon as answered kept the four receiving threads busy running first slices (each request was the
    fairest of an empty queue a moment before), so a small request waited in nng's first-come queue behind
    the flood (p50 40 ms, p99 107-120 ms). While another connection has work waiting, the receiving thread
    queues the request and goes back to the socket; a worker runs it, still first by fairness."""
    sched = FairScheduler(busy=busy, workers=2, cpu_clock=slice_clock())
    ran: list[tuple[bytes, str]] = []

    def handler(body: bytes) -> bytes:
        ran.append((body, threading.current_thread().name))
        return b"answer " + body

    for conn in (1, 2):
        sched.open(conn)
    got: dict[int, list[bytes | None]] = {1: [], 2: []}
    first = sched.submit(1, b"heavy-1", got[1].append)
    assert first is not None
    sched.run_first(first, handler, on_error)  # idle server: answered on the receiving thread
    assert ran == [(b"heavy-1", threading.current_thread().name)]
    assert sched.submit(1, b"heavy-2", got[1].append) is not None  # the flood's next request, waiting
    small = sched.submit(2, b"small", got[2].append)
    assert small is not None
    sched.run_first(small, handler, on_error)  # connection 1 has work waiting: only taken in
    assert len(ran) == 1 and got[2] == []
    worker = threading.Thread(target=sched.work, args=(handler, on_error), name="worker", daemon=True)
    worker.start()
    STARTED.append(sched)
    deadline = time.monotonic() + TIMEOUT
    while len(ran) < 3:
        assert time.monotonic() < deadline, ran
        time.sleep(0.001)
    assert ran[1:] == [(b"small", "worker"), (b"heavy-2", "worker")]  # the small one first, by fairness
    assert got == {1: [b"answer heavy-1", b"answer heavy-2"], 2: [b"answer small"]}


def test_stop_drops_queued_and_running_work_without_answers():
    sched, s = make(workers=1)
    a = Client(sched, s, 1, s.body("a", 2))
    b = Client(sched, s, 2, s.body("b", 1))
    a.start()
    assert s.started["a"].wait(TIMEOUT)
    b.start()
    assert b.submitted.wait(TIMEOUT)
    sched.stop()
    assert b.result() is None
    s.go("a", 2)
    assert a.result() is None


@pytest.mark.parametrize("bad", [{"workers": 0}, {"max_queue": 0}, {"max_per_conn": 0}])
def test_bounds_must_be_positive(bad):
    with pytest.raises(ValueError):
        FairScheduler(busy=busy, **bad)
