"""Hikyuu's own C++ core (the 2.8.3 wheel in its chroot, ``tests/services/hikyuu_core.py``) reads what our
importers write besides bars, and sees the same as from the original's importers where those can run.

History finance: ``Stock.get_history_finance()`` returns the same file dates, report dates and values from
our ``stock.db`` as from a ``stock.db`` filled by Hikyuu's own ``history_finance_import_sqlite`` with the
same files.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date, datetime

import pytest

from hikyuu_live.clock import FakeClock
from hikyuu_live.config import hikyuu_ini_text
from hikyuu_live.data.finance_history import HistoryFinanceImporter
from hikyuu_live.data.importer import Importer, ImportOptions
from hikyuu_live.model.kdata import KType
from hikyuu_live.store import make_store
from hikyuu_live.tdx.files import LocalTdxSource
from tests.importer.finance_samples import ROOT, current_layout, install

CODES = ["SH600000", "SZ000001", "SH000001"]


@pytest.fixture(scope="module")
def core():
    from tests.services import hikyuu_core

    try:
        return hikyuu_core.ensure()
    except Exception as e:  # noqa: BLE001 - say why, fail loudly
        pytest.fail(f"cannot set up Hikyuu's core: {e}")


def _bars(store) -> None:
    opts = ImportOptions(ktypes=(KType.DAY,), since={KType.DAY: date(1990, 12, 19)})
    Importer(store, LocalTdxSource(ROOT / "test_data"), opts, clock=FakeClock(datetime(2026, 11, 24, 18))).run()


def test_history_finance_as_hikyuus_own_importer(core, tmp_path):
    files = {f"gpcw{d}.dat": current_layout(file_date=d) for d in (20111231, 20120331)}
    tdx = install(tmp_path / "tdx", files)
    ours, theirs = core.new_dir(), core.new_dir()
    try:
        with make_store("hdf5", directory=ours[0]) as store:
            _bars(store)
            rep = HistoryFinanceImporter(store, download_dir=tmp_path / "d", tdx_dir=tdx).run()
            assert rep.rows == 12 and rep.failed == []
        # the original's database: its own schema and importer, the same stocks and bars
        for name, data in files.items():
            (theirs[0] / name).write_bytes(data)
        core.original_import("hfinance", [f"{theirs[1]}/stock.db", *(f"{theirs[1]}/{n}" for n in sorted(files))])
        for h5 in ours[0].glob("*.h5"):
            shutil.copy(h5, theirs[0] / h5.name)
        con = sqlite3.connect(theirs[0] / "stock.db")
        con.execute("ATTACH DATABASE ? AS ours", (str(ours[0] / "stock.db"),))
        con.execute("INSERT INTO Stock (marketid, code, name, type, valid, startDate, endDate) SELECT marketid, "
                    "code, name, type, valid, startDate, endDate FROM ours.Stock")
        con.execute("UPDATE Market SET lastDate = (SELECT lastDate FROM ours.Market m WHERE m.marketid = "
                    "Market.marketid)")
        con.commit()
        con.close()
        mine = core.read(ours, hikyuu_ini_text("hdf5", ours[1]), CODES)
        orig = core.read(theirs, hikyuu_ini_text("hdf5", theirs[1]), CODES)
        fields = [[0, "基本每股收益"], [1, "扣除非经常性损益每股收益"], [2, "每股未分配利润"]]
        assert mine["finance_fields"] == orig["finance_fields"] == fields
        got = mine["history_finance"]
        assert [r[:2] for r in got["SH600000"]] == [["2011-12-31", "2011-10-27"], ["2012-03-31", "2011-10-27"]]
        assert len(got["SZ000001"]) == 2 and got["SH000001"] == []
        assert got == orig["history_finance"]
    finally:
        shutil.rmtree(ours[0], ignore_errors=True)
        shutil.rmtree(theirs[0], ignore_errors=True)


def test_names_and_delistings_as_hikyuu_sees_them(core, tmp_path):
    from hikyuu_live.store.baseinfo import StockRecord
    from hikyuu_live.tdx.names import LocalNames
    from tests.importer.name_files import REAL_NAMES, write_name_files

    tdx = write_name_files(tmp_path / "tdx", REAL_NAMES)
    (tdx / "vipdoc").symlink_to(ROOT / "test_data" / "vipdoc")
    folder = core.new_dir()
    try:
        with make_store("hdf5", directory=folder[0]) as store:
            store.save_stocks([StockRecord("SZ", "000004", "国华网安", 1, True, 19910114)])
            opts = ImportOptions(ktypes=(KType.DAY,))
            Importer(store, LocalTdxSource(tdx), opts, clock=FakeClock(datetime(2026, 11, 24, 18)),
                     names=LocalNames(tdx)).run()
        view = core.read(folder, hikyuu_ini_text("hdf5", folder[1]), CODES)
        seen = {s[0]: (s[1], s[3]) for s in view["stocks"]}
        assert seen["SZ300995"] == ("奇德新材", True) and seen["SH600000"] == ("浦发银行", True)
        assert seen["SZ000004"] == ("国华网安", False)
    finally:
        shutil.rmtree(folder[0], ignore_errors=True)


def test_weights_from_a_local_gbbq_as_hikyuu_sees_them(core, tmp_path):
    from hikyuu_live.data.netextras import ExtrasImporter, ExtrasOptions
    from hikyuu_live.tdx.gbbq import GBBQ
    from tests.importer.gbbq_files import REAL_EVENTS, record, write_gbbq

    tdx = tmp_path / "tdx"
    write_gbbq(tdx / GBBQ, [record(*e) for e in REAL_EVENTS])
    (tdx / "vipdoc").symlink_to(ROOT / "test_data" / "vipdoc")
    folder = core.new_dir()
    try:
        with make_store("hdf5", directory=folder[0]) as store:
            clock = FakeClock(datetime(2026, 11, 24, 18))
            Importer(store, LocalTdxSource(tdx), ImportOptions(ktypes=(KType.DAY,)), clock=clock).run()
            ExtrasImporter(store, None, ExtrasOptions(tdx_dir=str(tdx), finance=False, block=False),
                           clock=clock).run()
        view = core.read(folder, hikyuu_ini_text("hdf5", folder[1]), CODES)
        # Hikyuu scales stkWeight on reading: ratios x0.0001, prices x0.001, share counts as stored
        assert view["weights"]["SZ000001"] == [["2024-06-14", 0.0, 0.0, 0.0, 7.19, 1940592.0, 1940560.0]]
        assert view["weights"]["SH600000"] == [["2023-07-20", 0.0, 0.0, 0.0, 3.2, 0.0, 0.0]]
    finally:
        shutil.rmtree(folder[0], ignore_errors=True)


def test_blocks_and_block_index_as_hikyuu_sees_them(core, tmp_path):
    """Industry boards from tdxzs.cfg/tdxhy.cfg, concept and index boards from the block files, and the
    BlockIndex rows: Hikyuu's get_block_list sees the same members and each board's index stock."""
    from hikyuu_live.data.netextras import ExtrasImporter, ExtrasOptions
    from hikyuu_live.store.baseinfo import StockRecord
    from tests.standins.tdx_blocks import write_blocks, write_industries

    tdx = tmp_path / "tdx"
    write_blocks(tdx, {"block_gn.dat": [("人工智能", ["600000", "300995"])],
                       "block_zs.dat": [("上证指数", ["600000", "510300"])]})
    write_industries(tdx)
    (tdx / "vipdoc").symlink_to(ROOT / "test_data" / "vipdoc")
    folder = core.new_dir()
    try:
        with make_store("hdf5", directory=folder[0]) as store:
            clock = FakeClock(datetime(2026, 11, 24, 18))
            Importer(store, LocalTdxSource(tdx), ImportOptions(ktypes=(KType.DAY,)), clock=clock).run()
            store.save_stocks([StockRecord("SH", "000001", "上证指数", 2, True, 19901219),
                               StockRecord("SH", "880471", "银行", 2, True, 20000101),
                               StockRecord("SH", "880800", "人工智能", 2, True, 20000101)])
            rep = ExtrasImporter(store, None, ExtrasOptions(tdx_dir=str(tdx), weight=False, finance=False),
                                 clock=clock).run()
            assert {k.kind: k for k in rep.kinds}["blocks"].failed == []
            mine = sorted([c, n, sorted(m for cc, nn, m in store.blocks() if (cc, nn) == (c, n))]
                          for c, n in {(c, n) for c, n, _ in store.blocks()})
        view = core.read(folder, hikyuu_ini_text("hdf5", folder[1]), CODES)
        theirs = [b for b in view["blocks"] if b[0] in ("行业板块", "概念板块", "指数板块")]
        # Hikyuu lists only members it knows as stocks: those with a Stock row
        known = {s[0] for s in view["stocks"]}
        assert theirs == [[c, n, [m for m in ms if m in known]] for c, n, ms in mine]
        assert ["行业板块", "银行", ["SH600000", "SZ000001"]] in theirs
        assert ["指数板块", "上证指数", ["SH510300", "SH600000"]] in theirs
        assert ["指数板块", "上证指数", "SH000001"] in view["block_index"]
        assert ["行业板块", "银行", "SH880471"] in view["block_index"]
        assert ["概念板块", "人工智能", "SH880800"] in view["block_index"]
    finally:
        shutil.rmtree(folder[0], ignore_errors=True)


def test_index_boards_from_the_web_as_hikyuu_sees_them(core, tmp_path):
    """Index constituents from the web stand-in (real CSIndex files, tests/tdx_network/test_index_blocks.py)
    with no TDX install: Hikyuu's get_block_list sees the same members and each board's index stock."""
    from hikyuu_live.data.netextras import ExtrasImporter
    from hikyuu_live.store.baseinfo import StockRecord
    from tests.standins.web_server import WebServer
    from tests.tdx_network.test_index_blocks import opts, serve

    folder = core.new_dir()
    try:
        with make_store("hdf5", directory=folder[0]) as store, WebServer() as web:
            _bars(store)
            store.save_stocks([StockRecord("SH", "000300", "沪深300", 2, True, 20050408),
                               StockRecord("SH", "000016", "上证50", 2, True, 20040102),
                               StockRecord("SZ", "399006", "创业板指", 2, True, 20100601)])
            serve(web)
            rep = {k.kind: k for k in ExtrasImporter(store, None, opts(web, tmp_path)).run().kinds}["blocks"]
            assert [k for k, _ in rep.failed] == ["指数板块/000905 中证500"]
            mine = sorted([c, n, sorted(m for cc, nn, m in store.blocks() if (cc, nn) == (c, n))]
                          for c, n in {(c, n) for c, n, _ in store.blocks()})
        view = core.read(folder, hikyuu_ini_text("hdf5", folder[1]), CODES)
        theirs = [b for b in view["blocks"] if b[0] == "指数板块"]
        known = {s[0] for s in view["stocks"]}
        assert theirs == [[c, n, [m for m in ms if m in known]] for c, n, ms in mine]
        assert "SZ000001" in next(ms for c, n, ms in theirs if n == "沪深300")
        assert ["指数板块", "沪深300", "SH000300"] in view["block_index"]
        assert ["指数板块", "上证50", "SH000016"] in view["block_index"]
        assert ["指数板块", "创业板指", "SZ399006"] in view["block_index"]
    finally:
        shutil.rmtree(folder[0], ignore_errors=True)


def test_zh_bond10_as_hikyuu_sees_it(core, tmp_path):
    """The bond yield imported from the web stand-in (and the shipped list before it): Hikyuu's ZHBOND10."""
    from hikyuu_live.data.webdata import WebDataImporter, WebOptions
    from tests.standins.web_server import WebServer

    folder = core.new_dir()
    try:
        with make_store("hdf5", directory=folder[0]) as store:
            _bars(store)
            WebDataImporter(store, WebOptions(offline=True), today=date(2026, 11, 24)).bond10()
            web_rows = [(date(2026, 11, 20), 1.81), (date(2026, 11, 23), 1.8234), (date(2026, 11, 24), 1.83)]
            with WebServer([], web_rows) as web:
                opts = WebOptions(bond10_url=web.url + "/api/data/get", timeout_s=5)
                assert WebDataImporter(store, opts, today=date(2026, 11, 24)).bond10().rows == 3
        view = core.read(folder, hikyuu_ini_text("hdf5", folder[1]), CODES)
        # Hikyuu reads zh_bond10's value / 10000 as the yield in percent
        assert view["zhbond10"] == pytest.approx([2.3376, 2.3375, 1.81, 1.8234, 1.83])
    finally:
        shutil.rmtree(folder[0], ignore_errors=True)
