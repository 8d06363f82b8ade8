"""Names, listings and delistings (the original's ``import_stock_name``) from a TDX install's name files and
(``tests/tdx_network``) the TDX network's security lists, into every store."""

from __future__ import annotations

from datetime import datetime

from hikyuu_live.clock import FakeClock
from hikyuu_live.data.importer import Importer, ImportOptions
from hikyuu_live.data.names import apply_names
from hikyuu_live.model.kdata import KType
from hikyuu_live.store.baseinfo import QUOTATION_TYPES, StockRecord
from hikyuu_live.tdx.files import LocalTdxSource
from hikyuu_live.tdx.names import LocalNames, parse_name_file
from tests.importer.name_files import REAL_NAMES, record, write_name_files

ROOT_TDX = __import__("pathlib").Path(__file__).resolve().parents[2] / "test_data"
TYPES = QUOTATION_TYPES["stock"] | QUOTATION_TYPES["fund"]
CLOCK = FakeClock(datetime(2026, 11, 24, 18, 0))


def test_apply_names_renames_relists_lists_and_delists():
    stored = [StockRecord("SH", "600000", "SH600000", 1, True, 19991110),
              StockRecord("SH", "600004", "白云机场", 1, True, 20030428),
              StockRecord("SH", "600519", "贵州茅台", 1, False, 20010827, 20200101)]
    ch = apply_names(stored, "SH", {"600000": "浦发银行", "600519": "贵州茅台", "688371": "菲沃泰",
                                    "000001": "上证指数"}, TYPES, 20261124)
    got = {r.code: r for r in ch.records}
    assert got["600000"].name == "浦发银行" and got["600000"].start_date == 19991110
    assert got["600004"].valid is False and got["600004"].name == "白云机场"
    assert got["600519"].valid is True and got["600519"].end_date == 99999999
    assert got["688371"] == StockRecord("SH", "688371", "菲沃泰", 9, True, 20261124)
    assert got["000001"].type == 2
    assert (ch.renamed, ch.relisted, ch.delisted, ch.listed) == (1, 1, 1, 2)


def test_a_short_list_delists_nothing():
    stored = [StockRecord("SZ", f"00000{i}", "x", 1, True) for i in range(1, 7)]
    ch = apply_names(stored, "SZ", {"000001": "平安银行"}, TYPES, 20261124)
    assert not any(not r.valid for r in ch.records) and ch.refused == ["SZ"]


def test_name_file_parser_reads_gbk_names_and_reports_bad_records():
    data = b"\x00" * 50 + record("600000", "浦发银行", "PFYH") + record("60000X", "坏") + record("600004", "") \
        + b"\x01" * 20
    parsed = parse_name_file(data)
    assert parsed.names == {"600000": "浦发银行"}
    assert [k for k, _ in parsed.bad] == ["record 1", "600004", "end of file"]


def test_local_install_gives_real_names_and_marks_delisted_invalid(store, tmp_path):
    """Reproduces: a local import named every stock from the shipped list, whose names are placeholders
    (SZ300995 was stored as "SZ300995"), and never marked a delisted stock invalid."""
    tdx = write_name_files(tmp_path / "tdx", REAL_NAMES)
    (tdx / "vipdoc").symlink_to(ROOT_TDX / "vipdoc")
    store.save_stocks([StockRecord("SZ", "000004", "国华网安", 1, True, 19910114)])  # delisted: not in the list
    opts = ImportOptions(ktypes=(KType.DAY,))
    rep = Importer(store, LocalTdxSource(tdx), opts, clock=CLOCK, names=LocalNames(tdx)).run()
    names = {s.market_code: (s.name, s.valid) for s in store.stock_records()}
    assert names["SZ300995"] == ("奇德新材", True)
    assert names["SH600000"] == ("浦发银行", True) and names["SZ000002"] == ("万科Ａ", True)
    assert names["SZ000004"] == ("国华网安", False)
    assert rep.names is not None and rep.names.skipped == {"SZ: marked delisted (valid = 0)": 1}
    # the bar import keeps the real names and the first bar's start date
    start = {s.market_code: s.start_date for s in store.stock_records()}
    assert start["SH600000"] < 20261124 and start["SZ000002"] == 20261124  # listed today, no bars here


def test_without_name_files_the_store_names_are_kept(store, tmp_path):
    (tmp_path / "tdx").mkdir()
    (tmp_path / "tdx" / "vipdoc").symlink_to(ROOT_TDX / "vipdoc")
    store.save_stocks([StockRecord("SH", "600000", "浦发银行", 1, True, 19991110)])
    rep = Importer(store, LocalTdxSource(tmp_path / "tdx"), ImportOptions(ktypes=(KType.DAY,)), clock=CLOCK,
                   names=LocalNames(tmp_path / "tdx")).run()
    assert {s.market_code: s.name for s in store.stock_records()}["SH600000"] == "浦发银行"
    assert rep.names is not None and "no list of SH (name file missing)" in rep.names.skipped
