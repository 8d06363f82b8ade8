"""Bars for store tests: on the price tick and in units every backend stores exactly (prices 0.01 yuan,
amount 0.1 x 10,000 yuan, volume whole lots), so round trips compare equal."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from hikyuu_live.model.kdata import KDATA_DTYPE


def weekdays(start: date, n: int) -> list[date]:
    out, d = [], start
    while len(out) < n:
        if d.weekday() < 5:
            out.append(d)
        d += timedelta(days=1)
    return out


def make_bars(datetimes: np.ndarray, seed: int = 1, price: float = 10.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = len(datetimes)
    close = np.round(price * np.exp(np.cumsum(rng.normal(0, 0.01, n))), 2)
    open_ = np.round(np.r_[price, close[:-1]], 2)
    bars = np.zeros(n, dtype=KDATA_DTYPE)
    bars["datetime"] = np.asarray(datetimes, dtype="M8[us]")
    bars["open"], bars["close"] = open_, close
    bars["high"] = np.round(np.maximum(open_, close) + rng.integers(0, 20, n) * 0.01, 2)
    bars["low"] = np.round(np.minimum(open_, close) - rng.integers(0, 20, n) * 0.01, 2)
    bars["volume"] = rng.integers(1, 100000, n).astype(float)
    bars["amount"] = np.round(bars["volume"] * close / 100, 1)
    return bars


def day_bars(start: date, n: int, seed: int = 1) -> np.ndarray:
    return make_bars(np.array(weekdays(start, n), dtype="M8[D]"), seed)


def min5_bars(start: date, days: int, seed: int = 2) -> np.ndarray:
    minutes = np.r_[np.arange(575, 691, 5), np.arange(785, 901, 5)]
    dts = [np.datetime64(d, "m") + np.timedelta64(int(m), "m") for d in weekdays(start, days) for m in minutes]
    return make_bars(np.array(dts, dtype="M8[us]"), seed)
