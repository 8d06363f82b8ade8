"""When the polling collector runs a cycle: fixed-rate polls inside two daily phases.

The original ``next_delta`` had three faults that this fixes: it measured the long sleeps from the start of
the last cycle instead of from now (so it overslept by the cycle's duration), it applied the weekend rule
only at the end-of-day rollover (a collector started on a Saturday polled all day), and it never looked at
holidays. Here the next start is computed from the last start and the interval, then moved to the next
phase start when it falls outside the phases or on a day without trading; the sleep is that time minus
*now*. Holidays are always skipped; weekends are skipped with ``skip_weekends`` (``--ignore_weekend``,
named as in the original). Phases have second resolution.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from hikyuu_live.clock import EXCHANGE_TZ, Clock
from hikyuu_live.model.calendar import TradingCalendar


@dataclass(frozen=True, slots=True)
class Phase:
    start: time
    end: time

    @property
    def empty(self) -> bool:
        return self.start == self.end


def parse_phase(text: str) -> Phase:
    """``9:00-11:35`` or ``09:00:00-11:35:00`` -> Phase; ValueError with the reason otherwise."""
    parts = text.strip().split("-")
    if len(parts) != 2:
        raise ValueError(f"{text!r} is not START-END (e.g. 9:00-11:35)")
    out = []
    for p in parts:
        fields = p.strip().split(":")
        try:
            if len(fields) not in (2, 3):
                raise ValueError
            out.append(time(*[int(x) for x in fields]))
        except ValueError:
            raise ValueError(f"{p.strip()!r} in {text!r} is not a time of day (H:MM or HH:MM:SS)") from None
    if out[0] > out[1]:
        raise ValueError(f"{text!r} ends before it starts")
    return Phase(out[0], out[1])


class PollSchedule:
    """See the module docstring."""

    def __init__(self, interval_s: float, phase1: Phase, phase2: Phase, *, calendar: TradingCalendar,
                 clock: Clock, skip_weekends: bool = False) -> None:
        if interval_s < 1:
            raise ValueError("the poll interval must be at least 1 second")
        if not phase1.empty and not phase2.empty and phase1.end > phase2.start:
            raise ValueError("phase1 must end before phase2 starts")
        self.interval = timedelta(seconds=interval_s)
        self.phases = [p for p in (phase1, phase2) if not p.empty]
        self.calendar = calendar
        self.clock = clock
        self.skip_weekends = skip_weekends

    def polls_on(self, day: date) -> bool:
        self.calendar.check_coverage(day)  # a collector running into a year the list lacks says so, once
        if day in self.calendar.holidays:
            return False
        return not (self.skip_weekends and day.weekday() >= 5)

    def in_window(self, when: datetime) -> bool:
        if not self.phases:
            return True
        if not self.polls_on(when.date()):
            return False
        t = when.timetz().replace(tzinfo=None)
        return any(p.start <= t <= p.end for p in self.phases)

    def next_start(self, last_start: datetime | None) -> datetime:
        now = self.clock.now()
        candidate = now if last_start is None else max(now, last_start + self.interval)
        if self.in_window(candidate):
            return candidate
        day = candidate.date()
        for _ in range(400):
            if self.polls_on(day):
                for p in self.phases:
                    start = datetime.combine(day, p.start, tzinfo=EXCHANGE_TZ)
                    if start >= candidate:
                        return start
            day += timedelta(days=1)
        raise RuntimeError("no polling window in the next 400 days")

    def sleep_s(self, last_start: datetime | None) -> float:
        """Seconds from now until the next cycle should start (0 = at once)."""
        return max(0.0, (self.next_start(last_start) - self.clock.now()).total_seconds())
