"""easytrader answers (Chinese column titles) mapped to hikyuu_live values."""

from __future__ import annotations

import pytest

from hikyuu_live.errors import BrokerError
from hikyuu_live.strategy.broker import easytrader_rows as rows


def test_balance_dict_or_list_and_text_numbers():
    assert rows.cash_of({"资金余额": 10.0, "可用金额": "12,345.67"}) == 12345.67
    assert rows.cash_of([{"可用资金": 99.5}]) == 99.5
    with pytest.raises(BrokerError, match=r"no available-cash column; columns: \['总资产'\]"):
        rows.cash_of({"总资产": 1.0})


def test_positions_with_hikyuus_columns_including_the_ones_it_skipped():
    got = rows.positions_of([
        {"证券代码": "600000", "证券名称": "浦发银行", "股票余额": 1500, "可用余额": 1000, "成本价": 9.87,
         "市场类别": "上海Ａ"},
        {"证券代码": "1", "可用余额": "200", "成本价": "11.5", "市场类别": "深圳Ａ"},  # grid dropped leading zeros
        {"证券代码": "830799", "当前持仓": 300, "可用余额": 300, "参考成本价": 7.0, "市场类别": "北京Ａ"},
        {"证券代码": "", "可用余额": 5},  # a totals row
        {"证券代码": "300750", "可用余额": 100, "成本价": 200.0},  # no market column: from the code
    ])
    assert [(p.market, p.code, p.number, p.sellable, p.cost_price, p.name) for p in got] == [
        ("SH", "600000", 1500, 1000, 9.87, "浦发银行"), ("SZ", "000001", 200, 200, 11.5, ""),
        ("BJ", "830799", 300, 300, 7.0, ""), ("SZ", "300750", 100, 100, 200.0, "")]


@pytest.mark.parametrize(("code", "market"), [("600000", "SH"), ("688001", "SH"), ("510300", "SH"),
                                              ("000001", "SZ"), ("300750", "SZ"), ("159915", "SZ"),
                                              ("830799", "BJ"), ("430047", "BJ"), ("920001", "BJ")])
def test_market_from_code(code, market):
    assert rows.market_of(code) == market


def test_entrusts_sides_states_and_ids():
    [buy, sell, dead] = rows.entrusts_of([
        {"证券代码": "600000", "操作": "证券买入", "委托数量": 100, "成交数量": 0, "委托价格": 10.0, "备注": "已报",
         "合同编号": "000123"},
        {"证券代码": "000001", "买卖标志": "卖出", "委托数量": "200", "成交数量": "200", "委托价格": "11.00",
         "成交均价": "11.01", "委托状态": "已成", "委托时间": "09:31:00"},
        {"证券代码": "600000", "操作": "买入", "委托数量": 100, "备注": "废单", "合同编号": "124"}])
    assert (buy.key, buy.side, buy.number, buy.filled, buy.dead, buy.fingerprinted) == ("123", "buy", 100, 0, False,
                                                                                         False)
    assert (sell.side, sell.filled, sell.filled_price, sell.fingerprinted) == ("sell", 200, 11.01, True)
    assert sell.key == "09:31:00|000001|sell|200|11.000"
    assert dead.dead
    assert rows.entrust_no_of({"entrust_no": "000123"}) == "123" and rows.entrust_no_of(None) == ""
