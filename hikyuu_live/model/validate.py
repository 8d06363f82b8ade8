"""Bar validation for imports: bad bars go to a quarantine report, never into a store, never abort a stock.

A bar is rejected, with the first reason that applies, when:

- its datetime is missing, before 1990-12-19 (the first SH trading day) or after ``until``;
- a day bar has a time of day, or an intraday bar lies outside 09:30-11:30 / 13:00-15:00;
- a price is not a positive finite number, or too large for Hikyuu's uint32 x1000 storage;
- ``high`` is below ``open``/``close`` or ``low`` above them (float32 sources get a 1e-6 relative slack);
- volume or amount is negative, not finite, or absurd (the garbage of hikyuu issue #297: volume 5.9e-39,
  amount 8e76): above 1e12 lots or 1e10 x 10,000 yuan;
- its time does not rise strictly after the previous good bar (a repeated or out-of-order bar).

The report keeps the first ``max_rows`` rejected bars with their values (stock, ktype, time, reason) and
counts all of them by reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from hikyuu_live.model.kdata import KType

FIRST_DAY = np.datetime64("1990-12-19", "us")
MAX_PRICE = (2**32 - 1) / 1000
MAX_VOLUME = 1e12
MAX_AMOUNT = 1e10
_SLACK = 1e-6
_MIN_US = 60_000_000
# intraday labels allowed: 09:30..11:30 and 13:00..15:00 (minutes after midnight)
_SESSIONS = ((570, 690), (780, 900))

REASONS = ("no datetime", "before 1990-12-19", "after the import's end", "day bar with a time of day",
           "outside trading hours", "bad price", "price too large", "high/low do not bracket open/close",
           "bad volume or amount", "absurd volume or amount", "time not rising")


def check_bars(bars: np.ndarray, ktype: KType, until: np.datetime64 | None = None) -> np.ndarray:
    """Reason index per bar (-1 = good, else an index into ``REASONS``), vectorised."""
    n = len(bars)
    reason = np.full(n, -1, dtype=np.int8)
    if not n:
        return reason
    dt = bars["datetime"]
    o, h, lo, c = (bars[f] for f in ("open", "high", "low", "close"))
    vol, amt = bars["volume"], bars["amount"]
    nat = np.isnat(dt)
    safe_dt = np.where(nat, FIRST_DAY, dt)
    day = safe_dt.astype("M8[D]")
    minute = ((safe_dt - day.astype("M8[us]")).astype(np.int64) // _MIN_US)
    if ktype.is_intraday:
        in_session = np.zeros(n, dtype=bool)
        for a, b in _SESSIONS:
            in_session |= (minute >= a) & (minute <= b)
        time_bad, time_reason = ~in_session, 4
    else:
        time_bad, time_reason = minute != 0, 3
    with np.errstate(invalid="ignore"):
        prices = np.stack((o, h, lo, c))
        bad_price = ~np.isfinite(prices).all(axis=0) | (prices <= 0).any(axis=0)
        big_price = (prices > MAX_PRICE).any(axis=0)
        top = np.maximum(o, c)
        bottom = np.minimum(o, c)
        unbracketed = (h < top * (1 - _SLACK)) | (lo > bottom * (1 + _SLACK)) | (lo > h)
        bad_va = ~np.isfinite(vol) | ~np.isfinite(amt) | (vol < 0) | (amt < 0)
        absurd = (vol > MAX_VOLUME) | (amt > MAX_AMOUNT)
    early = safe_dt < FIRST_DAY
    late = np.zeros(n, dtype=bool) if until is None else safe_dt > until
    if (nat | early | late | time_bad | bad_price | big_price | unbracketed | bad_va | absurd).any():
        none = np.zeros(n, dtype=bool)
        checks = [nat, ~nat & early, ~nat & late, time_bad if time_reason == 3 else none,
                  time_bad if time_reason == 4 else none, bad_price, big_price & ~bad_price,
                  unbracketed & ~bad_price, bad_va, absurd & ~bad_va]
        for i, mask in reversed(list(enumerate(checks))):
            reason[mask] = i  # reversed: the first reason that applies wins
        good = np.flatnonzero(reason < 0)
        g = dt[good]
    else:  # the usual case, all good so far: skip the per-reason bookkeeping
        good, g = None, dt
    if len(g) > 1:
        not_rising = np.flatnonzero(g[1:] <= np.maximum.accumulate(g)[:-1]) + 1
        if len(not_rising):
            reason[not_rising if good is None else good[not_rising]] = len(REASONS) - 1
    return reason


@dataclass(frozen=True, slots=True)
class RejectedBar:
    market_code: str
    ktype: str
    datetime: str
    reason: str
    open: float
    high: float
    low: float
    close: float
    amount: float
    volume: float


@dataclass(slots=True)
class Quarantine:
    """Rejected bars of an import: the first ``max_rows`` in full, all counted by reason and stock."""

    max_rows: int = 100_000
    rows: list[RejectedBar] = field(default_factory=list)
    by_reason: Counter = field(default_factory=Counter)
    by_stock: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.by_reason.values())

    def add(self, market_code: str, ktype: KType, bars: np.ndarray, reasons: np.ndarray) -> None:
        bad = np.flatnonzero(reasons >= 0)
        if not len(bad):
            return
        self.by_stock[market_code] += len(bad)
        for i in bad.tolist():
            why = REASONS[int(reasons[i])]
            self.by_reason[why] += 1
            if len(self.rows) < self.max_rows:
                b = bars[i]
                when = "" if np.isnat(b["datetime"]) else str(b["datetime"].astype("M8[s]")).replace("T", " ")
                self.rows.append(RejectedBar(market_code, ktype.value, when, why, *(float(b[f]) for f in
                                             ("open", "high", "low", "close", "amount", "volume"))))

    def csv_lines(self) -> Iterator[list[str | float]]:
        """The kept rows as CSV rows (stock, ktype, datetime, reason, values) after a header, with a note
        when rows were cut; ``hikyuu_live.data.quarantine`` writes them to a file."""
        yield ["market_code", "ktype", "datetime", "reason", "open", "high", "low", "close", "amount", "volume"]
        for r in self.rows:
            yield [r.market_code, r.ktype, r.datetime, r.reason, r.open, r.high, r.low, r.close, r.amount, r.volume]
        if self.total > len(self.rows):
            yield [f"# {self.total - len(self.rows)} more rejected bars not listed"]


def split_valid(bars: np.ndarray, ktype: KType, until: np.datetime64 | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """(good bars, reason per input bar) — see ``check_bars``."""
    reasons = check_bars(bars, ktype, until)
    return bars[reasons < 0], reasons
