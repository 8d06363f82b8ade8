"""Trades and time lines in Hikyuu's HDF5 files, current finance in ``stock.db``.

``<dir>/<market>_trans.h5``: ``/data/<MARKET><code>`` of ``H5Transaction`` (``datetime`` uint64
YYYYMMDDhhmmss, ``price`` uint64 in 0.001 yuan, ``vol`` uint64, ``buyorsell`` uint8).
``<dir>/<market>_time.h5``: ``/data/<MARKET><code>`` of ``H5MinuteTime`` (``datetime`` uint64
YYYYMMDDhhmm, ``price`` uint64 in 0.001 yuan, ``vol`` uint64). gzip + shuffle, chunked, extendable.
Written through the same write sessions as the K-data files (``session.py``): nothing is copied, a kill
leaves each file as of its last commit, and readers see the old or the new commit, never a mix.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from hikyuu_live.errors import StoreSchemaError
from hikyuu_live.model.datenum import from_number, from_seconds_number, to_number, to_seconds_number
from hikyuu_live.model.tradedata import KINDS
from hikyuu_live.store.hdf5.session import (
    PUBLISH_WAIT_S,
    commit_sessions,
    finish_sessions,
)
from hikyuu_live.store.hdf5.sessions import SessionFiles
from hikyuu_live.store.hdf5.sqlite import connect_sqlite
from hikyuu_live.store.sqlbase import SQLITE
from hikyuu_live.store.sqlfinance import SqlFinance
from hikyuu_live.store.trades import TradeStore

H5_TRANS = np.dtype([("datetime", "<u8"), ("price", "<u8"), ("vol", "<u8"), ("buyorsell", "u1")])
H5_TIME = np.dtype([("datetime", "<u8"), ("price", "<u8"), ("vol", "<u8")])
H5_DTYPES = {"trans": H5_TRANS, "time": H5_TIME}
CHUNK_ROWS = 4096


def to_h5(kind: str, rows: np.ndarray) -> np.ndarray:
    out = np.empty(len(rows), dtype=H5_DTYPES[kind])
    out["datetime"] = to_seconds_number(rows["datetime"]) if kind == "trans" else to_number(rows["datetime"])
    out["price"] = np.rint(rows["price"] * 1000)
    out["vol"] = np.rint(rows["volume"])
    if kind == "trans":
        out["buyorsell"] = rows["direct"]
    return out


def from_h5(kind: str, rows: np.ndarray) -> np.ndarray:
    out = np.empty(len(rows), dtype=KINDS[kind])
    out["datetime"] = from_seconds_number(rows["datetime"]) if kind == "trans" else from_number(rows["datetime"])
    out["price"] = rows["price"] * 0.001
    out["volume"] = rows["vol"]
    if kind == "trans":
        out["direct"] = rows["buyorsell"]
    return out


class H5TradeStore(SessionFiles, TradeStore):
    """See the module docstring; takes ``make_store("hdf5", ...)``'s options."""

    name = "hdf5"

    def __init__(self, directory: str | Path, *, files: dict[str, str] | None = None, db: str | Path | None = None,
                 compression_level: int = 4, reader_wait_s: float = 60.0, **_: Any) -> None:
        super().__init__()
        self.directory = Path(directory).expanduser()
        self.files = {k.lower(): Path(v).expanduser() for k, v in (files or {}).items()}
        self.db = Path(db).expanduser() if db else self.directory / "stock.db"
        self.compression_level = compression_level
        self.reader_wait_s = reader_wait_s
        self._init_sessions()
        self._waited = False
        self._finance_db = SqlFinance(self._connect_db, SQLITE)

    def describe(self) -> str:
        return f"hdf5:{self.directory} (trades, time lines)"

    def path(self, kind: str, market: str) -> Path:
        key = f"{market.lower()}_{kind}"
        return self.files.get(key, self.directory / f"{key}.h5")

    def _connect_db(self) -> sqlite3.Connection:
        return connect_sqlite(self.db)

    # ------------------------------------------------------------------ lifecycle
    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)

    def _close(self) -> None:
        try:
            finish_sessions(self._sessions, self.reader_wait_s)
        finally:
            self._publisher.close()
            self._finance_db.close()

    def _commit(self) -> None:
        self._waited = commit_sessions(self._sessions, 0.0 if self._waited else PUBLISH_WAIT_S) or self._waited
        self._finance_db.commit()

    def _rollback(self) -> None:
        self._abort_sessions()

    def _writer(self, kind: str, market: str) -> h5py.File:
        return self._session_file(self.path(kind, market))

    @contextmanager
    def _reading(self, kind: str, market: str, *, resume: bool = False) -> Iterator[h5py.File | None]:
        """Our own session's file while we write it, else the published file under HDF5's shared lock."""
        with self._read_file(self.path(kind, market), resume=resume) as f:
            yield f

    # ------------------------------------------------------------------ hooks
    def _last_datetimes(self, kind: str, market: str) -> dict[str, np.datetime64]:
        with self._reading(kind, market, resume=True) as f:
            g = f.get("data") if f is not None else None
            out: dict[str, np.datetime64] = {}
            if g is None:
                return out
            for name, ds in g.items():
                if name[:2].upper() == market and isinstance(ds, h5py.Dataset) and ds.shape[0]:
                    out[name[2:]] = from_h5(kind, ds[-1:])["datetime"][0]
            return out

    def _append(self, kind: str, market: str, code: str, rows: np.ndarray) -> None:
        f = self._writer(kind, market)
        g = f.require_group("data")
        name = market + code
        ds = g.get(name)
        if ds is None:
            ds = g.create_dataset(name, shape=(0,), maxshape=(None,), dtype=H5_DTYPES[kind], chunks=(CHUNK_ROWS,),
                                  compression="gzip", compression_opts=self.compression_level, shuffle=True)
        elif not isinstance(ds, h5py.Dataset) or ds.dtype != H5_DTYPES[kind]:
            raise StoreSchemaError(f"{f.filename}: /data/{name} is not an {kind} table")
        old = ds.shape[0]
        ds.resize((old + len(rows),))
        ds[old:] = to_h5(kind, rows)

    def _read(self, kind: str, market: str, code: str) -> np.ndarray:
        with self._reading(kind, market) as f:
            ds = f.get(f"data/{market}{code}") if f is not None else None
            return from_h5(kind, ds[:]) if ds is not None else np.zeros(0, KINDS[kind])

    def _save_finance(self, items: list[tuple[tuple[str, str], dict[str, float]]]) -> None:
        self._finance_db.save(items)

    def _finance(self, market: str, code: str) -> dict[str, float] | None:
        return self._finance_db.get(market, code)
