"""Each package's public API is what its ``__all__`` says, pinned here: a name added or removed is a
decision made on purpose (and written in docs/architecture.md), not a side effect of a refactoring.

Also: every package has an ``__all__``, every name in it exists, and the names users reach for first
import from the package they expect (``from hikyuu_live.strategy import Strategy``).
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import hikyuu_live

PINNED = {
    "hikyuu_live": "__version__".split(),
    "hikyuu_live.bridge": """
        BridgeStats Decision HikyuuBroker HikyuuMarket PortfolioRun PortfolioRunner SystemRun SystemRunner
        crt_pf_strategy crt_sys_strategy follow_spots ma_cross_system order_broker t1_cross_signal
    """.split(),
    "hikyuu_live.bridge.parity": """
        Difference ParityReport ParityStrategy Trade builtin compare format_report names resolve run_parity
    """.split(),
    "hikyuu_live.bus": """
        AllowList CycleAssembler CycleReport CycleWriter END_MARKER FairScheduler HEARTBEAT_TOPIC Heartbeat
        PipeGuard PublisherStats QuotePublisher RequestClient RequestServer SPOT_TOPIC START_MARKER
        SchedulerStats ServerStats SpotSubscriber SubscriberStats request_once
    """.split(),
    "hikyuu_live.config": """
        BACKENDS ClickhouseSection CollectSection DataServerSection DbSection DisabledSection EnableSection
        HIKYUU_INI Hdf5Section HikyuuIni HikyuuSection IMPORT_INI ImportIni KDataSection KTypeSection LiveConfig
        MysqlSection PRELOAD_TYPES PreloadSection PytdxSection QuotationSection SchedSection TdxSection
        config_home default_data_dir generate_default_config hikyuu_ini_text import_ini_text load_config
        load_hikyuu_ini load_import_ini resolve_path save_hikyuu_ini save_import_ini update_ini
    """.split(),
    "hikyuu_live.data": "ImportOptions ImportReport Importer Progress UnitReport write_quarantine_csv".split(),
    "hikyuu_live.dataserver": """
        AnswerTooLarge BufferServerClient DataServer DataServerConfig ErrorCode Limits ServerBusy ServerError
        TickSaver get_buffer_server_status get_data_from_buffer_server get_snapshot_from_buffer_server
        get_spot_from_buffer_server
    """.split(),
    "hikyuu_live.doctor": "Check CheckResult Status run_checks".split(),
    "hikyuu_live.fetcher": """
        Collector CollectorMetrics MarketInfo Phase PollSchedule QmtPushCollector ReplayResult load_market_info
        parse_phase run_replay
    """.split(),
    "hikyuu_live.fetcher.stock": "SOURCES create_source source_class".split(),
    "hikyuu_live.gui": [],
    "hikyuu_live.gui.widgets": [],
    "hikyuu_live.model": """
        BOOK_LEVELS BarStats BatchMeta CodeInfo DecodedBatch KDATA_DTYPE KType LiveBars Quarantine SPOT_DTYPE
        Spot State StockType TradingCalendar array_to_spots check_bars decode_spotlist empty_kdata empty_spots
        encode_spots parse_ktype shipped_codes split_valid spots_to_array
    """.split(),
    "hikyuu_live.model.flat": [],
    "hikyuu_live.store": """
        KDataStore MarketRecord REGISTRY StockRecord StockTypeRecord StoreCheck StoreStats TickStore TradeStore
        make_store make_tick_store make_trade_store open_store split_code store_options
    """.split(),
    "hikyuu_live.store.clickhouse": """
        ClickHouseConnection ClickHouseKDataStore ClickHouseTickStore ClickHouseTradeStore new_client
    """.split(),
    "hikyuu_live.store.hdf5": "H5KDataStore H5TickStore H5TradeStore".split(),
    "hikyuu_live.store.mysql": "MySQLKDataStore MySQLTradeStore connect_mysql load_c_extension".split(),
    "hikyuu_live.store.parquet": "ParquetTickStore".split(),
    "hikyuu_live.strategy": """
        Account Broker Fees Fill Order OrderStatus Position Side Stock StorePreloader Strategy StrategyContext
        check_order config_preloader create_broker
    """.split(),
    "hikyuu_live.strategy.broker": """
        Account BROKERS Broker BrokerStats Fill Order OrderStatus Position broker_class create_broker
    """.split(),
    "hikyuu_live.tdx": "BarSource Blocks ImportJob LocalTdxSource SourceResult find_vipdoc read_blocks".split(),
    "hikyuu_live.tdx.network": """
        BarsJob BarsResult DayResult FinanceJob Outcome PYTDX_MARKET Reference SecurityListJob Selection
        ServerPool TIMELINE_DTYPE TRANS_DTYPE TdxConnection TdxHost TimeLineJob TransJob WeightRow XdxrJob
        configured_hosts finance_row load_hosts_py overlap_mismatch parse_hosts_text select_servers
        xdxr_to_weights
    """.split(),
}


def _packages() -> list[str]:
    found = [m.name for m in pkgutil.walk_packages(hikyuu_live.__path__, "hikyuu_live.") if m.ispkg]
    return ["hikyuu_live", *found]


def test_every_package_is_pinned():
    assert sorted(_packages()) == sorted(PINNED)


@pytest.mark.parametrize("package", sorted(PINNED))
def test_all_is_pinned_and_every_name_exists(package):
    module = importlib.import_module(package)
    exported = module.__all__
    assert len(set(exported)) == len(exported), "a name twice in __all__"
    assert sorted(exported) == sorted(PINNED[package])
    missing = [name for name in exported if not hasattr(module, name)]
    assert not missing


def test_the_names_users_need_come_from_where_they_look():
    from hikyuu_live.bus import QuotePublisher, SpotSubscriber
    from hikyuu_live.config import load_config
    from hikyuu_live.store import make_store, open_store
    from hikyuu_live.strategy import Strategy, create_broker

    assert Strategy.__module__ == "hikyuu_live.strategy.runtime"
    assert callable(create_broker) and callable(load_config) and callable(make_store) and callable(open_store)
    assert QuotePublisher.__module__ == "hikyuu_live.bus.publisher"
    assert SpotSubscriber.__module__ == "hikyuu_live.bus.subscriber"
