"""What the monitor reads from the bus, kept off the Qt thread: the newest spot of every code, live bars of
the one code the chart shows, and bus-health samples.

The subscriber decodes on its own receive thread and keeps the newest spot per code (``latest()``); this
class adds, on that same thread, the live bars (day, 1-minute, 5-minute) of the charted code on top of its
history from the store (read by a worker thread when the code is chosen). The Qt thread only copies
finished numbers out under a lock, so a full market (6,000 spots every 3 s) never stalls the window.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

from hikyuu_live.bus import SpotSubscriber
from hikyuu_live.clock import EXCHANGE_TZ
from hikyuu_live.model.bars import LiveBars
from hikyuu_live.model.codec import DecodedBatch
from hikyuu_live.model.kdata import KDATA_DTYPE, KType
from hikyuu_live.model.spot import market_codes

log = logging.getLogger(__name__)

CHART_KTYPES = (KType.DAY, KType.MIN, KType.MIN5)
HISTORY_BARS = {KType.DAY: 500, KType.MIN: 960, KType.MIN5: 480}
HEALTH_SAMPLES = 900  # one a second: the last 15 minutes

History = Callable[[list[str], KType, int], Mapping[str, np.ndarray]]


@dataclass(frozen=True, slots=True)
class HealthSample:
    """One second of bus health."""

    t: float  # monotonic seconds
    messages_per_s: float
    spots_per_s: float
    latency_ms: float  # send-to-receive latency of the last cycle
    gaps: int  # lost messages so far
    lost_cycles: int
    stale: bool


class MarketFeed:
    """A subscriber plus the charted code's live bars; see the module docstring."""

    def __init__(self, address: str, *, history: History | None = None, stale_after_s: float = 5.0) -> None:
        self.address = address
        self.history = history
        self.subscriber = SpotSubscriber(address, on_batch=self._on_batch, keep_latest=True,
                                         stale_after_s=stale_after_s)
        self.health: deque[HealthSample] = deque(maxlen=HEALTH_SAMPLES)
        self._lock = threading.Lock()
        self._code: str | None = None
        self._bars: LiveBars | None = None
        self._pending: list[np.ndarray] = []  # spots of the charted code that came while its history loaded
        self._bars_version = 0
        self._last_sample: tuple[float, int, int] | None = None
        self._newest_day: date | None = None

    def start(self) -> MarketFeed:
        self.subscriber.start()
        return self

    def stop(self) -> None:
        self.subscriber.stop()

    # ------------------------------------------------------------------ receive thread
    def _on_batch(self, batch: DecodedBatch) -> None:
        spots = batch.spots
        if not len(spots):
            return
        day = spots["datetime"].max().astype("M8[D]").item()
        if self._newest_day is None or day > self._newest_day:
            self._newest_day = day
        code = self._code
        if code is None:
            return
        mine = spots[market_codes(spots) == code]
        if not len(mine):
            return
        with self._lock:
            if code != self._code:
                return
            if self._bars is None:
                self._pending.append(mine.copy())
            else:
                self._bars.update(mine)
                self._bars_version += 1

    # ------------------------------------------------------------------ chart
    @property
    def code(self) -> str | None:
        return self._code

    def trading_day(self) -> date:
        """The newest day on the bus (a replay's recorded day), else today in exchange time."""
        return self._newest_day or datetime.now(EXCHANGE_TZ).date()

    def select(self, code: str | None) -> None:
        """Chart ``code`` (``SH600000``); ``load_history`` must follow (on a worker thread)."""
        with self._lock:
            self._code = code.upper() if code else None
            self._bars = None
            self._pending = []
            self._bars_version += 1

    def load_history(self, code: str) -> str:
        """Read ``code``'s stored bars and start its live bars on them. Blocking (a worker thread calls it);
        returns ``"<stored bars>"``, or ``"0 <why none>"``, for the status line."""
        history: dict[KType, Mapping[str, np.ndarray]] = {}
        note = "0 no store configured"
        if self.history is not None:
            try:
                for k in CHART_KTYPES:
                    history[k] = self.history([code], k, HISTORY_BARS[k])
                note = str(sum(len(v.get(code, ())) for v in history.values()))
            except Exception as e:  # noqa: BLE001 - the chart still shows live bars
                log.warning("history of %s not read: %s", code, e)
                history, note = {}, f"0 {e}"
        bars = LiveBars([code], CHART_KTYPES, self.trading_day(), history=history)
        with self._lock:
            if self._code != code:
                return note
            for spots in self._pending:
                bars.update(spots)
            self._pending = []
            self._bars = bars
            self._bars_version += 1
        return note

    def bars(self, ktype: KType) -> tuple[int, np.ndarray]:
        """(version, bars of the charted code): the version changes whenever the bars do."""
        with self._lock:
            if self._bars is None or self._code is None:
                return self._bars_version, np.zeros(0, dtype=KDATA_DTYPE)
            return self._bars_version, self._bars.bars(self._code, ktype).copy()

    # ------------------------------------------------------------------ health
    def sample(self) -> HealthSample:
        """Take one health sample (call about once a second); kept in ``health``."""
        st = self.subscriber.stats
        now = time.monotonic()
        last = self._last_sample or (now - 1.0, st.messages, st.spots)
        dt = max(1e-3, now - last[0])
        s = HealthSample(now, (st.messages - last[1]) / dt, (st.spots - last[2]) / dt,
                         st.last_cycle_latency_s * 1000.0, st.gaps, st.lost_cycles, self.subscriber.is_stale)
        self._last_sample = (now, st.messages, st.spots)
        self.health.append(s)
        return s


__all__ = ["CHART_KTYPES", "HEALTH_SAMPLES", "HealthSample", "MarketFeed"]
