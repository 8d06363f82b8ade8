"""The stand-in speaks the real protocol (the unchanged pytdx client reads it) and our fast bar decoder
reads exactly what pytdx's own parsers read."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytdx.helper import get_volume
from pytdx.hq import TdxHq_API
from pytdx.parser.get_index_bars import GetIndexBarsCmd
from pytdx.parser.get_security_bars import GetSecurityBarsCmd

from hikyuu_live.errors import SourceDataError, SourceUnavailable
from hikyuu_live.tdx.network.client import TdxConnection
from hikyuu_live.tdx.network.decode import _datetimes, decode_bars, decode_float4
from tests.standins import tdx_wire as w
from tests.standins.tdx_server import Knobs
from tests.tdx_network.conftest import host_of


def _pytdx_bars(body: bytes, category: int, index: bool) -> list[dict]:
    cmd = (GetIndexBarsCmd if index else GetSecurityBarsCmd)(None)
    cmd.category = category
    return cmd.parseResponse(body)


ZERO = get_volume(0)  # what pytdx makes of a raw 0; we decode it as 0.0


def _assert_same(ours: np.ndarray, theirs: list[dict], category: int) -> None:
    assert len(ours) == len(theirs)
    for g, r in zip(ours, theirs, strict=True):
        for f in ("open", "high", "low", "close"):
            assert g[f] == r[f]
        assert g["volume"] == (0.0 if r["vol"] == ZERO else r["vol"])
        assert g["amount"] * 10000 == pytest.approx(0.0 if r["amount"] == ZERO else r["amount"], rel=1e-12)
        text = str(g["datetime"].astype("M8[m]")).replace("T", " ")
        if category in w.MINUTE_CATEGORIES:
            assert text == r["datetime"]
        else:
            assert text[:10] == r["datetime"][:10] and text.endswith("00:00")


bar_rows = st.lists(
    st.tuples(st.integers(1990, 2100), st.integers(1, 12), st.integers(1, 28), st.integers(0, 1439),
              st.integers(1, 2_000_000), st.integers(0, 5000), st.integers(0, 5000), st.integers(0, 5000),
              st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1)),
    min_size=0, max_size=60)


@settings(max_examples=150, deadline=None)
@given(rows=bar_rows, category=st.sampled_from([9, 4, 8, 0]), index=st.booleans())
def test_decode_bars_matches_pytdx_parser(rows, category, index):
    n = len(rows)
    if category in w.MINUTE_CATEGORIES:
        rows = [r for r in rows if r[0] >= 2004]
        n = len(rows)
        dt = np.array([(w.zipday(y, m, d) << 16) | mi for y, m, d, mi, *_ in rows], dtype=np.int64)
    else:
        dt = np.array([y * 10000 + m * 100 + d for y, m, d, *_ in rows], dtype=np.int64)
    o = np.array([r[4] for r in rows], dtype=np.int64)
    price = np.stack([o, o + np.array([r[5] for r in rows], dtype=np.int64), o - np.array([r[6] for r in rows]),
                      o + np.array([r[7] for r in rows]) - 2500], axis=1) if n else np.zeros((0, 4), np.int64)
    vol = np.array([r[8] for r in rows], dtype=np.uint32)
    amt = np.array([r[9] for r in rows], dtype=np.uint32)
    counts = np.ones((n, 2), np.int64) if index else None
    body = w.bars_body(category, dt, price, vol, amt, index_counts=counts)
    _assert_same(decode_bars(body, category, index=index), _pytdx_bars(body, category, index), category)


def test_decode_float4_matches_pytdx_except_zero():
    raws = np.random.default_rng(3).integers(1, 2**32, 50_000, dtype=np.int64)
    assert np.array_equal(decode_float4(raws), np.array([get_volume(int(x)) for x in raws]))
    assert decode_float4(np.array([0]))[0] == 0.0  # pytdx: 5.9e-39
    assert get_volume(1) == pytest.approx(5.877e-39, rel=1e-3)  # the "absurd volume" of hikyuu #297


def test_decode_bars_rejects_truncated_and_flags_bad_dates(market):
    bars = market.day_bars("SH", "600000")
    body = w.bars_body(9, bars.dt[-10:], bars.price1000[-10:], w.float4_array(bars.vol[-10:]),
                       w.float4_array(bars.amount[-10:]))
    with pytest.raises(SourceDataError):
        decode_bars(body[:-5], 9)
    dt = bars.dt[-3:].copy()
    dt[1] = 0  # year 0 (hikyuu #461)
    dt[2] = 20261131  # no such day
    body = w.bars_body(9, dt, bars.price1000[-3:], w.float4_array(bars.vol[-3:]), w.float4_array(bars.amount[-3:]))
    got = decode_bars(body, 9)
    assert not np.isnat(got["datetime"][0]) and np.isnat(got["datetime"][1]) and np.isnat(got["datetime"][2])


def test_unchanged_pytdx_client_reads_every_call(servers, market):
    s = servers()
    api = TdxHq_API()
    assert api.connect("127.0.0.1", s.port)
    try:
        assert api.get_security_count(1) == len(market.market_list("SH"))
        listed = api.get_security_list(0, 0)
        assert [r["code"] for r in listed] == [x.code for x in market.market_list("SZ")]
        assert listed[0]["name"] == market.market_list("SZ")[0].name
        day = market.day_bars("SH", "600000")
        bars = api.get_security_bars(9, 1, "600000", 0, 800)
        assert len(bars) == 300 and bars[-1]["close"] == day.price1000[-1, 3] / 1000
        assert bars[-1]["vol"] == day.vol[-1] and bars[-1]["amount"] == day.amount[-1]
        assert api.get_security_bars(9, 1, "600000", 100, 800)[-1]["close"] == day.price1000[-101, 3] / 1000
        idx = api.get_index_bars(9, 1, "000001", 0, 5)
        assert len(idx) == 5 and idx[-1]["up_count"] == 600
        mins = api.get_security_bars(8, 0, "000001", 0, 800)
        assert len(mins) == 720 and mins[0]["datetime"].endswith("09:31") and mins[-1]["datetime"].endswith("15:00")
        five = api.get_security_bars(0, 0, "000001", 0, 800)
        assert len(five) == 144 and five[0]["datetime"].endswith("09:35")
        xdxr = api.get_xdxr_info(1, "600000")
        assert [x["category"] for x in xdxr] == [e["category"] for e in market.xdxr("SH", "600000")]
        fin = api.get_finance_info(0, "000001")
        assert fin["ipo_date"] == market.finance("SZ", "000001")["ipo_date"]
        day_int = int(market.minute_days_list()[-1].strftime("%Y%m%d"))
        ticks = api.get_history_transaction_data(0, "000001", 0, 2000, day_int)
        minutes, price, _, _ = market.ticks("SZ", "000001", day_int)
        assert len(ticks) == min(len(minutes), 2000) and ticks[-1]["price"] == price[-1] / 100
        assert len(api.get_history_minute_time_data(0, "000001", day_int)) == 240
    finally:
        api.disconnect()


def test_connection_maps_failures(servers):
    s = servers(Knobs(truncate_codes={"SH600000"}, disconnect_after=3))
    conn = TdxConnection(host_of(s), timeout_s=2).connect()
    with pytest.raises(SourceDataError):
        conn.bars("SH", "600000", 9, 0, 800)
    assert not conn.connected  # a garbled stream is never reused
    conn.connect()
    assert len(conn.bars("SZ", "000001", 9, 0, 10)) == 10
    conn.bars("SZ", "000001", 9, 0, 10)
    with pytest.raises(SourceUnavailable):
        conn.bars("SZ", "000001", 9, 0, 10)  # the 4th data request: the server hangs up
    conn.close()
    with pytest.raises(SourceUnavailable):
        TdxConnection(host_of(s).__class__("127.0.0.1", 1), timeout_s=1).connect()


def test_fast_and_pytdx_decoding_agree_over_the_wire(servers):
    s = servers()
    with TdxConnection(host_of(s)) as conn:
        ours = conn.bars("SZ", "399001", 9, 0, 800, index=True)
        theirs = conn.pytdx_bars("SZ", "399001", 9, 0, 800, index=True)
    _assert_same(ours, theirs, 9)


@pytest.mark.parametrize(("packed", "minutes", "expected"), [
    ((2024 - 2004) * 2048 + 1231, 570, "2024-12-31T09:30"), ((2023 - 2004) * 2048 + 229, 900, None),
    ((2024 - 2004) * 2048 + 1301, 570, None), ((2024 - 2004) * 2048 + 115, 1440, None),
    ((2024 - 2004) * 2048 + 115, 6000, None)])  # the last: hour 100 must not roll into the next day
def test_minute_bar_datetimes(packed, minutes, expected):
    data = np.frombuffer(struct.pack("<HH", packed, minutes), dtype=np.uint8)
    got = _datetimes(data, np.array([0]), minute=True)[0]
    assert (np.isnat(got) and expected is None) or got == np.datetime64(expected, "us")
