"""Deterministic market data for the TDX stand-in servers: every server built from the same ``MarketData``
arguments serves the same bars, ticks, time lines, weights and finance, so servers agree unless a knob
tells one to lie.

Everything is derived from (seed, market, code): a random walk of day closes in 0.001 yuan on the
security's tick (0.01 for shares and indices, 0.001 for funds), over the trading days of the shipped
calendar ending at ``end``; intraday bars, ticks and time lines for the last ``minute_days`` trading days.
Volumes are lots and amounts yuan, rounded to float32 (what the protocol can carry), volumes >= 200 so
that pytdx's float decoder is exact for them.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np

from hikyuu_live.model.calendar import TradingCalendar

PYTDX_MARKET = {"SZ": 0, "SH": 1, "BJ": 2}
MARKET_OF = {v: k for k, v in PYTDX_MARKET.items()}

#: the universe of the small tests: shares, an ETF and the indices the importer uses as references
DEFAULT_SECURITIES: tuple[tuple[str, str, str, str], ...] = (
    ("SH", "000001", "上证指数", "index"),
    ("SH", "600000", "浦发银行", "stock"),
    ("SH", "600004", "白云机场", "stock"),
    ("SH", "600519", "贵州茅台", "stock"),
    ("SH", "688001", "华兴源创", "stock"),
    ("SH", "510050", "上证50", "fund"),
    ("SZ", "399001", "深证成指", "index"),
    ("SZ", "000001", "平安银行", "stock"),
    ("SZ", "000002", "万科Ａ", "stock"),
    ("SZ", "300001", "特锐德", "stock"),
    ("SZ", "159915", "创业板", "fund"),
    ("BJ", "899050", "北证50", "index"),
    ("BJ", "830799", "艾融软件", "stock"),
    ("BJ", "430047", "诺思兰德", "stock"),
)

_NAME_CHARS = "华中国新天科电子能源金融通信生物医药材料控股发展实业集团"


@dataclass(frozen=True, slots=True)
class Security:
    market: str
    code: str
    name: str
    kind: str  # "stock" | "index" | "fund"

    @property
    def key(self) -> str:
        return self.market + self.code

    @property
    def tick1000(self) -> int:
        """Price step in 0.001 yuan."""
        return 1 if self.kind == "fund" else 10


@dataclass(frozen=True, slots=True)
class Bars:
    """Bars in the protocol's terms: ``dt`` YYYYMMDD (day) or ``zipday << 16 | minutes`` (intraday)."""

    dt: np.ndarray
    price1000: np.ndarray  # n x 4: open, high, low, close
    vol: np.ndarray  # float64, already float32-exact
    amount: np.ndarray

    def __len__(self) -> int:
        return len(self.dt)


def synthetic_securities(n_stocks: int) -> list[tuple[str, str, str, str]]:
    """The default references plus ``n_stocks`` shares spread over SH/SZ/BJ (for benchmarks)."""
    out = [s for s in DEFAULT_SECURITIES if s[3] != "stock"]
    rng = np.random.default_rng(7)
    for i in range(n_stocks):
        market = ("SH", "SZ", "BJ")[0 if i % 10 < 5 else (1 if i % 10 < 9 else 2)]
        base = {"SH": 600000, "SZ": 1, "BJ": 830000}[market]
        code = f"{base + i:06d}"
        name = "".join(_NAME_CHARS[j] for j in rng.integers(0, len(_NAME_CHARS), 4))
        out.append((market, code, name, "stock"))
    return out


def _seed(seed: int, *parts: object) -> int:
    return zlib.crc32(("/".join(str(p) for p in (seed, *parts))).encode())


class MarketData:
    """Generated history for a universe; see the module docstring."""

    def __init__(self, securities: list[tuple[str, str, str, str]] | None = None, *, end: date = date(2026, 11, 20),
                 days: int = 300, minute_days: int = 3, seed: int = 20261120,
                 calendar: TradingCalendar | None = None) -> None:
        cal = calendar or TradingCalendar.shipped()
        self.end = end
        self.days = days
        self.minute_days = minute_days
        self.seed = seed
        # enough calendar: ~1.45 calendar days per trading day
        span = int(days * 1.5) + 30
        start = date.fromordinal(end.toordinal() - span)
        tdays = cal.trading_days(start, end)
        self.trading_days: list[date] = tdays[-days:]
        secs = [Security(*s) for s in (securities or DEFAULT_SECURITIES)]
        self.securities: dict[str, Security] = {s.key: s for s in secs}
        self._by_market = {m: sorted((s for s in secs if s.market == m), key=lambda s: s.code)
                           for m in PYTDX_MARKET}
        self.day_bars = lru_cache(maxsize=512)(self._day_bars)
        self.minute_bars = lru_cache(maxsize=256)(self._minute_bars)

    # ------------------------------------------------------------------ lists
    def market_list(self, market: str) -> list[Security]:
        return self._by_market.get(market, [])

    def get(self, market: str, code: str) -> Security | None:
        return self.securities.get(market + code)

    # ------------------------------------------------------------------ day bars
    def _day_bars(self, market: str, code: str) -> Bars:
        sec = self.securities[market + code]
        rng = np.random.default_rng(_seed(self.seed, "day", market, code))
        n = len(self.trading_days)
        start_price = {"index": 3000.0, "fund": 1.5}.get(sec.kind, float(rng.uniform(4, 80)))
        ret = np.clip(rng.normal(0.0003, 0.018, n), -0.095, 0.095)
        close_f = start_price * np.exp(np.cumsum(ret))
        tick = sec.tick1000
        close = np.maximum(np.round(close_f * 1000 / tick).astype(np.int64) * tick, tick * 10)
        prev = np.concatenate(([close[0]], close[:-1]))
        open_ = np.maximum(np.round(prev * (1 + rng.normal(0, 0.006, n)) / tick).astype(np.int64) * tick, tick)
        top = np.maximum(open_, close)
        bottom = np.minimum(open_, close)
        high = top + np.round(top * rng.uniform(0, 0.02, n) / tick).astype(np.int64) * tick
        low = np.maximum(bottom - np.round(bottom * rng.uniform(0, 0.02, n) / tick).astype(np.int64) * tick, tick)
        vol = np.round(rng.uniform(2_000, 2_000_000, n))
        if sec.kind == "index":
            vol = vol * 1000
        avg = (open_ + high + low + close) / 4 / 1000
        amount = (vol * (1 if sec.kind == "index" else 100) * avg).astype(np.float32).astype(np.float64)
        vol = vol.astype(np.float32).astype(np.float64)
        dt = np.array([d.year * 10000 + d.month * 100 + d.day for d in self.trading_days], dtype=np.int64)
        return Bars(dt, np.stack([open_, high, low, close], axis=1), vol, amount)

    # ------------------------------------------------------------------ intraday bars
    def minute_days_list(self) -> list[date]:
        return self.trading_days[-self.minute_days:] if self.minute_days else []

    def _minute_bars(self, market: str, code: str, minutes: int) -> Bars:
        """1- or 5-minute bars of the last ``minute_days`` days, labelled by their end (09:31 ... 15:00)."""
        sec = self.securities[market + code]
        days = self.minute_days_list()
        day = self.day_bars(market, code)
        labels = _labels(minutes)
        per_day = len(labels)
        rng = np.random.default_rng(_seed(self.seed, "min", minutes, market, code))
        dts, prices, vols, amounts = [], [], [], []
        tick = sec.tick1000
        for i, d in enumerate(days):
            idx = len(day) - len(days) + i
            prev_close = int(day.price1000[idx - 1, 3]) if idx > 0 else int(day.price1000[idx, 0])
            steps = np.clip(rng.normal(0, 0.0015 * np.sqrt(minutes), per_day), -0.01, 0.01)
            close = np.maximum(np.round(prev_close * np.exp(np.cumsum(steps)) / tick).astype(np.int64) * tick, tick)
            open_ = np.concatenate(([prev_close], close[:-1]))
            top, bottom = np.maximum(open_, close), np.minimum(open_, close)
            high = top + rng.integers(0, 3, per_day) * tick
            low = np.maximum(bottom - rng.integers(0, 3, per_day) * tick, tick)
            vol = np.round(rng.uniform(200, 20_000, per_day) * minutes)
            avg = (open_ + high + low + close) / 4 / 1000
            amounts.append((vol * 100 * avg).astype(np.float32).astype(np.float64))
            vols.append(vol.astype(np.float32).astype(np.float64))
            zd = (d.year - 2004) * 2048 + d.month * 100 + d.day
            dts.append((np.int64(zd) << 16) | np.array(labels, dtype=np.int64))
            prices.append(np.stack([open_, high, low, close], axis=1))
        if not days:
            return Bars(np.zeros(0, np.int64), np.zeros((0, 4), np.int64), np.zeros(0), np.zeros(0))
        return Bars(np.concatenate(dts), np.concatenate(prices), np.concatenate(vols), np.concatenate(amounts))

    # ------------------------------------------------------------------ ticks and time lines
    def _day_index(self, day: int) -> int | None:
        """Index in ``minute_days_list`` of ``day`` (YYYYMMDD), None when outside it."""
        for i, d in enumerate(self.minute_days_list()):
            if d.year * 10000 + d.month * 100 + d.day == day:
                return i
        return None

    def ticks(self, market: str, code: str, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(minute of day, price in 0.01 yuan, volume in lots, buy/sell flag) of one day's trades, in order."""
        i = self._day_index(day)
        if i is None or (market + code) not in self.securities:
            z = np.zeros(0, np.int64)
            return z, z, z, z
        bars = self.minute_bars(market, code, 1)
        sl = slice(i * 240, (i + 1) * 240)
        close100 = bars.price1000[sl, 3] // 10
        rng = np.random.default_rng(_seed(self.seed, "tick", market, code, day))
        per_min = rng.integers(1, 20, 240)  # ~2,400 trades a day: more than one 2,000-trade page
        label_min = np.array(_labels(1), dtype=np.int64)
        minutes = np.repeat(label_min - 1, per_min)  # a trade in [09:30, 09:31) is stamped 09:30
        price = np.repeat(close100, per_min) + rng.integers(-2, 3, len(minutes))
        price = np.maximum(price, 1)
        minutes = np.concatenate(([9 * 60 + 25], minutes))  # the opening auction print
        price = np.concatenate(([close100[0]], price))
        vol = rng.integers(1, 500, len(minutes))
        bs = rng.integers(0, 2, len(minutes))
        bs[0] = 2
        return minutes, price, vol, bs

    def minute_time(self, market: str, code: str, day: int) -> tuple[np.ndarray, np.ndarray]:
        """(price in 0.01 yuan, volume) of the 240 points of one day's time line."""
        i = self._day_index(day)
        if i is None or (market + code) not in self.securities:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        bars = self.minute_bars(market, code, 1)
        sl = slice(i * 240, (i + 1) * 240)
        return bars.price1000[sl, 3] // 10, bars.vol[sl].astype(np.int64)

    # ------------------------------------------------------------------ weights and finance
    def xdxr(self, market: str, code: str) -> list[dict]:
        """Weight events: yearly dividends (category 1) and share changes (5), one date with both."""
        sec = self.securities.get(market + code)
        if sec is None or sec.kind == "index":
            return []
        rng = np.random.default_rng(_seed(self.seed, "xdxr", market, code))
        days = self.trading_days
        events: list[dict] = []
        total, free = float(rng.integers(50_000, 900_000)), 0.0
        free = round(total * 0.6)
        step = max(len(days) // 4, 1)
        for k, i in enumerate(range(step // 2, len(days), step)):
            d = days[i]
            ymd = d.year * 10000 + d.month * 100 + d.day
            events.append({"date": ymd, "category": 1, "fenhong": float(np.float32(rng.integers(1, 30) / 10)),
                           "peigujia": 0.0, "songzhuangu": float(np.float32(rng.integers(0, 5))), "peigu": 0.0})
            if k % 2 == 0:
                total = round(total * 1.1)
                free = round(free * 1.12)
                events.append({"date": ymd, "category": 5, "panqianliutong": free / 1.12,
                               "qianzongguben": total / 1.1, "panhouliutong": float(free),
                               "houzongguben": float(total)})
        return events

    def finance(self, market: str, code: str) -> dict:
        rng = np.random.default_rng(_seed(self.seed, "fin", market, code))
        floats = [float(np.float32(x)) for x in rng.uniform(1, 10_000, 30)]
        first = self.trading_days[0]
        return {"liutongguben": float(np.float32(rng.uniform(1e4, 1e6))), "province": int(rng.integers(1, 32)),
                "industry": int(rng.integers(1, 60)), "updated_date": int(self.end.strftime("%Y%m%d")),
                "ipo_date": first.year * 10000 + first.month * 100 + first.day, "floats": floats}


def _labels(minutes: int) -> list[int]:
    """Bar-end labels (minutes after midnight) of a trading day: 09:31..11:30, 13:01..15:00 for 1 minute."""
    out: list[int] = []
    for open_, close in ((9 * 60 + 30, 11 * 60 + 30), (13 * 60, 15 * 60)):
        out.extend(range(open_ + minutes, close + 1, minutes))
    return out
