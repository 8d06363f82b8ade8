"""Live bars built from spots: day, week ... year and 1/5/15/30/60-minute and 2-hour, column-wise.

The rules, each one a fix for a failure users of other systems keep hitting:

- **End labels**, as Hikyuu and TDX label bars (see ``hikyuu_live.model.kdata``).
- **Call auction**: prints from 09:25 to 09:30 fold into the first bar of the day (09:31 for 1-minute,
  09:35 for 5-minute, ...), never into a bar of their own. Prints before 09:25 are ignored.
- **Closes**: prints at or up to ``grace_s`` (30 s, as Hikyuu) after 11:30 and 15:00 belong to the last
  bar of their session (the exchanges stamp closing prints just after the bell). Nothing is built in the
  lunch break or after the close.
- **Volume from cumulative totals**: a bar's volume and amount are the day's cumulative totals of its
  last print minus those at the end of the previous bar, so they do not depend on how many prints were
  seen, and a restart that reloads today's bars continues with the same numbers. A cold start in the
  middle of a bar without today's history counts that first bar from the first print seen (and says so
  in ``stats.partial_bars``).
- **One unit everywhere**: prices yuan, amount 10,000 yuan, volume lots (Hikyuu's minute updater
  multiplied by 100 while its day updater did not).
- **No call-auction print**: a stock whose first print of the day comes after 09:30 (no auction print
  was seen) opens its first intraday bars at the spot's ``open`` field, the day's official open, and their
  high and low include it and the day's high and low so far (all of that trading lies inside the first
  bar): the intraday bars agree with the day bar.
- **Updated, never duplicated**: a print for the current bar updates it; the current (unfinished) bar is
  always part of ``bars()``, so the last bar of a session exists as soon as its print arrived.
- **Late prints** (older than the newest print seen for the stock, e.g. from a second source or a
  reordered batch): one that still falls inside a bar being built widens that bar's high and low and
  never touches its close or the cumulative volume and amount (``stats.late_merged``); one older than
  every bar being built is counted and dropped (``stats.ignored_older``).
- Spots dated another day (suspended stocks keep yesterday's quote) never touch today's bars.

Week ... year bars combine the finished days of the period from the day history with today's day bar.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np

from hikyuu_live.model.kdata import KDATA_DTYPE, KDATA_FIELDS, SESSIONS, KType, intraday_label_minutes, period_end
from hikyuu_live.model.spot import market_codes

log = logging.getLogger(__name__)

_AUCTION_START = 9 * 60 + 25
_US_PER_MIN = 60_000_000
_US_PER_DAY = 86_400_000_000


@dataclass(slots=True)
class BarStats:
    spots_in: int = 0
    spots_used: int = 0
    ignored_other_day: int = 0
    ignored_out_of_session: int = 0
    ignored_older: int = 0
    late_merged: int = 0
    ignored_unknown_code: int = 0
    bars_finished: int = 0
    partial_bars: int = 0
    day_rolls: int = 0


def _touched(shape: tuple[int, int]) -> np.ndarray:
    """A zeroed bar array whose pages are already mapped: ``np.zeros`` maps them lazily, and the first
    bar of each stock would then page-fault inside the hot path (a 30 ms stall at a minute boundary)."""
    arr = np.empty(shape, dtype=KDATA_DTYPE)
    arr.view(np.uint8)[...] = 0
    return arr


class _History:
    """Finished bars of every stock for one ktype, in one ``stocks x capacity`` array.

    One 2-D array instead of an array per stock: finishing a minute for 6,000 stocks is a single
    vectorised store, and memory stays near 56 bytes per bar (capacity = longest history + headroom).
    """

    __slots__ = ("data", "count")

    def __init__(self, n: int, history: list[np.ndarray | None], headroom: int = 64) -> None:
        lengths = np.array([0 if h is None else len(h) for h in history], dtype=np.int64)
        cap = int(lengths.max(initial=0)) + headroom
        self.data = _touched((n, cap))
        for i, h in enumerate(history):
            if h is not None and len(h):
                self.data[i, : len(h)] = h
        self.count = lengths

    def view(self, i: int) -> np.ndarray:
        return self.data[i, : self.count[i]]

    def append(self, rows: np.ndarray, bars: np.ndarray) -> None:
        """Append ``bars[j]`` to stock ``rows[j]`` (rows distinct)."""
        if not len(rows):
            return
        need = int(self.count[rows].max()) + 1
        if need > self.data.shape[1]:
            grown = _touched((self.data.shape[0], max(need, 2 * self.data.shape[1])))
            grown[:, : self.data.shape[1]] = self.data
            self.data = grown
        cols = self.count[rows]
        for f in KDATA_FIELDS:  # field by field: numpy's structured fancy store is ~50x slower
            self.data[f][rows, cols] = bars[f]
        self.count[rows] += 1

    def pop_last(self, i: int) -> np.void:
        self.count[i] -= 1
        return self.data[i, self.count[i]].copy()

    def last(self, i: int) -> np.void | None:
        return self.data[i, self.count[i] - 1].copy() if self.count[i] else None

    @property
    def nbytes(self) -> int:
        return self.data.nbytes + self.count.nbytes


@dataclass(slots=True)
class _Current:
    """The unfinished bar of every stock for one ktype (label 0 = none yet)."""

    label: np.ndarray
    ohlc: np.ndarray  # (n, 4)
    amount: np.ndarray
    volume: np.ndarray
    base_amount: np.ndarray  # day-cumulative totals at the end of the previous bar
    base_volume: np.ndarray
    history: _History | None = None

    @classmethod
    def empty(cls, n: int) -> _Current:
        z = np.zeros(n)
        return cls(np.zeros(n, dtype=np.int64), np.zeros((n, 4)), z.copy(), z.copy(), z.copy(), z.copy())

    def bars(self, rows: np.ndarray) -> np.ndarray:
        """The current bars of ``rows`` as a ``KDATA_DTYPE`` array."""
        out = np.zeros(len(rows), dtype=KDATA_DTYPE)
        out["datetime"] = self.label[rows].astype("M8[us]")
        out["open"], out["high"], out["low"], out["close"] = self.ohlc[rows].T
        out["amount"], out["volume"] = self.amount[rows], self.volume[rows]
        return out

    def bar(self, i: int) -> np.void:
        return self.bars(np.array([i]))[0]


class LiveBars:
    """Bars of ``ktypes`` for a fixed universe, fed with spot arrays (see the module docstring).

    ``history`` maps ktype -> {``SH600000``: bars} of stored bars (``KDATA_DTYPE``, oldest first); bars
    of ``trading_day`` in it are taken as today's so far (a restart continues them).
    ``is_trading_day`` decides whether a spot dated after ``trading_day`` starts a new day.
    """

    def __init__(
        self,
        codes: Iterable[str],
        ktypes: Iterable[KType],
        trading_day: date,
        *,
        history: Mapping[KType, Mapping[str, np.ndarray]] | None = None,
        grace_s: float = 30.0,
        is_trading_day: Callable[[date], bool] | None = None,
    ) -> None:
        self.codes = [c.upper() for c in codes]
        self.index = {c: i for i, c in enumerate(self.codes)}
        self.ktypes = list(dict.fromkeys(ktypes))
        self.grace_min = grace_s / 60.0
        self.is_trading_day = is_trading_day or (lambda d: d.weekday() < 5)
        self.stats = BarStats()
        n = len(self.codes)
        history = history or {}
        self._cur = {k: _Current.empty(n) for k in self.ktypes}
        for k, cur in self._cur.items():
            hist = history.get(k, {})
            cur.history = _History(n, [hist.get(c) for c in self.codes])
        # day history is needed for week..year bars even when DAY itself is not asked for
        day_hist = history.get(KType.DAY, {})
        self._day_history = (self._cur[KType.DAY].history if KType.DAY in self._cur
                             else _History(n, [day_hist.get(c) for c in self.codes], headroom=0))
        self._last_us = np.zeros(n, dtype=np.int64)  # newest print used per stock
        self._cum_vol = np.full(n, np.nan)  # day-cumulative totals of that print (NaN: none yet today)
        self._cum_amt = np.full(n, np.nan)
        self._start_day(trading_day, continuing=True)

    # ------------------------------------------------------------------ day handling
    def _start_day(self, day: date, *, continuing: bool) -> None:
        self.trading_day = day
        self._day_us = int(np.datetime64(day, "us").astype(np.int64))
        self._cum_vol[:] = np.nan
        self._cum_amt[:] = np.nan
        if continuing:
            for k, cur in self._cur.items():
                if k.is_intraday or k is KType.DAY:
                    self._adopt_today(k, cur)
        self._prepare_periods()

    def _adopt_today(self, k: KType, cur: _Current) -> None:
        """Move today's stored bars' tail into the current bar, so a restart continues it."""
        hist = cur.history
        assert hist is not None
        for i in range(len(self.codes)):
            rows = hist.view(i)
            if not len(rows) or rows["datetime"][-1] < np.datetime64(self.trading_day):
                continue
            today = rows[rows["datetime"] >= np.datetime64(self.trading_day)]
            last = hist.pop_last(i)
            cur.label[i] = last["datetime"].astype("M8[us]").astype(np.int64)
            cur.ohlc[i] = (last["open"], last["high"], last["low"], last["close"])
            cur.amount[i], cur.volume[i] = last["amount"], last["volume"]
            if k is KType.DAY:
                cur.base_amount[i] = cur.base_volume[i] = 0.0
                self._cum_vol[i], self._cum_amt[i] = last["volume"], last["amount"]
            else:
                cur.base_volume[i] = today["volume"][:-1].sum()
                cur.base_amount[i] = today["amount"][:-1].sum()
                self._cum_vol[i] = today["volume"].sum()
                self._cum_amt[i] = today["amount"].sum()

    def _prepare_periods(self) -> None:
        """Aggregate the finished days of the current week/month/... per stock from the day history."""
        self._period: dict[KType, tuple[int, np.ndarray]] = {}
        today = np.datetime64(self.trading_day, "D")
        for k in self.ktypes:
            if k.is_intraday or k is KType.DAY:
                continue
            label = period_end(np.array([today]), k)[0]
            agg = np.zeros((len(self.codes), 6))  # open, high, low, amount, volume, has_prev
            day_hist = self._day_history
            assert day_hist is not None
            for i in range(len(self.codes)):
                rows = day_hist.view(i)
                days = rows["datetime"].astype("M8[D]")
                sel = rows[(days < today) & (period_end(days, k) == label)] if len(rows) else rows
                if len(sel):
                    agg[i] = (sel["open"][0], sel["high"].max(), sel["low"].min(), sel["amount"].sum(),
                              sel["volume"].sum(), 1.0)
            cur = self._cur[k]
            hist = cur.history
            assert hist is not None
            for i in range(len(self.codes)):  # a stored bar of this very period is rebuilt live
                last = hist.last(i)
                if last is not None and last["datetime"].astype("M8[D]") == label:
                    hist.pop_last(i)
            self._period[k] = (int(label.astype("M8[us]").astype(np.int64)), agg)

    def roll_day(self, day: date) -> None:
        """Finish every current bar and start ``day`` (done automatically by ``update``)."""
        for cur in self._cur.values():
            self._finish(cur, np.flatnonzero(cur.label))
            cur.label[:] = 0
        self.stats.day_rolls += 1
        self._start_day(day, continuing=False)
        log.info("bars rolled to trading day %s", day)

    # ------------------------------------------------------------------ updates
    def update(self, spots: np.ndarray, keys: list[str] | None = None) -> np.ndarray:
        """Apply a batch of spots; returns the universe indices of the stocks whose bars changed.
        ``keys``: the spots' ``market + code`` when the caller has them already."""
        st = self.stats
        st.spots_in += len(spots)
        if not len(spots):
            return np.zeros(0, dtype=np.int64)
        if keys is None:
            keys = market_codes(spots).tolist()
        get = self.index.get
        idx = np.array([get(k, -1) for k in keys], dtype=np.int64)
        known = idx >= 0
        if not known.all():
            st.ignored_unknown_code += int((~known).sum())
            spots, idx = spots[known], idx[known]
        us = spots["datetime"].astype(np.int64)
        newest_day = us.max(initial=0) // _US_PER_DAY * _US_PER_DAY if len(us) else 0
        if newest_day > self._day_us:
            day = np.datetime64(int(newest_day), "us").astype("M8[D]").item()
            if self.is_trading_day(day):
                self.roll_day(day)
        if len(idx) and np.bincount(idx, minlength=len(self.codes)).max() == 1:  # the usual batch: no stock twice
            return np.sort(self._apply(spots, idx))
        # duplicates of a stock within one batch are applied in order, in rounds of distinct stocks
        changed: list[np.ndarray] = []
        while len(idx):
            _, first = np.unique(idx, return_index=True)
            mask = np.zeros(len(idx), dtype=bool)
            mask[first] = True
            changed.append(self._apply(spots[mask], idx[mask]))
            spots, idx = spots[~mask], idx[~mask]
        return np.unique(np.concatenate(changed)) if changed else np.zeros(0, dtype=np.int64)

    def _apply(self, spots: np.ndarray, idx: np.ndarray) -> np.ndarray:
        st = self.stats
        us = spots["datetime"].astype(np.int64)
        today = (us >= self._day_us) & (us < self._day_us + _US_PER_DAY)
        st.ignored_other_day += int((~today).sum())
        minute = (us - self._day_us) / _US_PER_MIN
        (o1, c1), (o2, c2) = SESSIONS
        g = self.grace_min
        in_hours = ((minute >= _AUCTION_START) & (minute <= c1 + g)) | ((minute >= o2) & (minute <= c2 + g))
        valid = today & in_hours & (spots["close"] > 0)
        st.ignored_out_of_session += int((today & ~valid).sum())
        newer = us >= self._last_us[idx]
        late = valid & ~newer
        if late.any():
            self._apply_late(spots[late], idx[late], minute[late])
        use = valid & newer
        spots, idx, minute, us = spots[use], idx[use], minute[use], us[use]
        if not len(idx):
            return idx
        st.spots_used += len(idx)
        cum_vol, cum_amt = spots["volume"], spots["amount"]
        prev_vol, prev_amt = self._cum_vol[idx], self._cum_amt[idx]
        for k in self.ktypes:
            if k.is_intraday:
                self._apply_intraday(k, spots, idx, minute, prev_vol, prev_amt)
            elif k is KType.DAY:
                self._apply_day(self._cur[k], spots, idx, self._day_us)
            else:
                self._apply_period(k, spots, idx)
        self._last_us[idx] = us
        self._cum_vol[idx], self._cum_amt[idx] = cum_vol, cum_amt
        return idx

    def _apply_late(self, spots: np.ndarray, idx: np.ndarray, minute: np.ndarray) -> None:
        """Late prints widen the high and low of the bars being built that contain them; nothing else."""
        taken = np.zeros(len(idx), dtype=bool)
        close = spots["close"]
        for k in self.ktypes:
            cur = self._cur[k]
            if k.is_intraday:
                inside = self._label_us(k, minute) == cur.label[idx]
                top, bottom = close, close
            else:  # the day bar, and week..year bars through it: a print of today is inside them
                inside = cur.label[idx] > 0
                top = np.maximum(spots["high"], close)
                bottom = np.minimum(np.where(spots["low"] > 0, spots["low"], close), close)
            if not inside.any():
                continue
            ii = idx[inside]
            cur.ohlc[ii, 1] = np.maximum(cur.ohlc[ii, 1], top[inside])
            cur.ohlc[ii, 2] = np.minimum(cur.ohlc[ii, 2], bottom[inside])
            taken |= inside
        self.stats.late_merged += int(taken.sum())
        self.stats.ignored_older += int((~taken).sum())

    def _label_us(self, k: KType, minute: np.ndarray) -> np.ndarray:
        (o1, c1), (o2, c2) = SESSIONS
        m = np.where(minute < o1, o1, minute)  # auction prints: the first bar of the day
        m = np.where((m >= c1) & (m < o2), c1 - 1e-9, m)  # just after 11:30: the last morning bar
        m = np.where(m >= c2, c2 - 1e-9, m)  # just after 15:00: the last bar of the day
        return self._day_us + intraday_label_minutes(m, k) * _US_PER_MIN

    def _apply_intraday(self, k: KType, spots: np.ndarray, idx: np.ndarray, minute: np.ndarray,
                        prev_vol: np.ndarray, prev_amt: np.ndarray) -> None:
        cur = self._cur[k]
        label = self._label_us(k, minute)
        old = cur.label[idx]
        close = spots["close"]
        new = label > old
        same = label == old
        if new.any():
            ni = idx[new]
            self._finish(cur, ni[old[new] > 0])
            first_label = self._day_us + intraday_label_minutes(np.array([SESSIONS[0][0]]), k)[0] * _US_PER_MIN
            unknown = np.isnan(prev_vol[new])
            # no print of today seen yet: exact if this is the day's first bar, else counted from here
            cold_mid_day = unknown & (label[new] > first_label)
            self.stats.partial_bars += int(cold_mid_day.sum())
            base_v = np.where(unknown, np.where(cold_mid_day, spots["volume"][new], 0.0), prev_vol[new])
            base_a = np.where(unknown, np.where(cold_mid_day, spots["amount"][new], 0.0), prev_amt[new])
            cur.base_volume[ni], cur.base_amount[ni] = base_v, base_a
            cur.label[ni] = label[new]
            cur.ohlc[ni] = close[new][:, None]
            # no print of today before this one, and it is past 09:30 (no auction print seen): the first bar
            # opens at the day's official open and holds the day's range so far
            unopened = unknown & (label[new] == first_label) & (minute[new] >= SESSIONS[0][0])
            if unopened.any():
                ui, sp = ni[unopened], spots[new][unopened]
                c = sp["close"]
                o = np.where(sp["open"] > 0, sp["open"], c)
                hi = np.maximum(np.maximum(o, c), sp["high"])
                lo_field = np.where(sp["low"] > 0, sp["low"], np.inf)
                cur.ohlc[ui, 0] = o
                cur.ohlc[ui, 1] = hi
                cur.ohlc[ui, 2] = np.minimum(np.minimum(o, c), lo_field)
        if same.any():
            si = idx[same]
            c = close[same]
            cur.ohlc[si, 1] = np.maximum(cur.ohlc[si, 1], c)
            cur.ohlc[si, 2] = np.minimum(cur.ohlc[si, 2], c)
            cur.ohlc[si, 3] = c
        upd = new | same
        ui = idx[upd]
        cur.volume[ui] = np.maximum(spots["volume"][upd] - cur.base_volume[ui], 0.0)
        cur.amount[ui] = np.maximum(spots["amount"][upd] - cur.base_amount[ui], 0.0)

    @staticmethod
    def _apply_day(cur: _Current, spots: np.ndarray, idx: np.ndarray, label_us: int) -> None:
        cur.label[idx] = label_us
        close = spots["close"]
        open_ = np.where(spots["open"] > 0, spots["open"], close)
        cur.ohlc[idx, 0] = open_
        cur.ohlc[idx, 1] = np.maximum(spots["high"], close)
        low = np.where(spots["low"] > 0, spots["low"], close)
        cur.ohlc[idx, 2] = np.minimum(low, close)
        cur.ohlc[idx, 3] = close
        cur.amount[idx], cur.volume[idx] = spots["amount"], spots["volume"]

    def _apply_period(self, k: KType, spots: np.ndarray, idx: np.ndarray) -> None:
        label_us, agg = self._period[k]
        cur = self._cur[k]
        self._apply_day(cur, spots, idx, label_us)
        a = agg[idx]
        has = a[:, 5] > 0
        cur.ohlc[idx, 0] = np.where(has, a[:, 0], cur.ohlc[idx, 0])
        cur.ohlc[idx, 1] = np.where(has, np.maximum(a[:, 1], cur.ohlc[idx, 1]), cur.ohlc[idx, 1])
        cur.ohlc[idx, 2] = np.where(has, np.minimum(a[:, 2], cur.ohlc[idx, 2]), cur.ohlc[idx, 2])
        cur.amount[idx] += a[:, 3]
        cur.volume[idx] += a[:, 4]

    def _finish(self, cur: _Current, rows: np.ndarray) -> None:
        assert cur.history is not None
        cur.history.append(rows, cur.bars(rows))
        self.stats.bars_finished += len(rows)

    # ------------------------------------------------------------------ reads
    def bars(self, code: str, ktype: KType) -> np.ndarray:
        """Every bar of ``code`` (stored history, finished live bars and the current one), oldest first."""
        i = self.index[code.upper()]
        cur = self._cur[ktype]
        assert cur.history is not None
        hist = cur.history.view(i)
        if not cur.label[i]:
            return hist.copy()
        out = np.empty(len(hist) + 1, dtype=KDATA_DTYPE)
        out[:-1] = hist
        out[-1] = cur.bar(i)
        return out

    def last_bar(self, code: str, ktype: KType) -> np.void | None:
        i = self.index[code.upper()]
        cur = self._cur[ktype]
        if cur.label[i]:
            return cur.bar(i)
        assert cur.history is not None
        return cur.history.last(i)

    def memory_bytes(self) -> int:
        """Bytes held by bar arrays (finished bars plus per-stock state)."""
        total = 0
        for cur in self._cur.values():
            total += cur.history.nbytes if cur.history is not None else 0
            total += cur.label.nbytes + cur.ohlc.nbytes + 4 * cur.amount.nbytes
        return total
