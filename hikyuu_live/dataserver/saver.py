"""Batched, retrying writes of accepted ticks to one store, on the store's own thread.

The ingest thread hands every batch of accepted ticks to ``submit`` (a list append). The saver
writes what has accumulated every ``flush_interval_s`` in one store call, so HDF5 appends and
ClickHouse inserts stay few and large. A failing store is retried with back-off (1, 2, 4 ... 30 s)
while the rows wait in memory; past ``max_pending_rows`` the oldest waiting rows are dropped and
counted (``dropped``), so a dead database cannot exhaust memory. ``flush`` and ``close`` write
everything still waiting; ``close`` gives up at the first failed attempt (a store failing now will not
recover within a shutdown; the rows left are counted in ``unsaved_rows`` and logged), so a failing store
cannot hold up a stop.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import numpy as np

from hikyuu_live.store.ticks import TickStore

log = logging.getLogger(__name__)


@dataclass(slots=True)
class SaverStats:
    saved_rows: int = 0
    saved_seq: int = -1  # highest seq written (of the newest day written)
    writes: int = 0
    errors: int = 0
    dropped: int = 0
    last_error: str = ""
    last_write_ms: float = 0.0
    last_write_rows: int = 0


class TickSaver:
    """Writes submitted records to ``store`` in batches; see the module docstring."""

    def __init__(self, store: TickStore, *, flush_interval_s: float = 1.0, max_pending_rows: int = 10_000_000,
                 max_backoff_s: float = 30.0) -> None:
        if flush_interval_s <= 0:
            raise ValueError("flush_interval_s must be > 0")
        self.store = store
        self.flush_interval_s = flush_interval_s
        self.max_pending_rows = max_pending_rows
        self.max_backoff_s = max_backoff_s
        self.stats = SaverStats()
        self.unsaved_rows = 0  # rows that could not be written before ``close``
        self._pending: list[np.ndarray] = []
        self._pending_rows = 0
        self._cond = threading.Condition()
        self._flush_asked = False
        self._stop = False
        self._writing = False
        self._failures = 0
        self._thread: threading.Thread | None = None

    @property
    def pending_rows(self) -> int:
        return self._pending_rows

    def start(self) -> TickSaver:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"tick-saver-{self.store.name}", daemon=True)
            self._thread.start()
        return self

    def submit(self, records: np.ndarray) -> None:
        if not len(records):
            return
        with self._cond:
            self._pending.append(records)
            self._pending_rows += len(records)
            while self._pending_rows > self.max_pending_rows and len(self._pending) > 1:
                old = self._pending.pop(0)
                self._pending_rows -= len(old)
                self.stats.dropped += len(old)
                log.error("%s store is behind: dropped %d unsaved ticks (max_pending_rows=%d)",
                          self.store.name, len(old), self.max_pending_rows)

    def flush(self, timeout_s: float = 30.0, *, give_up_on_failure: bool = False) -> bool:
        """Write everything submitted so far; True when it is written within ``timeout_s`` (retrying a
        failing store meanwhile, or, with ``give_up_on_failure``, False at the first failed attempt)."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            failed_before = self.stats.errors
            self._flush_asked = True
            self._cond.notify_all()
            while self._pending_rows or self._writing:
                left = deadline - time.monotonic()
                if left <= 0 or self._thread is None or not self._thread.is_alive():
                    return False
                if give_up_on_failure and self.stats.errors > failed_before and not self._writing:
                    return False
                self._cond.wait(min(left, 0.1))
        return True

    def close(self, timeout_s: float = 30.0) -> None:
        if self._thread is not None:
            if not self.flush(timeout_s, give_up_on_failure=True):
                self.unsaved_rows = self._pending_rows
                log.error("%s store: %d ticks could not be written before closing (last error: %s)",
                          self.store.name, self.unsaved_rows, self.stats.last_error)
            with self._cond:
                self._stop = True
                self._cond.notify_all()
            self._thread.join(timeout=timeout_s)
            self._thread = None
        self.store.close()

    # ------------------------------------------------------------------ thread
    def _take(self) -> np.ndarray | None:
        with self._cond:
            if not self._pending:
                return None
            batch = self._pending[0] if len(self._pending) == 1 else np.concatenate(self._pending)
            self._pending, self._pending_rows = [], 0
            self._writing = True
            return batch

    def _put_back(self, batch: np.ndarray) -> None:
        with self._cond:
            self._pending.insert(0, batch)
            self._pending_rows += len(batch)

    def _run(self) -> None:
        next_due = time.monotonic() + self.flush_interval_s
        while True:
            with self._cond:
                while not (self._stop or self._flush_asked) and time.monotonic() < next_due:
                    self._cond.wait(max(0.0, next_due - time.monotonic()))
                if self._stop and not self._pending:
                    return
                self._flush_asked = False
            next_due = time.monotonic() + self.flush_interval_s
            batch = self._take()
            if batch is None:
                continue
            ok = self._write(batch)
            with self._cond:
                self._writing = False
                self._cond.notify_all()
            if not ok:
                backoff = min(self.max_backoff_s, 2.0 ** (self._failures - 1))
                next_due = time.monotonic() + backoff
                if self._stop:
                    return

    def _write(self, batch: np.ndarray) -> bool:
        st = self.stats
        t0 = time.perf_counter()
        try:
            self.store.write(batch)
        except Exception as e:
            self._failures += 1
            st.errors += 1
            st.last_error = f"{type(e).__name__}: {e}"
            log.error("writing %d ticks to %s failed (attempt %d): %s", len(batch), self.store.describe(),
                      self._failures, st.last_error)
            self._put_back(batch)
            return False
        self._failures = 0
        st.writes += 1
        st.saved_rows += len(batch)
        st.saved_seq = int(batch["seq"][-1])
        st.last_write_rows = len(batch)
        st.last_write_ms = (time.perf_counter() - t0) * 1e3
        log.debug("store=%s rows=%d ms=%.1f", self.store.name, len(batch), st.last_write_ms)
        return True
