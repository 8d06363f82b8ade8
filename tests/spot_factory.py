"""Deterministic spot arrays for tests (realistic units: yuan, 10,000 yuan, lots)."""

from __future__ import annotations

import numpy as np

from hikyuu_live.model.spot import BOOK_LEVELS, empty_spots

NAMES = ["浦发银行", "平安银行", "", "贵州茅台", "ST中天", "XD上海银", "中国平安A", "N新股"]


def make_spots(n: int, *, seed: int = 1, when: str = "2026-11-25T10:00:00", micro: bool = True) -> np.ndarray:
    rng = np.random.default_rng(seed)
    arr = empty_spots(n)
    markets = np.array(["SH", "SZ", "BJ"])[rng.integers(0, 3, n)]
    arr["market"] = markets
    arr["code"] = [f"{c:06d}" for c in rng.choice(1_000_000, size=n, replace=False)]
    arr["name"] = [NAMES[i % len(NAMES)] for i in range(n)]
    base = np.datetime64(when, "us")
    offs = rng.integers(0, 3_600, n).astype("m8[s]").astype("m8[us]")
    if micro:
        offs = offs + rng.integers(0, 1_000_000, n).astype("m8[us]") * (rng.random(n) < 0.5)
    arr["datetime"] = base + offs
    price = np.round(rng.uniform(2, 200, n), 2)
    arr["yesterday_close"] = price
    arr["open"] = np.round(price * 1.01, 2)
    arr["high"] = np.round(price * 1.03, 2)
    arr["low"] = np.round(price * 0.98, 2)
    arr["close"] = np.round(price * 1.02, 2)
    arr["volume"] = rng.integers(0, 10_000_000, n).astype(float)
    arr["amount"] = np.round(arr["volume"] * price / 100, 4)
    tick = np.arange(BOOK_LEVELS) * 0.01
    arr["bid"] = np.round(arr["close"][:, None] - tick, 2)
    arr["ask"] = np.round(arr["close"][:, None] + 0.01 + tick, 2)
    arr["bid_amount"] = rng.integers(1, 1000, (n, BOOK_LEVELS))
    arr["ask_amount"] = rng.integers(1, 1000, (n, BOOK_LEVELS))
    return arr
