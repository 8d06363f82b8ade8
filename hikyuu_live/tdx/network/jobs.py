"""Units of network work for ``ServerPool``: one stock's new bars, one market's security list, one stock's
weights or finance, one stock-day of trades or time line. Each ``run(conn)`` is a few protocol calls on
one connection and returns plain arrays or dicts in hikyuu_live's in-memory units; it raises the
``SourceError``s of ``client.py`` when the server misbehaves so the pool can move it to another server.

Paging (done more carefully than the original): the protocol serves at most 800 bars a call, counted back
from the newest. We ask the newest page first, sized from the calendar's estimate of missing bars plus
the overlap bar, and go back a page at a time until a page reaches the last stored bar (or the first
wanted date) or the server has no more history; the original guessed page counts and could miss or
re-fetch bars.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hikyuu_live.errors import SourceDataError
from hikyuu_live.model.kdata import KDATA_DTYPE, KType
from hikyuu_live.model.tradedata import TIMELINE_DTYPE, TRANS_DTYPE
from hikyuu_live.tdx.network.client import (
    CATEGORY_DAY,
    CATEGORY_MIN,
    CATEGORY_MIN5,
    MAX_BARS_PER_CALL,
    MAX_TICKS_PER_CALL,
    TdxConnection,
)

CATEGORY = {KType.DAY: CATEGORY_DAY, KType.MIN: CATEGORY_MIN, KType.MIN5: CATEGORY_MIN5}
#: hard caps so a lying server cannot keep a job paging forever (day: ~80 years; minutes: the original's 99)
MAX_PAGES = {KType.DAY: 30, KType.MIN: 99, KType.MIN5: 99}
MAX_TRADE_PAGES = 21
PRICE_TOLERANCE = 0.02  # open/high/low/close of the overlap bar within 2 %

US = np.timedelta64(1, "us")


# ----------------------------------------------------------------------------- bars


@dataclass(frozen=True, slots=True)
class BarsJob:
    """New bars of one stock and ktype. ``after`` = newest stored datetime (None: nothing stored, start at
    ``since``); ``until`` = newest acceptable label (today's close); ``last_bar`` = the stored newest bar
    for the overlap check; ``expected`` = calendar estimate of missing bars (a paging hint only)."""

    market: str
    code: str
    ktype: KType
    until: np.datetime64
    since: np.datetime64
    after: np.datetime64 | None = None
    last_bar: np.void | None = None
    index: bool = False
    expected: int = MAX_BARS_PER_CALL

    @property
    def key(self) -> str:
        return f"{self.market}{self.code}/{self.ktype.value}"

    def run(self, conn: TdxConnection) -> BarsResult:
        category = CATEGORY[self.ktype]
        boundary = self.after if self.after is not None else self.since - US
        count = int(min(max(self.expected + 1, 2), MAX_BARS_PER_CALL))
        pages: list[np.ndarray] = []
        start = 0
        exhausted = False
        for _ in range(MAX_PAGES[self.ktype]):
            page = conn.bars(self.market, self.code, category, start, count, index=self.index)
            pages.append(page)
            if len(page) < count:
                exhausted = True
                break
            dts = page["datetime"][~np.isnat(page["datetime"])]
            if len(dts) and dts.min() <= boundary:
                break
            start += count
            count = MAX_BARS_PER_CALL
        bars = np.concatenate(pages[::-1]) if pages else np.zeros(0, KDATA_DTYPE)
        return _select(self, bars, boundary, len(pages), exhausted)


@dataclass(slots=True)
class BarsResult:
    bars: np.ndarray  # after the boundary, up to ``until``, in server order; NaT-dated bars kept for quarantine
    pages: int = 0
    fetched: int = 0
    newest: np.datetime64 | None = None  # the server's newest bar label
    overlap: str | None = None  # why the stored newest bar and the server's copy differ
    overlap_checked: bool = False
    too_new: int = 0  # bars after ``until`` (an unfinished day during trading hours) left out
    exhausted: bool = False  # the server had no older history
    oldest: np.datetime64 | None = None  # the server's oldest bar fetched


def _select(job: BarsJob, bars: np.ndarray, boundary: np.datetime64, pages: int, exhausted: bool) -> BarsResult:
    dt = bars["datetime"]
    valid = ~np.isnat(dt)
    res = BarsResult(np.zeros(0, KDATA_DTYPE), pages=pages, fetched=len(bars), exhausted=exhausted)
    if valid.any():
        res.newest, res.oldest = dt[valid].max(), dt[valid].min()
    old = np.flatnonzero(valid & (dt <= boundary))
    first_new = int(old[-1]) + 1 if len(old) else 0
    tail = bars[first_new:]
    tail_dt = tail["datetime"]
    too_new = ~np.isnat(tail_dt) & (tail_dt > job.until)
    res.too_new = int(too_new.sum())
    res.bars = tail[~too_new]
    if job.last_bar is not None:
        same = np.flatnonzero(valid & (dt == job.last_bar["datetime"]))
        if len(same):
            res.overlap_checked = True
            res.overlap = overlap_mismatch(job.last_bar, bars[same[-1]], job.ktype)
    return res


def overlap_mismatch(stored: np.void, server: np.void, ktype: KType) -> str | None:
    """Why the stored newest bar and the server's copy of it disagree (None when they agree).

    Prices: any of open/high/low/close more than 2 % apart. Day bars also compare amount and volume with
    the original's tiered tolerances (amount >= 1e8 yuan: 50 %, >= 1e6: 80 %, else 100 %; volume >= 1e7:
    50 %, >= 1e5: 80 %, else 100 %): a day bar stored during trading hours is a partial bar, which these
    catch, while rounding and late corrections by the exchange stay inside them.
    """
    for f in ("open", "high", "low", "close"):
        a, b = float(stored[f]), float(server[f])
        if a <= 0 or abs(a - b) / a > PRICE_TOLERANCE:
            return f"{f} stored {a:g} vs server {b:g}"
    if ktype is KType.DAY:
        amount = float(stored["amount"]) * 10_000  # yuan
        if amount > 0:
            limit = 0.5 if amount >= 1e8 else (0.8 if amount >= 1e6 else 1.0)
            if abs(amount - float(server["amount"]) * 10_000) / amount > limit:
                return f"amount stored {float(stored['amount']):g} vs server {float(server['amount']):g} (10k yuan)"
        vol = float(stored["volume"])
        if vol > 0:
            limit = 0.5 if vol >= 1e7 else (0.8 if vol >= 1e5 else 1.0)
            if abs(vol - float(server["volume"])) / vol > limit:
                return f"volume stored {vol:g} vs server {float(server['volume']):g}"
    return None


# ----------------------------------------------------------------------------- lists, weights, finance


@dataclass(frozen=True, slots=True)
class SecurityListJob:
    """Every security the server lists for one market: (code, name, decimal_point, volunit)."""

    market: str
    page: int = 1000

    @property
    def key(self) -> str:
        return f"{self.market}/list"

    def run(self, conn: TdxConnection) -> list[tuple[str, str, int, int]]:
        total = conn.security_count(self.market)
        out: list[tuple[str, str, int, int]] = []
        start = 0
        while start < total:
            rows = conn.security_list(self.market, start)
            if not rows:
                break
            out += [(r["code"], r["name"], int(r["decimal_point"]), int(r["volunit"])) for r in rows]
            start += len(rows)
        return out


@dataclass(frozen=True, slots=True)
class XdxrJob:
    market: str
    code: str

    @property
    def key(self) -> str:
        return f"{self.market}{self.code}/xdxr"

    def run(self, conn: TdxConnection) -> list[dict]:
        return conn.xdxr(self.market, self.code)


@dataclass(frozen=True, slots=True)
class FinanceJob:
    market: str
    code: str

    @property
    def key(self) -> str:
        return f"{self.market}{self.code}/finance"

    def run(self, conn: TdxConnection) -> dict:
        return conn.finance(self.market, self.code)


@dataclass(frozen=True, slots=True)
class ReportFileJob:
    """A whole file the servers offer (``tdxfin/gpcw.txt``, ``tdxfin/gpcw20240930.zip``), chunk by chunk.
    ``size`` (from the list) is checked when known: a short file is the server's fault, not the file's."""

    name: str
    size: int = 0
    max_bytes: int = 64 * 1024 * 1024

    @property
    def key(self) -> str:
        return f"file/{self.name}"

    def run(self, conn: TdxConnection) -> bytes:
        out = bytearray()
        while True:
            chunk = conn.report_file(self.name, len(out))
            if not chunk:
                break
            out += chunk
            if len(out) > self.max_bytes:
                raise SourceDataError(f"{self.name}: more than {self.max_bytes} bytes")
            if self.size and len(out) >= self.size:
                break
        if self.size and len(out) != self.size:
            raise SourceDataError(f"{self.name}: {len(out)} bytes, the list says {self.size}")
        return bytes(out)


# ----------------------------------------------------------------------------- trades and time lines


@dataclass(slots=True)
class DayResult:
    rows: np.ndarray
    skipped: str | None = None  # why the day yields nothing
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TransJob:
    """One day's trades (分笔) of one stock, all pages (2,000 a call, newest first)."""

    market: str
    code: str
    day: int  # YYYYMMDD

    @property
    def key(self) -> str:
        return f"{self.market}{self.code}/trans/{self.day}"

    def run(self, conn: TdxConnection) -> DayResult:
        pages: list[list[dict]] = []
        start = 0
        for _ in range(MAX_TRADE_PAGES):
            rows = conn.transactions(self.market, self.code, start, MAX_TICKS_PER_CALL, self.day)
            pages.append(rows)
            if len(rows) < MAX_TICKS_PER_CALL:
                break
            start += MAX_TICKS_PER_CALL
        else:
            return DayResult(np.zeros(0, TRANS_DTYPE), skipped=f"more than {MAX_TRADE_PAGES} pages of trades")
        trades = [t for page in pages[::-1] for t in page]
        if not trades:
            return DayResult(np.zeros(0, TRANS_DTYPE), skipped="no trades (suspended or not a trading day)")
        return DayResult(trades_to_rows(trades, self.day))


def trades_to_rows(trades: list[dict], day: int) -> np.ndarray:
    """pytdx trades of one day -> ``TRANS_DTYPE`` with seconds spread evenly inside each minute.

    TDX history trades carry only hh:mm. The n trades of a minute get seconds ``floor(i * 60 / n)``,
    so order is kept, times are unique for n <= 60 and no trade is dropped (the original gave +3 s each
    from second 2 and dropped everything past second 59).
    """
    n = len(trades)
    minutes = np.array([int(t["time"][:2]) * 60 + int(t["time"][3:5]) for t in trades], dtype=np.int64)
    out = np.zeros(n, TRANS_DTYPE)
    change = np.flatnonzero(np.diff(minutes, prepend=-1) != 0)
    group_len = np.diff(np.append(change, n))
    rank = np.arange(n) - np.repeat(change, group_len)
    seconds = (rank * 60) // np.repeat(group_len, group_len)
    base = np.datetime64(f"{day // 10000:04d}-{day // 100 % 100:02d}-{day % 100:02d}", "us")
    out["datetime"] = base + (minutes * 60 + seconds).astype("m8[s]").astype("m8[us]")
    out["price"] = [t["price"] for t in trades]
    out["volume"] = [t["vol"] for t in trades]
    out["direct"] = np.clip([t["buyorsell"] for t in trades], 0, 2)
    return out


#: end-of-minute labels of the 240 points of a trading day: 09:31..11:30, 13:01..15:00
TIMELINE_MINUTES = np.concatenate([np.arange(9 * 60 + 31, 11 * 60 + 31), np.arange(13 * 60 + 1, 15 * 60 + 1)])


@dataclass(frozen=True, slots=True)
class TimeLineJob:
    """One day's time line (分时) of one stock: exactly 240 points or nothing."""

    market: str
    code: str
    day: int

    @property
    def key(self) -> str:
        return f"{self.market}{self.code}/time/{self.day}"

    def run(self, conn: TdxConnection) -> DayResult:
        points = conn.minute_time(self.market, self.code, self.day)
        if len(points) != len(TIMELINE_MINUTES):
            why = "no time line (suspended or not a trading day)" if not points else \
                f"{len(points)} points instead of {len(TIMELINE_MINUTES)}"
            return DayResult(np.zeros(0, TIMELINE_DTYPE), skipped=why)
        out = np.zeros(len(points), TIMELINE_DTYPE)
        base = np.datetime64(f"{self.day // 10000:04d}-{self.day // 100 % 100:02d}-{self.day % 100:02d}", "us")
        out["datetime"] = base + TIMELINE_MINUTES.astype("m8[m]").astype("m8[us]")
        out["price"] = [p["price"] for p in points]
        out["volume"] = [p["vol"] for p in points]
        return DayResult(out)
