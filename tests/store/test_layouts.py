"""What each backend writes is Hikyuu's layout: names, types, scalings."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import date

import h5py
import numpy as np
import pytest

from hikyuu_live.config import hikyuu_ini_text, import_ini_text, load_hikyuu_ini, load_import_ini
from hikyuu_live.errors import ConfigError, StoreUnavailable
from hikyuu_live.model.kdata import KType
from hikyuu_live.store import REGISTRY, make_store, open_store
from hikyuu_live.store.derive import aggregate
from hikyuu_live.store.hdf5.files import read_tails
from hikyuu_live.store.hdf5.kdata import from_h5
from tests.store.bars import day_bars, min5_bars

H5_FIELDS = [("datetime", "<u8"), ("openPrice", "<u4"), ("highPrice", "<u4"), ("lowPrice", "<u4"),
             ("closePrice", "<u4"), ("transAmount", "<u8"), ("transCount", "<u8")]


def test_hdf5_files_tables_fields_filters_and_index_groups(tmp_path):
    bars = day_bars(date(2024, 12, 2), 60)
    with make_store("hdf5", directory=tmp_path) as s:
        s.append("SH600000", "DAY", bars[:30])
        s.append("SH600000", "DAY", bars[30:])
        s.append("SZ000001", "MIN5", min5_bars(date(2025, 3, 3), 2))
    assert sorted(p.name for p in tmp_path.glob("*.h5")) == ["sh_day.h5", "sz_5min.h5"]
    with h5py.File(tmp_path / "sh_day.h5", "r") as f:
        ds = f["data/SH600000"]
        assert [(n, ds.dtype[n].str) for n in ds.dtype.names] == H5_FIELDS
        assert ds.compression == "gzip" and ds.shuffle and ds.maxshape == (None,)
        row = ds[0]
        assert row["datetime"] == 202412020000 and row["openPrice"] == round(bars["open"][0] * 1000)
        assert row["transAmount"] == round(bars["amount"][0] * 10) and row["transCount"] == bars["volume"][0]
        assert set(f) == {"data", "week", "month", "quarter", "halfyear", "year"}
        week = f["week/SH600000"][:]
        assert week.dtype.names == ("datetime", "start")
        assert week["datetime"][0] == 202412060000  # the Friday of the first week
        monday_weeks = (bars["datetime"].astype("M8[D]").astype(np.int64) + 3) // 7
        assert week["start"].tolist() == np.flatnonzero(np.r_[True, np.diff(monday_weeks) != 0]).tolist()
        assert len(week) == len(aggregate(bars, KType.WEEK))
        assert f["year/SH600000"]["datetime"].tolist() == [202412310000, 202512310000]
    with h5py.File(tmp_path / "sz_5min.h5", "r") as f:
        assert set(f) == {"data", "min15", "min30", "min60", "hour2"}
        assert f["hour2/SZ000001"]["datetime"][:2].tolist() == [202503031130, 202503031500]


def test_stock_db_has_the_tables_and_columns_hikyuu_reads(tmp_path):
    make_store("hdf5", directory=tmp_path).open().close()
    with sqlite3.connect(tmp_path / "stock.db") as con:
        cols = {t: [r[1] for r in con.execute(f"PRAGMA table_info('{t}')")] for t in
                ("Market", "StockTypeInfo", "Stock", "Block", "BlockIndex", "Holiday", "stkWeight", "CodeRuleType")}
        assert cols["Market"] == ["marketid", "market", "name", "description", "code", "lastDate", "openTime1",
                                  "closeTime1", "openTime2", "closeTime2"]
        assert set(cols["StockTypeInfo"]) == {"id", "type", "precision", "tick", "tickValue", "minTradeNumber",
                                              "maxTradeNumber", "description"}
        assert cols["Stock"] == ["stockid", "marketid", "code", "name", "type", "valid", "startDate", "endDate"]
        assert cols["Block"] == cols["BlockIndex"] == ["id", "category", "name", "market_code"]
        assert cols["Holiday"] == ["id", "date"]
        assert con.execute("SELECT market, marketid FROM Market ORDER BY marketid").fetchall() == [
            ("SH", 1), ("SZ", 2), ("BJ", 3)]
        assert con.execute("SELECT codepre, type FROM CodeRuleType WHERE codepre = '688'").fetchall() == [("688", 9)]


def test_hdf5_kill_leftovers_and_rollback_never_touch_the_committed_file(tmp_path):
    bars = day_bars(date(2024, 1, 2), 40)
    with make_store("hdf5", directory=tmp_path) as s:
        s.append("SH600000", "DAY", bars[:20])
    before = (tmp_path / "sh_day.h5").read_bytes()
    (tmp_path / "sh_day.h5.journal").write_bytes(b"half a journal")  # what a kill -9 mid-write may leave
    (tmp_path / "sh_day.h5.new").write_bytes(b"half a new file")
    s = make_store("hdf5", directory=tmp_path).open()
    with pytest.raises(RuntimeError), s.batch():
        s.append("SH600000", "DAY", bars[20:])
        raise RuntimeError("boom")
    assert (tmp_path / "sh_day.h5").read_bytes() == before
    assert not (tmp_path / "sh_day.h5.journal").exists() and not (tmp_path / "sh_day.h5.new").exists()
    assert s.last_datetime("SH600000", "DAY") == bars["datetime"][19]


def test_hdf5_one_writer_at_a_time(tmp_path):
    a = make_store("hdf5", directory=tmp_path).open()
    b = make_store("hdf5", directory=tmp_path).open()
    with a.batch():
        a.append("SH600000", "DAY", day_bars(date(2024, 1, 2), 5))
        with pytest.raises(StoreUnavailable, match="another process is writing"):
            b.append("SH600001", "DAY", day_bars(date(2024, 1, 2), 5))
    assert b.append("SH600001", "DAY", day_bars(date(2024, 1, 2), 5)) == 5


@pytest.mark.parametrize("layout", [
    dict(chunks=(100,), compression="gzip", shuffle=True), dict(chunks=(64,), compression="gzip"),
    dict(chunks=(50,)), dict(), dict(chunks=(7,), compression="gzip", shuffle=True, fletcher32=True)])
def test_fast_tail_reader_matches_h5py_for_any_layout(tmp_path, layout):
    rows = np.zeros(1234, dtype=H5_FIELDS)
    rows["datetime"] = np.arange(1234) + 202001010000
    rows["closePrice"] = np.arange(1234) * 7
    with h5py.File(tmp_path / "t.h5", "w") as f:
        g = f.create_group("data")
        g.create_dataset("SH600000", data=rows, maxshape=(None,) if layout else None, **layout)
        g.create_dataset("SH600001", data=rows[:3], maxshape=(None,) if layout else None, **layout)
        got = read_tails(g, ["SH600000", "SH600001", "SH600002"], 1000, threads=2, batch=1)
    assert set(got) == {"SH600000", "SH600001"}
    assert (got["SH600000"] == rows[-1000:]).all() and (got["SH600001"] == rows[:3]).all()


def test_a_bad_datetime_in_one_table_does_not_shift_the_tails_of_the_others(tmp_path):
    rows = np.zeros(30, dtype=H5_FIELDS)
    rows["datetime"] = 202001010000 + np.arange(30) * 10000
    rows["closePrice"] = np.arange(30)
    bad = rows.copy()
    bad["datetime"][15] = 202013010000  # month 13: read as no datetime and dropped
    with h5py.File(tmp_path / "t.h5", "w") as f:
        g = f.create_group("data")
        for name, data in (("SH600000", rows), ("SH600001", bad), ("SH600002", rows)):
            g.create_dataset(name, data=data, maxshape=(None,), chunks=(8,), compression="gzip", shuffle=True)
        got = read_tails(g, ["SH600000", "SH600001", "SH600002"], 20, threads=1, convert=from_h5)
    assert [len(got[n]) for n in ("SH600000", "SH600001", "SH600002")] == [20, 19, 20]
    for name in ("SH600000", "SH600002"):
        assert np.rint(got[name]["close"] * 1000).tolist() == list(range(10, 30))
    assert np.rint(got["SH600001"]["close"] * 1000).tolist() == [c for c in range(10, 30) if c != 15]


@pytest.fixture
def mysql_store(mariadb):
    s = make_store("mysql", host=mariadb.host, port=mariadb.port, schema_prefix=f"t{uuid.uuid4().hex[:10]}_").open()
    yield s
    s.drop_all()
    s.close()


def test_mysql_schemas_tables_columns_and_units(mysql_store):
    s = mysql_store
    bars = day_bars(date(2024, 12, 30), 10)
    s.append("SH600000", "DAY", bars)
    rows = s._run(f"SELECT `date`, `open`, `amount`, `count` FROM `{s.prefix}sh_day`.`600000` ORDER BY `date`")
    assert rows[0] == (202412300000, bars["open"][0], pytest.approx(bars["amount"][0] * 10), bars["volume"][0])
    cols = s._run("SELECT COLUMN_NAME, DATA_TYPE, COLUMN_KEY FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s "
                  "AND TABLE_NAME = '600000' ORDER BY ORDINAL_POSITION", (f"{s.prefix}sh_week",))
    assert cols == [("date", "bigint", "PRI")] + [(c, "double", "") for c in
                                                  ("open", "high", "low", "close", "amount", "count")]
    weeks = s._run(f"SELECT `date` FROM `{s.prefix}sh_week`.`600000` ORDER BY `date`")
    assert [r[0] for r in weeks] == [202501030000, 202501100000]
    tables = {r[0] for r in s._run("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s",
                                   (f"{s.prefix}hku_base",))}
    # spelled as Hikyuu's C++ core queries them (MySQL names are case-sensitive on Linux); without
    # `BlockIndex` its init throws
    assert {"market", "stock", "stocktypeinfo", "block", "BlockIndex", "holiday", "stkweight", "HistoryFinance",
            "HistoryFinanceField", "zh_bond10"} <= tables


@pytest.fixture
def ch_store(clickhouse):
    s = make_store("clickhouse", port=clickhouse.http_port, database_prefix=f"t{uuid.uuid4().hex[:10]}_").open()
    yield s
    s.drop_all()
    s.close()


def test_clickhouse_tables_types_units_and_no_duplicate_periods(ch_store):
    s = ch_store
    bars = day_bars(date(2024, 12, 30), 12)
    for i in range(0, 12, 3):  # four appends inside the same weeks: rows to replace each time
        s.append("SH600000", "DAY", bars[i:i + 3])
    c = s._client()
    types = dict(c.query(f"SELECT name, type FROM system.columns WHERE database = '{s.data_db}' "
                         "AND table = 'day_k'").result_rows)
    assert types == {"market": "FixedString(2)", "code": "FixedString(6)", "date": "DateTime", "open": "UInt32",
                     "high": "UInt32", "low": "UInt32", "close": "UInt32", "amount": "UInt64", "volume": "UInt64"}
    raw = c.query(f"SELECT toUInt32(date), open, amount, volume FROM {s.data_db}.day_k ORDER BY date").result_rows[0]
    assert raw == (int(np.datetime64("2024-12-30", "s").astype(np.int64)), round(bars["open"][0] * 1000),
                   round(bars["amount"][0] * 10000), round(bars["volume"][0] * 1000))
    weeks = c.query(f"SELECT count(), uniqExact(date) FROM {s.data_db}.week_k").result_rows[0]
    assert weeks == (3, 3)  # read as Hikyuu reads: no FINAL, yet one row per week


def test_registry_names_and_open_store_from_both_ini_files(tmp_path):
    assert sorted(REGISTRY) == ["clickhouse", "hdf5", "mysql"]
    with pytest.raises(ConfigError, match="clickhouse, hdf5, mysql"):
        make_store("sqlite")
    (tmp_path / "hikyuu.ini").write_text(hikyuu_ini_text("hdf5", tmp_path / "data"))
    with open_store(load_hikyuu_ini(tmp_path / "hikyuu.ini")) as s:
        s.append("BJ830799", "DAY", day_bars(date(2024, 1, 2), 3))
    assert (tmp_path / "data" / "bj_day.h5").exists() and (tmp_path / "data" / "stock.db").exists()
    (tmp_path / "importdata-gui.ini").write_text(import_ini_text(tmp_path / "data"))
    with open_store(load_import_ini(tmp_path / "importdata-gui.ini")) as s:
        assert s.count("BJ830799", "DAY") == 3
