"""HDF5 write sessions (``store/hdf5/session.py``, ``journal.py``): a session costs what it writes, never
renames over the file readers hold, keeps readers on the old or the new commit, and every way a writer
can be interrupted ends in a file holding exactly a commit.

Reproduces issue 15's findings: before, every session cloned the whole file to ``<file>.partial`` (extra
disk = the file's size, time growing with it) and renamed the clone over the original (which fails on
Windows while Hikyuu or a strategy holds the file open).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import h5py
import numpy as np
import pytest

from hikyuu_live.errors import StoreBusy
from hikyuu_live.store import make_store
from tests.store.bars import day_bars

PAD_MB = 48


def padded_store(directory: Path) -> np.ndarray:
    """A ``sh_day.h5`` of two stocks plus ``PAD_MB`` MB of other data (as a user's file of thousands of
    stocks would be); returns the bars, the first 30 of which are stored."""
    bars = day_bars(date(2024, 1, 2), 40)
    with make_store("hdf5", directory=directory) as s:
        s.append("SH600000", "DAY", bars[:30])
        s.append("SH600004", "DAY", bars[:30])
    with h5py.File(directory / "sh_day.h5", "a") as f:
        f.create_dataset("pad", data=np.random.default_rng(0).integers(0, 255, PAD_MB << 20, dtype=np.uint8))
    return bars


def others_size(directory: Path) -> int:
    """Bytes of every file in ``directory`` but the market file and ``stock.db``: what a session adds."""
    return sum(p.stat().st_size for p in directory.iterdir() if p.name not in ("sh_day.h5", "stock.db"))


def test_a_write_session_costs_what_it_writes_not_the_size_of_the_file(tmp_path):
    """Before: a session cloned the whole file first (``sh_day.h5.partial``, 48 MB here for one bar)."""
    bars = padded_store(tmp_path)
    inode = (tmp_path / "sh_day.h5").stat().st_ino
    s = make_store("hdf5", directory=tmp_path).open()
    with s.batch():
        s.append("SH600000", "DAY", bars[30:31])
        during = others_size(tmp_path)
        s.commit()
        s.append("SH600004", "DAY", bars[30:31])
    s.close()
    assert during < 256 << 10, f"the session wrote {during} bytes beside a file of {PAD_MB} MB for one bar"
    assert (tmp_path / "sh_day.h5").stat().st_ino == inode, "the file was replaced, not written in place"
    assert others_size(tmp_path) == 0, sorted(p.name for p in tmp_path.iterdir())
    with make_store("hdf5", directory=tmp_path) as s:
        assert s.count("SH600000", "DAY") == s.count("SH600004", "DAY") == 31


HOLDER = """
import sys, time, h5py
f = h5py.File(sys.argv[1], "r")          # HDF5's shared lock, held while the file is open (Hikyuu does this)
n = f["data/SH600000"].shape[0]
print(n, flush=True)
time.sleep(float(sys.argv[2]))
n2 = f["data/SH600000"].shape[0]
f.close()
print(n2, flush=True)
"""


def hold(path: Path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "30"
    return proc


def test_a_reader_holding_the_file_keeps_its_view_and_the_commit_waits_for_it(tmp_path):
    """Before: the commit renamed a copy over the file the reader held (impossible on Windows)."""
    bars = padded_store(tmp_path)
    reader = hold(tmp_path / "sh_day.h5", 4.0)
    t0 = time.monotonic()
    with make_store("hdf5", directory=tmp_path) as s:  # waits up to a minute (reader_wait_s) at close
        s.append("SH600000", "DAY", bars[30:35])  # committed now, published once the reader lets go
        assert (tmp_path / "sh_day.h5.journal").stat().st_size > 0  # durable, waiting for the reader
    assert time.monotonic() - t0 >= 3.0, "published under a reader that had the file open"
    assert reader.stdout is not None and reader.stdout.readline().strip() == "30"  # old view to the end
    reader.wait(10)
    with make_store("hdf5", directory=tmp_path) as s:
        assert s.count("SH600000", "DAY") == 35
    assert not (tmp_path / "sh_day.h5.journal").exists()


def test_a_commit_readers_never_let_go_of_stays_durable_and_the_next_writer_publishes_it(tmp_path):
    bars = padded_store(tmp_path)
    reader = hold(tmp_path / "sh_day.h5", 4.0)
    s = make_store("hdf5", directory=tmp_path, reader_wait_s=0.5)
    s.open()
    s.append("SH600000", "DAY", bars[30:33])
    assert s.last_datetime("SH600000", "DAY") == bars["datetime"][32]  # the writer sees its own commit
    with pytest.raises(StoreBusy, match="sh_day.h5"):
        s.close()
    with make_store("hdf5", directory=tmp_path, reader_wait_s=0.5) as other:  # another process's view
        assert other.count("SH600000", "DAY") == 30  # the published file: the reader keeps it
    # a writer that comes while the reader still holds the file goes on from the journal
    w = make_store("hdf5", directory=tmp_path, reader_wait_s=10).open()
    assert w.last_datetime("SH600000", "DAY") == bars["datetime"][32]
    w.append("SH600000", "DAY", bars[33:36])
    w.close()  # waits for the reader, then publishes both commits
    reader.wait(10)
    with make_store("hdf5", directory=tmp_path) as s:
        got = s.read_range("SH600000", "DAY")
    assert (got["datetime"] == bars["datetime"][:36]).all()


def test_a_publish_cut_short_is_finished_by_the_next_writer(tmp_path):
    """A publisher killed mid-replay (power cut, ``kill -9`` of the whole process group) leaves a file
    half-published; the journal is still there and the next session replays it."""
    from hikyuu_live.store.hdf5 import journal as jr

    bars = padded_store(tmp_path)
    target = tmp_path / "sh_day.h5"
    s = make_store("hdf5", directory=tmp_path).open()
    s._publisher.publish = lambda *a: jr.BUSY  # type: ignore[method-assign]  # never publishes
    s.append("SH600000", "DAY", bars[30:40])
    s._sessions.clear()  # walk away from the session as a killed process would
    journal = target.with_name("sh_day.h5.journal")
    with open(journal, "rb") as fh:
        found = jr.scan(fh)
        assert found is not None and found.commits == 1
        with open(target, "r+b") as out:  # replay half of the writes, as a publisher killed mid-way
            for offset, length, pos in found.writes[: len(found.writes) // 2]:
                fh.seek(pos)
                out.seek(offset)
                out.write(fh.read(length))
    with make_store("hdf5", directory=tmp_path) as w:
        w.append("SH600004", "DAY", bars[30:32])  # a writer: the half-published commit is published first
        got = w.read_range("SH600000", "DAY")
    assert (got["datetime"] == bars["datetime"][:40]).all()
    with h5py.File(target, "r") as f:
        assert f["data/SH600000"].shape == (40,) and f["data/SH600004"].shape == (32,)
    assert not journal.exists()


def test_uncommitted_and_torn_journal_records_are_dropped(tmp_path):
    from hikyuu_live.store.hdf5 import journal as jr

    path = tmp_path / "j"
    with open(path, "wb") as fh:
        fh.write(jr.header_bytes(100, 7))
        for off, data in ((0, b"abc"), (50, b"defg")):
            fh.write(jr.write_record(off, data) + data)
        fh.write(jr.commit_record(120))
        fh.write(jr.write_record(200, b"xyz") + b"xyz")  # after the last commit: not committed
        fh.write(jr.commit_record(300)[:-1])  # torn
    with open(path, "rb") as fh:
        found = jr.scan(fh)
    assert found is not None and (found.base_size, found.base_id, found.commits, found.final_size) == (100, 7, 1, 120)
    assert [(o, n) for o, n, _ in found.writes] == [(0, 3), (50, 4)]
    data = bytearray(path.read_bytes())
    data[jr.HEADER.size + jr.RECORD.size + 1] ^= 1  # a flipped bit in the first record's bytes
    path.write_bytes(bytes(data))
    with open(path, "rb") as fh:
        found = jr.scan(fh)
    assert found is not None and found.commits == 0 and found.writes == []


def test_the_publisher_replays_in_order_extends_first_and_creates_new_files_beside(tmp_path):
    from hikyuu_live.store.hdf5 import journal as jr

    target = tmp_path / "t.bin"
    target.write_bytes(b"0123456789")
    journal = tmp_path / "t.bin.journal"
    with open(journal, "wb") as fh:
        fh.write(jr.header_bytes(10, jr.file_id(target)))
        for off, data in ((2, b"AA"), (8, b"BBBB"), (3, b"C"), (14, b"D")):
            fh.write(jr.write_record(off, data) + data)
        fh.write(jr.commit_record(15))
    assert jr.publish(target, journal, 1.0) == jr.PUBLISHED
    assert target.read_bytes() == b"01AC4567BBBB\x00\x00D"
    assert journal.stat().st_size == 0
    assert jr.publish(target, journal, 1.0) == jr.PUBLISHED and target.read_bytes() == b"01AC4567BBBB\x00\x00D"

    new = tmp_path / "n.bin"
    with open(tmp_path / "n.bin.journal", "wb") as fh:
        fh.write(jr.header_bytes(0, 0))
        fh.write(jr.write_record(0, b"hello") + b"hello")
        fh.write(jr.commit_record(5))
    assert jr.publish(new, tmp_path / "n.bin.journal", 1.0) == jr.PUBLISHED
    assert new.read_bytes() == b"hello" and not (tmp_path / "n.bin.new").exists()


def test_a_journal_written_for_another_file_is_dropped(tmp_path):
    from hikyuu_live.store.hdf5 import journal as jr

    target = tmp_path / "t.bin"
    target.write_bytes(b"0123456789")
    journal = tmp_path / "t.bin.journal"
    with open(journal, "wb") as fh:
        fh.write(jr.header_bytes(10, jr.file_id(target) + 1))
        fh.write(jr.write_record(0, b"XX") + b"XX")
        fh.write(jr.commit_record(10))
    assert jr.publish(target, journal, 1.0) == jr.PUBLISHED
    assert target.read_bytes() == b"0123456789" and journal.stat().st_size == 0


def test_the_publisher_waits_for_readers_and_says_busy(tmp_path):
    import portalocker

    from hikyuu_live.store.hdf5 import journal as jr

    target = tmp_path / "t.bin"
    target.write_bytes(b"0123456789")
    journal = tmp_path / "t.bin.journal"
    with open(journal, "wb") as fh:
        fh.write(jr.header_bytes(10, jr.file_id(target)))
        fh.write(jr.write_record(0, b"XX") + b"XX")
        fh.write(jr.commit_record(10))
    with open(target, "rb") as reader:
        portalocker.lock(reader, portalocker.LockFlags.SHARED)  # what an HDF5 reader holds
        assert jr.publish(target, journal, 0.2) == jr.BUSY
        assert target.read_bytes() == b"0123456789" and journal.stat().st_size > 0
    assert jr.publish(target, journal, 0.2) == jr.PUBLISHED and target.read_bytes() == b"XX23456789"


def test_session_reads_see_the_overlay_over_the_base(tmp_path):
    """``SessionFile`` against a plain bytearray model, for random overlapping writes."""
    from hikyuu_live.store.hdf5 import journal as jr
    from hikyuu_live.store.hdf5.session import SessionFile

    rng = np.random.default_rng(5)
    base = bytes(rng.integers(0, 255, 5000, dtype=np.uint8))
    (tmp_path / "b").write_bytes(base)
    model = bytearray(base)
    with open(tmp_path / "b", "rb") as bfh, open(tmp_path / "j", "w+b") as jfh:
        jfh.write(jr.header_bytes(len(base), 0))
        sf = SessionFile(bfh, len(base), jfh, jr.HEADER.size)
        for i in range(400):
            a = int(rng.integers(0, 7000))
            data = bytes(rng.integers(0, 255, int(rng.integers(1, 300)), dtype=np.uint8))
            sf.seek(a)
            sf.write(data)
            if a + len(data) > len(model):
                model.extend(b"\0" * (a + len(data) - len(model)))
            model[a:a + len(data)] = data
            if i % 50 == 0:
                sf.flush_journal()
            lo, n = int(rng.integers(0, len(model))), int(rng.integers(1, 900))
            sf.seek(lo)
            assert sf.read(n) == bytes(model[lo:lo + n]), (i, lo, n)
        for lo in range(0, len(model), 97):
            sf.seek(lo)
            n = int(rng.integers(1, 700))
            assert sf.read(n) == bytes(model[lo:lo + n]), lo
        assert sf.size == len(model)


def test_no_stray_files_after_a_clean_run(tmp_path):
    bars = day_bars(date(2024, 1, 2), 10)
    with make_store("hdf5", directory=tmp_path) as s:
        s.append("SH600000", "DAY", bars)
    assert sorted(os.listdir(tmp_path)) == ["sh_day.h5", "stock.db"]
