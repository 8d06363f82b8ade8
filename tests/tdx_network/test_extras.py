"""Weights, finance and board membership through the extras importer into every store."""

from __future__ import annotations

import pytest

from hikyuu_live.clock import FakeClock
from hikyuu_live.data.importer import Importer, ImportOptions
from hikyuu_live.data.netextras import ExtrasImporter, ExtrasOptions
from hikyuu_live.model.kdata import KType
from hikyuu_live.store.baseinfo import WEIGHT_FIELDS as STORE_WEIGHT_FIELDS
from hikyuu_live.tdx.network.source import NetworkOptions, NetworkSource
from hikyuu_live.tdx.network.weights import WEIGHT_FIELDS, xdxr_to_weights
from tests.standins.tdx_blocks import SAMPLE, write_blocks, write_industries
from tests.standins.tdx_server import Knobs
from tests.tdx_network.conftest import host_of, make_test_store
from tests.tdx_network.test_import import AFTER_CLOSE


def _pytdx_events(market, key):
    out = []
    for e in market.xdxr(key[:2], key[2:]):
        d = e["date"]
        ev = {"year": d // 10000, "month": d // 100 % 100, "day": d % 100, "category": e["category"]}
        for k in ("fenhong", "peigujia", "songzhuangu", "peigu", "suogu", "panqianliutong", "panhouliutong",
                  "qianzongguben", "houzongguben"):
            ev[k] = e.get(k)
        out.append(ev)
    return out


def test_weight_fields_match_the_store():
    assert WEIGHT_FIELDS == STORE_WEIGHT_FIELDS


@pytest.mark.parametrize("kind", ["hdf5", "mysql", "clickhouse"])
def test_weights_blocks_into_every_store(kind, tmp_path, request, servers, market):
    a, b = servers(name="a"), servers(Knobs(disconnect_after=6), name="b")
    tdx = tmp_path / "tdx"
    write_blocks(tdx, SAMPLE)
    write_industries(tdx)
    source = NetworkSource([host_of(a), host_of(b)], NetworkOptions(use_tdx_number=2, timeout_s=2))
    store = make_test_store(kind, tmp_path, request, "extras")
    clock = FakeClock(AFTER_CLOSE)
    with store:
        Importer(store, source, ImportOptions(ktypes=(KType.DAY,)), clock=clock).run()
        opts = ExtrasOptions(tdx_dir=str(tdx), finance=False)
        rep = ExtrasImporter(store, source, opts, clock=clock).run()
        assert rep.failed == 0, rep.describe()
        weights = {k.kind: k for k in rep.kinds}["weights"]
        stocks = [k for k, s in market.securities.items() if s.kind != "index"]
        assert weights.stocks == len(stocks)
        for key in stocks:
            want, _ = xdxr_to_weights(_pytdx_events(market, key))
            got = store.weights(key)
            assert [int(r["date"]) for r in got] == [w.date for w in want], key
            for g, w in zip(got, want, strict=True):
                for f in WEIGHT_FIELDS:
                    assert float(g[f]) == pytest.approx(float(getattr(w, f))), (key, f)
        assert ("概念板块", "银行", "SZ000001") in store.blocks()
        blocks = {k.kind: k for k in rep.kinds}["blocks"]
        assert blocks.skipped == {"member codes of no known market": 1}
        # reproduces: no industry boards (行业板块) and no BlockIndex rows were imported from the install
        got = store.blocks()
        industry = {(n, m) for c, n, m in got if c == "行业板块"}
        assert industry == {("银行", "SH600000"), ("银行", "SZ000001"), ("煤炭", "SH601088"), ("煤炭开采", "SH601088")}
        assert sorted(store.block_index()) == [("概念板块", "人工智能", "SH880800"), ("行业板块", "煤炭", "SH880301"),
                                               ("行业板块", "煤炭开采", "SH880302"), ("行业板块", "银行", "SH880471")]
        assert blocks.rejected_by_reason and sum(blocks.rejected_by_reason.values()) == 2  # two malformed lines
        again = ExtrasImporter(store, source, ExtrasOptions(block=False, finance=False), clock=clock).run()
        w2 = {k.kind: k for k in again.kinds}["weights"]
        assert w2.rows == 0 and w2.unchanged == len(stocks)
    source.close()


def test_kinds_without_a_place_to_go_are_reported_not_dropped(tmp_path, request, servers, market):
    s = servers()
    source = NetworkSource([host_of(s)], NetworkOptions(use_tdx_number=1, timeout_s=2))
    store = make_test_store("hdf5", tmp_path, request, "cannot")
    with store:
        Importer(store, source, ImportOptions(ktypes=(KType.DAY,)), clock=FakeClock(AFTER_CLOSE)).run()
        rep = ExtrasImporter(store, source, ExtrasOptions(weight=False, block=True, trans=True, time=True),
                             clock=FakeClock(AFTER_CLOSE)).run()
    text = rep.describe()
    assert "no TDX directory configured" in text
    kinds = {k.kind: k for k in rep.kinds}
    for kind in ("trans", "time", "finance"):
        assert kinds[kind].rows == 0 and kinds[kind].skipped == {
            f"no trade store opened for {'current finance' if kind == 'finance' else kind}": kinds[kind].stocks}


@pytest.mark.parametrize("kind", ["hdf5", "mysql", "clickhouse"])
def test_trades_time_lines_finance_into_every_store(kind, tmp_path, request, servers, market):
    import numpy as np

    from hikyuu_live.data.netextras import TICK_TYPES
    from tests.tdx_network.conftest import make_test_trade_store

    a, b = servers(name="a"), servers(Knobs(disconnect_after=10), name="b")
    source = NetworkSource([host_of(a), host_of(b)], NetworkOptions(use_tdx_number=2, timeout_s=2))
    store = make_test_store(kind, tmp_path, request, "trades")
    days = market.minute_days_list()
    opts = ExtrasOptions(weight=False, block=False, finance=True, trans=True, time=True, trans_since=days[0],
                         time_since=days[0])
    clock = FakeClock(AFTER_CLOSE)
    with store:
        Importer(store, source, ImportOptions(ktypes=(KType.DAY,)), clock=clock).run()
        trades = make_test_trade_store(kind, store)
        if kind != "hdf5":
            request.addfinalizer(trades.drop_all)
        with trades:
            rep = ExtrasImporter(store, source, opts, trades=trades, clock=clock).run()
            assert rep.failed == 0, rep.describe()
            kinds = {k.kind: k for k in rep.kinds}
            ticked = [k for k in market.securities if market.securities[k].kind == "stock"]
            assert kinds["trans"].stocks == len(ticked)
            for key in ticked:
                m, c = key[:2], key[2:]
                got = trades.read("trans", key)
                want = [market.ticks(m, c, int(d.strftime("%Y%m%d"))) for d in days]
                assert len(got) == sum(len(w[0]) for w in want), key
                assert np.allclose(got["price"], np.concatenate([w[1] for w in want]) / 100)
                assert np.array_equal(got["volume"], np.concatenate([w[2] for w in want]))
                assert np.array_equal(got["direct"], np.concatenate([w[3] for w in want]))
                minutes = (got["datetime"] - got["datetime"].astype("M8[D]")).astype("m8[m]").astype(int)
                assert np.array_equal(minutes, np.concatenate([w[0] for w in want]))
                line = trades.read("time", key)
                assert len(line) == 240 * len(days)
                assert np.allclose(line["price"], np.concatenate(
                    [market.minute_time(m, c, int(d.strftime("%Y%m%d")))[0] for d in days]) / 100)
                fin = trades.finance(key)
                assert fin is not None and fin["ipo_date"] == market.finance(m, c)["ipo_date"]
            assert kinds["finance"].rows == len([k for k in market.securities
                                                 if market.securities[k].kind == "stock"])
            # reproduces: time lines of indices, ETFs and funds were not imported (shares only)
            assert kinds["time"].stocks == len(market.securities)
            for key in [k for k, sec in market.securities.items() if sec.kind != "stock"]:
                line = trades.read("time", key)
                assert len(line) == 240 * len(days), key
                assert np.allclose(line["price"], np.concatenate(
                    [market.minute_time(key[:2], key[2:], int(d.strftime("%Y%m%d")))[0] for d in days]) / 100)
            again = ExtrasImporter(store, source, opts, trades=trades, clock=clock).run()
            assert {k.kind: k.rows for k in again.kinds}["trans"] == 0
            assert {k.kind: k.rows for k in again.kinds}["time"] == 0
    assert TICK_TYPES
    source.close()
