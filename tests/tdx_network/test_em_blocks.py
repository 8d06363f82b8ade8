"""Industry, concept and region boards from Eastmoney's board list API (the original's download_block), against
a local stand-in serving its JSON pages, into every store; resumable through the downloaded board files."""

from __future__ import annotations

import os
import time

import pytest

from hikyuu_live.data.em_blocks import BoardOptions, parse_clist
from hikyuu_live.data.netextras import ExtrasImporter, ExtrasOptions
from hikyuu_live.data.webdata import WebOptions
from tests.standins.web_server import WebServer
from tests.tdx_network.conftest import make_test_store

#: real board codes and names of Eastmoney's lists (as public clients of the API record them)
BOARDS = {"t:2": [("BK0475", "银行"), ("BK0438", "食品饮料")], "t:3": [("BK0588", "光伏概念"), ("BK0815", "昨日涨停")],
          "t:1": [("BK0158", "上海板块")]}
MEMBERS = {"BK0475": ["600000", "000001", "601398"] + [f"6{i:05d}" for i in range(150)],  # two pages of 100
           "BK0438": ["600519", "000858", "999999"], "BK0588": ["601012", "300750", "430047"],
           "BK0815": ["600000"], "BK0158": ["600000", "600519"]}


def serve(web: WebServer) -> None:
    web.boards, web.members = BOARDS, MEMBERS


def opts(web: WebServer, tmp_path, **kw) -> ExtrasOptions:
    return ExtrasOptions(weight=False, finance=False, block=True, download_dir=str(tmp_path / "dl" / "finance"),
                         web=WebOptions(offline=False), boards=BoardOptions(url=web.url + "/api/qt/clist/get",
                                                                            timeout_s=5), **kw)


@pytest.mark.parametrize("kind", ["hdf5", "mysql", "clickhouse"])
def test_boards_from_eastmoney_into_every_store(kind, tmp_path, request):
    """Reproduces: importdata imported no industry, concept or region boards without a TDX install's block
    files (the original downloads them from Eastmoney)."""
    store = make_test_store(kind, tmp_path, request, "emblk")
    with WebServer() as web, store:
        serve(web)
        rep = {k.kind: k for k in ExtrasImporter(store, None, opts(web, tmp_path)).run().kinds}["blocks"]
        assert rep.failed == [], rep.line()
        got = store.blocks()
        bank = sorted(m for c, n, m in got if (c, n) == ("行业板块", "银行"))
        assert len(bank) == 153 and "SZ000001" in bank and "SH601398" in bank
        assert ("概念板块", "光伏概念", "BJ430047") in got and ("地域板块", "上海板块", "SH600519") in got
        assert not [r for r in got if r[1] == "昨日涨停"]  # a daily list, not a board
        assert rep.rejected_by_reason == {"member code of no exchange": 1}  # 999999


def test_a_second_run_asks_only_for_stale_boards_and_a_failed_board_is_reported(tmp_path):
    from hikyuu_live.store import make_store

    with WebServer() as web, make_store("hdf5", directory=tmp_path / "d") as store:
        serve(web)
        web.fail_boards = {"BK0438"}
        first = {k.kind: k for k in ExtrasImporter(store, None, opts(web, tmp_path)).run().kinds}["blocks"]
        assert [k for k, _ in first.failed] == ["行业板块/食品饮料"]
        assert ("行业板块", "银行", "SH600000") in store.blocks()
        web.fail_boards = set()
        web.requests.clear()
        second = {k.kind: k for k in ExtrasImporter(store, None, opts(web, tmp_path)).run().kinds}["blocks"]
        member_asks = [r for r in web.requests if "b%3A" in r or "b:" in r]
        assert second.failed == [] and len(member_asks) == 1 and "BK0438" in member_asks[0]  # only the missing one
        assert ("行业板块", "食品饮料", "SH600519") in store.blocks()
        # an industry file older than 5 days is asked again
        stale = next((tmp_path / "dl" / "block" / "行业板块").glob("BK0475_*.txt"))
        old = time.time() - 6 * 86400
        os.utime(stale, (old, old))
        web.requests.clear()
        ExtrasImporter(store, None, opts(web, tmp_path)).run()
        assert any("BK0475" in r for r in web.requests)


def test_clist_pages_in_both_shapes():
    rows, total = parse_clist(b'{"rc":0,"data":{"total":2,"diff":{"0":{"f12":"BK1","f14":"a"},"1":{"f12":"BK2"}}}}')
    assert [r["f12"] for r in rows] == ["BK1", "BK2"] and total == 2
    assert parse_clist(b'{"rc":0,"data":null}') == ([], 0)
