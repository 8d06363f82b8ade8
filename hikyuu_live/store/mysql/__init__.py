"""MySQL / MariaDB (``mysql`` extra): bar and trade stores over the one connection factory
(``connection.py``)."""

from hikyuu_live.store.mysql.connection import connect_mysql, load_c_extension
from hikyuu_live.store.mysql.kdata import MySQLKDataStore
from hikyuu_live.store.mysql.trades import MySQLTradeStore

__all__ = ["MySQLKDataStore", "MySQLTradeStore", "connect_mysql", "load_c_extension"]
