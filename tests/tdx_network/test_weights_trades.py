"""Weights (xdxr mapping and scaling), finance rows, trades and time lines through the real protocol."""

from __future__ import annotations

import numpy as np

from hikyuu_live.tdx.network.client import TdxConnection
from hikyuu_live.tdx.network.jobs import TIMELINE_MINUTES, TimeLineJob, TransJob, trades_to_rows
from hikyuu_live.tdx.network.weights import WeightRow, finance_row, xdxr_to_weights
from tests.tdx_network.conftest import host_of


def _ev(date: int, **kw) -> dict:
    base = {"year": date // 10000, "month": date // 100 % 100, "day": date % 100, "category": 1,
            "fenhong": None, "peigujia": None, "songzhuangu": None, "peigu": None, "suogu": None,
            "panqianliutong": None, "panhouliutong": None, "qianzongguben": None, "houzongguben": None}
    base.update(kw)
    return base


def test_xdxr_mapping_scaling_merging_and_carry_forward():
    events = [
        _ev(20200601, fenhong=1.5, peigujia=0.0, songzhuangu=0.699999988079071, peigu=0.0),  # float32 0.7
        _ev(20200601, category=5, panhouliutong=3000.4, houzongguben=5000.6),
        _ev(20210601, fenhong=2.0, peigujia=8.5, songzhuangu=0.0, peigu=3.0),
        _ev(20220601, category=11, suogu=2.0),
    ]
    rows, updated = xdxr_to_weights(events)
    assert updated is None
    assert rows == [
        WeightRow(20200601, countAsGift=7000, countForSell=0, priceForSell=0, bonus=1500, totalCount=5001,
                  freeCount=3000),
        WeightRow(20210601, countAsGift=0, countForSell=30000, priceForSell=8500, bonus=2000, totalCount=5001,
                  freeCount=3000),
        WeightRow(20220601, totalCount=5001, freeCount=3000, suogu=2.0),
    ]


def test_xdxr_incremental_from_last_stored_row():
    last = WeightRow(20210601, bonus=2000, totalCount=5001, freeCount=3000)
    events = [_ev(20200601, fenhong=9.0), _ev(20210601, category=5, houzongguben=6000.0, panhouliutong=4000.0),
              _ev(20230601, fenhong=1.0)]
    rows, updated = xdxr_to_weights(events, last)
    assert updated == WeightRow(20210601, bonus=2000, totalCount=6000, freeCount=4000)
    assert rows == [WeightRow(20230601, bonus=1000, totalCount=6000, freeCount=4000)]
    rows, updated = xdxr_to_weights(events[:1], last)
    assert rows == [] and updated is None


def test_weights_and_finance_over_the_wire(servers, market):
    s = servers()
    with TdxConnection(host_of(s)) as conn:
        rows, _ = xdxr_to_weights(conn.xdxr("SH", "600000"))
        fin = finance_row(conn.finance("SH", "600000"))
        assert finance_row(conn.finance("SH", "999999")) is None
    events = market.xdxr("SH", "600000")
    assert [r.date for r in rows] == sorted({e["date"] for e in events})
    share = [e for e in events if e["category"] == 5][-1]
    assert rows[-1].totalCount == round(share["houzongguben"])
    assert fin["ipo_date"] == market.finance("SH", "600000")["ipo_date"] and fin["zongguben"] > 0


def test_trades_keep_every_trade_and_order():
    trades = [{"time": "09:25", "price": 10.0, "vol": 5, "buyorsell": 2}] + \
             [{"time": "09:30", "price": 10.0 + i / 100, "vol": i + 1, "buyorsell": i % 2} for i in range(25)] + \
             [{"time": "15:00", "price": 10.5, "vol": 9, "buyorsell": 1}]
    rows = trades_to_rows(trades, 20261120)
    assert len(rows) == 27  # the original kept 20 of the 25 trades of 09:30
    assert np.all(np.diff(rows["datetime"].astype(np.int64)) > 0)
    assert str(rows["datetime"][0]) == "2026-11-20T09:25:00.000000"
    assert str(rows["datetime"][-1]) == "2026-11-20T15:00:00.000000"
    assert rows["datetime"][25] < np.datetime64("2026-11-20T09:31")


def test_trans_and_time_line_jobs(servers, market):
    s = servers()
    day = int(market.minute_days_list()[-1].strftime("%Y%m%d"))
    with TdxConnection(host_of(s)) as conn:
        trans = TransJob("SZ", "000001", day).run(conn)
        line = TimeLineJob("SZ", "000001", day).run(conn)
        none = TimeLineJob("SZ", "000001", 20261121).run(conn)  # a Saturday
    minutes, price, vol, _ = market.ticks("SZ", "000001", day)
    assert trans.skipped is None and len(trans.rows) == len(minutes)
    assert np.allclose(trans.rows["price"], price / 100) and np.array_equal(trans.rows["volume"], vol)
    assert len(line.rows) == 240 and line.skipped is None
    assert str(line.rows["datetime"][0])[11:16] == "09:31" and str(line.rows["datetime"][-1])[11:16] == "15:00"
    assert len(TIMELINE_MINUTES) == 240
    assert none.skipped and len(none.rows) == 0


def test_block_files_read_like_pytdx(tmp_path):
    from pytdx.reader.block_reader import BlockReader

    from hikyuu_live.tdx.blocks import parse_block_file, read_blocks
    from tests.standins.tdx_blocks import SAMPLE, write_blocks

    base = write_blocks(tmp_path, SAMPLE)
    data = (base / "block_gn.dat").read_bytes()
    theirs = {b["blockname"]: b["code_list"].split(",") for b in BlockReader().get_data(bytearray(data), 1)}
    assert dict(parse_block_file(data)) == theirs
    blocks = read_blocks(tmp_path)
    assert ("概念板块", "人工智能", "SH600004") in blocks.rows
    assert ("概念板块", "人工智能", "BJ830799") in blocks.rows
    assert ("概念板块", "银行", "SZ000001") in blocks.rows
    assert blocks.unknown_codes == ["999999"]
    assert blocks.categories == ["指数板块", "概念板块", "风格板块"]
    assert read_blocks(tmp_path / "none").missing and not read_blocks(tmp_path / "none").rows
