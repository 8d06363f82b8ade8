"""Service: publish a recorded stream on the bus with its original pacing (``spot_server --source replay``)."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from hikyuu_live.bus import QuotePublisher
from hikyuu_live.fetcher.stock.replay import ReplaySource

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ReplayResult:
    cycles: int = 0
    spots: int = 0
    messages: int = 0
    seconds: float = 0.0
    stopped_early: bool = False


def run_replay(source: ReplaySource, publisher: QuotePublisher, stop: threading.Event | None = None,
               *, wait_subscribers: int = 0, wait_s: float = 10.0) -> ReplayResult:
    """Publish every cycle of ``source`` (paced by its clock) until done or ``stop`` is set.

    ``wait_subscribers`` delays the first cycle until that many subscribers are connected (pub/sub
    drops whatever is sent before a subscriber's pipe is up), for at most ``wait_s`` seconds.
    """
    stop = stop or threading.Event()
    result = ReplayResult()
    if wait_subscribers and not publisher.wait_for_subscribers(wait_subscribers, wait_s):
        log.warning("no subscriber after %.1f s; replaying anyway", wait_s)
    t0 = time.monotonic()
    for spots in source.iter_cycles(stop):
        t = time.perf_counter()
        result.messages += publisher.publish_cycle(spots)
        result.cycles += 1
        result.spots += len(spots)
        log.info("cycle=%d spots=%d publish_ms=%.1f subscribers=%d", publisher.last_cycle_id, len(spots),
                 (time.perf_counter() - t) * 1e3, publisher.subscriber_count)
    result.stopped_early = stop.is_set()
    result.seconds = time.monotonic() - t0
    return result
