"""Weights (权息) from a TDX install's own ``T0002/hq_cache/gbbq`` (deciphered by pytdx's reader) into every
store, with no network; samples: ``gbbq_files.py``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from hikyuu_live.clock import FakeClock
from hikyuu_live.data.importer import Importer, ImportOptions
from hikyuu_live.data.netextras import ExtrasImporter, ExtrasOptions
from hikyuu_live.model.kdata import KType
from hikyuu_live.tdx.files import LocalTdxSource
from hikyuu_live.tdx.gbbq import GBBQ, read_gbbq
from tests.importer.gbbq_files import REAL_EVENTS, record, write_gbbq

TEST_DATA = Path(__file__).resolve().parents[2] / "test_data"
CLOCK = FakeClock(datetime(2026, 11, 24, 18, 0))


def install(tmp_path: Path, records: list[bytes]) -> Path:
    tdx = tmp_path / "tdx"
    write_gbbq(tdx / GBBQ, records)
    (tdx / "vipdoc").symlink_to(TEST_DATA / "vipdoc")
    return tdx


def test_reader_maps_records_like_the_network_xdxr_answer(tmp_path):
    bad = record("SH", "600000", 20231345, 1, (1.0, 0, 0, 0))
    odd = record("SH", "600000", 20230101, 1, (1.0, 0, 0, 0), market_id=7)
    path = write_gbbq(tmp_path / "gbbq", [record(*e) for e in REAL_EVENTS] + [bad, odd])
    events = read_gbbq(path)
    assert sorted(events.by_stock) == ["SH600000", "SZ000001", "SZ000002"]
    div, shares = events.by_stock["SZ000001"]
    assert div["fenhong"] == 7.190000057220459 and div["houzongguben"] is None
    assert shares["houzongguben"] == 1940591.875 and shares["panhouliutong"] == 1940560.0
    assert [why for _, why in events.bad] == ["date 20231345 is not a date", "market 7 / code '600000' unknown"]


def test_local_install_weights_into_every_store(store, tmp_path):
    """Reproduces: importing from a local TDX install switched weights off (they came only from the
    network), so Hikyuu's adjusted prices were wrong; the install's gbbq has them."""
    tdx = install(tmp_path, [record(*e) for e in REAL_EVENTS])
    Importer(store, LocalTdxSource(tdx), ImportOptions(ktypes=(KType.DAY,)), clock=CLOCK).run()
    opts = ExtrasOptions(tdx_dir=str(tdx), finance=False, block=False)
    rep = ExtrasImporter(store, None, opts, clock=CLOCK).run()
    weights = {k.kind: k for k in rep.kinds}["weights"]
    assert weights.failed == [] and weights.rows == 2, weights.line()
    got = store.weights("SZ000001")
    assert [(int(r["date"]), int(r["bonus"]), int(r["totalCount"]), int(r["freeCount"])) for r in got] == \
        [(20240614, 7190, 1940592, 1940560)]
    assert [int(r["bonus"]) for r in store.weights("SH600000")] == [3200]
    again = {k.kind: k for k in ExtrasImporter(store, None, opts, clock=CLOCK).run().kinds}["weights"]
    assert again.rows == 0 and again.unchanged == weights.stocks


def test_a_missing_gbbq_says_how_to_get_weights(store, tmp_path):
    tdx = tmp_path / "tdx"
    tdx.mkdir()
    (tdx / "vipdoc").symlink_to(TEST_DATA / "vipdoc")
    Importer(store, LocalTdxSource(tdx), ImportOptions(ktypes=(KType.DAY,)), clock=CLOCK).run()
    rep = ExtrasImporter(store, None, ExtrasOptions(tdx_dir=str(tdx), finance=True, block=False), clock=CLOCK).run()
    kinds = {k.kind: k for k in rep.kinds}
    assert "[pytdx] enable = True" in kinds["weights"].note and kinds["weights"].rows == 0
    assert "[pytdx] enable = True" in kinds["finance"].note
