"""Hikyuu's own C++ core (the 2.8.3 wheel, in a chroot: ``tests/services/hikyuu_core.py``) reads what our HDF5
and MySQL stores write, and sees the same bars we do for every K-data type, derived ones included, after an
import that went in several incremental steps; plus stocks, markets, weights, blocks and holidays.

(Hikyuu reads ClickHouse only through a licensed plugin, so ClickHouse is checked by ``test_layouts`` alone.)
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pytest

from hikyuu_live.clock import FakeClock
from hikyuu_live.config import hikyuu_ini_text
from hikyuu_live.data.importer import Importer, ImportOptions
from hikyuu_live.model.kdata import KType
from hikyuu_live.store import make_store
from hikyuu_live.store.base import KDataStore
from hikyuu_live.tdx.files import LocalTdxSource

TDX = Path(__file__).resolve().parents[2] / "test_data"
KTYPES = ["DAY", "WEEK", "MONTH", "QUARTER", "HALFYEAR", "YEAR", "MIN", "MIN5", "MIN15", "MIN30", "MIN60", "HOUR2"]
# appends that end inside weeks, months, 15/30/60-minute and 2-hour periods, then the importer does the rest
CUTS = {KType.DAY: (101, 102, 250, 333), KType.MIN5: (7, 49, 50, 200, 333), KType.MIN: (100, 241)}
WEIGHTS = [{"date": 20250603, "countAsGift": 3000, "countForSell": 1000, "priceForSell": 8500, "bonus": 4000,
            "totalCount": 2935000, "freeCount": 2800000},
           {"date": 20260602, "bonus": 4100, "totalCount": 2935000, "freeCount": 2935000}]
BLOCKS = [("行业板块", "银行", "SH600000"), ("行业板块", "银行", "SZ000001"), ("概念板块", "ETF", "SZ159915")]


@pytest.fixture(scope="module")
def core():
    from tests.services import hikyuu_core

    try:
        return hikyuu_core.ensure()
    except Exception as e:  # noqa: BLE001 - say why, fail loudly
        pytest.fail(f"cannot set up Hikyuu's core: {e}")


def fill(store: KDataStore) -> list[str]:
    """Write test_data's market the way a user's stores fill up: a few earlier runs, then importdata."""
    src = LocalTdxSource(TDX)
    codes = []
    with store:
        for m in ("SH", "SZ", "BJ"):
            for c in src.list_codes(m, KType.DAY):
                codes.append(m + c)
                for k, cuts in CUTS.items():
                    bars = src.read(m, c, k)
                    for a, z in zip((0, *cuts), cuts, strict=False):
                        with store.batch():
                            store.append(m + c, k, bars[a:z])
        clock = FakeClock(datetime(2026, 11, 24, 18, 0))
        since = {KType.DAY: date(1990, 12, 19), KType.MIN: date(2020, 1, 1), KType.MIN5: date(2020, 1, 1)}
        report = Importer(store, src, ImportOptions(since=since), clock=clock).run()
        assert report.rows > 0 and report.quarantine.total == 0 and report.failed == 0
        store.save_weights("SH600000", WEIGHTS)
        store.save_blocks(BLOCKS)
    return codes


def ours(store: KDataStore, codes: list[str]) -> dict:
    with store:
        kdata = {}
        for mc in codes:
            for k in KTYPES:
                bars = store.read_range(mc, k)
                kdata[f"{mc}/{k}"] = bars
        return {"kdata": kdata, "stocks": store.stock_records(), "markets": {m.market: m.last_date for m in
                                                                              store.markets()},
                "holidays": store.holidays()}


def assert_hikyuu_sees_what_we_wrote(view: dict, mine: dict, codes: list[str]) -> None:
    assert all(view["kdata"].get(f"{mc}/DAY") for mc in codes), "Hikyuu does not know some of our stocks"
    for key, bars in mine["kdata"].items():
        got = view["kdata"][key]
        assert len(got) == len(bars), f"{key}: Hikyuu reads {len(got)} bars, we stored {len(bars)}"
        if not len(bars):
            continue
        want_dt = [str(d).replace("T", " ") for d in bars["datetime"].astype("M8[s]")]
        assert [r[0] for r in got] == want_dt, key
        values = np.array([r[1:] for r in got], dtype=float)
        for i, f in enumerate(("open", "high", "low", "close", "amount", "volume")):
            np.testing.assert_allclose(values[:, i], bars[f], rtol=1e-9, atol=1e-6, err_msg=f"{key} {f}")
    want_stocks = sorted([s.market_code, s.name, s.type, s.valid,
                          f"{s.start_date // 10000:04d}-{s.start_date // 100 % 100:02d}-{s.start_date % 100:02d}"]
                         for s in mine["stocks"])
    assert view["stocks"] == want_stocks
    assert view["markets"] == {m: f"{d // 10000:04d}-{d // 100 % 100:02d}-{d % 100:02d}"
                               for m, d in mine["markets"].items()}
    # Hikyuu scales stkWeight on reading: ratios x0.0001, prices x0.001, share counts as stored
    assert view["weights"]["SH600000"] == [["2025-06-03", 0.3, 0.1, 8.5, 4.0, 2935000.0, 2800000.0],
                                           ["2026-06-02", 0.0, 0.0, 0.0, 4.1, 2935000.0, 2935000.0]]
    ours_blocks = [b for b in view["blocks"] if b[0] in ("行业板块", "概念板块")]
    assert ours_blocks == [["概念板块", "ETF", ["SZ159915"]], ["行业板块", "银行", ["SH600000", "SZ000001"]]]
    assert view["holidays"] == [d.isoformat() for d in mine["holidays"]
                                if d.year >= 2024 and (d.month, d.day) in ((1, 1), (10, 1), (10, 2), (10, 9))]


def test_hikyuu_core_reads_our_hdf5_and_stock_db(core):
    folder = core.new_dir()
    try:
        codes = fill(make_store("hdf5", directory=folder[0]))
        view = core.read(folder, hikyuu_ini_text("hdf5", folder[1]), codes)
        assert_hikyuu_sees_what_we_wrote(view, ours(make_store("hdf5", directory=folder[0]), codes), codes)
    finally:
        shutil.rmtree(folder[0], ignore_errors=True)


def test_hikyuu_core_reads_our_mysql_schemas(core, tmp_path):
    from tests.services.mariadb import start_private

    db = start_private(tmp_path / "mariadb")  # Hikyuu reads the unprefixed hku_base, sh_day...: our own server
    folder = core.new_dir()
    try:
        codes = fill(make_store("mysql", port=db.port))
        view = core.read(folder, hikyuu_ini_text("mysql", folder[1], port=db.port), codes)
        assert_hikyuu_sees_what_we_wrote(view, ours(make_store("mysql", port=db.port), codes), codes)
    finally:
        db.stop()
        shutil.rmtree(folder[0], ignore_errors=True)
