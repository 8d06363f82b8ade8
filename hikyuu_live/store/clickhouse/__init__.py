"""ClickHouse (``clickhouse`` extra): bar, trade and tick stores over the one connection factory
(``connection.py``)."""

from hikyuu_live.store.clickhouse.connection import ClickHouseConnection, new_client
from hikyuu_live.store.clickhouse.kdata import ClickHouseKDataStore
from hikyuu_live.store.clickhouse.ticks import ClickHouseTickStore
from hikyuu_live.store.clickhouse.trades import ClickHouseTradeStore

__all__ = ["ClickHouseConnection", "ClickHouseKDataStore", "ClickHouseTickStore", "ClickHouseTradeStore", "new_client"]
