"""Runs INSIDE the Hikyuu chroot (``test_hikyuu_portfolio.py``): Hikyuu's own ``run_in_strategy(pf, ...)`` with our
bridge as its broker, next to the ``PortfolioRunner``'s way, on the stored 1-minute bars of the sample store; and
the portfolios the runner refuses.

Usage: ``in_hikyuu_pf.py CONFIG_HOME WORK_DIR OUT_JSON``.
"""

import json
import sys
from datetime import datetime
from pathlib import Path

import hikyuu as hku
import numpy as np

from hikyuu_live.bridge import HikyuuBroker, HikyuuMarket, PortfolioRunner, order_broker
from hikyuu_live.bridge.portfolio import INDEX, check_portfolio, run_portfolio
from hikyuu_live.bridge.strategy_demo_pf import demo_portfolio
from hikyuu_live.clock import EXCHANGE_TZ, FakeClock
from hikyuu_live.model.kdata import KType
from hikyuu_live.strategy.broker.paper import PaperBroker
from hikyuu_live.strategy.hikyuu_kdata import from_kdata

CODES = ["SH600000", "SZ000001", "SH510300"]


def main():
    home, work, out = sys.argv[1:4]
    hku.set_log_level(hku.LOG_LEVEL.ERROR)
    hku.close_spend_time()
    market = HikyuuMarket(home)
    pf = demo_portfolio(CODES, hikyuu_ini=home)
    sm = hku.StockManager.instance()
    stored = {c: from_kdata(sm[c].get_kdata(hku.Query(0, ktype="MIN"))) for c in [INDEX, *CODES]}
    protos = check_portfolio(pf)
    day = stored[INDEX]["datetime"][-1].astype("M8[D]")
    decided = run_portfolio(pf, protos, market, KType.MIN, stored, day.astype("M8[us]"), 1e6, hku.TC_Zero())
    result = {"backtest": [[str(t), c, s, p, n] for t, c, s, p, n, _ in decided]}
    # the last bar the portfolio trades on, and the bars up to it: what a live run has at that moment
    bar = decided[-1][0]
    bars = {c: b[b["datetime"] <= bar] for c, b in stored.items()}
    closes = {c: float(b["close"][-1]) for c, b in bars.items()}
    when = bar.astype("M8[us]").item().replace(tzinfo=EXCHANGE_TZ)

    def bridge_at(name):
        broker = PaperBroker(Path(work) / f"{name}.json", 1e6, clock=FakeClock(when),
                             price_source=lambda m, c: closes.get(m + c),
                             quote_source=lambda m, c: (closes.get(m + c), ""))
        return HikyuuBroker(broker, name=name, ktype="MIN")

    # Hikyuu's own way: run_in_strategy(pf, query, broker, cost) with the bridge as its order broker
    ours = bridge_at("hikyuu_run_in_strategy")
    market.install(KType.MIN, bars)
    pf2 = demo_portfolio(CODES, hikyuu_ini=home)
    hku.run_in_strategy(pf2, hku.Query(0, ktype="MIN"), order_broker(ours), hku.TC_Zero())
    sub = [[str(tr.datetime), tr.stock.market_code, str(tr.business)] for s in pf2.real_sys_list
           for tr in s.tm.get_trade_list() if tr.business in (hku.BUSINESS.BUY, hku.BUSINESS.SELL)]
    ours.drain(10)
    result["run_in_strategy"] = {"bar": str(bar), "sub_system_trades": sub, "bridge_calls": ours.stats.calls,
                                 "asset_queries": ours.stats.asset_queries,
                                 "journal_orders": len(json.loads((Path(work) / "hikyuu_run_in_strategy.json")
                                                                  .read_text())["orders"])}
    # the runner's way on the same bars: since the bar before, the account's cash
    runner_bridge = bridge_at("runner")
    runner = PortfolioRunner(demo_portfolio(CODES, hikyuu_ini=home), "MIN", runner_bridge, config=home,
                             since=bar - np.timedelta64(59, "s"))

    class Stg:  # what run() reads of a Strategy: its clock
        def now(self):
            return when

    record = runner.run(Stg(), bars)
    runner_bridge.drain(10)
    journal = json.loads((Path(work) / "runner.json").read_text())
    result["runner"] = {"trades": [[str(t), c, s, p, n] for t, c, s, p, n in record.trades],
                        "orders": [[o["market"] + o["code"], o["side"], o["number"], o["status"], o["datetime"]]
                                   for o in journal["orders"]], "cash": runner.cash}
    # what is refused, and why
    refused = {}
    for label, change in (("buy_delay", lambda s: s.set_param("buy_delay", True)),
                          ("slippage", lambda s: setattr(s, "sp", hku.SP_FixedPercent(0.01)))):
        sys_ = demo_portfolio(CODES[:1], hikyuu_ini=home).se.get_proto_sys_list()[0]
        change(sys_)
        bad = hku.PF_Simple(hku.crtTM(), hku.SE_Fixed([sm[CODES[0]]], sys_), hku.AF_EqualWeight())
        try:
            PortfolioRunner(bad, "MIN", config=home)
        except ValueError as e:
            refused[label] = str(e)
    try:
        PortfolioRunner(hku.PF_Simple(hku.crtTM(), hku.SE_Fixed([sm[CODES[0]]], pf.se.get_proto_sys_list()[0]),
                                      hku.AF_EqualWeight(), 1, "week"), "MIN", config=home)
    except ValueError as e:
        refused["week"] = str(e)
    result["refused"] = refused
    result["now"] = datetime.now().isoformat()
    Path(out).write_text(json.dumps(result))


main()
