"""Shared helpers for benchmarks: timing statistics and a uniform report format."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def time_runs(fn: Callable[[], object], runs: int, warmup: int = 2) -> list[float]:
    """Wall seconds of each of ``runs`` calls after ``warmup`` untimed ones."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))]


def summary_ms(values: list[float]) -> str:
    return (f"median {statistics.median(values) * 1e3:8.2f} ms  p99 {pct(values, 99) * 1e3:8.2f} ms  "
            f"min {min(values) * 1e3:8.2f} ms")


def verdict(name: str, value: float, target: float, *, lower_is_better: bool = True, unit: str = "") -> str:
    ok = value <= target if lower_is_better else value >= target
    cmp = "<=" if lower_is_better else ">="
    return f"  {name:<44} {value:10.2f}{unit}  target {cmp} {target}{unit}  {'met' if ok else 'NOT MET'}"
