"""The broker's worker thread: where every order is sized, checked against the account, sent and confirmed.

One worker per broker runs jobs one at a time, in the order they were queued, so orders reach the trading
client in the order the strategy gave them and never overlap (a desktop client behind easytrader has one
GUI). The strategy's thread only queues; it never waits for the client. When the queue is idle the
worker calls ``idle`` every ``idle_every_s`` (reconciliation of orders still open at the broker).

The thread is a daemon, so a process that ends without ``stop`` is not held open by it; an order cut off
that way is in the broker's journal (easytrader) and is resolved when the broker starts again.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Job = tuple[Any, ...]


class OrderWorker:
    """A thread that runs ``handle(job)`` for each queued job; see the module docstring."""

    def __init__(self, name: str, handle: Callable[[Job], None], *, idle: Callable[[], None] | None = None,
                 idle_every_s: float = 0.0) -> None:
        self.name = name
        self._handle = handle
        self._idle = idle
        self.idle_every_s = idle_every_s
        self._jobs: queue.Queue[Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._pending_kinds: dict[str, int] = {}
        self._stopping = False

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def put(self, job: Job, *, once: bool = False) -> bool:
        """Queue ``job`` (its first item is its kind); with ``once``, not if one of that kind is waiting.
        Returns whether it was queued (False as well while the worker is being stopped)."""
        kind = str(job[0])
        with self._lock:
            if self._stopping:
                log.warning("%s is stopping: %s not queued", self.name, kind)
                return False
            if once and self._pending_kinds.get(kind):
                return False
            self._pending_kinds[kind] = self._pending_kinds.get(kind, 0) + 1
            if not self.alive:
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
        self._jobs.put(job)
        return True

    def drain(self, timeout_s: float | None = None) -> bool:
        """Wait until every queued job is done (True) or ``timeout_s`` passed (False)."""
        done = threading.Event()
        with self._lock:
            if not self.alive:
                return self._jobs.unfinished_tasks == 0
            self._pending_kinds["_drain"] = self._pending_kinds.get("_drain", 0) + 1
        self._jobs.put(("_drain", done))
        return done.wait(timeout_s)

    def stop(self, timeout_s: float | None = None) -> bool:
        """Finish the queued jobs (up to ``timeout_s``) and end the thread; True when it ended."""
        with self._lock:
            self._stopping = True
            thread = self._thread
        if thread is None or not thread.is_alive():
            with self._lock:
                self._stopping = False
            return True
        self._jobs.put(None)
        thread.join(timeout_s)
        if thread.is_alive():
            return False
        with self._lock:
            self._stopping = False  # a broker started again gets a new thread on its next job
        return True

    def _run(self) -> None:
        while True:
            try:
                job = self._jobs.get(timeout=self.idle_every_s or None)
            except queue.Empty:
                self._run_idle()
                continue
            try:
                if job is None:
                    return
                with self._lock:
                    self._pending_kinds[str(job[0])] -= 1
                if job[0] == "_drain":
                    job[1].set()
                    continue
                self._handle(job)
            except Exception:  # a job's own handler logs what it can; nothing may end this thread
                log.exception("%s: job %s failed", self.name, job[0] if job else job)
            finally:
                self._jobs.task_done()

    def _run_idle(self) -> None:
        if self._idle is None:
            return
        try:
            self._idle()
        except Exception:
            log.exception("%s: idle work failed", self.name)
