"""Fair shares of a request server's CPU between its connections, one slice of work at a time.

A request server that takes requests in arrival order lets one client with heavy requests starve every
other: with five clients pulling 16 MB answers, a client asking for one bar waited two seconds. Here each
connection (nng pipe) has its own queue, and the next slice of work always goes to the connection that
has used the least CPU so far, on a virtual clock that advances with the work done (start-time fair
queueing). A connection that becomes busy again after a pause starts up to ``credit_s`` of CPU ahead of
the busy ones, never further: a client that asks now and then is served before the ones that keep the
server busy. A new connection starts level with the busy ones (no credit), so opening a connection per
request gains nothing. Work is cut into slices: a handler answers with bytes at once, or with a *job*, a
generator whose every ``next`` does a few milliseconds of work and yields the answer's size so far, and
returns the answer. So a small request waits for at most one slice of somebody else's, whatever is queued.

Who runs the slices: ``workers`` worker threads (``work``), slice after slice, always the fairest, and
each hands the answer to the task's ``reply`` itself. When the server is otherwise idle (a token free, no
other connection with work waiting), the receiving thread runs the new request's first slice at once
(``run_first``), so a small request is answered without a hand-off between threads. Under load the
receiving threads only take requests in, so a small request is seen as soon as it arrives: while they ran
first slices whenever a token was free, a flood of cheap requests kept them all busy and a small request
waited in nng's first-come queue behind the whole flood. Never more than ``workers`` slices run at
once.
Few threads matter in Python: a small request waits for the GIL each time a thread of it wakes, and
every extra thread that wants the GIL lengthens that wait.

Bounds, each answered at once instead of waiting:

- at most ``max_queue`` requests queued in all: more are answered ``busy("...queue full")``;
- at most ``max_per_conn`` per connection: a newer request on a connection replaces its oldest (a REQ
  socket has one request in flight, so the client has given up on the older one), which is answered
  ``busy("...replaced...")``;
- a connection that closes drops its queued and running work (nothing is sent; there is nobody to read it);
- answers past ``large_bytes`` hold one of ``max_large`` slots while they are built; others wait for a
  slot (memory stays bounded by ``max_large`` large answers, and small answers never wait for them).

Pure threading; the transport (``reqrep``) feeds it. ``reply(None)`` means "send nothing".
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

#: a job: each ``next`` does one slice and yields the answer's bytes so far; it returns the answer
Job = Generator[int, None, bytes]
Handler = Callable[[bytes], "bytes | Job"]
OnError = Callable[[BaseException], "bytes | None"]
Reply = Callable[["bytes | None"], None]

_GONE = "gone"


@dataclass(eq=False, slots=True)
class Task:
    """One request: its body, where its answer goes, and its job once started."""

    conn: int
    body: bytes
    reply: Reply
    seq: int
    queued_at: float
    job: Job | None = None
    running: bool = False
    parked: bool = False
    large: bool = False
    finished: bool = False
    cancel: str | None = None  # _GONE (send nothing) or the reason of a BUSY answer


@dataclass(slots=True)
class _Conn:
    vtime: float = 0.0  # CPU seconds used, on the scheduler's virtual clock
    tasks: deque[Task] = field(default_factory=deque)


@dataclass(slots=True)
class SchedulerStats:
    """Counters (and, marked, gauges) of a ``FairScheduler``."""

    queued: int = 0  # gauge: requests waiting or in progress
    running: int = 0  # gauge: slices being run now
    parked: int = 0  # gauge: large answers waiting for a slot
    answered: int = 0
    busy_full: int = 0  # answered BUSY: the queue was full
    replaced: int = 0  # answered BUSY: a newer request on the same connection replaced it
    gone: int = 0  # dropped: the connection closed before the answer
    slices: int = 0
    cpu_s: float = 0.0


class FairScheduler:
    """See the module docstring. ``open``/``close`` follow the transport's connections."""

    def __init__(self, *, busy: Callable[[str], bytes], workers: int = 2, max_queue: int = 128,
                 max_per_conn: int = 1, large_bytes: int = 1 << 20, max_large: int | None = None,
                 credit_s: float = 0.05, cpu_clock: Callable[[], float] = time.thread_time) -> None:
        if workers < 1 or max_queue < 1 or max_per_conn < 1:
            raise ValueError("workers, max_queue and max_per_conn must be >= 1")
        self.workers = workers
        self.max_queue = max_queue
        self.max_per_conn = max_per_conn
        self.large_bytes = large_bytes
        self.credit_s = credit_s
        self.max_large = max(1, max_large if max_large is not None else workers)
        self.stats = SchedulerStats()
        self._busy = busy
        self._cpu_clock = cpu_clock  # what a slice costs: the CPU time of the thread that ran it
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)  # workers wait here for a token and a runnable task
        self._tokens = workers
        self._conns: dict[int, _Conn] = {}
        self._active: dict[int, _Conn] = {}  # connections with tasks
        self._parked: deque[Task] = deque()
        self._large_used = 0
        self._vnow = 0.0
        self._seq = 0
        self._stopped = False

    # ------------------------------------------------------------------ connections
    def open(self, conn: int) -> None:
        with self._lock:
            self._conns.setdefault(conn, _Conn(vtime=self._vnow))

    def close(self, conn: int) -> None:
        """The connection closed: its work is dropped (a running slice finishes first)."""
        out: list[tuple[Task, bytes | None]] = []
        with self._lock:
            c = self._conns.pop(conn, None)
            self._active.pop(conn, None)
            if c is None:
                return
            for t in list(c.tasks):
                if t.cancel is None:
                    self.stats.gone += 1
                t.cancel = _GONE
                if not t.running:
                    out.append(self._finish(c, t, None))
            self._work.notify_all()  # a large-answer slot may have come free
        self._deliver(out)

    def is_open(self, conn: int) -> bool:
        with self._lock:
            return conn in self._conns

    @property
    def connections(self) -> int:
        with self._lock:
            return len(self._conns)

    # ------------------------------------------------------------------ requests
    def submit(self, conn: int, body: bytes, reply: Reply) -> Task | None:
        """Queue a request of ``conn``; None when it was answered at once (``reply`` got BUSY bytes when the
        queue is full, None when ``conn`` has gone). A worker takes it up, unless ``run_first`` does."""
        out: list[tuple[Task, bytes | None]] = []
        refuse: str | None = None
        with self._lock:
            self._seq += 1
            task = Task(conn, body, reply, self._seq, time.monotonic())
            c = self._conns.get(conn)
            if c is None or self._stopped:
                self.stats.gone += 1
                task.finished = True
                out.append((task, None))
            else:
                live = [t for t in c.tasks if t.cancel is None]
                for old in live[: max(0, len(live) - self.max_per_conn + 1)]:
                    old.cancel = "a newer request on the same connection replaced this one"
                    self.stats.replaced += 1
                    if not old.running:
                        out.append(self._finish(c, old, None))
                if self.stats.queued >= self.max_queue:
                    self.stats.busy_full += 1
                    refuse = (f"server busy: {self.stats.queued} requests queued (at most {self.max_queue}); "
                              "ask again shortly")
                    task.finished = True
                else:
                    if not c.tasks:
                        c.vtime = max(c.vtime, self._vnow - self.credit_s)
                        self._active[conn] = c
                    c.tasks.append(task)
                    self.stats.queued += 1
                    self._work.notify()
        if refuse is not None:
            out.append((task, self._busy(refuse)))
        self._deliver(out)
        return None if task.finished else task

    def run_first(self, task: Task, handler: Handler, on_error: OnError) -> None:
        """On the receiving thread: run ``task``'s first slice now if a token is free and no other connection
        has work waiting (a small request on an idle server is answered here, with no hand-off to a worker);
        otherwise leave it to the workers, and the receiving thread goes back to taking requests off the
        socket."""
        with self._lock:
            if not (self._tokens and not task.running and not task.finished and len(self._active) == 1
                    and self._fairest() is task):
                return
            self._take(task)
        t0 = self._cpu_clock()
        result = self._step(task, handler, on_error)
        self._after(task, self._cpu_clock() - t0, result)

    def work(self, handler: Handler, on_error: OnError) -> None:
        """A worker thread: run the fairest slice whenever a token is free, until ``stop``."""
        while True:
            with self._lock:
                pick = None
                while not self._stopped and (not self._tokens or (pick := self._fairest()) is None):
                    self._work.wait()
                if self._stopped or pick is None:
                    return
                self._take(pick)
            t0 = self._cpu_clock()
            result = self._step(pick, handler, on_error)
            self._after(pick, self._cpu_clock() - t0, result)

    def stop(self) -> None:
        """Drop every queued request (nothing is sent) and end the workers."""
        out: list[tuple[Task, bytes | None]] = []
        with self._lock:
            self._stopped = True
            for c in self._conns.values():
                for t in list(c.tasks):
                    t.cancel = _GONE
                    if not t.running:
                        out.append(self._finish(c, t, None))
            self._work.notify_all()
        self._deliver(out)

    # ------------------------------------------------------------------ internals (lock held unless said)
    def _fairest(self) -> Task | None:
        """The runnable task of the connection that has used the least CPU (ties: the earliest request)."""
        best: Task | None = None
        best_key = (0.0, 0)
        for c in self._active.values():
            t = c.tasks[0]
            if t.running or t.parked:
                continue
            key = (c.vtime, t.seq)
            if best is None or key < best_key:
                best, best_key = t, key
        return best

    def _take(self, task: Task) -> None:
        """Mark ``task`` running on a token; the virtual clock moves to its connection's."""
        task.running = True
        self._tokens -= 1
        self.stats.running += 1
        c = self._conns.get(task.conn)
        if c is not None:
            self._vnow = max(self._vnow, c.vtime)

    @staticmethod
    def _step(task: Task, handler: Handler, on_error: OnError) -> bytes | int | None:
        """One slice, no lock held: bytes (the answer), an int (bytes built so far: more to do) or None."""
        if task.cancel is not None:
            return None
        try:
            if task.job is None:
                first = handler(task.body)
                if isinstance(first, bytes):
                    return first
                task.job = first
            return next(task.job)
        except StopIteration as done:
            task.job = None
            return done.value if isinstance(done.value, bytes) else None
        except Exception as e:
            task.job = None
            log.exception("request handler failed")
            try:
                return on_error(e)
            except Exception:
                log.exception("on_error failed")
                return None

    def _after(self, task: Task, cost: float, result: bytes | int | None) -> None:
        """Account for a slice and deliver a finished answer (takes the lock)."""
        out: list[tuple[Task, bytes | None]] = []
        with self._lock:
            st = self.stats
            st.running -= 1
            st.slices += 1
            st.cpu_s += cost
            self._tokens += 1
            task.running = False
            c = self._conns.get(task.conn)
            if c is not None:
                c.vtime += cost
            if task.cancel is not None or not isinstance(result, int):
                if task.cancel is None:
                    st.answered += 1
                out.append(self._finish(c, task, result if task.cancel is None and isinstance(result, bytes)
                                        else None))
            elif result > self.large_bytes and not task.large:
                if self._large_used < self.max_large:
                    task.large = True
                    self._large_used += 1
                else:
                    task.parked = True
                    self._parked.append(task)
                    st.parked += 1
            self._work.notify()
        self._deliver(out)

    def _finish(self, c: _Conn | None, task: Task, answer: bytes | None) -> tuple[Task, bytes | None]:
        """``task`` is done: out of its queue, its slot released; returns what to deliver (outside the lock)."""
        if c is not None and task in c.tasks:
            c.tasks.remove(task)
            if not c.tasks and self._active.get(task.conn) is c:
                del self._active[task.conn]
        self.stats.queued -= 1
        if task.parked:
            task.parked = False
            self._parked.remove(task)
            self.stats.parked -= 1
        if task.large:
            task.large = False
            self._large_used -= 1
            while self._parked and self._large_used < self.max_large:
                nxt = self._parked.popleft()
                self.stats.parked -= 1
                nxt.parked, nxt.large = False, True
                self._large_used += 1
        task.finished = True
        return task, answer

    def _deliver(self, out: list[tuple[Task, bytes | None]]) -> None:
        """Outside the lock: close abandoned jobs and hand each answer to its ``reply`` (BUSY for a
        replaced request, nothing for a gone one)."""
        for task, answer in out:
            if task.job is not None:
                task.job.close()
                task.job = None
            if answer is None and task.cancel not in (None, _GONE):
                answer = self._busy(task.cancel or "")
            try:
                task.reply(answer)
            except Exception:
                log.exception("sending an answer failed")
