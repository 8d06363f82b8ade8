"""Clocks: the only place that reads wall time.

Everything that schedules (collector phases, strategy timers, bar boundaries) takes a ``Clock`` so
that tests can drive 11:30, 15:00, weekends and New Year in microseconds with ``FakeClock``. All
wall times are aware datetimes in the exchange time zone, Asia/Shanghai, whatever the host's zone.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

EXCHANGE_TZ = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    """What schedulers need from time."""

    def now(self) -> datetime:
        """Aware wall time in ``EXCHANGE_TZ``."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (for intervals)."""
        ...

    def sleep(self, seconds: float, stop: threading.Event | None = None) -> bool:
        """Sleep; return True early if ``stop`` was set."""
        ...


class LiveClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(EXCHANGE_TZ)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float, stop: threading.Event | None = None) -> bool:
        seconds = max(0.0, seconds)
        if stop is None:
            time.sleep(seconds)
            return False
        return stop.wait(seconds)


class FakeClock:
    """A clock that only moves when told to (or when something sleeps on it)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            start = start.replace(tzinfo=EXCHANGE_TZ)
        self._now = start.astimezone(EXCHANGE_TZ)
        self._mono = 0.0
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)
            self._mono += seconds

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            when = when.replace(tzinfo=EXCHANGE_TZ)
        with self._lock:
            delta = (when - self._now).total_seconds()
            self._now = when.astimezone(EXCHANGE_TZ)
            self._mono += max(0.0, delta)

    def sleep(self, seconds: float, stop: threading.Event | None = None) -> bool:
        seconds = max(0.0, seconds)
        self.sleeps.append(seconds)
        if stop is not None and stop.is_set():
            return True
        self.advance(seconds)
        return False


class MarketClock(LiveClock):
    """Exchange time as the market data says it is: the newest spot time observed so far.

    For replays and rehearsals: timers (``run_daily_at(14:55)``) and "today" follow the recorded market,
    not the wall clock. Until the first observation it is the wall clock. Intervals (``monotonic``,
    ``sleep``) stay real.
    """

    def __init__(self) -> None:
        self._data_now: datetime | None = None
        self._lock = threading.Lock()

    @property
    def observed(self) -> bool:
        """True once any data time was observed."""
        return self._data_now is not None

    def observe(self, when: datetime) -> None:
        if when.tzinfo is None:
            when = when.replace(tzinfo=EXCHANGE_TZ)
        with self._lock:
            if self._data_now is None or when > self._data_now:
                self._data_now = when

    def now(self) -> datetime:
        with self._lock:
            return self._data_now if self._data_now is not None else datetime.now(EXCHANGE_TZ)
