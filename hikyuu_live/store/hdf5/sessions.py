"""What an HDF5 store keeps of its write sessions: one ``WriteSession`` per file it writes, and reads that
see the store's own uncommitted writes while it writes a file (the published file otherwise). The bar
store and the trade store share it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import h5py

from hikyuu_live.errors import StoreUnavailable
from hikyuu_live.store.hdf5.session import Publisher, WriteSession, pending_journal, read_lock


class SessionFiles:
    """Mixin: ``_sessions`` by file, ``_publisher`` for their commits."""

    _sessions: dict[Path, WriteSession]
    _publisher: Publisher

    def _init_sessions(self) -> None:
        self._sessions = {}
        self._publisher = Publisher()

    def _abort_sessions(self) -> None:
        for s in self._sessions.values():
            s.abort()
        self._sessions.clear()

    def _session_file(self, path: Path) -> h5py.File:
        """The file of ``path``'s write session (started on first use)."""
        s = self._sessions.get(path)
        if s is None:
            s = self._sessions[path] = WriteSession(path, self._publisher)
        return s.open()

    @contextmanager
    def _read_file(self, path: Path, *, resume: bool = False,
                   before_own: Callable[[], None] | None = None) -> Iterator[h5py.File | None]:
        """The file to read: our own session's while we write it (``before_own`` runs first, e.g. to flush
        pending chunks), else the published file, opened under HDF5's shared lock for this one read (None
        when it does not exist). ``resume``: an earlier run's waiting commit is carried on from."""
        s = self._sessions.get(path)
        if s is None and resume and pending_journal(path):
            s = self._sessions[path] = WriteSession(path, self._publisher)
        if s is not None and (s.active or resume):
            if before_own is not None:
                before_own()
            yield s.open()
            return
        with read_lock(path) as exists:
            if not exists:
                yield None
                return
            try:
                f = h5py.File(path, "r")
            except OSError as e:
                raise StoreUnavailable(f"cannot read {path}: {e}") from e
            try:
                yield f
            finally:
                f.close()
