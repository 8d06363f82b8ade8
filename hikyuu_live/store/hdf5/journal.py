"""The redo journal of an HDF5 write session and its publisher: how a commit reaches ``sh_day.h5``.

A write session never touches the ``.h5`` file. Every byte HDF5 writes goes to ``<file>.journal``
instead (``session.py``), as records ``W(offset, bytes)``; a commit appends ``C(final size)`` and fsyncs
the journal: from then on the commit is durable. Publishing replays the committed records into the
``.h5`` file under HDF5's own exclusive file lock (``flock`` on POSIX, ``LockFileEx`` on Windows: the
lock every HDF5 >= 1.10 reader, Hikyuu's C++ core included, takes while it has the file open), so no
reader ever sees a half-written file; the journal is then emptied. Replaying is idempotent, so a
publish cut short is simply done again by the next writer.

Layout (little endian): a 40-byte header ``magic, base size, base file id, reserved, crc32``, then records
of a 20-byte head ``kind (W|C), length, offset (W) or final size (C), crc32`` (CRC over the head and, for
W, the bytes that follow). Records after the last valid ``C``, or after the first record that is torn
or fails its CRC, are not committed and are dropped.

This module is also the publisher process (``python -I journal.py serve``): a writing store hands each
publish to a child process of its own, so that an importer killed mid-publish (``kill -9``, the task
manager) does not leave a half-published file: the child finishes the publish it started, then sees its
input closed and exits. It reads one JSON request a line (``[target, journal, wait_s]``) and answers with
the exit code of ``publish``; it ignores Ctrl-C and hang-ups. So that it starts quickly it imports only
the standard library and ``portalocker``: nothing of ``hikyuu_live``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import struct
import sys
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import portalocker

log = logging.getLogger(__name__)

MAGIC = b"HKLJNL01"
HEADER = struct.Struct("<8sQQQI")
RECORD = struct.Struct("<BxxxIQI")
WRITE, COMMIT = ord("W"), ord("C")
JOURNAL_SUFFIX = ".journal"
NEW_SUFFIX = ".new"
#: exit codes of the publisher process
PUBLISHED, BUSY, FAILED = 0, 75, 1
_READ_BLOCK = 1 << 20


def journal_path(target: Path) -> Path:
    return target.with_name(target.name + JOURNAL_SUFFIX)


def file_id(path: Path) -> int:
    """The file's identity (inode; NTFS file index on Windows), 0 when it does not exist."""
    try:
        return os.stat(path).st_ino
    except FileNotFoundError:
        return 0


def header_bytes(base_size: int, base_id: int) -> bytes:
    body = HEADER.pack(MAGIC, base_size, base_id, 0, 0)[:-4]
    return body + struct.pack("<I", zlib.crc32(body))


def write_record(offset: int, data: bytes | bytearray | memoryview) -> bytes:
    """The head of a ``W`` record for ``data`` at ``offset`` (write the data right after it)."""
    head = RECORD.pack(WRITE, len(data), offset, 0)[:-4]
    return head + struct.pack("<I", zlib.crc32(data, zlib.crc32(head)))


def commit_record(final_size: int) -> bytes:
    head = RECORD.pack(COMMIT, 0, final_size, 0)[:-4]
    return head + struct.pack("<I", zlib.crc32(head))


@dataclass(slots=True)
class Scan:
    """What a journal holds: its base, the committed writes ``(offset, length, position of the bytes)``,
    the final size of the last commit, and where the committed part ends."""

    base_size: int
    base_id: int
    writes: list[tuple[int, int, int]] = field(default_factory=list)
    final_size: int | None = None
    committed_end: int = HEADER.size
    commits: int = 0


def scan(fh: IO[bytes]) -> Scan | None:
    """Read a journal from the start; None when it is empty or its header is torn (nothing committed)."""
    fh.seek(0)
    head = fh.read(HEADER.size)
    if len(head) < HEADER.size:
        return None
    magic, base_size, base_id, _, crc = HEADER.unpack(head)
    if magic != MAGIC or zlib.crc32(head[:-4]) != crc:
        return None
    out = Scan(base_size, base_id)
    pending: list[tuple[int, int, int]] = []
    pos = HEADER.size
    while True:
        head = fh.read(RECORD.size)
        if len(head) < RECORD.size:
            break
        kind, length, offset, crc = RECORD.unpack(head)
        if kind == WRITE:
            crc_now, left = zlib.crc32(head[:-4]), length
            while left:  # the bytes are checked in blocks: a journal may hold hundreds of megabytes
                block = fh.read(min(left, _READ_BLOCK))
                if not block:
                    break
                crc_now = zlib.crc32(block, crc_now)
                left -= len(block)
            if left or crc_now != crc:
                break
            pending.append((offset, length, pos + RECORD.size))
        elif kind == COMMIT and length == 0 and zlib.crc32(head[:-4]) == crc:
            out.writes += pending
            pending = []
            out.final_size = offset
            out.commits += 1
            out.committed_end = pos + RECORD.size
        else:
            break
        pos += RECORD.size + length
    return out


# ----------------------------------------------------------------------------- locks


def try_lock(fh: IO[bytes], *, exclusive: bool, wait_s: float) -> bool:
    """Lock ``fh`` (HDF5's convention: exclusive to write, shared to read), polling for up to ``wait_s``."""
    flags = (portalocker.LockFlags.EXCLUSIVE if exclusive else portalocker.LockFlags.SHARED) \
        | portalocker.LockFlags.NON_BLOCKING
    deadline, pause = time.monotonic() + wait_s, 0.001
    while True:
        try:
            portalocker.lock(fh, flags)
            return True
        except portalocker.exceptions.LockException:
            if time.monotonic() >= deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, 0.02)


def unlock(fh: IO[bytes]) -> None:
    with contextlib.suppress(portalocker.exceptions.LockException, OSError, ValueError):
        portalocker.unlock(fh)


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in ``path`` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def locked_journal(journal: Path, wait_s: float) -> Iterator[IO[bytes] | None]:
    """The journal opened and exclusively locked (the writer's lock), or None when another process keeps
    it for ``wait_s``. A journal deleted while we waited for it is opened again."""
    for _ in range(100):
        fh = open(journal, "a+b")  # noqa: SIM115 - closed below or by the caller's context
        if not try_lock(fh, exclusive=True, wait_s=wait_s):
            fh.close()
            yield None
            return
        try:
            same = os.fstat(fh.fileno()).st_ino == file_id(journal)
        except OSError:
            same = False
        if same:
            try:
                yield fh
            finally:
                unlock(fh)
                fh.close()
            return
        unlock(fh)  # its previous writer deleted it: lock the file that is there now
        fh.close()
    raise OSError(f"{journal} keeps being replaced")


# ----------------------------------------------------------------------------- publish


def _copy(src: IO[bytes], dst: IO[bytes], src_pos: int, dst_pos: int, length: int) -> None:
    while length:
        src.seek(src_pos)
        block = src.read(min(length, _READ_BLOCK))
        if not block:
            raise OSError("journal shorter than its records")
        dst.seek(dst_pos)
        dst.write(block)
        src_pos, dst_pos, length = src_pos + len(block), dst_pos + len(block), length - len(block)


def _replay_past(jfh: IO[bytes], out: IO[bytes], found: Scan) -> None:
    """The committed writes past the base, in journal order: they only extend the file (a full disk fails
    here, before a byte of the old file changed) and no reader of the old file looks there."""
    base = found.base_size
    for offset, length, pos in found.writes:
        if offset + length > base:
            skip = max(0, base - offset)
            _copy(jfh, out, pos + skip, offset + skip, length - skip)
    out.flush()


def _replay_inside(jfh: IO[bytes], out: IO[bytes], found: Scan) -> None:
    """The committed writes inside the base, in journal order, then the final size."""
    base = found.base_size
    for offset, length, pos in found.writes:
        if offset < base:
            _copy(jfh, out, pos, offset, min(length, base - offset))
    assert found.final_size is not None
    out.truncate(found.final_size)
    out.flush()


def _replay(jfh: IO[bytes], out: IO[bytes], found: Scan) -> None:
    _replay_past(jfh, out, found)
    _replay_inside(jfh, out, found)


def _publish_new(target: Path, jfh: IO[bytes], found: Scan) -> None:
    """A file that does not exist yet is written beside it and linked into place: no reader can open it
    half-written, and nothing is renamed over an existing file."""
    tmp = target.with_name(target.name + NEW_SUFFIX)
    with open(tmp, "w+b") as out:
        _replay(jfh, out, found)
        os.fsync(out.fileno())
    try:
        os.link(tmp, target)
        os.unlink(tmp)
    except (AttributeError, NotImplementedError, PermissionError):  # no hard links here (FAT, some shares)
        os.rename(tmp, target)  # fails, without replacing, if the target appeared meanwhile (Windows)
    fsync_dir(target.parent)


def publish(target: Path, journal: Path, wait_s: float, *, journal_wait_s: float = 30.0) -> int:
    """Replay the committed part of ``journal`` into ``target`` and empty the journal.

    ``PUBLISHED`` when done (or nothing was committed), ``BUSY`` when another program kept ``target``
    open (HDF5's shared lock) for ``wait_s``: the journal is then kept, and published later.
    """
    with locked_journal(journal, journal_wait_s) as jfh:
        if jfh is None:
            log.error("%s is locked by another writer", journal)
            return BUSY
        found = scan(jfh)
        if found is None or not found.commits:
            jfh.truncate(0)  # nothing committed: what is there is an interrupted session's unfinished work
            return PUBLISHED
        current = file_id(target)
        if found.base_id and current != found.base_id:
            log.warning("%s was written for another %s (replaced or deleted since): dropped", journal, target)
            jfh.truncate(0)
            return PUBLISHED
        if not current:
            _publish_new(target, jfh, found)
        else:
            with open(target, "r+b") as out:
                advisory = os.name != "nt"  # Windows locks are mandatory: no write at all beside a reader
                if advisory:
                    _replay_past(jfh, out, found)  # beyond the old end of file, readers or not
                if not try_lock(out, exclusive=True, wait_s=wait_s):
                    return BUSY
                try:  # only what readers could see changes under the lock: it is held for milliseconds
                    if not advisory:
                        _replay_past(jfh, out, found)
                    _replay_inside(jfh, out, found)
                finally:
                    unlock(out)
                os.fsync(out.fileno())
        jfh.truncate(0)
        jfh.flush()
        os.fsync(jfh.fileno())
        return PUBLISHED


def serve(requests: IO[str], answers: IO[str]) -> None:
    """The publisher loop: one ``[target, journal, wait_s]`` JSON request a line, one exit code a line."""
    for line in requests:
        try:
            target, journal, wait_s = json.loads(line)
            code = publish(Path(target), Path(journal), float(wait_s))
        except (OSError, ValueError, TypeError) as e:
            print(f"journal publisher: {line.strip()}: {e}", file=sys.stderr, flush=True)
            code = FAILED
        try:
            answers.write(f"{code}\n")
            answers.flush()
        except OSError:  # the writer is gone (killed): the publish it asked for is done, and so are we
            with contextlib.suppress(OSError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), answers.fileno())
            return


def main(argv: list[str]) -> int:
    """``serve`` (see ``serve``) or ``publish TARGET JOURNAL WAIT_S`` once (repairs by hand)."""
    for name in ("SIGINT", "SIGHUP", "SIGTERM", "SIGBREAK"):
        sig = getattr(signal, name, None)
        if sig is not None:
            signal.signal(sig, signal.SIG_IGN)
    logging.basicConfig(level=logging.INFO, format="journal publisher: %(message)s", stream=sys.stderr)
    if argv == ["serve"]:
        serve(sys.stdin, sys.stdout)
        return 0
    if len(argv) != 4 or argv[0] != "publish":
        print("usage: journal.py serve | journal.py publish TARGET JOURNAL WAIT_S", file=sys.stderr)
        return FAILED
    try:
        return publish(Path(argv[1]), Path(argv[2]), float(argv[3]))
    except OSError as e:
        print(f"publishing {argv[1]} failed: {e}", file=sys.stderr)
        return FAILED


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
