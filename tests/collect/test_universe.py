"""The collectors' universe and calendar: from a real HDF5 store's base info when it exists, else shipped;
plus the quote-source registry."""

from __future__ import annotations

from datetime import date

import pytest

from hikyuu_live.config import HIKYUU_INI, hikyuu_ini_text
from hikyuu_live.errors import ConfigError
from hikyuu_live.fetcher.stock import SOURCES, create_source, source_class
from hikyuu_live.fetcher.universe import load_market_info
from hikyuu_live.model.codes import COLLECTED_TYPES, shipped_codes
from tests.collect.store_home import STOCKS, make_store_home


def test_universe_comes_from_the_store_when_there_is_one(tmp_path):
    home = make_store_home(tmp_path / "home")
    info = load_market_info(home)
    assert info.origin.startswith("store hdf5:")
    got = {c.market_code: c.name for c in info.codes}
    want = {m + c: n for m, c, n, valid in STOCKS if valid and c != "110001"}  # no bonds, nothing delisted
    assert got == want
    assert {c.type for c in info.codes} == set(COLLECTED_TYPES)
    # the store's holidays join the shipped list, which alone ends in 2026
    assert not info.calendar.is_trading_day(date(2027, 2, 8)) and info.calendar.covers_until == 2027
    assert not info.calendar.is_trading_day(date(2026, 10, 1))  # shipped


def test_without_a_store_the_shipped_list_is_used(tmp_path):
    info = load_market_info(tmp_path)  # no hikyuu.ini at all
    assert info.origin == "shipped code list" and len(info.codes) == len(shipped_codes())
    assert info.calendar.covers_until == 2026


def test_a_configured_but_not_yet_imported_hdf5_store_is_not_created(tmp_path):
    data = tmp_path / "data"
    (tmp_path / HIKYUU_INI).write_text(hikyuu_ini_text("hdf5", data), encoding="utf-8")
    info = load_market_info(tmp_path)
    assert info.origin == "shipped code list" and not data.exists()


def test_an_empty_store_falls_back_to_the_shipped_list(tmp_path):
    home = make_store_home(tmp_path / "home", stocks=[], holidays=())
    info = load_market_info(home)
    assert info.origin == "shipped code list" and len(info.codes) == len(shipped_codes())


def test_an_unreadable_store_is_a_warning_not_a_failure(tmp_path, caplog):
    data = tmp_path / "data"
    data.mkdir()
    (data / "stock.db").write_bytes(b"this is not an SQLite database" * 100)
    (tmp_path / HIKYUU_INI).write_text(hikyuu_ini_text("hdf5", data), encoding="utf-8")
    info = load_market_info(tmp_path)
    assert info.origin == "shipped code list"
    assert any("shipped" in r.message and r.levelname == "WARNING" for r in caplog.records)


def test_holidays_file_in_the_config_home_extends_the_calendar(tmp_path):
    (tmp_path / "holidays.txt").write_text("# covers: 2027\n2027-01-01\n2027-02-09\n", encoding="utf-8")
    cal = load_market_info(tmp_path).calendar
    assert cal.covers_until == 2027 and not cal.is_trading_day(date(2027, 2, 9))
    assert cal.is_trading_day(date(2027, 2, 10))
    (tmp_path / "holidays.txt").write_text("2027-13-01\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="holidays.txt"):
        load_market_info(tmp_path)


def test_a_broken_hikyuu_ini_is_an_error_naming_the_file(tmp_path):
    (tmp_path / HIKYUU_INI).write_text("[kdata]\ntype = nosuchstore\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="hikyuu.ini"):
        load_market_info(tmp_path)


def test_source_registry_is_lazy_and_strict():
    assert set(SOURCES) == {"qq", "qmt", "replay"}
    assert source_class("replay").__name__ == "ReplaySource"
    with pytest.raises(ConfigError, match="valid: qq, qmt, replay"):  # the registry lists names in its own order
        create_source("sina", shipped_codes()[:3])
    with pytest.raises(ConfigError, match="code universe"):
        create_source("qq", [])
    src = create_source("qq", shipped_codes()[:130], qq_url="http://127.0.0.1:9/q=")
    try:
        assert src.batch_count() == 3 and src.base_url == "http://127.0.0.1:9/q="
    finally:
        src.close()
