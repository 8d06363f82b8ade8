"""The network source through the real importer into real stores, from stand-in servers that misbehave."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from hikyuu_live.clock import EXCHANGE_TZ, FakeClock
from hikyuu_live.data.importer import Importer, ImportOptions
from hikyuu_live.model.kdata import KDATA_DTYPE, KType
from hikyuu_live.store.hdf5.kdata import H5KDataStore
from hikyuu_live.tdx.network.source import NetworkOptions, NetworkSource
from tests.standins.tdx_market import Bars, MarketData
from tests.standins.tdx_server import Knobs
from tests.tdx_network.conftest import host_of

AFTER_CLOSE = datetime(2026, 11, 20, 18, 0, tzinfo=EXCHANGE_TZ)
KTYPES = (KType.DAY, KType.MIN, KType.MIN5)


def expected(bars: Bars, minute: bool) -> np.ndarray:
    """The generator's bars in memory units, as a store should hold them."""
    out = np.zeros(len(bars), KDATA_DTYPE)
    if minute:
        zd, mins = bars.dt >> 16, bars.dt & 0xFFFF
        y, m, d = zd // 2048 + 2004, zd % 2048 // 100, zd % 2048 % 100
    else:
        y, m, d, mins = bars.dt // 10000, bars.dt // 100 % 100, bars.dt % 100, np.zeros(len(bars), np.int64)
    days = ((y - 1970) * 12 + m - 1).astype("M8[M]").astype("M8[D]") + (d - 1).astype("m8[D]")
    out["datetime"] = days.astype("M8[us]") + (mins * 60_000_000).astype("m8[us]")
    for i, f in enumerate(("open", "high", "low", "close")):
        out[f] = bars.price1000[:, i] / 1000
    out["amount"] = bars.amount / 10_000
    out["volume"] = bars.vol
    return out


def truth(market: MarketData, mc: str, ktype: KType) -> np.ndarray:
    m, c = mc[:2], mc[2:]
    if ktype is KType.DAY:
        return expected(market.day_bars(m, c), False)
    return expected(market.minute_bars(m, c, 1 if ktype is KType.MIN else 5), True)


def run_import(store, hosts, *, ktypes=KTYPES, clock=None, codes=None, options=None, stop=None):
    source = NetworkSource(hosts, options or NetworkOptions(use_tdx_number=3, timeout_s=2, probe_timeout_s=0.5))
    try:
        imp = Importer(store, source, ImportOptions(ktypes=ktypes, codes=codes),
                       clock=clock or FakeClock(AFTER_CLOSE), stop=stop)
        return imp.run(), source
    finally:
        source.close()


def assert_store_matches(store, market: MarketData, ktypes=KTYPES) -> int:
    """Every security's stored bars equal the generator's, to the store's precision; returns rows."""
    rows = 0
    for key in market.securities:
        for k in ktypes:
            got = store.read_range(key, k)
            want = truth(market, key, k)
            assert len(got) == len(want), (key, k)
            assert np.array_equal(got["datetime"], want["datetime"]), (key, k)
            for f in ("open", "high", "low", "close", "volume"):
                assert np.allclose(got[f], want[f], rtol=0, atol=1e-6), (key, k, f)
            assert np.allclose(got["amount"], want["amount"], rtol=1e-6, atol=0.1), (key, k)
            rows += len(got)
    return rows


def test_import_to_hdf5_selects_agreeing_servers_and_survives_a_dying_one(tmp_path, servers, market):
    good = servers(name="good")
    flaky = servers(Knobs(disconnect_after=4), name="flaky")
    liar = servers(Knobs(price_factor=1.1), name="liar")
    hosts = [host_of(liar), host_of(flaky), host_of(good)]
    with H5KDataStore(tmp_path / "h5") as store:
        report, source = run_import(store, hosts)
        assert report.failed == 0 and not report.interrupted, [u.failed for u in report.units]
        rows = assert_store_matches(store, market)
        assert report.rows == rows
        assert report.quarantine.total == 0
        text = source.report.describe()
        assert "liar" in text and "disagrees" in text  # left out at selection
        assert any(h.name == "flaky" for h, _ in source.report.dropped)
        assert {m.market: m.last_date for m in store.markets()} == {"SH": 20261120, "SZ": 20261120,
                                                                   "BJ": 20261120}
        # the next run finds everything in place: one overlap-checked page per stock, nothing new
        again, _ = run_import(store, [host_of(good)])
        assert again.rows == 0 and again.failed == 0
        assert sum(u.up_to_date for u in again.units) == len(market.securities) * len(KTYPES)


def test_bad_bars_are_quarantined_or_fetched_elsewhere(tmp_path, servers, market):
    both = Knobs(year0_codes={"SH600000"}, absurd_codes={"SZ000001"})
    a, b = servers(both, name="a"), servers(both, name="b")
    with H5KDataStore(tmp_path / "h5") as store:
        report, source = run_import(store, [host_of(a), host_of(b)], ktypes=(KType.DAY,))
        # every server sends them: the data itself is bad, so those bars are quarantined, the rest stored
        assert report.failed == 0
        reasons = report.quarantine.by_reason
        assert reasons["no datetime"] >= 1 and reasons["absurd volume or amount"] >= 1
        assert set(report.quarantine.by_stock) == {"SH600000", "SZ000001"}
        assert store.count("SH600000", KType.DAY) == len(market.day_bars("SH", "600000")) - 1
        assert not source.report.dropped  # nobody is blamed for data every server has

    one = servers(Knobs(bad_ohlc_codes={"SH600519"}), name="one")
    fine = servers(name="fine")
    with H5KDataStore(tmp_path / "h5b") as store:
        report, source = run_import(store, [host_of(one), host_of(fine)], ktypes=(KType.DAY,))
        assert report.failed == 0 and report.quarantine.total == 0  # the clean copy came from "fine"
        assert_store_matches(store, market, (KType.DAY,))


def test_overlap_check_catches_a_server_that_changed_its_mind(tmp_path, servers, market):
    good = servers(name="good")
    with H5KDataStore(tmp_path / "h5") as store:
        run_import(store, [host_of(good)], ktypes=(KType.DAY,))
        # a later run against servers that now disagree with the stored newest bar
        liars = [servers(Knobs(price_factor=1.5), name=f"l{i}") for i in range(2)]
        later = MarketData(days=301, end=datetime(2026, 11, 23).date(), minute_days=0)
        for s in liars:
            s.market = later
        report, _ = run_import(store, [host_of(s) for s in liars], ktypes=(KType.DAY,),
                               clock=FakeClock(datetime(2026, 11, 23, 18, 0, tzinfo=EXCHANGE_TZ)))
        failed = [f for u in report.units for f in u.failed]
        assert len(failed) == len(market.securities)
        assert all("differs from the server" in why for _, why in failed)
        assert report.rows == 0  # nothing appended after a bar we cannot trust


def test_unfinished_day_bar_is_left_out_during_trading_hours(tmp_path, servers, market):
    s = servers()
    noon = FakeClock(datetime(2026, 11, 20, 11, 0, tzinfo=EXCHANGE_TZ))
    with H5KDataStore(tmp_path / "h5") as store:
        report, source = run_import(store, [host_of(s)], ktypes=(KType.DAY,), clock=noon,
                                    codes=frozenset({"SH600000"}))
        assert report.rows == len(market.day_bars("SH", "600000")) - 1
        assert str(store.last_datetime("SH600000", KType.DAY))[:10] == "2026-11-19"
        assert source.report.unfinished_day_bars == 1


def test_no_usable_server_is_a_clear_error(tmp_path):
    from hikyuu_live.errors import SourceUnavailable
    from hikyuu_live.tdx.network.hosts import TdxHost

    with H5KDataStore(tmp_path / "h5") as store:
        with pytest.raises(SourceUnavailable, match="no usable TDX server"):
            run_import(store, [TdxHost("127.0.0.1", 1)], ktypes=(KType.DAY,))


@pytest.mark.parametrize("kind", ["hdf5", "mysql", "clickhouse"])
def test_every_store_receives_the_same_data(kind, tmp_path, request, servers, market):
    from tests.tdx_network.conftest import make_test_store

    a = servers(name="a")
    b = servers(Knobs(latency_s=0.002, year0_codes={"SZ300001"}), name="b")
    store = make_test_store(kind, tmp_path, request, "same")
    with store:
        report, _ = run_import(store, [host_of(a), host_of(b)])
        assert report.failed == 0 and report.quarantine.total == 0
        rows = assert_store_matches(store, market)
        assert report.rows == rows == sum(len(truth(market, k, t)) for k in market.securities for t in KTYPES)
        for derived in (KType.WEEK, KType.MONTH, KType.MIN15, KType.MIN60):
            assert len(store.read_range("SH600000", derived)) > 0
        again, _ = run_import(store, [host_of(a)])
        assert again.rows == 0 and again.failed == 0


def test_killed_import_resumes_without_duplicates_or_gaps(tmp_path, servers, market):
    """A real ``importdata`` process over the network, killed with SIGKILL mid-way, then run again."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from hikyuu_live.config import generate_default_config, update_ini

    slow = servers(Knobs(latency_s=0.25), name="slow")
    home, data = tmp_path / "home", tmp_path / "data"
    generate_default_config(home, data)
    update_ini(home / "importdata-gui.ini", {"pytdx": {"enable": "True", "use_tdx_number": "1",
                                                        "hosts": f"127.0.0.1:{slow.port}"}})
    cmd = [sys.executable, "-m", "hikyuu_live.gui.importdata", "--config", str(home), "--progress", "lines",
           "--commit-every", "0", "--offline"]
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    seen = []
    try:
        for line in child.stdout:
            seen.append(line)
            fields = dict(f.split("=") for f in line.split()[1:]) if line.startswith("progress ") else {}
            if fields.get("ktype") == "DAY" and 2 <= int(fields["done"]) < int(fields["total"]):
                child.send_signal(signal.SIGKILL)  # mid-way through a market: earlier stocks are committed
                break
    finally:
        child.wait(30)
    assert child.returncode == -signal.SIGKILL, "".join(seen)
    with H5KDataStore(data) as store:
        partial = sum(store.count(k, KType.DAY) for k in market.securities)
    assert 0 < partial < sum(len(market.day_bars(k[:2], k[2:])) for k in market.securities)

    slow.knobs.latency_s = 0.0
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "TDX server(s) agree" in done.stdout
    with H5KDataStore(data) as store:
        assert_store_matches(store, market)


def test_a_server_without_a_stock_is_not_a_silent_zero(tmp_path, servers, market):
    lacks = servers(Knobs(empty_codes={"SZ000002"}), name="lacks")
    has = servers(name="has")
    with H5KDataStore(tmp_path / "h5") as store:
        report, source = run_import(store, [host_of(lacks), host_of(has)], ktypes=(KType.DAY,))
        assert report.failed == 0
        assert store.count("SZ000002", KType.DAY) == len(market.day_bars("SZ", "000002"))

    both = Knobs(empty_codes={"SZ000002"})
    a, b = servers(both, name="a"), servers(both, name="b")
    with H5KDataStore(tmp_path / "h5b") as store:
        report, _ = run_import(store, [host_of(a), host_of(b)], ktypes=(KType.DAY,))
        failed = dict(f for u in report.units for f in u.failed)
        assert failed == {"SZ000002": "the servers have no bars of it"}


def test_importdata_dry_run_over_the_network_writes_nothing(tmp_path, servers, market, capsys):
    from hikyuu_live.config import generate_default_config, update_ini
    from hikyuu_live.gui.importdata import main

    s = servers()
    home, data = tmp_path / "home", tmp_path / "data"
    generate_default_config(home, data)
    update_ini(home / "importdata-gui.ini", {"pytdx": {"enable": "True", "hosts": f"127.0.0.1:{s.port}"},
                                              "ktype": {"trans": "True", "time": "True"}})
    args = ["--config", str(home), "--dry-run", "--progress", "none", "--only", "day,weight,trans", "--offline"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "TDX server(s) agree" in out and "weights" in out and "trans" in out
    with H5KDataStore(data) as store:
        assert sum(store.count(k, KType.DAY) for k in market.securities) == 0
        assert all(not store.weights(k) for k in market.securities)
    assert not list(data.glob("*_trans.h5"))


def test_servers_are_searched_again_after_all_were_dropped(tmp_path, servers, market):
    s = servers(Knobs(disconnect_after=3), name="dies")

    def recover(p):  # the outage ends with the first market
        if p.market == "SH" and p.total and p.done == p.total:
            s.knobs.disconnect_after = None

    source = NetworkSource([host_of(s)], NetworkOptions(use_tdx_number=1, timeout_s=1, probe_timeout_s=0.5))
    with H5KDataStore(tmp_path / "h5") as store:
        report = Importer(store, source, ImportOptions(ktypes=(KType.DAY,)), clock=FakeClock(AFTER_CLOSE),
                          on_progress=recover).run()
    failed = {mc for u in report.units for mc, _ in u.failed}
    assert failed and all(mc.startswith("SH") for mc in failed)  # lost during the outage, reported
    assert all(u.rows for u in report.units if u.market != "SH")
    assert source.report.searches == 2 and "searched again" in source.describe()


def test_a_gap_between_stored_and_served_history_is_reported(tmp_path, servers):
    from datetime import date

    early = servers(data=MarketData(days=100, end=date(2026, 9, 30), minute_days=0), name="early")
    late = servers(data=MarketData(days=20, end=date(2026, 11, 20), minute_days=0), name="late")
    codes = frozenset({"SH600000"})
    with H5KDataStore(tmp_path / "h5") as store:
        run_import(store, [host_of(early)], ktypes=(KType.DAY,), codes=codes)
        report, source = run_import(store, [host_of(late)], ktypes=(KType.DAY,), codes=codes)
        assert report.rows == 20
        assert len(source.report.gaps) == 1 and "SH600000 DAY: stored up to 2026-09-30" in source.report.gaps[0]
        assert "gap:" in source.describe()
