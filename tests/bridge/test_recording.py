"""A trading day recorded with ``spot_listen --format json`` replays cycle by cycle: what ``hikyuu_parity`` and
``spot_server --source replay`` need. Without the cycle's time on each spot line every distinct quote time was a
cycle of its own (19,913 instead of 91 for the sample day), paced by the gaps between them, so a recorded day
took many times the recording's own pace to replay; the statistics lines made the file unreadable."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from hikyuu_live.bus import CycleReport
from hikyuu_live.fetcher.stock.replay import load_replay
from hikyuu_live.gui.spot_listen import Printer

SAMPLE = Path(__file__).resolve().parents[2] / "test_data" / "replay_sample.csv.gz"


def test_spot_listen_json_is_a_recording_with_the_recorded_cycles(tmp_path):
    recorded = load_replay(SAMPLE)[:12]
    out = io.StringIO()
    printer = Printer(out, "json", None, False)
    for i, cycle in enumerate(recorded, 1):
        printer.cycle(CycleReport(1, i, "replay", cycle.spots, 1, 1, [], True, False, "count", 0, 0), 0)
    (tmp_path / "day.jsonl").write_text(out.getvalue(), encoding="utf-8")
    replayed = load_replay(tmp_path / "day.jsonl")
    assert len(replayed) == len(recorded)
    for a, b in zip(replayed, recorded, strict=True):
        assert a.cycle_time == b.spots["datetime"].max()
        assert np.array_equal(a.spots, b.spots)
