"""Several TDX servers working one job list in parallel, with failover and a second opinion on bad data.

``use_tdx_number`` workers each hold one connection to a different server (fastest first); the other
agreeing servers are spares. Jobs (one stock's bars, weights, a list page...) are taken from a shared
queue, so a fast server simply does more of them.

- A server that fails (connection lost twice in a row, timeout) is dropped, its worker moves to a spare
  server if there is one, and the job goes back to the queue for another server.
- A result that the ``judge`` finds suspect (bad bars, the stored bar disagreeing with the server's) or
  an answer that cannot be parsed is asked again from another server. If that one answers cleanly, the
  first server is dropped for sending bad data; if it reports the same problem, the data itself is bad:
  the result stands (the importer quarantines what validation rejects) or, for an unreadable answer,
  the job ends with that error, and no server is blamed. Nothing is retried forever: ``max_attempts``.
- A job that no server can do ends with an error that says why; it never vanishes.

Results stream out of ``run()`` as they finish, through a bounded queue so that the fetchers cannot run
far ahead of the writer.
"""

from __future__ import annotations

import collections
import logging
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from hikyuu_live.errors import SourceDataError, SourceUnavailable, is_retryable
from hikyuu_live.tdx.network.client import TdxConnection
from hikyuu_live.tdx.network.hosts import TdxHost

log = logging.getLogger(__name__)

_UNREADABLE = object()  # the "result" of a task whose only answers so far could not be parsed


class Job(Protocol):
    key: str

    def run(self, conn: TdxConnection) -> Any: ...


#: (job, result) -> None when the result looks right, else a short signature of what is wrong
Judge = Callable[[Any, Any], str | None]


@dataclass(slots=True)
class Outcome:
    job: Any
    result: Any = None
    error: str | None = None
    host: TdxHost | None = None
    attempts: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(slots=True)
class ServerStats:
    host: TdxHost
    jobs: int = 0
    failures: int = 0
    requests: int = 0
    seconds: float = 0.0
    dropped: str | None = None


@dataclass(slots=True)
class _Task:
    job: Any
    attempts: int = 0
    excluded: set[TdxHost] = field(default_factory=set)
    suspect: tuple[TdxHost, str, Any] | None = None
    notes: list[str] = field(default_factory=list)


class ServerPool:
    """See the module docstring. ``hosts`` fastest first; the first ``workers`` are used, the rest spares."""

    def __init__(self, hosts: list[TdxHost], *, workers: int, timeout_s: float = 5.0, max_attempts: int = 3,
                 reconnects: int = 1) -> None:
        if not hosts:
            raise SourceUnavailable("no TDX server to use")
        self.hosts = list(hosts)
        self.workers = max(1, min(workers, len(self.hosts)))
        self.timeout_s = timeout_s
        self.max_attempts = max_attempts
        self.reconnects = reconnects
        self.stats = {h: ServerStats(h) for h in self.hosts}
        self._spares = collections.deque(self.hosts[self.workers:])
        self._alive: set[TdxHost] = set()
        self._cond = threading.Condition()
        self._pending: collections.deque[_Task] = collections.deque()
        self._open = 0
        self._out: queue.Queue[Outcome] = queue.Queue()
        self._stop = threading.Event()

    @property
    def alive(self) -> list[TdxHost]:
        with self._cond:
            return [h for h in self.hosts if h in self._alive]

    def dropped(self) -> list[tuple[TdxHost, str]]:
        return [(s.host, s.dropped) for s in self.stats.values() if s.dropped]

    # ------------------------------------------------------------------ driving
    def run(self, jobs: Iterable[Job], judge: Judge | None = None, *, queue_size: int = 64) -> Iterator[Outcome]:
        """Run ``jobs`` on the servers; yield one ``Outcome`` per job, in completion order."""
        tasks = [_Task(j) for j in jobs]
        if not tasks:
            return
        self._out = queue.Queue(maxsize=max(queue_size, 1))
        self._stop.clear()
        with self._cond:
            self._pending.extend(tasks)
            self._open = len(tasks)
            live = [h for h in self.hosts if not self.stats[h].dropped]
            start = live[: self.workers]
            self._spares = collections.deque(h for h in live[self.workers:])
            self._alive = set(start)
        threads = [threading.Thread(target=self._worker, args=(h, judge), name=f"tdx-{h.host}:{h.port}", daemon=True)
                   for h in start]
        if not threads:
            for t in tasks:
                yield Outcome(t.job, error="no usable TDX server left")
            return
        for t in threads:
            t.start()
        try:
            done = 0
            while done < len(tasks):
                outcome = self._out.get()
                done += 1
                yield outcome
        finally:
            self._stop.set()
            with self._cond:
                self._cond.notify_all()
            for t in threads:
                t.join(timeout=self.timeout_s * 2 + 1)

    # ------------------------------------------------------------------ worker side
    def _worker(self, host: TdxHost | None, judge: Judge | None) -> None:
        conn: TdxConnection | None = None
        while host is not None and not self._stop.is_set():
            verdict = self.stats[host].dropped
            if verdict is not None:  # dropped on another worker's evidence
                if conn is not None:
                    conn.close()
                    self._account(conn)
                    conn = None
                host = self._drop(host, verdict)
                continue
            if conn is None:
                conn = TdxConnection(host, timeout_s=self.timeout_s)
            task = self._take(host)
            if task is None:
                break
            failure = self._attempt(conn, task, judge)
            if failure is not None:
                conn.close()
                self._account(conn)
                conn = None
                host = self._drop(host, failure)
        if conn is not None:
            conn.close()
            self._account(conn)

    def _account(self, conn: TdxConnection) -> None:
        with self._cond:
            st = self.stats[conn.host]
            st.requests += conn.requests
            st.seconds += conn.seconds
        conn.requests, conn.seconds = 0, 0.0

    def _attempt(self, conn: TdxConnection, task: _Task, judge: Judge | None) -> str | None:
        """Run one task; return a reason when the server must be dropped (the task is then requeued)."""
        host = conn.host
        task.attempts += 1
        tries = 0
        while True:
            try:
                result = task.job.run(conn)
                break
            except SourceUnavailable as e:
                tries += 1
                if tries > self.reconnects or not is_retryable(e):  # not retryable: straight to another server
                    return self._requeue(task, host, f"unreachable: {_own(e, host)}")
            except SourceDataError as e:
                # garbage from one server may be the data itself: ask another before blaming anyone
                self._doubt(task, host, f"malformed answer: {_own(e, host)}")
                return None
            except Exception as e:  # noqa: BLE001 - a bug in one job must not kill the worker
                log.exception("tdx job %s failed", task.job.key)
                self._finish(task, host, error=f"{type(e).__name__}: {e}")
                return None
        with self._cond:
            self.stats[host].jobs += 1
        signature = judge(task.job, result) if judge else None
        if signature is None:
            if task.suspect is not None:
                bad_host, bad_sig, _ = task.suspect
                task.notes.append(f"{bad_host.label} sent bad data ({bad_sig}); {host.label} sent good data")
                self._drop_other(bad_host, f"sent bad data for {task.job.key}: {bad_sig}")
            self._finish(task, host, result=result)
            return None
        if task.suspect is not None and task.suspect[1] == signature:
            task.notes.append(f"{task.suspect[0].label} and {host.label} agree: {signature}")
            self._finish(task, host, result=result)
            return None
        task.suspect = (host, signature, result)  # a readable doubtful answer beats an unreadable one
        task.notes.append(f"{host.label}: {signature}")
        with self._cond:
            others = self._alive - task.excluded - {host}
            can_retry = task.attempts < self.max_attempts and bool(others)
            if can_retry:
                task.excluded.add(host)
                self._pending.appendleft(task)
                self._cond.notify_all()
                return None
        self._finish(task, host, result=result)
        return None

    def _doubt(self, task: _Task, host: TdxHost, why: str) -> None:
        """A job this server could not answer readably: retry elsewhere; a clean answer there drops this
        server (see ``_attempt``), the same failure everywhere ends the job with that error."""
        task.notes.append(f"{host.label}: {why}")
        with self._cond:
            self.stats[host].failures += 1
            if task.suspect is None:
                task.suspect = (host, why, _UNREADABLE)
            others = self._alive - task.excluded - {host}
            if task.attempts < self.max_attempts and others:
                task.excluded.add(host)
                self._pending.appendleft(task)
                self._cond.notify_all()
                return
            self._finish_suspect(task)

    def _finish_suspect(self, task: _Task) -> None:
        """End a task with its doubted result, or its error when no server answered readably (lock held)."""
        bad_host, why, result = task.suspect  # type: ignore[misc]
        if result is _UNREADABLE:
            self._finish_locked(task, bad_host, error=why)
        else:
            self._finish_locked(task, bad_host, result=result)

    def _take(self, host: TdxHost) -> _Task | None:
        with self._cond:
            while not self._stop.is_set():
                for i, task in enumerate(self._pending):
                    if host not in task.excluded:
                        del self._pending[i]
                        return task
                if self._open == 0:
                    return None
                self._cond.wait(0.5)
            return None

    def _requeue(self, task: _Task, host: TdxHost, reason: str) -> str:
        task.notes.append(f"{host.label}: {reason}")
        with self._cond:
            task.excluded.add(host)
            self.stats[host].failures += 1
            self._pending.appendleft(task)
            self._cond.notify_all()
        return reason

    def _drop(self, host: TdxHost, reason: str) -> TdxHost | None:
        """Drop the worker's own server; return its replacement (a spare) or None."""
        log.warning("tdx server %s dropped: %s", host.label, reason)
        with self._cond:
            if not self.stats[host].dropped:
                self.stats[host].dropped = reason
            self._alive.discard(host)
            nxt = self._spares.popleft() if self._spares else None
            if nxt is not None:
                self._alive.add(nxt)
            self._settle()
            return nxt

    def _drop_other(self, host: TdxHost, reason: str) -> None:
        """Mark another worker's server as bad; that worker notices when it next takes a job."""
        with self._cond:
            if not self.stats[host].dropped:
                self.stats[host].dropped = reason
                log.warning("tdx server %s dropped: %s", host.label, reason)
            for task in self._pending:
                task.excluded.add(host)
            self._cond.notify_all()

    def _settle(self) -> None:
        """Finish pending tasks that no live server may run any more (caller holds the lock)."""
        for task in list(self._pending):
            if not (self._alive - task.excluded) and task in self._pending:
                self._pending.remove(task)
                if task.suspect is not None:
                    self._finish_suspect(task)
                else:
                    why = "; ".join(task.notes[-3:]) or "; ".join(
                        f"{h.label} dropped: {r}" for h, r in self.dropped()[-3:]) or "no server"
                    self._finish_locked(task, None, error=f"no usable TDX server left ({why})")
        self._cond.notify_all()

    def _finish(self, task: _Task, host: TdxHost | None, *, result: Any = None, error: str | None = None) -> None:
        with self._cond:
            self._finish_locked(task, host, result=result, error=error)

    def _finish_locked(self, task: _Task, host: TdxHost | None, *, result: Any = None,
                       error: str | None = None) -> None:
        self._open -= 1
        outcome = Outcome(task.job, result, error, host, task.attempts, task.notes)
        # a bounded queue: wait for the consumer without holding the lock
        self._cond.release()
        try:
            while not self._stop.is_set():
                try:
                    self._out.put(outcome, timeout=0.2)
                    break
                except queue.Full:
                    continue
        finally:
            self._cond.acquire()


def _own(error: Exception, host: TdxHost) -> str:
    """The error's text without the host label the connection put in front (the pool adds its own)."""
    text = str(error)
    prefix = f"{host.label}: "
    return text[len(prefix):] if text.startswith(prefix) else text
