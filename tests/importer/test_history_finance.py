"""History finance (TDX ``gpcw`` files) from a local TDX install into every store: parsing against real data
and an independent reader (pytdx's), resumable runs, quarantined rows (samples: ``finance_samples.py``)."""

from __future__ import annotations

import struct

import pytest

from hikyuu_live.data.finance_history import HistoryFinanceImporter
from hikyuu_live.tdx.history_finance import parse_finance
from tests.importer.finance_samples import REAL_2011, current_layout, install


def test_the_real_old_layout_is_refused_row_by_row_with_its_reason():
    """The real 2011 file has no announcement date: no row may be dated by its report period instead."""
    parsed = parse_finance(REAL_2011.read_bytes())
    assert parsed.file_date == 20110930 and parsed.rows == []
    assert sorted(k for k, _ in parsed.bad) == ["SH600000", "SH600004", "SH600519", "SZ000001", "SZ000002",
                                                "SZ000004"]
    assert all("no announcement date" in why for _, why in parsed.bad)


def test_values_match_pytdx_reader_and_the_real_file(tmp_path):
    """Our parser against pytdx's own history finance reader over the same bytes, and the real values."""
    from pytdx.crawler.history_financial_crawler import HistoryFinancialCrawler

    data = current_layout()
    parsed = parse_finance(data)
    assert parsed.bad == [] and len(parsed.rows) == 6
    (tmp_path / "gpcw20110930.dat").write_bytes(data)
    with (tmp_path / "gpcw20110930.dat").open("rb") as f:
        theirs = {row[0]: row[2:] for row in HistoryFinancialCrawler().parse(download_file=f)}
    real = {r.market_code: r for r in parse_finance_raw(REAL_2011.read_bytes())}
    for r in parsed.rows:
        ours = struct.unpack(f"<{len(r.values) // 4}f", r.values)
        assert ours == pytest.approx(theirs[r.market_code[2:]], nan_ok=True)
        assert r.values[:286 * 4] == real[r.market_code].values  # every real value unchanged
    dates = {r.market_code: r.report_date for r in parsed.rows}
    assert dates["SH600000"] == 20111027 and dates["SZ000001"] == 20111020 and dates["SZ000002"] == 20111028


def parse_finance_raw(data: bytes):
    """The real file's reports as raw bytes (layout facts only, independent of the parser under test)."""
    from tests.importer.finance_samples import ENTRY, HEADER

    _v, _d, count, _a, size, _b = HEADER.unpack_from(data)
    for i in range(count):
        code, _pad, offset = ENTRY.unpack_from(data, HEADER.size + i * ENTRY.size)
        market = "SH" if code.startswith(b"6") else "SZ"
        yield type("R", (), {"market_code": market + code.decode(), "values": data[offset:offset + size]})


def _broken(data: bytes) -> bytes:
    """The sample with the third stock's report offset pointing past the end of the file."""
    out = bytearray(data)
    struct.pack_into("<L", out, 20 + 2 * 11 + 7, len(data) + 100)
    return bytes(out)


def test_local_install_into_every_store_resumes_and_quarantines(store, tmp_path):
    tdx = install(tmp_path / "tdx", {"gpcw20110930.dat": REAL_2011.read_bytes(),
                                     "gpcw20111231.dat": _broken(current_layout(file_date=20111231)),
                                     "gpcw20120331.dat": current_layout(file_date=20120331)})
    down = tmp_path / "downloads"
    rep = HistoryFinanceImporter(store, download_dir=down, tdx_dir=tdx).run()
    assert rep.failed == []
    assert rep.rows == 5 + 6
    assert sum(n for why, n in rep.rejected_by_reason.items() if "outside the file" in why) == 1
    assert sum(n for why, n in rep.rejected_by_reason.items() if "no announcement date" in why) == 6
    assert store.history_finance_files() == {20111231: 5, 20120331: 6}
    rows = store.history_finance("SH600000")
    assert [(f, r) for f, r, _ in rows] == [(20111231, 20111027), (20120331, 20111027)]
    assert rows[0][2] == next(r.values for r in parse_finance(current_layout()).rows if r.market_code == "SH600000")

    again = HistoryFinanceImporter(store, download_dir=down, tdx_dir=tdx).run()
    assert again.rows == 0 and again.unchanged == 3, again.line()

    (tdx / "vipdoc" / "cw" / "gpcw20120331.dat").write_bytes(current_layout(file_date=20120331, scale=2.0))
    changed = HistoryFinanceImporter(store, download_dir=down, tdx_dir=tdx).run()
    assert changed.rows == 6 and changed.unchanged == 2
    new = dict((f, v) for f, _, v in store.history_finance("SH600000"))[20120331]
    old = dict((f, v) for f, _, v in rows)[20120331]
    assert struct.unpack_from("<f", new)[0] == pytest.approx(2 * struct.unpack_from("<f", old)[0])
    assert store.history_finance_files() == {20111231: 5, 20120331: 6}  # replaced, not added


def test_a_lost_store_is_refilled_although_the_files_were_imported(store_factory, tmp_path):
    """The state file says imported, but the store has no rows of that file (a new store): import again."""
    tdx = install(tmp_path / "tdx", {"gpcw20120331.dat": current_layout(file_date=20120331)})
    down = tmp_path / "downloads"
    s = store_factory().open()
    assert HistoryFinanceImporter(s, download_dir=down, tdx_dir=tdx).run().rows == 6
    s.save_history_finance(20120331, [])
    assert HistoryFinanceImporter(s, download_dir=down, tdx_dir=tdx).run().rows == 6


def test_dry_run_writes_nothing(store, tmp_path):
    tdx = install(tmp_path / "tdx", {"gpcw20120331.dat": current_layout(file_date=20120331)})
    rep = HistoryFinanceImporter(store, download_dir=tmp_path / "d", tdx_dir=tdx, dry_run=True).run()
    assert rep.rows == 6 and store.history_finance_files() == {}
