"""The polling collector: schedule -> source -> publisher, one framed cycle at a time.

Each cycle announces the source's batch count, sends every batch as soon as it is parsed (from the
source's worker threads), and ends with the end marker; batches that failed are sent as empty messages
so subscribers see the cycle complete and count only real bus losses as gaps. A stop request (Ctrl-C,
SIGTERM) during a cycle abandons it visibly (logged, counted, no end marker) and returns; sockets are
closed by the caller. One ``key=value`` log line per cycle, and Prometheus metrics.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from datetime import datetime

import numpy as np

from hikyuu_live.bus import QuotePublisher
from hikyuu_live.clock import Clock
from hikyuu_live.errors import BusClosed
from hikyuu_live.fetcher.metrics import CollectorMetrics
from hikyuu_live.fetcher.schedule import PollSchedule
from hikyuu_live.fetcher.stock.base import CycleResult, SpotSource

log = logging.getLogger(__name__)


def _delta(now: Mapping[str, int], before: Mapping[str, int]) -> dict[str, int]:
    """Counts by reason added since ``before``."""
    return {k: n - before.get(k, 0) for k, n in now.items() if n - before.get(k, 0)}


class Collector:
    """Runs ``source`` on ``schedule`` and publishes through ``publisher``."""

    def __init__(self, source: SpotSource, publisher: QuotePublisher, schedule: PollSchedule, *, clock: Clock,
                 metrics: CollectorMetrics | None = None) -> None:
        self.source = source
        self.publisher = publisher
        self.schedule = schedule
        self.clock = clock
        self.metrics = metrics or CollectorMetrics(source.name)
        self.cycles = 0
        self.abandoned = 0

    def run_cycle(self, stop: threading.Event) -> CycleResult | None:
        """Fetch and publish one cycle; None if it was abandoned because ``stop`` was set."""
        src, m = self.source, self.metrics
        failed_before = dict(src.stats.batches_failed)
        bad_before = dict(src.stats.records_bad)
        writer = self.publisher.open_cycle(src.batch_count())

        def emit(spots: np.ndarray) -> None:
            try:
                writer.send(spots)
            except BusClosed:  # a batch that finished after the cycle was abandoned
                log.debug("late batch of %d spots dropped", len(spots))

        result = src.fetch_cycle(emit, stop)
        if stop.is_set():
            writer.abandon("stop requested")
            self.abandoned += 1
            m.cycles.labels(src.name, "abandoned").inc()
            return None
        writer.close()
        self.cycles += 1
        failed = _delta(src.stats.batches_failed, failed_before)
        bad = _delta(src.stats.records_bad, bad_before)
        for reason, n in failed.items():
            m.failed_batches.labels(src.name, reason).inc(n)
        for reason, n in bad.items():
            m.bad_records.labels(src.name, reason).inc(n)
        if failed or bad:
            log.warning("cycle=%d source=%s failed batches %s, skipped records %s", self.publisher.last_cycle_id,
                        src.name, failed or "none", bad or "none")
        outcome = "complete" if not result.batches_failed else "partial"
        m.cycles.labels(src.name, outcome).inc()
        m.cycle_seconds.labels(src.name).observe(result.seconds)
        m.spots.labels(src.name).set(result.spots)
        m.subscribers.labels(src.name).set(self.publisher.subscriber_count)
        if outcome == "complete":
            m.last_success.labels(src.name).set(time.time())
        log.info("cycle=%d source=%s spots=%d batches_ok=%d batches_failed=%d bad_records=%d seconds=%.3f "
                 "subscribers=%d", self.publisher.last_cycle_id, src.name, result.spots, result.batches_ok,
                 result.batches_failed, sum(bad.values()), result.seconds, self.publisher.subscriber_count)
        return result

    def run(self, stop: threading.Event, *, once: bool = False) -> int:
        """Poll until ``stop`` (or one cycle with ``once``); returns the number of cycles published."""
        last_start: datetime | None = None
        while not stop.is_set():
            if not once:
                wait = self.schedule.sleep_s(last_start)
                if wait > 0:
                    log.debug("next cycle in %.1f s", wait)
                    if self.clock.sleep(wait, stop):
                        break
            last_start = self.clock.now()
            try:
                self.run_cycle(stop)
            except BusClosed:
                break
            except Exception:  # keep collecting: log, count, go on (the original slept 10 s here)
                log.exception("cycle failed")
                self.metrics.cycles.labels(self.source.name, "failed").inc()
            if once:
                break
        return self.cycles
