"""The source family's public method: counts per batch and per reason, isolates failures."""

from __future__ import annotations

import threading

import numpy as np

from hikyuu_live.fetcher.stock.base import SpotSource
from hikyuu_live.model.spot import empty_spots


class ToySource(SpotSource):
    name = "toy"

    def __init__(self, plan: list[str]) -> None:
        super().__init__()
        self.plan = plan

    def batch_count(self) -> int:
        return len(self.plan)

    def _fetch(self, emit, stop: threading.Event) -> None:  # noqa: ANN001
        for step in self.plan:
            if step == "ok":
                emit(empty_spots(3))
            elif step == "wrong_dtype":
                emit(np.zeros(3))
            elif step == "fail":
                self.stats.failed_batch("HTTP 500")
            elif step == "crash":
                raise RuntimeError("source bug")


def test_counts_good_failed_and_wrong_batches():
    got = []
    src = ToySource(["ok", "fail", "wrong_dtype", "ok"])
    r = src.fetch_cycle(got.append)
    assert (r.spots, r.batches_ok, r.batches_failed) == (6, 2, 2) and len(got) == 2
    assert src.stats.batches_failed == {"HTTP 500": 1, "bad_dtype": 1}
    assert src.stats.cycles == 1 and src.stats.last_cycle_spots == 6


def test_a_source_bug_ends_its_cycle_but_not_the_caller():
    src = ToySource(["ok", "crash", "ok"])
    r = src.fetch_cycle(lambda s: None)
    assert (r.spots, r.batches_ok, r.batches_failed) == (3, 1, 1)
    assert src.stats.batches_failed == {"RuntimeError": 1}
    assert src.fetch_cycle(lambda s: None).batches_failed == 1 and src.stats.cycles == 2
