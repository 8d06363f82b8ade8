"""``KDataStore``: one interface for bar history and base info over HDF5+SQLite, MySQL and ClickHouse.

Everything crosses this interface in memory units (``KDATA_DTYPE``: yuan, 10,000 yuan, lots; datetimes
``M8[us]`` of exchange wall time, bars labelled by their end). Each backend converts to and from the
scaling Hikyuu stores and writes Hikyuu's own layout, so Hikyuu's C++ core reads it.

Codes are Hikyuu's market codes, ``"SH600000"`` (case does not matter). Stored types are DAY, MIN and
MIN5; WEEK..YEAR and MIN15..HOUR2 are derived and kept up to date by every append (HDF5: index groups,
SQL: materialised tables), and can be read like the stored ones.

Writes are append-only: ``append`` keeps only bars after the newest stored one, so re-running an import
never duplicates a row. A store has one writer at a time (the importer); readers may be many.
Group many appends in ``with store.batch():`` — a backend may buffer them, and ``commit()`` (called at
the end of the batch, and whenever the caller wants a durable point) makes everything before it
durable and crash-safe: a process killed between commits loses only the work since the last one and
leaves the store readable.

The public methods here validate, deduplicate, log and count; a backend implements the ``_hooks``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

import numpy as np

from hikyuu_live.errors import StoreError
from hikyuu_live.model.kdata import KDATA_DTYPE, KType, parse_ktype
from hikyuu_live.model.state import State
from hikyuu_live.store.baseinfo import (
    MarketRecord,
    StockRecord,
    StockTypeRecord,
    from_ymd,
    merge_stock,
    ymd,
)
from hikyuu_live.store.derive import DERIVED

log = logging.getLogger(__name__)

_CODE = re.compile(r"^(SH|SZ|BJ)([0-9]{6})$")  # ASCII digits only: codes become table and file names


def split_code(code: str) -> tuple[str, str]:
    """``"sh600000"`` -> ``("SH", "600000")``; ValueError for anything else (codes become table names)."""
    m = _CODE.match(str(code).strip().upper())
    if not m:
        raise ValueError(f"not a market code like SH600000: {code!r}")
    return m.group(1), m.group(2)


def as_datetime(value: object) -> np.datetime64 | None:
    """None, a ``date``/``datetime``, ISO text or ``np.datetime64`` -> ``M8[us]`` (None stays None)."""
    if value is None:
        return None
    return np.datetime64(value, "us")  # type: ignore[call-overload]


@dataclass(slots=True)
class StoreStats:
    appends: int = 0
    rows_written: int = 0
    rows_skipped: int = 0  # at or before the newest stored bar: already there
    commits: int = 0
    reads: int = 0
    rows_read: int = 0


#: the base-info tables Hikyuu's C++ core needs before it loads a single stock
REQUIRED_TABLES = ("Market", "StockTypeInfo", "Stock", "Block", "BlockIndex")


@dataclass(frozen=True, slots=True)
class StoreCheck:
    """What ``KDataStore.check`` found, without creating or changing anything."""

    server: str  # what answered: "MariaDB 10.11.6", "ClickHouse 18.16.1", "HDF5 files in /data"
    missing_tables: tuple[str, ...]  # of ``REQUIRED_TABLES`` (checked where a missing one means no data at all)
    newest_day: np.datetime64 | None  # newest day bar of the probed code, None when there is none


class KDataStore:
    """Base of every history store; see the module docstring."""

    name: ClassVar[str] = "base"

    def __init__(self) -> None:
        self.stats = StoreStats()
        self.state = State.NEW
        self._batch_depth = 0
        # newest stored datetime per (market, ktype) and code, filled by ``last_datetimes`` and by our
        # own appends; lets ``append`` deduplicate without one query per stock (single writer)
        self._last: dict[tuple[str, KType], dict[str, np.datetime64]] = {}
        self._last_complete: set[tuple[str, KType]] = set()  # caches that list every stored code

    def describe(self) -> str:
        """Where the data lives, for logs and messages (never a password)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()})"

    # ------------------------------------------------------------------ lifecycle
    def open(self) -> KDataStore:
        """Connect or open files and create Hikyuu's schema where missing (idempotent)."""
        if self.state is State.CLOSED:
            raise StoreError(f"{self.describe()}: store is closed")
        if self.state is State.NEW:
            self._open()
            self.state = State.OPEN
            log.debug("opened %s", self.describe())
        return self

    def close(self) -> None:
        """Commit what is pending and release files and connections (idempotent)."""
        if self.state is State.OPEN:
            try:
                self.commit()
            finally:
                self._close()
                self.state = State.CLOSED

    def __enter__(self) -> KDataStore:
        return self.open()

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is not None and self.state is State.OPEN:
            # do not commit half of a failed unit: drop what is pending, keep what was committed
            self.rollback()
            self._close()
            self.state = State.CLOSED
            return
        self.close()

    @contextmanager
    def batch(self) -> Iterator[KDataStore]:
        """Group appends; committed when the outermost batch ends without an exception."""
        self.open()
        self._batch_depth += 1
        ok = False
        try:
            yield self
            ok = True
        finally:
            self._batch_depth -= 1
            if self._batch_depth == 0:
                if ok:
                    self.commit()
                else:
                    self.rollback()

    @property
    def in_batch(self) -> bool:
        return self._batch_depth > 0

    def commit(self) -> None:
        """Make every append so far durable (a crash after this loses none of it)."""
        if self.state is not State.OPEN:
            return
        self._commit()
        self.stats.commits += 1

    def rollback(self) -> None:
        """Drop the appends since the last commit (what was committed stays)."""
        if self.state is State.OPEN:
            self._rollback()
        self._last.clear()  # it may hold datetimes of dropped appends
        self._last_complete.clear()

    # ------------------------------------------------------------------ health
    def ping(self, timeout_s: float = 3.0) -> str:
        """Reach the store without opening or creating anything; what answered (``StoreCheck.server``).

        StoreUnavailable with the driver's reason otherwise. Blocks for up to about ``timeout_s``: the GUI
        calls it off its event thread, the doctor and ``hikyuu_doctor`` through ``check``.
        """
        return self._ping(timeout_s)

    def check(self, code: str = "SH000001", timeout_s: float = 3.0) -> StoreCheck:
        """Read-only health: ``ping``, Hikyuu's required tables, and the newest day bar of ``code``."""
        server = self._ping(timeout_s)
        missing = tuple(self._missing_tables(timeout_s))
        market, c = split_code(code)
        return StoreCheck(server, missing, None if missing else self._peek_last_day(market, c, timeout_s))

    # ------------------------------------------------------------------ reads
    def last_datetimes(self, market: str, ktype: KType | str, codes: Iterable[str] | None = None
                       ) -> dict[str, np.datetime64]:
        """Newest bar label per 6-digit code of ``market``, stored or appended by this store and not yet
        committed (codes without bars are left out)."""
        self.open()
        market, k = market.upper(), _stored(ktype)
        wanted = None if codes is None else [c[-6:] for c in codes]
        found = self._last_datetimes(market, k, wanted)
        cache = self._last.setdefault((market, k), {})
        if wanted is None:
            self._last_complete.add((market, k))
        for c in (found if wanted is None else wanted):
            f = found.get(c, np.datetime64("NaT"))
            mine = cache.get(c, np.datetime64("NaT"))
            # our own appends are newer than anything found (one writer); a rollback clears the cache
            cache[c] = f if np.isnat(mine) or (not np.isnat(f) and f > mine) else mine
        return {c: cache[c] for c in (cache if wanted is None else wanted)
                if c in cache and not np.isnat(cache[c])}

    def last_datetime(self, code: str, ktype: KType | str) -> np.datetime64 | None:
        """Newest stored bar label of one stock, or None."""
        market, c = split_code(code)
        return self.last_datetimes(market, ktype, [c]).get(c)

    def read_range(self, code: str, ktype: KType | str, start: object = None, end: object = None) -> np.ndarray:
        """Bars with ``start <= datetime < end`` (either bound may be None), oldest first."""
        self.open()
        market, c = split_code(code)
        out = self._read(market, c, parse_ktype(ktype), as_datetime(start), as_datetime(end), None)
        self._count_read(out)
        return out

    def read_last_n(self, codes: Sequence[str], ktype: KType | str, n: int) -> dict[str, np.ndarray]:
        """The newest ``n`` bars of each code, keyed by the code as given (empty arrays where none).

        This is the strategy runtime's ``preloader``: ``Strategy(..., preloader=store.read_last_n)``.
        """
        self.open()
        k = parse_ktype(ktype)
        keys = {c: split_code(c) for c in codes}
        if n <= 0:
            return {c: np.zeros(0, KDATA_DTYPE) for c in keys}
        found = self._read_last_n(sorted(set(keys.values())), k, int(n))
        out = {c: found.get(mc, np.zeros(0, KDATA_DTYPE)) for c, mc in keys.items()}
        for a in out.values():
            self._count_read(a)
        return out

    def count(self, code: str, ktype: KType | str) -> int:
        self.open()
        market, c = split_code(code)
        return self._count(market, c, parse_ktype(ktype))

    def codes(self, market: str, ktype: KType | str = KType.DAY) -> list[str]:
        """6-digit codes of ``market`` with stored bars of ``ktype``, sorted."""
        self.open()
        return sorted(self._codes(market.upper(), _stored(ktype)))

    # ------------------------------------------------------------------ writes
    def append(self, code: str, ktype: KType | str, bars: np.ndarray) -> int:
        """Store the bars after the newest stored one; returns how many were written.

        ``bars`` are ``KDATA_DTYPE``, sorted by strictly rising datetime, with finite values (validate
        source data first: ``hikyuu_live.model.validate``). Derived periods are brought up to date.
        Outside a batch the append is committed before this returns.
        """
        self.open()
        market, c = split_code(code)
        k = _stored(ktype)
        bars = _checked(bars, code)
        if not len(bars):
            return 0
        last = self._cached_last(market, k, c)
        if last is not None:
            new = bars[bars["datetime"] > last]
            skipped = len(bars) - len(new)
            if skipped:
                self.stats.rows_skipped += skipped
                log.debug("%s %s: %d bars at or before the stored %s skipped", code, k, skipped, last)
            bars = new
        if not len(bars):
            return 0
        self._append(market, c, k, bars)
        self._last.setdefault((market, k), {})[c] = bars["datetime"][-1]
        self.stats.appends += 1
        self.stats.rows_written += len(bars)
        if not self.in_batch:
            self.commit()
        return len(bars)

    def _cached_last(self, market: str, ktype: KType, code: str) -> np.datetime64 | None:
        cache = self._last.get((market, ktype))
        if cache is not None and code not in cache and (market, ktype) in self._last_complete:
            return None
        if cache is None or code not in cache:
            found = self._last_datetimes(market, ktype, [code])
            cache = self._last.setdefault((market, ktype), {})
            cache[code] = found.get(code, np.datetime64("NaT"))
        value = cache[code]
        return None if np.isnat(value) else value

    # ------------------------------------------------------------------ base info
    def stocks(self) -> list[tuple[str, str, str, bool]]:
        """(market, code, name, valid) of every stock (``codes.BaseInfoSource``)."""
        return [(s.market, s.code, s.name, s.valid) for s in self.stock_records()]

    def stock_records(self) -> list[StockRecord]:
        self.open()
        return sorted(self._stock_records(), key=lambda s: (s.market, s.code))

    def save_stocks(self, records: Iterable[StockRecord]) -> int:
        """Insert or update stocks by (market, code); an existing earlier start date and name are kept."""
        self.open()
        old = {(s.market, s.code): s for s in self._stock_records()}
        changed = []
        for r in records:
            split_code(r.market + r.code)
            merged = merge_stock(old.get((r.market, r.code)), r)
            if merged != old.get((r.market, r.code)):
                changed.append(merged)
                old[(r.market, r.code)] = merged
        if changed:
            self._save_stocks(changed)
            log.debug("%s: %d stock rows written", self.describe(), len(changed))
        return len(changed)

    def markets(self) -> list[MarketRecord]:
        self.open()
        return self._markets()

    def set_market_last_date(self, market: str, day: date) -> None:
        """The newest trading day with data of ``market`` (Hikyuu's ``Market.lastDate``)."""
        self.open()
        self._set_market_last_date(market.upper(), ymd(day))

    def stock_types(self) -> list[StockTypeRecord]:
        self.open()
        return self._stock_types()

    def holidays(self) -> list[date]:
        self.open()
        return sorted(from_ymd(d) for d in self._holidays())

    def save_holidays(self, days: Iterable[date]) -> int:
        """Add holidays that are not stored yet; returns how many were added."""
        self.open()
        have = set(self._holidays())
        new = sorted({ymd(d) for d in days} - have)
        if new:
            self._add_holidays(new)
        return len(new)

    def weights(self, code: str) -> list[dict[str, float]]:
        """Weight (权息) rows of a stock, oldest first: ``date`` (YYYYMMDD) and ``WEIGHT_FIELDS``."""
        self.open()
        market, c = split_code(code)
        return self._weights(market, c)

    def save_weights(self, code: str, rows: Sequence[dict[str, float]]) -> int:
        """Replace the stock's weight rows dated on or after the first of ``rows`` with ``rows``."""
        self.open()
        market, c = split_code(code)
        rows = sorted(rows, key=lambda r: int(r["date"]))
        if rows:
            self._replace_weights(market, c, rows)
        return len(rows)

    def blocks(self) -> list[tuple[str, str, str]]:
        """(category, name, market_code) board membership rows."""
        self.open()
        return self._blocks()

    def save_blocks(self, rows: Iterable[tuple[str, str, str]]) -> int:
        """Replace the members of every category that appears in ``rows``."""
        self.open()
        rows = [(cat, name, split_code(mc)[0] + mc[-6:]) for cat, name, mc in rows]
        for cat in sorted({r[0] for r in rows}):
            self._replace_blocks(cat, [r for r in rows if r[0] == cat])
        return len(rows)

    def block_index(self) -> list[tuple[str, str, str]]:
        """(category, board name, index market code) rows of Hikyuu's ``BlockIndex``."""
        self.open()
        return self._block_index()

    def save_block_index(self, rows: Iterable[tuple[str, str, str]]) -> int:
        """Replace the ``BlockIndex`` rows of every category that appears in ``rows``."""
        self.open()
        rows = [(cat, name, split_code(mc)[0] + mc[-6:]) for cat, name, mc in rows]
        for cat in sorted({r[0] for r in rows}):
            self._replace_block_index(cat, [r for r in rows if r[0] == cat])
        return len(rows)

    def history_finance_files(self) -> dict[int, int]:
        """File date (YYYYMMDD) -> rows stored, of Hikyuu's ``HistoryFinance``."""
        self.open()
        return self._history_finance_files()

    def save_history_finance(self, file_date: int, rows: Sequence[tuple[str, int, bytes]]) -> int:
        """Replace the rows of one TDX finance file: (market code, report date, raw float32 values)."""
        self.open()
        checked = [(split_code(mc)[0] + mc[-6:], int(rd), bytes(v)) for mc, rd, v in rows]
        self._replace_history_finance(int(file_date), checked)
        return len(checked)

    def history_finance(self, code: str) -> list[tuple[int, int, bytes]]:
        """(file date, report date, raw values) of a stock, by report date."""
        self.open()
        market, c = split_code(code)
        return self._history_finance(market + c)

    def zh_bond10(self) -> list[tuple[int, int]]:
        """(YYYYMMDD, yield x 10000) rows of Hikyuu's ``zh_bond10``, oldest first."""
        self.open()
        return self._zh_bond10()

    def save_zh_bond10(self, rows: Iterable[tuple[int, int]]) -> int:
        """Replace the rows dated on or after the first of ``rows``; returns how many were written."""
        self.open()
        out = sorted({int(d): int(v) for d, v in rows}.items())
        if out:
            self._replace_zh_bond10(out)
        return len(out)

    # ------------------------------------------------------------------ helpers
    def _count_read(self, bars: np.ndarray) -> None:
        self.stats.reads += 1
        self.stats.rows_read += len(bars)

    def _read_last_n(self, keys: list[tuple[str, str]], ktype: KType, n: int) -> dict[tuple[str, str], np.ndarray]:
        """Default: one ``_read`` per stock; backends with a bulk path override it."""
        return {(m, c): self._read(m, c, ktype, None, None, n) for m, c in keys}

    # ------------------------------------------------------------------ hooks
    def _ping(self, timeout_s: float) -> str:
        raise NotImplementedError

    def _missing_tables(self, timeout_s: float) -> list[str]:
        """Of ``REQUIRED_TABLES``, those missing (a server store creates them with its first import: [])."""
        return []

    def _peek_last_day(self, market: str, code: str, timeout_s: float) -> np.datetime64 | None:
        raise NotImplementedError

    def _open(self) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        raise NotImplementedError

    def _commit(self) -> None:
        """Flush buffered appends and make them durable."""

    def _rollback(self) -> None:
        """Drop buffered, uncommitted appends (default: nothing is buffered)."""

    def _last_datetimes(self, market: str, ktype: KType, codes: list[str] | None) -> dict[str, np.datetime64]:
        raise NotImplementedError

    def _read(self, market: str, code: str, ktype: KType, start: np.datetime64 | None,
              end: np.datetime64 | None, last_n: int | None) -> np.ndarray:
        raise NotImplementedError

    def _append(self, market: str, code: str, ktype: KType, bars: np.ndarray) -> None:
        raise NotImplementedError

    def _count(self, market: str, code: str, ktype: KType) -> int:
        raise NotImplementedError

    def _codes(self, market: str, ktype: KType) -> list[str]:
        raise NotImplementedError

    def _stock_records(self) -> list[StockRecord]:
        raise NotImplementedError

    def _save_stocks(self, records: list[StockRecord]) -> None:
        raise NotImplementedError

    def _markets(self) -> list[MarketRecord]:
        raise NotImplementedError

    def _set_market_last_date(self, market: str, last_date: int) -> None:
        raise NotImplementedError

    def _stock_types(self) -> list[StockTypeRecord]:
        raise NotImplementedError

    def _holidays(self) -> list[int]:
        raise NotImplementedError

    def _add_holidays(self, days: list[int]) -> None:
        raise NotImplementedError

    def _weights(self, market: str, code: str) -> list[dict[str, float]]:
        raise NotImplementedError

    def _replace_weights(self, market: str, code: str, rows: list[dict[str, float]]) -> None:
        raise NotImplementedError

    def _blocks(self) -> list[tuple[str, str, str]]:
        raise NotImplementedError

    def _replace_blocks(self, category: str, rows: list[tuple[str, str, str]]) -> None:
        raise NotImplementedError

    def _block_index(self) -> list[tuple[str, str, str]]:
        raise NotImplementedError

    def _replace_block_index(self, category: str, rows: list[tuple[str, str, str]]) -> None:
        raise NotImplementedError

    def _history_finance_files(self) -> dict[int, int]:
        raise NotImplementedError

    def _replace_history_finance(self, file_date: int, rows: list[tuple[str, int, bytes]]) -> None:
        raise NotImplementedError

    def _history_finance(self, market_code: str) -> list[tuple[int, int, bytes]]:
        raise NotImplementedError

    def _zh_bond10(self) -> list[tuple[int, int]]:
        raise NotImplementedError

    def _replace_zh_bond10(self, rows: list[tuple[int, int]]) -> None:
        raise NotImplementedError


class BaseInfoByDelegate:
    """The base-info hooks of ``KDataStore`` answered by ``self._base``, an object with the same methods
    without the underscore (``SqlBaseInfo`` over SQLite or MySQL, ``ClickHouseBaseInfo``). Put it before
    ``KDataStore`` among the bases."""

    _base: Any

    def _stock_records(self) -> list[StockRecord]:
        return self._base.stock_records()

    def _save_stocks(self, records: list[StockRecord]) -> None:
        self._base.save_stocks(records)

    def _markets(self) -> list[MarketRecord]:
        return self._base.markets()

    def _set_market_last_date(self, market: str, last_date: int) -> None:
        self._base.set_market_last_date(market, last_date)

    def _stock_types(self) -> list[StockTypeRecord]:
        return self._base.stock_types()

    def _holidays(self) -> list[int]:
        return self._base.holidays()

    def _add_holidays(self, days: list[int]) -> None:
        self._base.add_holidays(days)

    def _weights(self, market: str, code: str) -> list[dict[str, float]]:
        return self._base.weights(market, code)

    def _replace_weights(self, market: str, code: str, rows: list[dict[str, float]]) -> None:
        self._base.replace_weights(market, code, rows)

    def _blocks(self) -> list[tuple[str, str, str]]:
        return self._base.blocks()

    def _replace_blocks(self, category: str, rows: list[tuple[str, str, str]]) -> None:
        self._base.replace_blocks(category, rows)

    def _block_index(self) -> list[tuple[str, str, str]]:
        return self._base.block_index()

    def _replace_block_index(self, category: str, rows: list[tuple[str, str, str]]) -> None:
        self._base.replace_block_index(category, rows)

    def _history_finance_files(self) -> dict[int, int]:
        return self._base.history_finance_files()

    def _replace_history_finance(self, file_date: int, rows: list[tuple[str, int, bytes]]) -> None:
        self._base.replace_history_finance(file_date, rows)

    def _history_finance(self, market_code: str) -> list[tuple[int, int, bytes]]:
        return self._base.history_finance(market_code)

    def _zh_bond10(self) -> list[tuple[int, int]]:
        return self._base.zh_bond10()

    def _replace_zh_bond10(self, rows: list[tuple[int, int]]) -> None:
        self._base.replace_zh_bond10(rows)


def _stored(ktype: KType | str) -> KType:
    k = parse_ktype(ktype)
    if k not in DERIVED:
        raise ValueError(f"{k} is derived, not stored: write {k.base} bars instead")
    return k


def _checked(bars: np.ndarray, code: str) -> np.ndarray:
    """Bars as a 1-D ``KDATA_DTYPE`` array; ValueError when unsorted, repeated or not finite."""
    bars = np.asarray(bars)
    if bars.dtype != KDATA_DTYPE or bars.ndim != 1:
        raise ValueError(f"{code}: bars must be a 1-D KDATA_DTYPE array, got {bars.dtype} ndim={bars.ndim}")
    if not len(bars):
        return bars
    dt = bars["datetime"]
    if np.isnat(dt).any():
        raise ValueError(f"{code}: bars without a datetime")
    if len(dt) > 1 and not (dt[1:] > dt[:-1]).all():
        raise ValueError(f"{code}: bar datetimes must rise strictly")
    for f in ("open", "high", "low", "close", "amount", "volume"):
        if not np.isfinite(bars[f]).all() or (bars[f] < 0).any():
            raise ValueError(f"{code}: {f} must be finite and not negative")
    return bars
