"""Generate TDX ``vipdoc`` trees: the small one committed as ``test_data/vipdoc`` and large synthetic markets.

Small tree (``python scripts/make_tdx_vipdoc.py``): indices SH000001 and SZ399001, SH600000, SZ000001,
the ETFs SH510300 and SZ159915, STAR SH688371, ChiNext SZ300995 and two BJ shares. Day bars from
2025-01-02 to 2026-11-23 (the trading day before the replay recording ``test_data/replay_sample.csv.gz``),
5-minute bars for the last 10 trading days and 1-minute bars for the last 3. Each stock's last close is
the replay's ``yesterday_close`` for it, so history and the replayed day join up; trading days follow
the shipped holiday list. Minute bars come from one simulated 1-minute path per day, and the 5-minute
and day bars of those days are exactly its aggregates (what TDX writes).

Large market (``--large 5000 --days 2500 --out DIR``, or ``make_large_market`` from the benchmark):
day files only, vectorised, about 0.3 s per million bars.

Deterministic: fixed seeds, no clock. File layouts are in ``hikyuu_live/tdx/files.py``.
"""

from __future__ import annotations

import argparse
import csv
import gzip
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from hikyuu_live.model.calendar import TradingCalendar
from hikyuu_live.tdx.files import DAY_RECORD, LC_RECORD, price_divisor

ROOT = Path(__file__).resolve().parents[1]
LAST_DAY = date(2026, 11, 23)
FIRST_DAY = date(2025, 1, 2)
MIN5_DAYS, MIN1_DAYS = 10, 3
REPLAY = ROOT / "test_data" / "replay_sample.csv.gz"
SMALL = [  # market, code, kind, fallback last close
    ("SH", "000001", "index", 3000.0), ("SZ", "399001", "index", 3000.0), ("SH", "600000", "stock", 25.92),
    ("SZ", "000001", "stock", 61.2), ("SH", "510300", "etf", 4.717), ("SZ", "159915", "etf", 3.601),
    ("SH", "688371", "stock", 14.62), ("SZ", "300995", "stock", 50.32), ("BJ", "838599", "stock", 5.32),
    ("BJ", "833824", "stock", 37.19),
]
SESSION_MINUTES = np.r_[np.arange(571, 691), np.arange(781, 901)]  # 1-minute labels 09:31..11:30, 13:01..15:00


def trading_days(last: date, count: int | None = None, first: date | None = None) -> list[date]:
    cal = TradingCalendar.shipped()
    out, d = [], last
    while (count is None or len(out) < count) and (first is None or d >= first):
        if cal.is_trading_day(d):
            out.append(d)
        d -= timedelta(days=1)
    return out[::-1]


def replay_closes() -> dict[str, float]:
    if not REPLAY.exists():
        return {}
    with gzip.open(REPLAY, "rt", encoding="utf-8") as f:
        return {r["market"] + r["code"]: float(r["yesterday_close"]) for r in csv.DictReader(f)}


def _day_numbers(days: list[date]) -> np.ndarray:
    return np.array([d.year * 10000 + d.month * 100 + d.day for d in days], dtype=np.uint32)


def _lc_date_words(days: list[date]) -> np.ndarray:
    return np.array([(d.year - 2004) * 2048 + d.month * 100 + d.day for d in days], dtype=np.uint16)


def _minute_path(rng: np.random.Generator, open_: float, n_days: int, vol: float) -> np.ndarray:
    """(n_days, 240) minute closes: each day opens near the previous close."""
    steps = rng.normal(0, vol / np.sqrt(240), size=(n_days, 240))
    gaps = rng.normal(0, vol / 4, size=(n_days, 1))
    return open_ * np.exp(np.cumsum(np.concatenate((gaps, steps[:, 1:]), axis=1), axis=None)).reshape(n_days, 240)


def make_stock(rng: np.random.Generator, market: str, code: str, kind: str, last_close: float,
               days: list[date]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(.day records, .lc1 records, .lc5 records) of one stock (see the module docstring)."""
    tick = 0.001 if kind == "etf" else 0.01
    vol = 0.012 if kind == "index" else 0.02
    n_day = len(days) - MIN5_DAYS
    closes = np.exp(np.cumsum(rng.normal(0, vol, n_day)))
    minutes = _minute_path(rng, closes[-1], MIN5_DAYS, vol) if MIN5_DAYS else np.zeros((0, 240))
    scale = last_close / (minutes[-1, -1] if MIN5_DAYS else closes[-1])
    closes, minutes = closes * scale, minutes * scale
    # early days: open near the previous close, high/low around
    opens = np.r_[closes[0], closes[:-1]] * np.exp(rng.normal(0, vol / 4, n_day))
    highs = np.maximum(opens, closes) * np.exp(np.abs(rng.normal(0, vol / 2, n_day)))
    lows = np.minimum(opens, closes) * np.exp(-np.abs(rng.normal(0, vol / 2, n_day)))
    # minute days: bars from the path, with opens at the previous minute's close
    m_close = np.round(minutes / tick) * tick
    m_open = np.round(np.concatenate((minutes[:, :1], minutes[:, :-1]), axis=1) / tick) * tick
    wiggle = np.abs(rng.normal(0, vol / 30, minutes.shape))
    m_high = np.maximum(np.maximum(m_open, m_close), np.round(minutes * np.exp(wiggle) / tick) * tick)
    m_low = np.minimum(np.minimum(m_open, m_close), np.round(minutes * np.exp(-wiggle) / tick) * tick)
    lot_scale = 1.5e6 if kind == "index" else 2e3
    m_vol = (rng.gamma(2.0, lot_scale / 2, minutes.shape).astype(np.int64) + 1) * 100
    # an index "price" is points, not yuan: its amount is its shares at a typical share price
    m_price = np.full(minutes.shape, 12.0) if kind == "index" else (m_open + m_close) / 2
    m_amount = m_vol * m_price
    # day bars: the early model, then the aggregates of the minute days
    o = np.r_[np.round(opens / tick) * tick, m_open[:, 0]]
    h = np.r_[np.round(highs / tick) * tick, m_high.max(axis=1)]
    lo = np.r_[np.round(lows / tick) * tick, m_low.min(axis=1)]
    c = np.r_[np.round(closes / tick) * tick, m_close[:, -1]]
    d_vol = np.r_[(rng.gamma(2.0, lot_scale * 120, n_day).astype(np.int64) + 1) * 100, m_vol.sum(axis=1)]
    d_price = np.full(n_day, 12.0) if kind == "index" else (o[:n_day] + c[:n_day]) / 2
    d_amount = np.r_[d_vol[:n_day] * d_price, m_amount.sum(axis=1)]
    if kind == "index":  # index volumes are kept as reported (no /100): store lots
        d_vol, m_vol = d_vol // 100, m_vol // 100
    div = price_divisor(code)
    day = np.zeros(len(days), dtype=DAY_RECORD)
    day["date"] = _day_numbers(days)
    for f, v in (("open", o), ("high", h), ("low", lo), ("close", c)):
        day[f] = np.rint(v * div).astype(np.uint32)
    day["amount"], day["volume"] = d_amount.astype(np.float32), d_vol.astype(np.uint32)
    lc1 = _lc_records(days[-MIN1_DAYS:], m_open[-MIN1_DAYS:], m_high[-MIN1_DAYS:], m_low[-MIN1_DAYS:],
                      m_close[-MIN1_DAYS:], m_amount[-MIN1_DAYS:], m_vol[-MIN1_DAYS:], 1)
    lc5 = _lc_records(days[-MIN5_DAYS:], m_open, m_high, m_low, m_close, m_amount, m_vol, 5)
    return day, lc1, lc5


def _lc_records(days: list[date], o: np.ndarray, h: np.ndarray, lo: np.ndarray, c: np.ndarray, amount: np.ndarray,
                vol: np.ndarray, group: int) -> np.ndarray:
    n_days, per_day = len(days), 240 // group
    shape = (n_days, per_day, group)
    rec = np.zeros(n_days * per_day, dtype=LC_RECORD)
    rec["date"] = np.repeat(_lc_date_words(days), per_day)
    rec["minutes"] = np.tile(SESSION_MINUTES.reshape(per_day, group)[:, -1], n_days)
    rec["open"] = o.reshape(shape)[:, :, 0].ravel()
    rec["high"] = h.reshape(shape).max(axis=2).ravel()
    rec["low"] = lo.reshape(shape).min(axis=2).ravel()
    rec["close"] = c.reshape(shape)[:, :, -1].ravel()
    rec["amount"] = amount.reshape(shape).sum(axis=2).ravel()
    rec["volume"] = vol.reshape(shape).sum(axis=2).ravel()
    return rec


def _write(vipdoc: Path, market: str, code: str, folder: str, suffix: str, records: np.ndarray) -> None:
    d = vipdoc / market.lower() / folder
    d.mkdir(parents=True, exist_ok=True)
    records.tofile(d / f"{market.lower()}{code}{suffix}")


def make_small_tree(out: Path) -> Path:
    """The committed test tree under ``out`` (``out/vipdoc``); returns the vipdoc folder."""
    vipdoc = out / "vipdoc"
    days = trading_days(LAST_DAY, first=FIRST_DAY)
    closes = replay_closes()
    for i, (market, code, kind, fallback) in enumerate(SMALL):
        rng = np.random.default_rng(20261123 + i)
        day, lc1, lc5 = make_stock(rng, market, code, kind, closes.get(market + code, fallback), days)
        _write(vipdoc, market, code, "lday", ".day", day)
        _write(vipdoc, market, code, "minline", ".lc1", lc1)
        _write(vipdoc, market, code, "fzline", ".lc5", lc5)
    return vipdoc


def large_codes(stocks: int) -> list[tuple[str, str]]:
    """Synthetic codes: half SH (600000+), 40 % SZ (000001+ and 300000+), 10 % BJ (830000+)."""
    n_sh, n_bj = stocks // 2, stocks // 10
    n_sz = stocks - n_sh - n_bj
    out = [("SH", f"{600000 + i:06d}") for i in range(n_sh)]
    out += [("SZ", f"{1 + i:06d}" if i < n_sz // 2 else f"{300000 + i:06d}") for i in range(n_sz)]
    out += [("BJ", f"{830000 + i:06d}") for i in range(n_bj)]
    return out


def make_large_market(out: Path, stocks: int = 5000, days: int = 2500, seed: int = 7) -> Path:
    """A synthetic market of ``stocks`` day files with ``days`` bars each under ``out/vipdoc``."""
    vipdoc = out / "vipdoc"
    dates = _day_numbers(trading_days(LAST_DAY, count=days))
    rng = np.random.default_rng(seed)
    for market, code in large_codes(stocks):
        ret = rng.normal(0, 0.02, days)
        close = 10 * np.exp(np.cumsum(ret) - ret.sum() / 2) * rng.uniform(0.5, 5)
        open_ = np.r_[close[0], close[:-1]]
        spread = np.abs(rng.normal(0, 0.01, (2, days)))
        rec = np.zeros(days, dtype=DAY_RECORD)
        rec["date"] = dates
        rec["open"] = np.rint(open_ * 100)
        rec["close"] = np.rint(close * 100)
        rec["high"] = np.rint(np.maximum(open_, close) * (1 + spread[0]) * 100)
        rec["low"] = np.rint(np.minimum(open_, close) * (1 - spread[1]) * 100)
        vol = (rng.gamma(2.0, 5e4, days).astype(np.int64) + 1) * 100
        rec["volume"] = vol
        rec["amount"] = vol * close
        _write(vipdoc, market, code, "lday", ".day", rec)
    return vipdoc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "test_data", help="folder to write vipdoc/ into")
    ap.add_argument("--large", type=int, metavar="STOCKS", help="write a large synthetic market instead")
    ap.add_argument("--days", type=int, default=2500, help="day bars per stock of the large market")
    args = ap.parse_args()
    vipdoc = make_large_market(args.out, args.large, args.days) if args.large else make_small_tree(args.out)
    print(f"wrote {vipdoc}")


if __name__ == "__main__":
    main()
