"""What the collectors poll and when: the code universe and the trading calendar, from the configured store.

The universe is every valid A-share, ChiNext, STAR, BJ, index and ETF code of the store's base info (the
``Stock`` table ``importdata`` fills) when the store described by ``hikyuu.ini`` exists and has any (with
``[kdata] type = tdx``, the TDX install's own stocks, read-only), else the list shipped in the package
(``model/codes_a.csv``). The calendar is the shipped holiday list joined with
the store's ``Holiday`` table and with ``<config home>/holidays.txt`` when present.

A store that cannot be reached (database down, unreadable file) is not a reason to stop collecting
quotes: it is logged as a warning and the shipped lists are used. A ``hikyuu.ini`` that does not parse is an
error (``ConfigError``): the user has to fix it. An HDF5 store whose ``stock.db`` does not exist yet is not
created here (a collector must not write to the data directory); that is "no store yet".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from hikyuu_live.config.holidays import HOLIDAYS_FILE, load_calendar
from hikyuu_live.model.calendar import TradingCalendar
from hikyuu_live.model.codes import (
    COLLECTED_TYPES,
    CodeInfo,
    StockType,
    shipped_codes,
    shipped_codes_date,
    universe,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MarketInfo:
    codes: list[CodeInfo]
    calendar: TradingCalendar
    origin: str  # where the codes came from, for the start-up log line


def _calendar(home: Path) -> TradingCalendar:
    cal = load_calendar(home)
    if (home / HOLIDAYS_FILE).is_file():
        log.info("holidays from %s joined (list covers up to %d)", home / HOLIDAYS_FILE, cal.covers_until)
    return cal


def _store_base_info(home: Path, types: frozenset[StockType]) -> tuple[list[CodeInfo], list[date], str] | None:
    """(codes, holidays, description) from the configured store, or None when there is none to read."""
    from hikyuu_live.config import HIKYUU_INI, load_hikyuu_ini

    path = home / HIKYUU_INI
    if not path.is_file():
        return None
    cfg = load_hikyuu_ini(path)
    if cfg.kdata.type == "tdx":  # Hikyuu reads bars straight from a TDX install: its stocks are the universe
        return _tdx_base_info(cfg.kdata.dir, types)
    from hikyuu_live.store import open_store, store_options

    name, options = store_options(cfg)
    if name == "hdf5":
        db = Path(options.get("db") or Path(options["directory"]) / "stock.db").expanduser()
        if not db.is_file():
            log.info("no base info yet (%s does not exist; run importdata)", db)
            return None
    try:
        store = open_store(cfg)
    except Exception as e:  # any backend failure: collect with the shipped lists rather than not at all
        log.warning("store of %s unreachable (%s): using the shipped code list and holidays", path, e)
        return None
    try:
        return universe(store, types), store.holidays(), store.describe()
    except Exception as e:
        log.warning("cannot read base info from %s (%s): using the shipped code list", store.describe(), e)
        return None
    finally:
        store.close()


def _tdx_base_info(vipdoc: str | None, types: frozenset[StockType]) -> tuple[list[CodeInfo], list[date], str] | None:
    from hikyuu_live.tdx.readonly import TdxHistory

    if not vipdoc or not Path(vipdoc).expanduser().is_dir():
        log.warning("[kdata] type = tdx but dir %s does not exist: using the shipped code list", vipdoc)
        return None
    history = TdxHistory(Path(vipdoc).expanduser())
    return universe(history, types), [], history.describe()


def load_market_info(home: Path, *, types: frozenset[StockType] = COLLECTED_TYPES) -> MarketInfo:
    """The universe and calendar for collectors whose config lives in ``home``; see the module docstring."""
    calendar = _calendar(home)
    found = _store_base_info(home, types)
    if found is not None:
        codes, holidays, where = found
        if holidays:
            calendar = calendar.merged(holidays)
        if codes:
            return MarketInfo(codes, calendar, f"store {where}")
        log.info("%s has no stocks yet (run importdata): using the shipped code list", where)
    codes = [c for c in shipped_codes() if c.type in types]
    described = shipped_codes_date()
    log.warning("collecting the shipped code list (%d codes as listed on %s): stocks listed since are missed "
                "until importdata fills the store", len(codes), described or "an unknown date")
    return MarketInfo(codes, calendar, "shipped code list")
