"""Index constituents (指数板块) from the web, as the original's block task downloads them (JoinQuant's index
list, CSIndex's constituent .xls files for 000xxx indices, Sina's pages for 399xxx), against a local stand-in
serving those formats, into every store with one BlockIndex row per index.

Samples: the CSIndex files are real (``test_data/csindex``, see its README: 上证50, 沪深300 and 科创50 of
2026-02-27, from a public repository, unchanged). The index list rows are real rows of akshare's
``index_stock_info()`` output kept in the public repository zsh-a/quant (``index_stock_info.csv``); the stand-in
lays them out as the table akshare reads (code with its ``.XSHG``/``.XSHE`` suffix, name, date). No captured
Sina page was found: the stand-in's page follows the layout public parsers of it read (``NewStockTable``, the
code in the first cell, 40 rows a page); its members are real ChiNext codes, not the index's real list.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from hikyuu_live.data.em_blocks import BoardOptions
from hikyuu_live.data.index_blocks import parse_csindex_xls, parse_index_list, parse_sina_page
from hikyuu_live.data.netextras import ExtrasImporter, ExtrasOptions
from hikyuu_live.data.webdata import WebOptions
from hikyuu_live.errors import SourceError
from tests.standins.web_server import WebServer
from tests.tdx_network.conftest import make_test_store

CSINDEX = Path(__file__).resolve().parents[2] / "test_data" / "csindex"
#: real rows of index_stock_info() (zsh-a/quant's index_stock_info.csv)
INDEX_LIST = [("000012", "国债指数", "2003-01-02"), ("000016", "上证50", "2004-01-02"),
              ("000300", "沪深300", "2005-04-08"), ("000688", "科创50", "2020-07-23"),
              ("000905", "中证500", "2007-01-15"), ("399006", "创业板指", "2010-06-01"),
              ("399300", "沪深300", "2005-04-08")]
#: 44 ChiNext codes (two Sina pages) and one code of no share market
GEM = [("300750", "宁德时代"), ("300059", "东方财富"), ("300760", "迈瑞医疗"), ("300124", "汇川技术")] + \
      [(f"3000{i:02d}", f"样本{i}") for i in range(1, 41)] + [("510300", "300ETF")]


def serve(web: WebServer) -> None:
    web.index_list = INDEX_LIST
    web.cons_xls = {c: (CSINDEX / f"{c}cons.xls").read_bytes() for c in ("000016", "000300", "000688")}
    web.sina_members = {"399006": GEM}


def opts(web: WebServer, tmp_path, timeout_s: float = 5) -> ExtrasOptions:
    boards = BoardOptions(url=web.url + "/api/qt/clist/get", timeout_s=timeout_s,
                          index_list_url=web.url + "/data/dict/indexData",
                          csindex_url=web.url + "/static/html/csindex/public/uploads/file/autofile/cons/{code}cons.xls",
                          sina_url=web.url + "/corp/view/vII_NewestComponent.php")
    return ExtrasOptions(weight=False, finance=False, block=True, download_dir=str(tmp_path / "dl" / "finance"),
                         web=WebOptions(offline=False), boards=boards)


def blocks_of(store, name: str) -> list[str]:
    return sorted(m for c, n, m in store.blocks() if (c, n) == ("指数板块", name))


def run(store, web, tmp_path, **kw):
    return {k.kind: k for k in ExtrasImporter(store, None, opts(web, tmp_path, **kw)).run().kinds}["blocks"]


@pytest.mark.parametrize("kind", ["hdf5", "mysql", "clickhouse"])
def test_index_boards_from_the_web_into_every_store(kind, tmp_path, request):
    """Reproduces: without a TDX install's block files importdata stored no index constituents at all (the
    original downloads them from CSIndex and Sina) and no BlockIndex rows for them."""
    store = make_test_store(kind, tmp_path, request, "idxblk")
    with WebServer() as web, store:
        serve(web)
        rep = run(store, web, tmp_path)
        # 中证500 has no file on the stand-in: its 404 is reported, the others are stored
        assert [k for k, _ in rep.failed] == ["指数板块/000905 中证500"], rep.line()
        hs300 = blocks_of(store, "沪深300")
        assert len(hs300) == 300 and {"SZ000001", "SZ000002", "SH600028"} <= set(hs300)
        assert len(blocks_of(store, "上证50")) == 50 and "SH688008" in blocks_of(store, "科创50")
        gem = blocks_of(store, "创业板指")
        assert len(gem) == 44 and "SZ300750" in gem  # both Sina pages
        assert rep.rejected_by_reason == {"member of no A-share market": 1}  # 510300
        assert sorted(r for r in store.block_index() if r[0] == "指数板块") == [
            ("指数板块", "上证50", "SH000016"), ("指数板块", "创业板指", "SZ399006"),
            ("指数板块", "沪深300", "SH000300"), ("指数板块", "科创50", "SH000688")]
        # the bond index is left out as the original; 399300 has the name of the Shanghai 000300
        assert not [r for r in web.requests if "000012" in r or "399300" in r]


def test_a_second_run_asks_only_for_what_is_missing_or_stale(tmp_path):
    from hikyuu_live.store import make_store

    with WebServer() as web, make_store("hdf5", directory=tmp_path / "d") as store:
        serve(web)
        run(store, web, tmp_path)
        web.cons_xls["000905"] = web.cons_xls["000016"]  # now served (any real file)
        web.requests.clear()
        second = run(store, web, tmp_path)
        asked = [r for r in web.requests if "cons.xls" in r or "indexid" in r]
        assert second.failed == [] and asked == [r for r in asked if "000905" in r] and asked
        assert second.unchanged == 4 and len(blocks_of(store, "中证500")) == 50
        stale = tmp_path / "dl" / "block" / "指数板块" / "SH000300_沪深300.txt"
        old = time.time() - 11 * 86400
        os.utime(stale, (old, old))
        web.requests.clear()
        run(store, web, tmp_path)
        assert [r for r in web.requests if "cons.xls" in r] == [r for r in web.requests if "000300cons" in r] != []


def test_garbage_and_404_are_reasons_and_nothing_else_is_lost(tmp_path):
    from hikyuu_live.store import make_store

    with WebServer() as web, make_store("hdf5", directory=tmp_path / "d") as store:
        serve(web)
        web.garbage_paths = {"000300cons.xls", "indexid=399006"}
        rep = run(store, web, tmp_path)
        why = dict(rep.failed)
        assert "not an Excel (.xls) file" in why["指数板块/000300 沪深300"]
        sina = why["指数板块/399006 创业板指"]
        assert "not an HTML page" in sina or "NewStockTable" in sina
        assert "HTTP 404" in why["指数板块/000905 中证500"]
        assert rep.unavailable == []  # answers, even bad ones, are failures of the index, not of the source
        assert len(blocks_of(store, "上证50")) == 50 and len(blocks_of(store, "科创50")) == 50
        assert not blocks_of(store, "沪深300")


def test_an_unreachable_index_list_keeps_the_stored_boards(tmp_path):
    from hikyuu_live.store import make_store

    with WebServer() as web, make_store("hdf5", directory=tmp_path / "d") as store:
        serve(web)
        run(store, web, tmp_path)
        before = store.blocks(), store.block_index()
        web.garbage_paths = {"/data/dict/indexData"}
        rep = run(store, web, tmp_path)
        assert [k for k, _ in rep.failed] == ["指数板块"] and "index list" in rep.failed[0][1]
        assert (store.blocks(), store.block_index()) == before


def test_a_hanging_source_is_unavailable_and_not_asked_again(tmp_path):
    """CSIndex answers nothing within the timeout: the first index is listed as unavailable (exit code as
    the other web kinds: not a failed import), the other CSIndex indices are not asked, Sina still is."""
    from hikyuu_live.store import make_store

    with WebServer() as web, make_store("hdf5", directory=tmp_path / "d") as store:
        serve(web)
        web.hang_paths, web.hang_s = {"cons.xls"}, 2.0
        web.sina_members["399300"] = GEM[:4]
        t0 = time.monotonic()
        rep = run(store, web, tmp_path, timeout_s=0.3)
        assert time.monotonic() - t0 < 20
        assert rep.failed == [], rep.line()
        assert [k for k, _ in rep.unavailable] == ["指数板块/000016 上证50", "指数板块/CSIndex"]
        assert "3 indices not asked: CSIndex unreachable" in rep.unavailable[1][1]
        assert len(blocks_of(store, "创业板指")) == 44
        # the Shanghai 沪深300 could not be had: the Shenzhen one of the same name is the board, as the original
        assert len(blocks_of(store, "沪深300")) == 4 and ("指数板块", "沪深300", "SZ399300") in store.block_index()
        assert sum("cons.xls" in r for r in web.requests) == 3  # one index, three tries


def test_parsers_refuse_what_is_not_their_format():
    with pytest.raises(SourceError, match="no table"):
        parse_index_list(b"<html><body>maintenance</body></html>")
    with pytest.raises(SourceError, match="not an Excel"):
        parse_csindex_xls(b"<html>404</html>")
    with pytest.raises(SourceError, match="NewStockTable"):
        parse_sina_page("<html><body>页面没有找到</body></html>".encode("gbk"))
    assert parse_sina_page(b'<table id="NewStockTable"><tr><td>x</td></tr></table>') == []
