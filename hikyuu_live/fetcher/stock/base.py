"""The quote-source family: one base class, one module per source (qq, qmt).

A source fetches one full-market cycle as a known number of batches (so the publisher can announce
``msg_count`` before the first message) and hands each batch to ``emit`` as soon as it is ready, possibly
from worker threads. The public ``fetch_cycle`` checks each batch is a ``SPOT_DTYPE`` array, counts, logs
and isolates failures; a source implements only ``batch_count`` and ``_fetch``. A batch that fails is
counted by reason and never sinks the cycle; a malformed record is skipped with a counted reason and never
sinks its batch.

The replay source is in the registry (``fetcher.stock.create_source``) but not in this family: it is paced
by its recording, not by a poll schedule (``fetcher.stock.replay`` and ``fetcher.replay_service``).
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from hikyuu_live.model.spot import SPOT_DTYPE

log = logging.getLogger(__name__)

Emit = Callable[[np.ndarray], None]


@dataclass(slots=True)
class SourceStats:
    cycles: int = 0
    batches_ok: int = 0
    batches_failed: Counter[str] = field(default_factory=Counter)
    records_bad: Counter[str] = field(default_factory=Counter)
    spots: int = 0
    last_cycle_s: float = 0.0
    last_cycle_spots: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def bad_records(self, reasons: Counter[str]) -> None:
        with self.lock:
            self.records_bad.update(reasons)

    def failed_batch(self, reason: str) -> None:
        with self.lock:
            self.batches_failed[reason] += 1


@dataclass(slots=True)
class CycleResult:
    spots: int
    batches_ok: int
    batches_failed: int
    seconds: float


class SpotSource(ABC):
    """A poll-driven quote source; see the module docstring."""

    name = "source"

    def __init__(self) -> None:
        self.stats = SourceStats()

    @abstractmethod
    def batch_count(self) -> int:
        """How many batches (bus messages) one cycle has."""

    @abstractmethod
    def _fetch(self, emit: Emit, stop: threading.Event) -> None:
        """Fetch one cycle, calling ``emit`` per good batch and ``stats.failed_batch`` per failed one."""

    def fetch_cycle(self, emit: Emit, stop: threading.Event | None = None) -> CycleResult:
        """Fetch one full-market cycle; ``emit`` may be called from several threads."""
        stop = stop or threading.Event()
        st = self.stats
        t0 = time.perf_counter()
        ok_before = st.batches_ok
        failed_before = sum(st.batches_failed.values())
        counted = 0
        lock = threading.Lock()

        def counting_emit(spots: np.ndarray) -> None:
            nonlocal counted
            if getattr(spots, "dtype", None) != SPOT_DTYPE:  # a source bug: fail that batch, not the bus
                log.error("%s: a batch of dtype %s, not SPOT_DTYPE: dropped", self.name, getattr(spots, "dtype", None))
                st.failed_batch("bad_dtype")
                return
            emit(spots)
            with lock:
                counted += len(spots)
            with st.lock:
                st.batches_ok += 1

        try:
            self._fetch(counting_emit, stop)
        except Exception as e:  # a source bug must not kill the collector loop
            log.exception("%s: cycle failed", self.name)
            st.failed_batch(type(e).__name__)
        seconds = time.perf_counter() - t0
        with st.lock:
            st.cycles += 1
            st.spots += counted
            st.last_cycle_s = seconds
            st.last_cycle_spots = counted
        return CycleResult(counted, st.batches_ok - ok_before, sum(st.batches_failed.values()) - failed_before,
                           seconds)

    def close(self) -> None:  # noqa: B027 - optional hook, most sources hold nothing
        """Release connections (override when the source holds any)."""
