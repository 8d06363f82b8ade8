"""Properties over random order streams: buy/sell never raise, and the paper account always adds up."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hikyuu_live.clock import EXCHANGE_TZ, FakeClock
from hikyuu_live.errors import OrderRejected
from hikyuu_live.strategy import orders as o
from hikyuu_live.strategy.broker.paper import PaperBroker

STOCKS = [("SH", "600000"), ("SH", "688001"), ("SZ", "300750"), ("BJ", "830799"), ("SH", "510300"),
          ("SZ", "000002"), ("SH", "000001")]  # the last one is an index: always refused
YESTERDAY = {"SH600000": (10.0, "浦发银行"), "SH688001": (50.0, "华兴源创"), "SZ300750": (200.0, "宁德时代"),
             "BJ830799": (7.0, "艾融软件"), "SH510300": (3.9, "沪深300ETF"), "SZ000002": (8.0, "ST 万科")}

order_step = st.tuples(
    st.sampled_from(["buy", "sell", "next_day"]),
    st.sampled_from(STOCKS),
    st.one_of(st.just(0.0), st.floats(min_value=-1.0, max_value=300.0, allow_nan=False)),  # 0: the live price
    st.one_of(st.integers(min_value=-100, max_value=20_000), st.sampled_from([100, 200, 250, 300, 1000])),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(order_step, min_size=1, max_size=25))
def test_paper_broker_never_raises_and_its_books_add_up(steps):
    clock = FakeClock(datetime(2025, 3, 3, 10, 0, tzinfo=EXCHANGE_TZ))

    def price(market: str, code: str) -> float | None:
        q = YESTERDAY.get(market + code)
        return q[0] if q else None

    with tempfile.TemporaryDirectory() as tmp:
        b = PaperBroker(Path(tmp) / "p.json", 200_000.0, clock=clock, price_source=price,
                        quote_source=lambda m, c: YESTERDAY.get(m + c), max_orders_per_minute=None)
        for action, (market, code), px, num in steps:
            if action == "next_day":
                clock.advance(86_400)
                continue
            before = (b.cash(), b.positions())
            order = b.wait(getattr(b, action)(market, code, px, num), timeout_s=10)
            assert order.status in ("filled", "rejected")
            if order.status == "rejected":
                assert order.reason.startswith(f"{market}{code}: ") and (b.cash(), b.positions()) == before
        cash = 200_000.0
        for f in b.trades():
            cash += -(f.amount + f.fee) if f.side == "buy" else f.amount - f.fee
        assert b.cash() >= 0 and abs(b.cash() - cash) < 1e-6
        held = {}
        for f in b.trades():
            held[f.market + f.code] = held.get(f.market + f.code, 0) + (f.number if f.side == "buy" else -f.number)
        assert {p.market + p.code: p.number for p in b.positions()} == {k: v for k, v in held.items() if v}
        assert all(0 <= p.sellable <= p.number for p in b.positions())
        b.close()  # its worker has recorded every refusal before the directory goes
        again = PaperBroker(Path(tmp) / "p.json", clock=clock)
        assert (again.cash(), again.positions(), again.orders()) == (b.cash(), b.positions(), b.orders())
        again.close()


@given(side=st.sampled_from(["buy", "sell"]), stock=st.sampled_from(STOCKS),
       price=st.one_of(st.sampled_from([float("nan"), float("inf"), -1.0, 0.0]), st.floats()),
       num=st.one_of(st.sampled_from([float("nan"), float("inf"), float("-inf"), 1e300]), st.integers(),
                     st.floats()),
       cash=st.one_of(st.none(), st.floats(min_value=0, max_value=1e9)),
       sellable=st.one_of(st.none(), st.integers(min_value=0, max_value=10**6)))
def test_check_order_either_passes_or_names_the_stock(side, stock, price, num, cash, sellable):
    market, code = stock
    try:
        o.check_order(side, market, code, price, num, yesterday_close=(YESTERDAY.get(market + code) or (0, ""))[0],
                      cash=cash, sellable=sellable)
    except OrderRejected as e:
        assert str(e).startswith(f"{market}{code}: ")
