"""Strategy timers: ``run_daily`` on the session grid and ``run_daily_at`` at a time of day.

Pure computations on exchange wall time; the runtime asks ``next_due(now)`` and runs due timers in
its own thread. Differences from Hikyuu's timers, on purpose:

- ``run_daily`` recomputes the next grid point after every run: points are ``open + k * interval``
  inside each session (09:30-11:30 and 13:00-15:00, both ends included) of every trading day, so an
  interval that does not divide the morning still restarts at 13:00 (Hikyuu repeated from its first
  run and drifted off the afternoon grid).
- An unknown market is an immediate ``ValueError`` (Hikyuu logged it and silently dropped every timer
  registered after it).
- A timer that fell due while a callback was still running runs once when the loop is free and is
  counted as late; it never queues up copies of itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from hikyuu_live.clock import EXCHANGE_TZ
from hikyuu_live.model.kdata import SESSIONS

MARKETS = ("SH", "SZ", "BJ")
#: Every market's continuous sessions are the same today; kept per market for when they differ.
MARKET_SESSIONS: dict[str, tuple[tuple[int, int], ...]] = {m: SESSIONS for m in MARKETS}


def _at(day: date, minutes: float) -> datetime:
    return datetime.combine(day, time(0), tzinfo=EXCHANGE_TZ) + timedelta(minutes=minutes)


@dataclass(slots=True)
class Timer:
    """One registered timer and its bookkeeping."""

    func: Callable[[], None]
    name: str
    kind: str  # "daily" | "daily_at" | "every"
    interval: timedelta | None = None
    at: time | None = None
    market: str = "SH"
    skip_holidays: bool = True
    due: datetime | None = None
    runs: int = 0
    late_runs: int = 0
    max_late_s: float = 0.0
    total_s: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


class TimerTable:
    """Computes due times of ``run_daily`` / ``run_daily_at`` timers on a trading calendar."""

    def __init__(self, is_trading_day: Callable[[date], bool]) -> None:
        self.is_trading_day = is_trading_day
        self.timers: list[Timer] = []

    # ------------------------------------------------------------------ registration
    def add_daily(self, func: Callable[[], None], interval: timedelta, *, market: str = "SH",
                  ignore_market: bool = False, name: str = "") -> Timer:
        if interval <= timedelta(0):
            raise ValueError("run_daily interval must be positive")
        market = market.upper()
        if not ignore_market and market not in MARKET_SESSIONS:
            raise ValueError(f"unknown market {market!r}; valid: {', '.join(MARKETS)}")
        kind = "every" if ignore_market else "daily"
        t = Timer(func, name or getattr(func, "__name__", "timer"), kind, interval=interval, market=market)
        self.timers.append(t)
        return t

    def add_daily_at(self, func: Callable[[], None], at: time, *, ignore_holiday: bool = True,
                     name: str = "") -> Timer:
        if any(t.kind == "daily_at" and t.at == at for t in self.timers):
            raise ValueError(f"a run_daily_at task already exists at {at}")
        t = Timer(func, name or getattr(func, "__name__", "timer"), "daily_at", at=at, skip_holidays=ignore_holiday)
        self.timers.append(t)
        return t

    # ------------------------------------------------------------------ due times
    def next_trading_day(self, day: date) -> date:
        d = day
        for _ in range(400):
            if self.is_trading_day(d):
                return d
            d += timedelta(days=1)
        raise RuntimeError(f"no trading day within 400 days after {day}: is the holiday list broken?")

    def next_grid_point(self, now: datetime, interval: timedelta, market: str) -> datetime:
        """First session grid point at or after ``now`` (trading days only)."""
        step = interval.total_seconds() / 60.0
        day = self.next_trading_day(now.date())
        for _ in range(400):
            for open_, close in MARKET_SESSIONS[market]:
                start, end = _at(day, open_), _at(day, close)
                if now <= start:
                    return start
                if now <= end:
                    k = -(-((now - start).total_seconds() / 60.0) // step)  # ceil
                    point = start + timedelta(minutes=k * step)
                    if point <= end:
                        return point
            day = self.next_trading_day(day + timedelta(days=1))
            now = _at(day, 0)
        raise RuntimeError("no grid point found")

    def next_daily_at(self, now: datetime, at: time, skip_holidays: bool) -> datetime:
        day = now.date()
        for _ in range(400):
            when = datetime.combine(day, at, tzinfo=EXCHANGE_TZ)
            if when >= now and (not skip_holidays or self.is_trading_day(day)):
                return when
            day += timedelta(days=1)
        raise RuntimeError("no day found for run_daily_at")

    def schedule(self, timer: Timer, now: datetime, *, after_run: bool = False) -> None:
        """Set ``timer.due`` to its next firing at or after ``now`` (strictly after when it just ran)."""
        probe = now + timedelta(microseconds=1) if after_run else now
        if timer.kind == "every":
            assert timer.interval is not None
            timer.due = (timer.due + timer.interval) if (after_run and timer.due) else now + timer.interval
            if timer.due <= now:  # fell behind: skip the missed points, never queue them
                missed = (now - timer.due) // timer.interval + 1
                timer.due += timer.interval * missed
        elif timer.kind == "daily":
            assert timer.interval is not None
            timer.due = self.next_grid_point(probe, timer.interval, timer.market)
        else:
            assert timer.at is not None
            timer.due = self.next_daily_at(probe, timer.at, timer.skip_holidays)

    def schedule_all(self, now: datetime) -> None:
        for t in self.timers:
            self.schedule(t, now)

    def next_due(self) -> datetime | None:
        dues = [t.due for t in self.timers if t.due is not None]
        return min(dues) if dues else None

    def due_timers(self, now: datetime) -> list[Timer]:
        return sorted((t for t in self.timers if t.due is not None and t.due <= now), key=lambda t: t.due)
