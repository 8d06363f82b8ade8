"""Names, listings and delistings from the TDX network's security lists (the real pytdx client against the
stand-in), into every store: the stand-in's names replace the shipped placeholders, a stored stock the
servers no longer list is marked invalid."""

from __future__ import annotations

import pytest

from hikyuu_live.model.kdata import KType
from hikyuu_live.store.baseinfo import StockRecord
from tests.tdx_network.conftest import host_of, make_test_store
from tests.tdx_network.test_import import run_import


@pytest.mark.parametrize("kind", ["hdf5", "mysql", "clickhouse"])
def test_security_list_names_and_delists(kind, tmp_path, request, servers, market):
    """Reproduces: a network import named stocks from the shipped list (placeholders such as "SH688001")
    although every server sends the names, and left delisted stocks valid."""
    a = servers(name="a")
    store = make_test_store(kind, tmp_path, request, "names")
    with store:
        store.save_stocks([StockRecord("SH", "600001", "邯郸钢铁", 1, True, 19980122),
                           StockRecord("SH", "688001", "SH688001", 9, True, 20190722)])
        report, _ = run_import(store, [host_of(a)], ktypes=(KType.DAY,))
        got = {s.market_code: (s.name, s.valid) for s in store.stock_records()}
        for key, sec in market.securities.items():
            assert got[key] == (sec.name, True), key
        assert got["SH600001"] == ("邯郸钢铁", False)
        assert got["SH688001"] == ("华兴源创", True)
        assert report.names is not None and report.names.updated == 1
