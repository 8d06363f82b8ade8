"""Write sessions on Hikyuu's HDF5 files: h5py writes through a journal, readers see only published commits.

``WriteSession(target)`` opens ``target`` for h5py through its ``fileobj`` driver over a ``SessionFile``:
reads come from the target as of its last publish, overlaid with what the session wrote; writes are
appended to ``<target>.journal`` (``journal.py``). The target itself is not touched until ``commit``,
which closes the h5py file (HDF5 writes its metadata), makes the journal durable and publishes it into
the target under HDF5's exclusive file lock, in a child process so that a killed importer cannot stop a
publish half-way. What a session costs is what it writes: nothing is copied, however large the file.

The journal's exclusive lock is the writer lock: one writer per file at a time, on Linux and Windows
(``portalocker``: ``flock`` / ``LockFileEx``). When a reader keeps the target open (Hikyuu's C++ core
holds its files open for as long as it runs), the publish waits for it; after ``wait_s`` the commit stays
durable in the journal (``pending``) and is published by a later commit or session. ``read_lock`` is how
our own readers take HDF5's shared lock for the span of one read, so they never hold up a publish.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO

import h5py

from hikyuu_live.errors import StoreBusy, StoreUnavailable
from hikyuu_live.store.hdf5 import journal as jr

log = logging.getLogger(__name__)

_FLUSH_AT = 4 << 20  # journal bytes buffered before they are written out
_HAS_PREAD = hasattr(os, "pread")


def _pread(fh: IO[bytes], size: int, offset: int) -> bytes:
    if _HAS_PREAD:
        return os.pread(fh.fileno(), size, offset)
    fh.seek(offset)
    return fh.read(size)


class WriteLocked(StoreUnavailable):
    """Another process writes the file (it holds the journal's lock)."""


class SessionFile:
    """The file-like object h5py's ``fileobj`` driver reads and writes (see the module docstring).

    The overlay is a sorted list of non-overlapping segments ``[start, end)`` of the logical file, each
    backed by journal bytes at ``pos``; bytes no segment covers come from the base (the published target)
    below ``base_size`` and are zero above it.
    """

    def __init__(self, base: IO[bytes] | None, base_size: int, jfh: IO[bytes], journal_end: int) -> None:
        self.base = base
        self.base_size = base_size
        self.size = base_size
        self.jfh = jfh
        self.closed_for_writes = False
        self._pos = 0
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._where: list[int] = []
        self._buf = bytearray()
        self._buf_at = journal_end  # journal position of ``_buf[0]``
        self.written = 0  # bytes written since the session began

    # ------------------------------------------------------------------ the file-object protocol
    def seek(self, offset: int, whence: int = 0) -> int:
        self._pos = offset if whence == 0 else (self.size + offset if whence == 2 else self._pos + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def read(self, n: int = -1) -> bytes:
        a = self._pos
        b = self.size if n < 0 else min(a + n, self.size)
        if b <= a:
            return b""
        self._pos = b
        i = max(0, bisect.bisect_right(self._starts, a) - 1)
        if i < len(self._starts) and self._starts[i] <= a and self._ends[i] >= b:  # one segment: most reads
            return self._journal_bytes(self._where[i] + a - self._starts[i], b - a)
        out = bytearray(b - a)
        if a < self.base_size and self.base is not None:
            got = _pread(self.base, min(b, self.base_size) - a, a)
            out[:len(got)] = got
        while i < len(self._starts) and self._starts[i] < b:
            s, e = self._starts[i], self._ends[i]
            if e > a:
                lo, hi = max(s, a), min(e, b)
                out[lo - a:hi - a] = self._journal_bytes(self._where[i] + lo - s, hi - lo)
            i += 1
        return bytes(out)

    def write(self, data: bytes | bytearray | memoryview) -> int:
        n = len(data)
        if self.closed_for_writes or not n:  # an aborted session: h5py's closing writes go nowhere
            self._pos += n
            return n
        a, b = self._pos, self._pos + n
        at = self._buf_at + len(self._buf) + jr.RECORD.size
        self._buf += jr.write_record(a, data)
        self._buf += data
        self._cover(a, b, at)
        self._pos = b
        self.size = max(self.size, b)
        self.written += n
        if len(self._buf) >= _FLUSH_AT:
            self.flush_journal()
        return n

    def truncate(self, size: int | None = None) -> int:
        self.size = self._pos if size is None else size
        return self.size

    def flush(self) -> None:
        """HDF5's flush: durability is the commit's business (``WriteSession.commit``)."""

    # ------------------------------------------------------------------ journal
    def flush_journal(self) -> None:
        if self._buf:
            self.jfh.seek(self._buf_at)
            self.jfh.write(self._buf)
            self.jfh.flush()
            self._buf_at += len(self._buf)
            self._buf.clear()

    @property
    def journal_end(self) -> int:
        return self._buf_at + len(self._buf)

    def load(self, writes: list[tuple[int, int, int]]) -> None:
        """Rebuild the overlay from a journal's committed writes (a session resumed after a crash)."""
        for offset, length, pos in writes:
            self._cover(offset, offset + length, pos)
            self.size = max(self.size, offset + length)

    def _journal_bytes(self, pos: int, size: int) -> bytes:
        if pos >= self._buf_at:
            k = pos - self._buf_at
            return bytes(self._buf[k:k + size])
        return _pread(self.jfh, size, pos)

    def _cover(self, a: int, b: int, pos: int) -> None:
        """Make journal bytes at ``pos`` the content of ``[a, b)``, trimming the segments they overlap."""
        starts, ends, where = self._starts, self._ends, self._where
        i = bisect.bisect_right(starts, a) - 1
        if i < 0 or ends[i] <= a:
            i += 1
        j = i
        while j < len(starts) and starts[j] < b:
            j += 1
        pieces = []
        if j > i and starts[i] < a:
            pieces.append((starts[i], a, where[i]))
        pieces.append((a, b, pos))
        if j > i and ends[j - 1] > b:
            pieces.append((b, ends[j - 1], where[j - 1] + b - starts[j - 1]))
        starts[i:j] = [p[0] for p in pieces]
        ends[i:j] = [p[1] for p in pieces]
        where[i:j] = [p[2] for p in pieces]

    def append_commit(self) -> None:
        """Append a commit record for the current logical size and make the journal durable."""
        self._buf += jr.commit_record(self.size)
        self.flush_journal()
        os.fsync(self.jfh.fileno())


class WriteSession:
    """One target file open for writing; see the module docstring.

    ``open()`` gives the h5py file (locking the journal: ``StoreUnavailable`` when another process writes
    the file); ``commit(wait_s)`` closes it, makes the journal durable and publishes it (True), or leaves
    it ``pending`` when readers kept the target open for ``wait_s`` (False: call ``commit`` again later);
    ``abort()`` drops what was written since the last commit.
    """

    def __init__(self, target: Path, publisher: Publisher, *, lock_wait_s: float = 1.0) -> None:
        self.target = target
        self.publisher = publisher
        self.journal = jr.journal_path(target)
        self.lock_wait_s = lock_wait_s
        self.file: h5py.File | None = None
        self.pending = False
        self._stack: ExitStack | None = None
        self._jfh: IO[bytes] | None = None
        self._base: IO[bytes] | None = None
        self._sf: SessionFile | None = None
        self._fresh: Path | None = None  # a file that does not exist yet: written whole beside it, then linked
        self._fresh_made = False
        self._committed_end = jr.HEADER.size

    @property
    def active(self) -> bool:
        return self._sf is not None or self._fresh is not None

    def open(self) -> h5py.File:
        if self.file is not None:
            return self.file
        if not self.active:
            try:
                self._begin()
            except OSError as e:
                self.abort()
                raise StoreUnavailable(f"cannot write {self.target}: {e}") from e
        try:
            if self._fresh is not None:  # HDF5's own driver: nothing to journal in a file nobody reads yet
                self.file = h5py.File(self._fresh, "r+" if self._fresh_made else "w")
                self._fresh_made = True
            else:
                assert self._sf is not None
                self.file = h5py.File(self._sf, "r+" if self._sf.size else "w")
        except OSError as e:
            self.abort()
            raise StoreUnavailable(f"cannot write {self.target}: {e}") from e
        return self.file

    def commit(self, wait_s: float) -> bool:
        """Publish everything written so far; see the class docstring."""
        sf, jfh = self._sf, self._jfh
        if self._fresh is not None:
            self._publish_fresh()
            return True
        if sf is None or jfh is None:
            return True
        try:
            self._close_file()
            if sf.journal_end != self._committed_end:
                sf.append_commit()
                self._committed_end = sf.journal_end
                self.pending = True
            if self.pending and not self._publish(wait_s):
                return False
        except OSError as e:
            raise StoreUnavailable(f"committing {self.target} failed: {e}") from e
        self.pending = False
        self._end()
        return True

    def abort(self) -> None:
        """Drop what was written since the last commit (what was committed stays in the journal, to be
        published by the next writer when it could not be yet)."""
        sf, jfh = self._sf, self._jfh
        if sf is not None:
            sf.closed_for_writes = True
        with contextlib.suppress(Exception):
            self._close_file()
        if self._fresh is not None:
            with contextlib.suppress(OSError):
                self._fresh.unlink()
        if jfh is not None:
            with contextlib.suppress(OSError):
                jfh.truncate(self._committed_end if self.pending else 0)
        self._end()

    # ------------------------------------------------------------------ internals
    def _begin(self) -> None:
        self.target.parent.mkdir(parents=True, exist_ok=True)
        stack = ExitStack()
        jfh = stack.enter_context(jr.locked_journal(self.journal, self.lock_wait_s))
        if jfh is None:
            stack.close()
            raise WriteLocked(f"another process is writing {self.target} (it holds {self.journal.name})")
        self._stack, self._jfh = stack, jfh
        found = jr.scan(jfh)
        if found is not None and found.commits:
            log.warning("%s holds commits of an earlier run that are not in %s yet: publishing them",
                        self.journal.name, self.target.name)
            if self._publish(0.0):
                found = None
            else:
                found = jr.scan(jfh)
        if found is not None and found.commits:  # readers keep the target open: go on from the journal
            jfh.truncate(found.committed_end)
            base_size, end = found.base_size, found.committed_end
            self.pending = True
        else:
            jfh.truncate(0)
            jfh.seek(0)
            base_size = self.target.stat().st_size if self.target.exists() else 0
            jfh.write(jr.header_bytes(base_size, jr.file_id(self.target)))
            jfh.flush()
            end = jr.HEADER.size
            new = self.target.with_name(self.target.name + jr.NEW_SUFFIX)
            with contextlib.suppress(FileNotFoundError):
                new.unlink()  # a publish or a first session cut short
            if not base_size and not self.target.exists():
                self._fresh, self._fresh_made = new, False
                return
        self._base = open(self.target, "rb") if self.target.exists() else None  # noqa: SIM115 - kept open
        self._sf = SessionFile(self._base, base_size, jfh, end)
        if found is not None and found.commits:
            self._sf.load(found.writes)
        self._committed_end = end

    def _publish(self, wait_s: float) -> bool:
        """Hand the journal to the publisher process; True when it is published (the journal empty)."""
        jfh = self._jfh
        assert jfh is not None
        jr.unlock(jfh)  # the publisher takes the writer lock for as long as it runs
        try:
            code = self.publisher.publish(self.target, self.journal, wait_s)
        finally:
            if not jr.try_lock(jfh, exclusive=True, wait_s=120.0) or \
                    os.fstat(jfh.fileno()).st_ino != jr.file_id(self.journal):
                raise StoreUnavailable(f"another process took over writing {self.target}")
        jfh.seek(0, os.SEEK_END)
        published = jfh.tell() == 0
        if not published and code != jr.BUSY:
            log.error("publishing %s failed (code %s): its journal %s is kept for the next writer", self.target,
                      code, self.journal.name)
        elif not published:
            log.warning("%s is open in another program (Hikyuu, a strategy...): its new data waits, durable, "
                        "in %s until that program closes it", self.target, self.journal.name)
        return published

    def _publish_fresh(self) -> None:
        """A new file is complete once HDF5 closed it: made durable, then linked into place (an atomic step:
        a kill leaves either no file or all of it); nothing is renamed over an existing file."""
        assert self._fresh is not None
        try:
            if not self._fresh_made:
                self._end()
                return
            self._close_file()
            with open(self._fresh, "rb") as fh:
                os.fsync(fh.fileno())
            try:
                os.link(self._fresh, self.target)
                os.unlink(self._fresh)
            except (AttributeError, NotImplementedError, PermissionError):  # no hard links (FAT, some shares)
                os.rename(self._fresh, self.target)  # Windows: fails rather than replace a file that appeared
            jr.fsync_dir(self.target.parent)
        except OSError as e:
            self.abort()
            raise StoreUnavailable(f"committing {self.target} failed: {e}") from e
        self._end()

    def _close_file(self) -> None:
        if self.file is not None:
            f, self.file = self.file, None
            f.close()

    def _end(self) -> None:
        """Release everything; the journal file goes when nothing in it waits to be published."""
        self.file = None
        if self._base is not None:
            with contextlib.suppress(OSError):
                self._base.close()
        keep = self.pending
        if self._jfh is not None and not keep and os.name != "nt":
            with contextlib.suppress(OSError):
                self.journal.unlink()  # under the lock: a writer waiting for it sees the new file
        if self._stack is not None:
            self._stack.close()
        if not keep and os.name == "nt":
            with contextlib.suppress(OSError):
                self.journal.unlink()
        self._stack = self._jfh = self._base = self._sf = None
        self._fresh, self._fresh_made = None, False
        self._committed_end = jr.HEADER.size
        self.pending = False


class Publisher:
    """The publisher process of one store (``journal.py serve``), started at its first commit and ended by
    ``close`` (or, when this process dies, by the end of its input once the publish in hand is done).
    Publishes in this process when the child cannot be started."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[str] | None = None

    def publish(self, target: Path, journal: Path, wait_s: float) -> int:
        proc = self._proc
        if proc is None or proc.poll() is not None:
            try:
                proc = self._proc = self._start()
            except OSError as e:
                log.warning("cannot run the publisher process (%s): publishing %s in this one", e, target)
                return jr.publish(target, journal, wait_s)
        assert proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write(json.dumps([str(target), str(journal), wait_s]) + "\n")
            proc.stdin.flush()
            answer = proc.stdout.readline()
        except OSError as e:
            log.error("the publisher process failed (%s)", e)
            return jr.FAILED
        return int(answer) if answer.strip().isdigit() else jr.FAILED

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        with contextlib.suppress(OSError):
            assert proc.stdin is not None
            proc.stdin.close()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            log.error("the publisher process did not end; leaving it")

    @staticmethod
    def _start() -> subprocess.Popen[str]:
        flags = 0
        if os.name == "nt":  # Ctrl-C in the console must not reach it
            flags = subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.CREATE_NO_WINDOW  # type: ignore[attr-defined]
        return subprocess.Popen([sys.executable, "-I", str(Path(jr.__file__)), "serve"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True, encoding="utf-8", creationflags=flags)


@contextlib.contextmanager
def read_lock(path: Path, wait_s: float = 60.0) -> Iterator[bool]:
    """HDF5's shared lock on ``path`` for the span of one read: a publish in progress is waited out
    (``StoreUnavailable`` after ``wait_s``), and none can start until the read is done. Yields False
    when the file does not exist."""
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        yield False
        return
    with fh:
        if not jr.try_lock(fh, exclusive=False, wait_s=wait_s):
            raise StoreUnavailable(f"{path} is being published by a writer and stayed locked for {wait_s:.0f} s")
        try:
            yield True
        finally:
            jr.unlock(fh)


#: how long a commit waits for readers to let go of a file before leaving it pending (once per store)
PUBLISH_WAIT_S = 2.0


def commit_sessions(sessions: dict[Path, WriteSession], wait_s: float) -> bool:
    """Commit every session; published ones end and leave ``sessions``. True when some stayed pending."""
    held = False
    for path, s in list(sessions.items()):
        if s.commit(wait_s):
            del sessions[path]
        else:
            held = True
    return held


def finish_sessions(sessions: dict[Path, WriteSession], wait_s: float) -> None:
    """A store's close: pending sessions get ``wait_s`` more to publish, the rest is dropped; ``StoreBusy``
    names the files still held open by readers (their commits stay durable in their journals)."""
    try:
        for path, s in list(sessions.items()):
            if s.pending:
                log.warning("waiting up to %.0f s for the programs that keep %s open to close it", wait_s, path)
                if s.commit(wait_s):
                    del sessions[path]
    finally:
        held = [p for p, s in sessions.items() if s.pending]
        for s in sessions.values():
            s.abort()
        sessions.clear()
    if held:
        raise StoreBusy("committed but not published yet, other programs keep these files open (close Hikyuu and "
                        "strategies, then run importdata again: it publishes them first): "
                        + ", ".join(str(p) for p in held))


def pending_journal(target: Path) -> bool:
    """Whether ``target``'s journal holds anything (commits waiting to be published, or a writer at work)."""
    try:
        return jr.journal_path(target).stat().st_size > 0
    except FileNotFoundError:
        return False
