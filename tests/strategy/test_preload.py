"""A strategy's history comes from the store its hikyuu.ini names: real HDF5 files written by a real import."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from hikyuu_live.clock import FakeClock
from hikyuu_live.config import generate_default_config, load_config
from hikyuu_live.data.importer import Importer
from hikyuu_live.model.calendar import EXCHANGE_TZ
from hikyuu_live.store import open_store
from hikyuu_live.strategy.preload import config_preloader
from hikyuu_live.strategy.runtime import Strategy
from hikyuu_live.tdx.files import LocalTdxSource, read_day

VIPDOC = Path(__file__).resolve().parents[2] / "test_data" / "vipdoc"
CLOCK = datetime(2026, 11, 24, 9, 0, tzinfo=EXCHANGE_TZ)


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """A config home whose HDF5 store holds the sample TDX data."""
    tmp = tmp_path_factory.mktemp("preload")
    generate_default_config(tmp / "home", tmp / "stock")
    with open_store(load_config(tmp / "home").importdata) as store:
        Importer(store, LocalTdxSource(VIPDOC)).run()
    return tmp / "home"


def test_strategy_with_a_config_home_preloads_from_its_store(home):
    stg = Strategy(["sh600000", "sz000001"], ["day", "min"], {"day_max": 100, "min_max": 50}, config=home,
                   clock=FakeClock(CLOCK))
    stg.prepare()
    day = stg.get_kdata("sh600000", ktype="day")
    tdx = read_day(VIPDOC / "sh" / "lday" / "sh600000.day", "SH", "600000")
    assert len(day) == 100
    np.testing.assert_array_equal(day["datetime"], tdx["datetime"][-100:])
    np.testing.assert_allclose(day["close"], tdx["close"][-100:])
    minute = stg.get_kdata("sz000001", ktype="min")
    assert len(minute) == 50 and minute["datetime"][-1] < np.datetime64("2026-11-24")
    # the context adds the market indices as Hikyuu does; every preloaded bar is counted once
    held = sum(len(stg.get_kdata(c, ktype=k)) for c in stg.context.stock_list for k in ("day", "min"))
    assert set(stg.context.stock_list) >= {"SH600000", "SZ000001"} and stg.stats.preloaded_bars == held >= 300


def test_a_loaded_config_preloads_the_same(home):
    by_home = Strategy(["sh600000"], ["week"], config=home, clock=FakeClock(CLOCK))
    by_cfg = Strategy(["sh600000"], ["week"], config=load_config(home), clock=FakeClock(CLOCK))
    by_home.prepare()
    by_cfg.prepare()
    week = by_home.get_kdata("sh600000", ktype="week")
    assert len(week) > 50  # weeks completed from the preloaded day bars
    np.testing.assert_array_equal(week, by_cfg.get_kdata("sh600000", ktype="week"))


def test_no_config_or_no_data_means_live_bars_only_with_a_warning(tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    assert config_preloader(tmp_path / "nowhere") is None
    assert "no history preloaded" in caplog.text
    generate_default_config(tmp_path / "home", tmp_path / "stock")
    (tmp_path / "stock").rename(tmp_path / "gone")
    caplog.clear()
    assert config_preloader(tmp_path / "home") is None
    assert "run importdata first" in caplog.text
    stg = Strategy(["sh600000"], ["day"], config=tmp_path / "home", clock=FakeClock(CLOCK))
    stg.prepare()
    assert len(stg.get_kdata("sh600000")) == 0 and stg.stats.preloaded_bars == 0


def test_a_configured_database_that_is_down_is_an_error_not_an_empty_history(tmp_path):
    from hikyuu_live.config import update_ini
    from hikyuu_live.errors import StoreUnavailable

    generate_default_config(tmp_path / "home", tmp_path / "stock", backend="mysql")
    update_ini(tmp_path / "home" / "hikyuu.ini", {"kdata": {"port": "1"}})
    stg = Strategy(["sh600000"], ["day"], config=tmp_path / "home", clock=FakeClock(CLOCK))
    with pytest.raises(StoreUnavailable, match="127.0.0.1:1"):
        stg.prepare()


def test_no_config_argument_reads_the_config_home_like_hikyuu(home, monkeypatch):
    """Reproduces: ``Strategy(...)`` without ``config`` preloaded nothing, so the first example of
    docs/strategy.md computed its averages over an empty history; Hikyuu reads $HKU_HOME or ~/.hikyuu."""
    monkeypatch.setenv("HKU_HOME", str(home))
    stg = Strategy(["sh600000"], ["day"], {"day_max": 100}, clock=FakeClock(CLOCK))
    stg.prepare()
    assert len(stg.get_kdata("sh600000")) == 100 and stg.home == home
    off = Strategy(["sh600000"], ["day"], config=None, clock=FakeClock(CLOCK))
    off.prepare()
    assert off.stats.preloaded_bars == 0


def test_the_paper_state_file_lives_in_the_config_folder_given(home, tmp_path, monkeypatch):
    """Reproduces: ``--config home2`` wrote ``homeA/paper_broker_demo2.json`` ($HKU_HOME's folder)."""
    from hikyuu_live.strategy import strategy_demo2
    from hikyuu_live.strategy.cli import runtime_options, strategy_parser

    home_a = tmp_path / "homeA"
    home_a.mkdir()
    monkeypatch.setenv("HKU_HOME", str(home_a))
    ap = strategy_parser("", codes=["sh600000"], ktypes=["day", "min"])
    for extra in ([], ["--no-preload"]):
        args = ap.parse_args(["--config", str(home), *extra])
        stg = strategy_demo2.build(["sh600000"], ["day", "min"], **runtime_options(args))
        stg.clock = FakeClock(CLOCK)
        stg.prepare()
        broker = stg.get_broker()
        assert Path(broker.state_path).parent == home, extra
        assert (stg.stats.preloaded_bars > 0) == (not extra)
    assert not list(home_a.glob("paper_broker_*"))


def test_trading_with_no_history_logs_a_warning_it_cannot_miss(tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    stg = Strategy(["sh600000"], ["day"], config=None, home=tmp_path, clock=FakeClock(CLOCK))
    stg.prepare()
    stg.get_broker()
    assert "TRADES WITHOUT HISTORY" in caplog.text


def test_preload_max_zero_means_every_bar_and_the_config_gives_the_depth(home, tmp_path):
    """Reproduces: ``[preload] day_max = 0`` (Hikyuu's "no limit") was refused as a bad value."""
    import shutil

    from hikyuu_live.config import update_ini

    mine = tmp_path / "home0"
    shutil.copytree(home, mine)
    update_ini(mine / "hikyuu.ini", {"preload": {"day_max": "0", "min_max": "30"}})
    tdx = read_day(VIPDOC / "sh" / "lday" / "sh600000.day", "SH", "600000")
    stg = Strategy(["sh600000"], ["day", "min"], config=mine, clock=FakeClock(CLOCK))
    stg.prepare()
    assert len(stg.get_kdata("sh600000")) == len(tdx) == 457  # every stored day bar
    assert len(stg.get_kdata("sh600000", ktype="min")) == 30  # the config's min_max


def test_lazy_preload_reads_history_on_first_use(home, tmp_path, caplog):
    """Reproduces: ``[hikyuu] lazy_preload = True`` was ignored by our preload."""
    import shutil

    from hikyuu_live.config import update_ini

    caplog.set_level(logging.INFO)
    mine = tmp_path / "lazy"
    shutil.copytree(home, mine)
    update_ini(mine / "hikyuu.ini", {"hikyuu": {"lazy_preload": "True"}})
    stg = Strategy(["sh600000"], ["day"], {"day_max": 20}, config=mine, clock=FakeClock(CLOCK))
    stg.prepare()
    assert stg.stats.preloaded_bars == 0 and "read on first use" in caplog.text
    assert len(stg.get_kdata("sh600000")) == 20 and stg.stats.preloaded_bars > 0


def _tdx_home(tmp_path: Path, vipdoc: Path) -> Path:
    from hikyuu_live.config import update_ini

    generate_default_config(tmp_path / "tdxhome", tmp_path / "stock")
    update_ini(tmp_path / "tdxhome" / "hikyuu.ini", {"kdata": {"type": "tdx", "dir": str(vipdoc)}})
    return tmp_path / "tdxhome"


def test_kdata_type_tdx_preloads_straight_from_the_install(tmp_path):
    """Reproduces: ``[kdata] type = tdx`` (Hikyuu's template alternative) preloaded nothing."""
    from hikyuu_live.model.kdata import KType
    from hikyuu_live.store.derive import aggregate

    home = _tdx_home(tmp_path, VIPDOC)
    stg = Strategy(["sh600000"], ["day", "week", "min5"], {"day_max": 50, "week_max": 10}, config=home,
                   clock=FakeClock(CLOCK))
    stg.prepare()
    tdx = read_day(VIPDOC / "sh" / "lday" / "sh600000.day", "SH", "600000")
    np.testing.assert_array_equal(stg.get_kdata("sh600000")["datetime"], tdx["datetime"][-50:])
    weeks = stg.get_kdata("sh600000", ktype="week")
    made = aggregate(tdx, KType.WEEK)
    assert len(weeks) >= 9 and set(weeks["datetime"].tolist()) <= set(made["datetime"].tolist())
    assert weeks["close"][0] == made["close"][made["datetime"] == weeks["datetime"][0]][0]
    assert len(stg.get_kdata("sh600000", ktype="min5")) > 0


def test_kdata_type_tdx_gives_the_collectors_universe(tmp_path):
    """Reproduces: a collector whose hikyuu.ini said ``[kdata] type = tdx`` stopped with a ConfigError."""
    from hikyuu_live.fetcher.universe import load_market_info
    from tests.importer.name_files import REAL_NAMES, write_name_files

    install = tmp_path / "install"
    write_name_files(install, REAL_NAMES)
    (install / "vipdoc").symlink_to(VIPDOC)
    info = load_market_info(_tdx_home(tmp_path, install / "vipdoc"))
    got = {c.market_code: c.name for c in info.codes}
    assert got["SH600000"] == "浦发银行" and got["SZ300995"] == "奇德新材" and "SH510300" in got
    assert info.origin.startswith("store tdx at")
