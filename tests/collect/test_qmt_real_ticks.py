"""QMT tick units on REAL published xtquant ticks (data printed by QMT and published in other projects' sources
and in xtquant's own docstrings; where each came from is written beside it).

The proof of a unit: the day's average price amount / shares must lie inside the day's [low, high].

Reproduces: a tick with ``pvolume: 0`` beside ``volume: 157398`` (600000.SH, 2022-07-26 14:30:20) came out
with volume 0, and ticks whose ``pvolume`` equals ``volume`` (QMT's own documentation examples) came out with
1/100 of their volume, because ``pvolume`` x 0.01 was taken whatever it held.
"""

from __future__ import annotations

from collections import Counter

import pytest

from hikyuu_live.fetcher.stock.zh_stock_a_qmt import ticks_to_spots

BOOK = {"bidPrice": [0.0] * 5, "askPrice": [0.0] * 5, "bidVol": [0] * 5, "askVol": [0] * 5}
REAL = {
    # github.com/wonderstone/QuantTools (marketdata, a printed QMT tick): pvolume 0
    "600000.SH 2022-07-26": {"timetag": "20220726 14:30:20", "lastPrice": 7.38, "open": 7.36,
                             "high": 7.390000000000001, "low": 7.34, "lastClose": 7.35, "amount": 115969100.0,
                             "volume": 157398, "pvolume": 0},
    # a get_full_tick sample in a public MCP tool registry for xtquant: pvolume in shares, 17 odd shares
    "600000.SH 2025-03-31": {"time": 1743403935000, "timetag": "20250331 14:52:15", "lastPrice": 10.44,
                             "open": 10.47, "high": 10.63, "low": 10.35, "lastClose": 10.44, "amount": 493393500,
                             "volume": 469673, "pvolume": 46967317},
    # xtquant's own xtdata.py docstring of subscribe_whole_quote
    "000001.SZ 2024-12-02": {"time": 1733118954000, "lastPrice": 11.39, "open": 11.39, "high": 11.4, "low": 11.31,
                             "lastClose": 11.38, "amount": 862127800.0, "volume": 758613, "pvolume": 75861284},
    # a public strategy project's on_tick sample
    "605133.SH 2025-03-03": {"time": 1740970227000, "lastPrice": 26.71, "open": 26.52, "high": 26.84, "low": 26.09,
                             "lastClose": 26.19, "amount": 48391700.0, "volume": 18228, "pvolume": 1822800},
    # QMT's built-in Python documentation (subscribe_whole_quote, 2023-11-07): pvolume equal to volume
    "000001.SZ 2023-11-07": {"time": 1699326201000, "lastPrice": 10.620000000000001, "amount": 310826160.0,
                             "volume": 292680, "pvolume": 292680, "open": 10.66, "high": 10.66, "low": 10.58,
                             "lastClose": 10.69},
    # QMT's built-in Python documentation (ContextInfo.get_full_tick, 2023-11-06): an ETF, pvolume = volume
    "510050.SH 2023-11-06": {"timetag": "20231106 15:00:04", "lastPrice": 2.533, "open": 2.528,
                             "high": 2.5380000000000003, "low": 2.521, "lastClose": 2.513, "amount": 1442588037.0,
                             "volume": 5701929, "pvolume": 5701929},
}
DISAGREE = {"600000.SH 2022-07-26", "000001.SZ 2023-11-07", "510050.SH 2023-11-06"}


@pytest.mark.parametrize("key", sorted(REAL))
def test_volume_is_lots_and_the_average_price_lies_in_the_day_range(key):
    tick = {**REAL[key], **BOOK}
    notes: Counter[str] = Counter()
    spots, bad = ticks_to_spots({key.split()[0]: tick}, disagreements=notes)
    assert bad == Counter() and len(spots) == 1
    row = spots[0]
    average = row["amount"] * 10_000 / (row["volume"] * 100)
    assert tick["low"] <= average <= tick["high"], average
    assert notes == (Counter({"pvolume_disagrees": 1}) if key in DISAGREE else Counter())


def test_pvolume_keeps_the_odd_shares_when_it_agrees():
    tick = {**REAL["600000.SH 2025-03-31"], **BOOK}
    spots, _ = ticks_to_spots({"600000.SH": tick})
    assert spots["volume"][0] == pytest.approx(469_673.17)
