"""Bookkeeping of the strategy event loop: its counters, and the arity check Hikyuu does on callbacks."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class RuntimeStats:
    batches: int = 0
    runs: int = 0  # takes of waiting messages (batches / runs = messages taken in together, on average)
    cycles: int = 0
    spots: int = 0
    on_change_calls: int = 0
    callback_errors: int = 0
    timer_runs: int = 0
    late_events: int = 0
    max_lateness_s: float = 0.0
    coalesced_spots: int = 0
    slowest_callback_s: float = 0.0
    preloaded_bars: int = 0
    preload_s: float = 0.0


def check_arity(func: Callable[..., Any], n: int, what: str) -> None:
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if not any(p.kind == p.VAR_POSITIONAL for p in params) and len(positional) != n:
        raise TypeError(f"{what} callback must take {n} arguments, {func!r} takes {len(positional)}")
