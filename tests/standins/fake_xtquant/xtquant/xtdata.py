"""Fake ``xtquant.xtdata``: the calls hikyuu_live uses, with QMT's tick shape, push threads and a way to go
silent, as QMT's push thread sometimes does while the terminal still looks connected.

Control (module attribute ``fake``, or environment variables for child processes):
``FAKE_XT_PUSH_S`` seconds between pushes (default 0.2; 0 = no push thread, call ``fake.push_once()``),
``FAKE_XT_SILENT_AFTER`` pushes stop after this many seconds until the next subscribe.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime

UNIVERSE = ["600000.SH", "600519.SH", "000001.SZ", "300750.SZ", "688981.SH", "510300.SH", "000001.SH",
            "830799.BJ", "399001.SZ"]


def make_tick(symbol: str, n: int) -> dict:
    base = (int(symbol[:6]) % 97) + 5.0
    price = round(base + 0.01 * (n % 50), 2)
    return {
        "time": int(time.time() * 1000), "lastPrice": price, "open": base, "high": price + 0.1, "low": base - 0.1,
        "lastClose": base - 0.05, "amount": 123456789.0 + n, "volume": 1000 + n, "pvolume": 100000 + 100 * n,
        "stockStatus": 0, "openInt": 13, "transactionNum": 77, "bidPrice": [price - 0.01 * i for i in range(5)],
        "askPrice": [price + 0.01 * (i + 1) for i in range(5)], "bidVol": [10 + i for i in range(5)],
        "askVol": [20 + i for i in range(5)],
    }


class _Fake:
    def __init__(self) -> None:
        self.push_s = float(os.environ.get("FAKE_XT_PUSH_S", "0.2"))
        self.silent_after = float(os.environ.get("FAKE_XT_SILENT_AFTER", "0") or 0)
        self.subs: dict[int, tuple[list[str], object]] = {}
        self.subscribe_calls: list[list[str]] = []
        self.unsubscribed: list[int] = []
        self.connects = 0
        self.full_tick_calls = 0
        self.silent = False
        self.fail_subscribe = False
        self.n = 0
        self._seq = 0
        self._since = time.monotonic()
        self._lock = threading.Lock()
        if self.push_s > 0:
            threading.Thread(target=self._loop, daemon=True).start()

    def push_once(self) -> int:
        with self._lock:
            subs = list(self.subs.values())
            self.n += 1
        if self.silent:
            return 0
        for codes, cb in subs:
            cb({c: make_tick(c, self.n) for c in codes})  # type: ignore[operator]
        return len(subs)

    def _loop(self) -> None:
        while True:
            time.sleep(self.push_s)
            if self.silent_after and time.monotonic() - self._since > self.silent_after:
                self.silent = True
            self.push_once()


fake = _Fake()


def subscribe_whole_quote(code_list, callback=None):  # noqa: ANN001, ANN201
    if fake.fail_subscribe:
        return -1
    with fake._lock:
        fake._seq += 1
        fake.subs[fake._seq] = (list(code_list), callback)
        fake.subscribe_calls.append(list(code_list))
        fake.silent = False
        fake._since = time.monotonic()
        return fake._seq


def unsubscribe_quote(seq):  # noqa: ANN001, ANN201
    with fake._lock:
        fake.subs.pop(seq, None)
        fake.unsubscribed.append(seq)


def get_full_tick(code_list):  # noqa: ANN001, ANN201
    fake.full_tick_calls += 1
    return {c: make_tick(c, 0) for c in code_list if c in UNIVERSE or c[:6].isdigit()}


def connect(*args, **kwargs):  # noqa: ANN002, ANN003, ANN201
    fake.connects += 1
    return True


def reconnect(*args, **kwargs):  # noqa: ANN002, ANN003, ANN201
    fake.connects += 1
    return True


def run():  # noqa: ANN201
    while True:
        time.sleep(1)


def timetag_to_datetime(ms, fmt):  # noqa: ANN001, ANN201
    return datetime.fromtimestamp(ms / 1000).strftime(fmt)


def get_trading_dates(market, start_time="", end_time="", count=-1):  # noqa: ANN001, ANN201
    return []
