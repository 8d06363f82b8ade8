"""How queued bus messages reach a strategy: consecutive messages are taken in as one array.

A full market arrives as a burst of 60-spot messages (84 for 5,000 stocks). Taking each one in separately
(one bars update, one quote-book update, one column conversion per message) cost a fixed ~1 ms per message
and made our strategies 3x slower than Hikyuu's C++ agent on such bursts (``bench/bench_burst.py``). When
the event loop finds several messages waiting, it merges the consecutive ones into one array and takes them
in with one vectorised update each, then calls ``on_change`` spot by spot in the same order as before.

What stays exactly as it was: the order of ``on_change`` calls, the bars after every message, and what
``on_change`` sees of its own stock (its spot is in the bars, no later spot of that stock is). A run is cut
where a stock repeats across messages, so a later spot of the same stock is never taken in before the
``on_change`` of an earlier one. (Another stock's bars may already hold spots of the messages merged with
this one, as they may in Hikyuu, whose agent updates bars for every message before the strategy's loop
runs its ``on_change`` events.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from hikyuu_live.model.spot import SPOT_DTYPE, concat_spots, market_codes

Event = tuple[str, Any, float]  # kind ("batch" | "cycle"), payload, monotonic time queued


@dataclass(slots=True)
class Run:
    """Consecutive spot messages taken in together: their spots in order, their keys, how many messages."""

    spots: np.ndarray
    keys: list[str]
    messages: int
    queued: float


def merge_runs(events: list[Event]) -> list[Event | Run]:
    """``events`` with every run of consecutive ``batch`` events merged (see the module docstring)."""
    out: list[Event | Run] = []
    group: list[Event] = []
    for event in events:
        if event[0] == "batch":
            group.append(event)
            continue
        if group:
            out.extend(_runs(group))
            group = []
        out.append(event)
    if group:
        out.extend(_runs(group))
    return out


def _runs(group: list[Event]) -> list[Run]:
    """Consecutive messages as runs: one when no stock repeats across them (the usual burst), else cut."""
    parts = [e[1] for e in group if len(e[1])]
    spots = concat_spots(parts) if parts else np.zeros(0, SPOT_DTYPE)
    keys = market_codes(spots).tolist()
    if len(set(keys)) == len(keys):  # a set of 5,000 strings: 8x faster than np.unique on them
        return [Run(spots, keys, len(group), group[0][2])]
    runs: list[Run] = []  # a stock repeats (across messages, or within one): cut before its message
    at = 0
    seen: set[str] = set()
    current: list[Event] = []
    for event in group:
        these = keys[at:at + len(event[1])]
        at += len(event[1])
        if current and not seen.isdisjoint(these):
            runs.append(_run(current))
            current, seen = [], set()
        current.append(event)
        seen.update(these)
    runs.append(_run(current))
    return runs


def _run(events: list[Event]) -> Run:
    parts = [e[1] for e in events if len(e[1])]
    spots = concat_spots(parts) if parts else np.zeros(0, SPOT_DTYPE)
    return Run(spots, market_codes(spots).tolist(), len(events), events[0][2])
