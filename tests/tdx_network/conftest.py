"""Fixtures: generated market data and TDX stand-in servers on 127.0.0.1 with behaviour knobs."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from hikyuu_live.tdx.network.hosts import TdxHost
from tests.standins.tdx_market import MarketData
from tests.standins.tdx_server import Knobs, TdxServer


@pytest.fixture(scope="session")
def market() -> MarketData:
    return MarketData(days=300, minute_days=3)


@pytest.fixture
def servers(market) -> Iterator[Callable[..., TdxServer]]:
    """``servers(knobs=..., market=...)`` starts a stand-in; all are closed at the end of the test."""
    started: list[TdxServer] = []

    def start(knobs: Knobs | None = None, *, data: MarketData | None = None, name: str = "tdx") -> TdxServer:
        s = TdxServer(data or market, knobs=knobs, name=name).start()
        started.append(s)
        return s

    yield start
    for s in started:
        s.close()


def host_of(server: TdxServer, name: str = "") -> TdxHost:
    return TdxHost("127.0.0.1", server.port, name or server.name)


# ----------------------------------------------------------------------------- stores


def make_test_store(kind: str, tmp_path, request, tag: str):
    """An empty store of ``kind`` private to this test (dropped at the end for the SQL servers); the
    database servers are the session's (``tests/conftest.py``: ``mariadb``, ``clickhouse``)."""
    import uuid

    from hikyuu_live.store import make_store

    prefix = f"tdxnet_{tag}_{uuid.uuid4().hex[:6]}_"
    if kind == "hdf5":
        return make_store("hdf5", directory=str(tmp_path / f"h5_{tag}"))
    if kind == "mysql":
        my = request.getfixturevalue("mariadb")
        store = make_store("mysql", host=my.host, port=my.port, user="root", password="", schema_prefix=prefix)
    else:
        ch = request.getfixturevalue("clickhouse")
        store = make_store("clickhouse", host=ch.host, port=ch.http_port, database_prefix=prefix)
    request.addfinalizer(store.drop_all)
    return store


def make_test_trade_store(kind: str, store):
    """The trade store beside ``store`` (same folder, server and prefix)."""
    from hikyuu_live.store.trades import make_trade_store

    if kind == "hdf5":
        return make_trade_store("hdf5", directory=str(store.directory))
    if kind == "mysql":
        return make_trade_store("mysql", host=store.host, port=store.port, user="root", password="",
                                schema_prefix=store.prefix)
    return make_trade_store("clickhouse", host=store.host, port=store.port,
                            database_prefix=store.base_db[: -len("hku_base")])
