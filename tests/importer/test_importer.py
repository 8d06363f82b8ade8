"""The importer over the committed TDX tree into every backend (``store`` runs each body three times)."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import numpy as np

from hikyuu_live.clock import FakeClock
from hikyuu_live.data.importer import Importer, ImportOptions
from hikyuu_live.model.kdata import KType
from hikyuu_live.store.baseinfo import QUOTATION_TYPES
from hikyuu_live.tdx.files import DAY_RECORD, LocalTdxSource

ROOT = Path(__file__).resolve().parents[2]
TDX = ROOT / "test_data"
CLOCK = FakeClock(datetime(2026, 11, 23, 18, 0))
ALL = [(m, c) for m in ("SH", "SZ", "BJ") for c in LocalTdxSource(TDX).list_codes(m, KType.DAY)]
OPTIONS = ImportOptions(since={KType.DAY: date(1990, 12, 19), KType.MIN: date(2020, 1, 1),
                               KType.MIN5: date(2020, 1, 1)})


def run(store, src=TDX, options=OPTIONS, **kw):
    source = src if isinstance(src, LocalTdxSource) else LocalTdxSource(src)
    return Importer(store, source, options, clock=CLOCK, **kw).run()


def test_import_everything_then_nothing_more(store):
    progress = []
    report = run(store, on_progress=progress.append)
    src = LocalTdxSource(TDX)
    for ktype in (KType.DAY, KType.MIN, KType.MIN5):
        for m, c in ALL:
            got, want = store.read_range(m + c, ktype), src.read(m, c, ktype)
            assert (got["datetime"] == want["datetime"]).all()
            for f in ("open", "high", "low", "close", "volume"):
                np.testing.assert_allclose(got[f], want[f], atol=1e-6)
            np.testing.assert_allclose(got["amount"], want["amount"], atol=0.051)  # stored in 1,000 yuan
    assert report.rows == sum(len(src.read(m, c, k)) for m, c in ALL for k in (KType.DAY, KType.MIN, KType.MIN5))
    assert report.quarantine.total == 0 and report.failed == 0 and not report.interrupted
    seen = {(p.market, p.ktype, p.done, p.total) for p in progress}
    assert seen >= {("SH", KType.DAY, 4, 4), ("BJ", KType.MIN5, 2, 2)}
    again = run(store)
    assert again.rows == 0 and sum(u.up_to_date for u in again.units) == 3 * len(ALL)


def test_base_info_from_what_was_imported(store):
    run(store)
    stocks = {s.market_code: s for s in store.stock_records()}
    assert set(stocks) == {m + c for m, c in ALL}
    assert (stocks["SH600000"].type, stocks["SH600000"].name, stocks["SH600000"].start_date) == (1, "浦发银行",
                                                                                                  20250102)
    assert (stocks["SZ159915"].type, stocks["SH000001"].type, stocks["SH688371"].type) == (5, 2, 9)
    assert (stocks["SZ300995"].type, stocks["BJ838599"].type) == (8, 11)
    assert all(s.valid and s.end_date == 99999999 for s in stocks.values())
    assert {m.market: m.last_date for m in store.markets()} == {"SH": 20261123, "SZ": 20261123, "BJ": 20261123}
    assert date(2026, 10, 1) in store.holidays() and len(store.holidays()) > 300


def test_incremental_import_equals_a_one_shot_import(store, tmp_path):
    half = tmp_path / "half" / "vipdoc"
    shutil.copytree(TDX / "vipdoc", half)
    for f in half.rglob("*.*"):  # an older TDX install: the first 60 % of every file
        size = f.stat().st_size // 32
        f.write_bytes(f.read_bytes()[:size * 6 // 10 * 32])
    first = run(store, half)
    second = run(store)
    src = LocalTdxSource(TDX)
    for k in (KType.DAY, KType.MIN5):
        for m, c in ALL:
            full = src.read(m, c, k)
            got = store.read_range(m + c, k)
            assert (got["datetime"] == full["datetime"]).all() and np.allclose(got["close"], full["close"])
    assert first.rows + second.rows == run(store).rows + sum(
        len(src.read(m, c, k)) for m, c in ALL for k in (KType.DAY, KType.MIN, KType.MIN5))
    week = store.read_range("SH600000", KType.WEEK)
    assert week["datetime"][-1] == np.datetime64("2026-11-27") and np.isclose(week["close"][-1],
                                                                               full_close("SH", "600000"))


def test_market_last_date_counts_stocks_stored_earlier_and_not_imported_now(store, tmp_path):
    vipdoc = tmp_path / "vipdoc"
    shutil.copytree(TDX / "vipdoc", vipdoc)
    short = vipdoc / "bj" / "lday" / "bj838599.day"  # BJ has no index: the market's newest stock counts
    short.write_bytes(short.read_bytes()[:-3 * 32])
    only_day = ImportOptions(ktypes=(KType.DAY,), since=OPTIONS.since)
    run(store, vipdoc, only_day)
    assert {m.market: m.last_date for m in store.markets()}["BJ"] == 20261123
    other = run(store, vipdoc, ImportOptions(ktypes=(KType.DAY,), codes=frozenset({"BJ838599"})))
    assert other.rows == 0  # nothing new for that stock, and the other one was not looked at
    assert {m.market: m.last_date for m in store.markets()} == {"SH": 20261123, "SZ": 20261123, "BJ": 20261123}
    short.write_bytes((TDX / "vipdoc" / "bj" / "lday" / "bj838599.day").read_bytes())
    store.set_market_last_date("BJ", date(2000, 1, 1))  # every day import rewrites it
    assert run(store, vipdoc, ImportOptions(ktypes=(KType.DAY,), codes=frozenset({"BJ838599"}))).rows == 3
    assert {m.market: m.last_date for m in store.markets()}["BJ"] == 20261123


def full_close(market, code):
    return LocalTdxSource(TDX).read(market, code, KType.DAY)["close"][-1]


def test_bad_bars_are_quarantined_and_bad_files_do_not_stop_the_rest(store, tmp_path):
    vipdoc = tmp_path / "vipdoc"
    shutil.copytree(TDX / "vipdoc", vipdoc)
    day = vipdoc / "sh" / "lday" / "sh600000.day"
    rec = np.fromfile(day, dtype=DAY_RECORD)
    rec["date"][5] = 20261399  # no such date
    rec["high"][9] = rec["low"][9] - 1  # high below low
    rec["volume"][11] = 0xFFFFFFFF
    rec["amount"][11] = np.float32(8e30)  # hikyuu issue #297
    rec.tofile(day)
    (vipdoc / "sz" / "lday" / "sz000001.day").unlink()
    (vipdoc / "sz" / "lday" / "sz000001.day").mkdir()  # unreadable as a file
    report = run(store, vipdoc, ImportOptions(ktypes=(KType.DAY,)))
    assert report.quarantine.by_stock == {"SH600000": 3}
    assert set(report.quarantine.by_reason) == {"no datetime", "high/low do not bracket open/close",
                                                "absurd volume or amount"}
    assert store.count("SH600000", "DAY") == len(rec) - 3
    failed = [f for u in report.units for f in u.failed]
    assert [f[0] for f in failed] == ["SZ000001"] and "cannot read" in failed[0][1]
    assert store.count("SZ399001", "DAY") > 0 and store.count("SH510300", "DAY") > 0


def test_dry_run_codes_and_quotation_filters(store):
    report = run(store, options=ImportOptions(dry_run=True))
    assert report.rows == 0 and store.codes("SH") == [] and store.stock_records() == []
    run(store, options=ImportOptions(ktypes=(KType.DAY,), codes=frozenset({"SH600000", "BJ838599"})))
    assert store.codes("SH") == ["600000"] and store.codes("BJ") == ["838599"] and store.codes("SZ") == []
    run(store, options=ImportOptions(ktypes=(KType.DAY,), types=QUOTATION_TYPES["fund"]))
    assert store.codes("SZ") == ["159915"] and "510300" in store.codes("SH")


def test_a_stop_request_ends_between_stocks_with_a_commit(store, store_factory):
    import threading

    stop = threading.Event()
    seen = []

    def on_progress(p):
        seen.append(p)
        if p.done == 2:
            stop.set()

    report = run(store, on_progress=on_progress, stop=stop)
    assert report.interrupted and report.rows > 0
    assert len(store_factory().open().codes("SH", "DAY")) == 2  # committed before stopping
