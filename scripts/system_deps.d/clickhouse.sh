# ClickHouse server (Debian ships 18.16): tests start private instances of it (tick store, K-data store).
need_apt clickhouse-server
