"""Tick stores: HDF5 (with kill -9 in the middle of writes), Parquet, and the batching saver."""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from hikyuu_live.dataserver.saver import TickSaver
from hikyuu_live.errors import ConfigError, StoreUnavailable
from hikyuu_live.store.hdf5.ticks import H5TickStore
from hikyuu_live.store.parquet.ticks import ParquetTickStore
from hikyuu_live.store.ticks import TickStore, make_tick_store
from tests.dataserver.conftest import free_port
from tests.dataserver.h5_writer_child import rows

CHILD = Path(__file__).with_name("h5_writer_child.py")
DAY = date(2026, 11, 24)


def sample(n: int = 500, start: int = 0) -> np.ndarray:
    r = rows(start, n)
    r["bid"] = (r["close"][:, None] - np.arange(5)).astype(np.uint32)
    r["ask_amount"] = np.arange(5, dtype=np.float32) + 0.5
    return r


@pytest.mark.parametrize("kind", ["hdf5", "parquet"])
def test_store_round_trip_and_seq(kind, tmp_path):
    store: TickStore = make_tick_store(kind, tmp_path / kind)
    a, b = sample(300), sample(200, start=300)
    store.write(a)
    store.write(b)
    assert store.saved_seq(DAY) == 499 and store.last_day() == DAY
    store.close()
    again = make_tick_store(kind, tmp_path / kind)
    got = again.load_day(DAY)
    assert (got == np.concatenate([a, b])).all()
    again.write(sample(10, start=500))  # appends after a clean close
    assert again.saved_seq(DAY) == 509 and len(again.load_day(DAY)) == 510
    again.close()


def test_store_rows_of_two_days_go_to_their_days(tmp_path):
    store = H5TickStore(tmp_path)
    r = sample(10)
    r["datetime"][5:] += 86_400_000_000
    store.write(r)
    assert len(store.load_day(DAY)) == 5 and len(store.load_day(date(2026, 11, 25))) == 5
    assert store.last_day() == date(2026, 11, 25)
    store.close()


def test_load_day_removes_rows_written_twice(tmp_path):
    store = H5TickStore(tmp_path)
    store.write(sample(100))
    store.write(sample(100)[50:])  # a retried write
    assert (store.load_day(DAY)["seq"] == np.arange(100)).all()
    store.close()


def test_h5_killed_mid_write_keeps_every_saved_row_and_the_next_writer_continues_the_file(tmp_path):
    rng = random.Random(7)
    expected = 0
    for attempt in range(3):
        proc = subprocess.Popen([sys.executable, str(CHILD), str(tmp_path), str(expected)], stdout=subprocess.PIPE,
                                text=True)
        assert proc.stdout is not None
        saved = expected
        wanted = rng.randint(2, 6)
        for _ in range(wanted):  # let it write a few batches, then kill it at a random moment
            line = proc.stdout.readline()
            assert line.startswith("saved"), line
            saved = int(line.split()[1])
        time.sleep(rng.random() * 0.05)
        proc.kill()
        proc.wait(10)
        store = H5TickStore(tmp_path)
        got = store.load_day(DAY)
        assert len(got) >= saved, (attempt, len(got), saved)  # everything reported saved is there
        assert (got["seq"] == np.arange(len(got))).all()  # and nothing else: a prefix, no holes
        assert (got == rows(0, len(got))).all()
        expected = len(got)
        store.close()
    files = {p.name for p in tmp_path.iterdir()}
    assert files == {"20261124.h5"}  # each run after a kill goes on in the same file (issue 15: no generations)


def test_parquet_compacts_on_close_and_ignores_temporary_files(tmp_path):
    store = ParquetTickStore(tmp_path)
    for k in range(4):
        store.write(sample(50, start=50 * k))
    day_dir = store.day_dir(DAY)
    (day_dir / "part-0000000200-0000000300.parquet.tmp").write_bytes(b"half a file")
    assert len(list(day_dir.glob("*.parquet"))) == 4
    store.close()
    assert [p.name for p in day_dir.glob("*.parquet")] == ["part-0000000000-0000000199.parquet"]
    assert (ParquetTickStore(tmp_path).load_day(DAY) == sample(200)).all()


def test_unknown_store_name_is_a_config_error():
    with pytest.raises(ConfigError, match="valid: clickhouse, hdf5, parquet"):
        make_tick_store("csv", "x")


class FlakyStore(TickStore):
    name = "flaky"

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.rows: list[np.ndarray] = []

    def _append(self, day, records) -> None:
        if self.failures:
            self.failures -= 1
            raise StoreUnavailable("database down")
        self.rows.append(records)


def test_saver_batches_and_retries_until_the_store_is_back():
    store = FlakyStore(failures=2)
    saver = TickSaver(store, flush_interval_s=0.05, max_backoff_s=0.1).start()
    for k in range(10):
        saver.submit(sample(10, start=10 * k))
    assert saver.flush(timeout_s=10)
    saver.close()
    got = np.concatenate(store.rows)
    assert (got["seq"] == np.arange(100)).all()
    assert saver.stats.errors == 2 and saver.stats.saved_seq == 99 and len(store.rows) <= 3


def test_saver_bounds_what_waits_for_a_dead_store():
    store = FlakyStore(failures=10**9)
    saver = TickSaver(store, flush_interval_s=0.05, max_pending_rows=100, max_backoff_s=0.05).start()
    for k in range(20):
        saver.submit(sample(10, start=10 * k))
    time.sleep(0.2)
    assert saver.pending_rows <= 110 and saver.stats.dropped >= 90
    assert not saver.flush(timeout_s=0.3)
    saver.close(timeout_s=0.3)


def test_saver_submit_is_safe_from_another_thread():
    store = FlakyStore(failures=0)
    saver = TickSaver(store, flush_interval_s=0.01).start()
    threads = [threading.Thread(target=lambda k=k: [saver.submit(sample(5, start=1000 * k + 5 * i))
                                                    for i in range(50)]) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    saver.close()
    assert sum(len(r) for r in store.rows) == 4 * 50 * 5


@pytest.fixture
def clickhouse_store(clickhouse_port):
    import uuid

    db = f"hkl_tick_test_{uuid.uuid4().hex[:8]}"
    store = make_tick_store("clickhouse", host="127.0.0.1", port=clickhouse_port, database=db)
    yield store
    store._conn().command(f"DROP DATABASE IF EXISTS `{db}`")
    store.close()


def test_clickhouse_store_round_trip_seq_and_retried_writes(clickhouse_store):
    store = clickhouse_store
    assert store.last_day() is None and store.saved_seq(DAY) == -1
    a, b = sample(300), sample(200, start=300)
    a["datetime"] += 123_456  # microseconds survive
    store.write(a)
    store.write(b)
    store.write(b[:50])  # a retried insert
    assert store.saved_seq(DAY) == 499 and store.last_day() == DAY
    got = store.load_day(DAY)
    assert (got == np.concatenate([a, b])).all()


def test_clickhouse_store_unreachable_or_misnamed_is_refused():
    store = make_tick_store("clickhouse", host="127.0.0.1", port=free_port(), database="x")
    with pytest.raises(StoreUnavailable):
        store.write(sample(5))
    with pytest.raises(ConfigError):
        make_tick_store("clickhouse", database="x; DROP TABLE y")


def test_h5_files_an_older_version_left_open_in_swmr_mode_are_read_and_continued(tmp_path):
    """Tick files of the SWMR-writing version that a kill left marked "open for writing" (which plain HDF5
    refuses to open): their rows are read and the next writer continues the file."""
    import h5py

    from hikyuu_live.model.ticks import RECORD_DTYPE

    path = tmp_path / "20261124.h5"
    child = f"""
import h5py, numpy as np, os, sys
sys.path.insert(0, {str(CHILD.parents[2])!r})
from tests.dataserver.h5_writer_child import rows
f = h5py.File({str(path)!r}, "w-", libver="latest")
ds = f.create_dataset("ticks", shape=(0,), maxshape=(None,), dtype=rows(0, 1).dtype, chunks=(64,))
f.swmr_mode = True
ds.resize((100,)); ds[:] = rows(0, 100); ds.flush(); f.flush()
os._exit(0)  # killed as it wrote: the file stays marked open for SWMR writing
"""
    subprocess.run([sys.executable, "-c", child], check=True)
    with pytest.raises(OSError):
        h5py.File(path, "r+")
    store = H5TickStore(tmp_path)
    assert len(store.load_day(DAY)) == 100
    store.write(rows(100, 50))
    got = store.load_day(DAY)
    assert (got["seq"] == np.arange(150)).all() and got.dtype == RECORD_DTYPE
    store.close()
    assert {p.name for p in tmp_path.iterdir()} == {"20261124.h5"}
    with h5py.File(path, "r") as f:  # and it opens like any file again
        assert f["ticks"].shape == (150,)
