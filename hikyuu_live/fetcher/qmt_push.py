"""``start_qmt``'s service: QMT whole-market push -> one framed bus cycle per callback, with a watchdog.

- Subscribes the universe with ``subscribe_whole_quote`` in chunks of 250 codes, 0.5 s apart (QMT refuses
  large subscriptions); a refused chunk (``seq < 0``) is logged.
- Every callback becomes one framed cycle (start marker, one message, end marker), published under a lock
  because QMT calls back from its own threads and cycles must not interleave.
- A full snapshot (``get_full_tick``) is published at start and at 09:30 on trading days, so the first
  minute bar has every stock.
- Watchdog: when no tick arrived for ``watchdog_s`` during trading hours, it reconnects (if xtquant offers
  ``reconnect``) and resubscribes everything, and says so in the log and the metrics. Users of other QMT
  wrappers lose their feed silently when QMT's push thread dies or QMT switches servers.

Runs on Windows beside QMT: no POSIX-only calls here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta
from typing import Any

import numpy as np

from hikyuu_live.bus import QuotePublisher
from hikyuu_live.clock import EXCHANGE_TZ, Clock
from hikyuu_live.fetcher.metrics import CollectorMetrics
from hikyuu_live.fetcher.stock.zh_stock_a_qmt import QmtSpotSource, qmt_symbol, ticks_to_spots
from hikyuu_live.model.calendar import TradingCalendar
from hikyuu_live.model.codes import CodeInfo

log = logging.getLogger(__name__)

OPEN_PULL = time(9, 30)


class QmtPushCollector:
    """See the module docstring."""

    def __init__(self, xtdata: Any, codes: Sequence[CodeInfo], publisher: QuotePublisher, *,
                 calendar: TradingCalendar, clock: Clock, metrics: CollectorMetrics | None = None,
                 chunk: int = 250, chunk_pause_s: float = 0.5, watchdog_s: float = 60.0) -> None:
        self.xtdata = xtdata
        self.symbols = [qmt_symbol(c) for c in codes]
        self.names = {c.market_code: c.name for c in codes}
        self.snapshotter = QmtSpotSource(codes, xtdata=xtdata)
        self.publisher = publisher
        self.calendar = calendar
        self.clock = clock
        self.metrics = metrics or CollectorMetrics("qmt")
        self.chunk = chunk
        self.chunk_pause_s = chunk_pause_s
        self.watchdog_s = watchdog_s
        self.seqs: list[int] = []
        self.pushes = 0
        self.resubscribes = 0
        self.snapshots = 0
        self._publish_lock = threading.Lock()
        self._last_tick = clock.monotonic()
        self._next_pull: datetime | None = None

    # ------------------------------------------------------------------ publishing
    def publish(self, spots: np.ndarray) -> None:
        with self._publish_lock, self.publisher.open_cycle(1) as cyc:
            cyc.send(spots)

    def on_push(self, datas: Mapping[str, Mapping[str, Any]]) -> None:
        """QMT's callback (its thread): one framed cycle per push."""
        self._last_tick = self.clock.monotonic()
        spots, bad = ticks_to_spots(datas, self.names, disagreements=self.snapshotter.disagreements)
        if bad:
            log.debug("qmt push: skipped %s", dict(bad))
        if len(spots):
            self.publish(spots)
            self.pushes += 1
            m = self.metrics
            m.cycles.labels("qmt", "push").inc()
            m.spots.labels("qmt").set(len(spots))
            m.last_success.labels("qmt").set(self.clock.now().timestamp())

    def snapshot(self) -> None:
        spots = self.snapshotter.snapshot()
        self.publish(spots)
        self.snapshots += 1
        self.metrics.cycles.labels("qmt", "snapshot").inc()
        log.info("published a full snapshot of %d codes", len(spots))

    # ------------------------------------------------------------------ subscriptions
    def subscribe_all(self, stop: threading.Event) -> int:
        self.seqs = []
        for i in range(0, len(self.symbols), self.chunk):
            part = self.symbols[i:i + self.chunk]
            seq = self.xtdata.subscribe_whole_quote(part, self.on_push)
            if seq is None or seq < 0:
                log.error("订阅失败 (subscription refused) for %d codes starting %s", len(part), part[0])
            else:
                self.seqs.append(seq)
            if i + self.chunk < len(self.symbols) and self.clock.sleep(self.chunk_pause_s, stop):
                break
        self._last_tick = self.clock.monotonic()
        log.info("subscribed %d codes in %d chunks", len(self.symbols), len(self.seqs))
        return len(self.seqs)

    def resubscribe(self, stop: threading.Event) -> None:
        silent = self.clock.monotonic() - self._last_tick
        log.warning("no QMT tick for %.0f s during trading hours: reconnecting and resubscribing", silent)
        for seq in self.seqs:
            try:
                self.xtdata.unsubscribe_quote(seq)
            except Exception:  # noqa: BLE001 - a dead subscription may refuse
                log.debug("unsubscribe %s failed", seq, exc_info=True)
        reconnect = getattr(self.xtdata, "reconnect", None)
        if callable(reconnect):
            try:
                reconnect()
            except Exception:  # noqa: BLE001
                log.exception("xtdata.reconnect failed")
        self.subscribe_all(stop)
        self.resubscribes += 1
        self.metrics.resubscribes.labels("qmt").inc()

    # ------------------------------------------------------------------ loop
    def _due_pull(self, now: datetime) -> datetime:
        day = now.date()
        for _ in range(60):
            at = datetime.combine(day, OPEN_PULL, tzinfo=EXCHANGE_TZ)
            if at > now and self.calendar.is_trading_day(day):
                return at
            day += timedelta(days=1)
        raise RuntimeError("no trading day within 60 days")

    def step(self, stop: threading.Event) -> None:
        """One pass of the main loop: the 09:30 pull and the watchdog."""
        now = self.clock.now()
        if self._next_pull is None:
            self._next_pull = self._due_pull(now)
        if now >= self._next_pull:
            self._next_pull = self._due_pull(now)
            self._safe(self.snapshot)
        silent = self.clock.monotonic() - self._last_tick
        self.metrics.feed_silence.labels("qmt").set(silent)
        if silent > self.watchdog_s and self.calendar.is_trading_time(now):
            self.resubscribe(stop)

    def _safe(self, func: Any) -> None:
        try:
            func()
        except Exception:
            log.exception("%s failed", getattr(func, "__name__", func))

    def run(self, stop: threading.Event, poll_s: float = 1.0) -> None:
        if self.calendar.is_trading_day(self.clock.now().date()):
            self._safe(self.snapshot)
        self.subscribe_all(stop)
        while not stop.is_set():
            self.step(stop)
            if self.clock.sleep(poll_s, stop):
                break
        for seq in self.seqs:
            self._safe(lambda s=seq: self.xtdata.unsubscribe_quote(s))
