"""Server selection, agreement and failover with several stand-in servers that behave differently."""

from __future__ import annotations

import numpy as np
import pytest

from hikyuu_live.config import load_import_ini
from hikyuu_live.errors import ConfigError
from hikyuu_live.model.kdata import KType
from hikyuu_live.tdx.network.hosts import TdxHost, configured_hosts, load_hosts_py, parse_hosts_text
from hikyuu_live.tdx.network.jobs import BarsJob
from hikyuu_live.tdx.network.pool import ServerPool
from hikyuu_live.tdx.network.probe import select_servers
from tests.standins.tdx_server import Knobs
from tests.tdx_network.conftest import host_of

UNTIL = np.datetime64("2026-11-20T15:00", "us")
SINCE = np.datetime64("1990-12-19", "us")


def _jobs(market, ktype=KType.DAY):
    return [BarsJob(s.market, s.code, ktype, UNTIL, SINCE, index=s.kind == "index")
            for s in market.securities.values()]


def _nat_judge(job, result):
    bad = np.flatnonzero(np.isnat(result.bars["datetime"]))
    return f"bad dates at {bad.tolist()}" if len(bad) else None


# ----------------------------------------------------------------------------- host lists


def test_host_list_sources(tmp_path):
    assert parse_hosts_text("1.2.3.4:7709, a=5.6.7.8:80\n9.9.9.9") == [
        TdxHost("1.2.3.4", 7709), TdxHost("5.6.7.8", 80, "a"), TdxHost("9.9.9.9", 7709)]
    (tmp_path / "hosts.py").write_text('import os\nos.system("false")\nhq_hosts = [("x", "10.0.0.1", 7709), '
                                       '("10.0.0.2", 80)]\n', encoding="utf-8")
    assert load_hosts_py(tmp_path / "hosts.py") == [TdxHost("10.0.0.1", 7709, "x"), TdxHost("10.0.0.2", 80)]
    hosts, where = configured_hosts(None, tmp_path)
    assert where.endswith("hosts.py") and len(hosts) == 2
    hosts, where = configured_hosts("127.0.0.1:1", tmp_path)
    assert where == "[pytdx] hosts" and hosts == [TdxHost("127.0.0.1", 1)]
    hosts, where = configured_hosts(None, tmp_path / "nothing")
    assert where == "pytdx.config.hosts" and len(hosts) > 10
    (tmp_path / "hosts.py").write_text("hq_hosts = make_hosts()\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="literal"):
        load_hosts_py(tmp_path / "hosts.py")
    with pytest.raises(ConfigError, match="port"):
        parse_hosts_text("1.2.3.4:http")


def test_hosts_key_in_import_ini(tmp_path):
    ini = tmp_path / "importdata-gui.ini"
    ini.write_text("[pytdx]\nenable = True\nuse_tdx_number = 3\nhosts = 127.0.0.1:7709, 127.0.0.1:7710\n"
                   "[hdf5]\nenable = True\ndir = /tmp\n", encoding="utf-8")
    cfg = load_import_ini(ini)
    assert parse_hosts_text(cfg.pytdx.hosts) == [TdxHost("127.0.0.1", 7709), TdxHost("127.0.0.1", 7710)]


# ----------------------------------------------------------------------------- selection


def test_selection_ranks_keeps_agreeing_and_is_not_stalled_by_a_slow_host(servers):
    fast = servers(name="fast")
    slower = servers(Knobs(latency_s=0.03), name="slower")
    liar = servers(Knobs(price_factor=1.05), name="liar")
    hung = servers(Knobs(handshake_delay_s=60), name="hung")
    dead = TdxHost("127.0.0.1", 1, "dead")
    hosts = [host_of(liar), dead, host_of(hung), host_of(slower), host_of(fast)]
    sel = select_servers(hosts, timeout_s=0.5, budget_s=2.0)
    assert sel.hosts == [host_of(fast), host_of(slower)]
    why = {h.name: reason for h, reason in sel.rejected}
    assert "disagrees" in why["liar"]
    assert "dead" in why and "hung" in why  # the hung host is reported, the search did not wait for it
    assert "agree" in sel.describe()


def test_selection_with_no_usable_host_reports_each_reason():
    sel = select_servers([TdxHost("127.0.0.1", 1), TdxHost("127.0.0.1", 2)], timeout_s=0.3)
    assert sel.servers == [] and len(sel.rejected) == 2


def test_two_against_one_the_majority_wins_even_if_slower(servers):
    liar = servers(Knobs(price_factor=0.9), name="liar")
    a = servers(Knobs(latency_s=0.02), name="a")
    b = servers(Knobs(latency_s=0.02), name="b")
    sel = select_servers([host_of(liar), host_of(a), host_of(b)], timeout_s=1)
    assert set(sel.hosts) == {host_of(a), host_of(b)}


# ----------------------------------------------------------------------------- pool


def test_pool_shares_work_and_results_match_the_generator(servers, market):
    s1, s2, s3 = servers(name="s1"), servers(name="s2"), servers(name="s3")
    pool = ServerPool([host_of(s1), host_of(s2), host_of(s3)], workers=3, timeout_s=2)
    outcomes = list(pool.run(_jobs(market)))
    assert all(o.ok for o in outcomes) and len(outcomes) == len(market.securities)
    for o in outcomes:
        day = market.day_bars(o.job.market, o.job.code)
        assert np.array_equal(o.result.bars["close"], day.price1000[:, 3] / 1000)
    assert sum(st.jobs for st in pool.stats.values()) == len(outcomes)
    assert sum(1 for st in pool.stats.values() if st.jobs) >= 2


def test_pool_drops_a_server_that_disconnects_and_retries_its_work(servers, market):
    flaky = servers(Knobs(disconnect_after=3), name="flaky")
    good = servers(Knobs(latency_s=0.005), name="good")
    pool = ServerPool([host_of(flaky), host_of(good)], workers=2, timeout_s=2)
    outcomes = list(pool.run(_jobs(market)))
    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
    assert pool.stats[host_of(flaky)].dropped and "unreachable" in pool.stats[host_of(flaky)].dropped
    assert not pool.stats[host_of(good)].dropped
    assert any("flaky" in n for o in outcomes for n in o.notes)


def test_pool_uses_a_spare_when_a_server_drops(servers, market):
    flaky = servers(Knobs(disconnect_after=2), name="flaky")
    spare = servers(name="spare")
    pool = ServerPool([host_of(flaky), host_of(spare)], workers=1, timeout_s=2)
    outcomes = list(pool.run(_jobs(market)))
    assert all(o.ok for o in outcomes)
    assert pool.stats[host_of(spare)].jobs >= len(outcomes) - 2


def test_pool_bad_data_is_checked_on_another_server(servers, market):
    bad = servers(Knobs(year0_codes={"SH600000"}), name="bad")
    good = servers(Knobs(latency_s=0.05), name="good")  # slow: the bad server surely gets work too
    pool = ServerPool([host_of(bad), host_of(good)], workers=2, timeout_s=2)
    job = BarsJob("SH", "600000", KType.DAY, UNTIL, SINCE)
    outcomes = list(pool.run([job] * 6, _nat_judge))
    assert all(o.ok and not np.isnat(o.result.bars["datetime"]).any() for o in outcomes)
    assert any(o.attempts == 2 for o in outcomes)  # asked again after the bad server's answer
    assert "bad data" in pool.stats[host_of(bad)].dropped


def test_pool_same_bad_data_on_every_server_is_kept_for_quarantine(servers, market):
    knobs = Knobs(year0_codes={"SH600000"})
    a, b = servers(knobs, name="a"), servers(knobs, name="b")
    pool = ServerPool([host_of(a), host_of(b)], workers=2, timeout_s=2)
    (outcome,) = list(pool.run([BarsJob("SH", "600000", KType.DAY, UNTIL, SINCE)], _nat_judge))
    assert outcome.ok and np.isnat(outcome.result.bars["datetime"]).sum() == 1
    assert outcome.attempts == 2 and any("agree" in n for n in outcome.notes)
    assert not any(st.dropped for st in pool.stats.values())


def test_pool_all_servers_gone_ends_every_job_with_a_reason(servers, market):
    s = servers(Knobs(disconnect_after=1), name="dies")
    pool = ServerPool([host_of(s)], workers=1, timeout_s=1)
    outcomes = list(pool.run(_jobs(market)))
    assert len(outcomes) == len(market.securities)
    failed = [o for o in outcomes if not o.ok]
    assert failed and all("no usable TDX server left" in o.error for o in failed)


def test_pool_silent_server_times_out_and_work_moves(servers, market):
    silent = servers(Knobs(silent_codes={"SZ000001"}), name="silent")
    good = servers(name="good")
    pool = ServerPool([host_of(silent), host_of(good)], workers=2, timeout_s=0.5)
    outcomes = list(pool.run([BarsJob("SZ", "000001", KType.DAY, UNTIL, SINCE)] * 3))
    assert all(o.ok for o in outcomes)


def test_importdata_factory_reads_hosts_py_beside_the_ini(tmp_path):
    from hikyuu_live.config import ImportIni
    from hikyuu_live.tdx.network.source import network_source

    (tmp_path / "hosts.py").write_text('hq_hosts = [("mine", "127.0.0.1", 7709)]\n', encoding="utf-8")
    src = network_source(ImportIni(path=tmp_path / "importdata-gui.ini"))
    assert src.hosts == [TdxHost("127.0.0.1", 7709, "mine")]
    assert src.report.selection is None  # no I/O until the import asks for something


def test_pool_unreadable_answers_get_a_second_opinion(servers, market):
    garbles = servers(Knobs(truncate_codes={"SH600000"}), name="garbles")
    good = servers(Knobs(latency_s=0.05), name="good")  # slow: the garbling server surely gets work too
    pool = ServerPool([host_of(garbles), host_of(good)], workers=2, timeout_s=2)
    job = BarsJob("SH", "600000", KType.DAY, UNTIL, SINCE)
    outcomes = list(pool.run([job] * 6))
    assert all(o.ok for o in outcomes) and len(outcomes) == 6
    assert pool.stats[host_of(garbles)].failures >= 1
    assert "bad data" in (pool.stats[host_of(garbles)].dropped or "")  # proven wrong by the good answer

    both = Knobs(truncate_codes={"SH600000"})
    a, b = servers(both, name="a"), servers(both, name="b")
    pool = ServerPool([host_of(a), host_of(b)], workers=2, timeout_s=2)
    outcomes = list(pool.run(_jobs(market)))
    bad = [o for o in outcomes if not o.ok]
    assert [o.job.key for o in bad] == ["SH600000/DAY"] and "malformed answer" in bad[0].error
    assert not any(st.dropped for st in pool.stats.values())  # the data is unreadable everywhere
    assert sum(o.ok for o in outcomes) == len(market.securities) - 1
