"""A config home whose hikyuu.ini names a real HDF5 store (SQLite stock.db) with some base info."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from hikyuu_live.config import HIKYUU_INI, hikyuu_ini_text

#: (market, code, name, valid): shares of every board, an index, an ETF, a bond and a delisted share
STOCKS = [("SH", "600000", "浦发银行", True), ("SH", "688981", "中芯国际", True), ("SZ", "000001", "平安银行", True),
          ("SZ", "300750", "宁德时代", True), ("BJ", "830799", "艾融软件", True), ("SH", "000001", "上证指数", True),
          ("SZ", "399001", "深证成指", True), ("SH", "510300", "300ETF", True), ("SZ", "159915", "创业板ETF", True),
          ("SH", "110001", "某转债", True), ("SZ", "000003", "PT金田A", False)]


def make_store_home(home: Path, stocks=STOCKS, holidays=(date(2027, 1, 1), date(2027, 2, 8))) -> Path:  # noqa: ANN001
    """A config home whose hikyuu.ini points at a real HDF5 store (SQLite stock.db) holding ``stocks``."""
    from hikyuu_live.store import StockRecord
    from hikyuu_live.store.baseinfo import hku_type
    from hikyuu_live.store.hdf5.kdata import H5KDataStore

    data = home / "data"
    home.mkdir(parents=True, exist_ok=True)
    (home / HIKYUU_INI).write_text(hikyuu_ini_text("hdf5", data), encoding="utf-8")
    with H5KDataStore(data) as store:
        store.save_stocks([StockRecord(m, c, n, hku_type(m, c) or 0, valid) for m, c, n, valid in stocks])
        store.save_holidays(holidays)
    return home
