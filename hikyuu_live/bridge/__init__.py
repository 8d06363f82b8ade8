"""Hikyuu's trading systems live on hikyuu_live (extra ``hikyuu``).

- ``HikyuuBroker``: Hikyuu's Python broker protocol over our brokers; ``crtOB(HikyuuBroker("paper"))`` or
  ``order_broker(...)`` gives Hikyuu an ``OrderBrokerBase`` whose orders get our checks, confirmations and
  journal, and whose ``get_asset_info`` is our account;
- ``SystemRunner`` and ``crt_sys_strategy``: a Hikyuu ``SYS`` run from our runtime's timers on our bars;
- ``PortfolioRunner`` and ``crt_pf_strategy``: a Hikyuu ``Portfolio`` (``PF_Simple``...) the same way, deciding
  through Hikyuu's own ``Portfolio.run`` over Hikyuu's ``StockManager`` on our store (``HikyuuMarket``);
- ``follow_spots``: a replay's time for the bridge inside Hikyuu's own ``Strategy``;
- ``strategy_demo2``/``strategy_demo3``/``strategy_demo_pf``: Hikyuu's demos and a portfolio in their Hikyuu
  form; ``parity``: ``hikyuu_parity``.

Nothing here imports Hikyuu until it is used, so the package imports without it.
"""

from hikyuu_live.bridge.broker import BridgeStats, Decision, HikyuuBroker
from hikyuu_live.bridge.hikyuu_ob import follow_spots, order_broker
from hikyuu_live.bridge.portfolio import HikyuuMarket, PortfolioRun, PortfolioRunner, crt_pf_strategy
from hikyuu_live.bridge.system import SystemRun, SystemRunner, crt_sys_strategy
from hikyuu_live.bridge.systems import ma_cross_system, t1_cross_signal

__all__ = ["BridgeStats", "Decision", "HikyuuBroker", "HikyuuMarket", "PortfolioRun", "PortfolioRunner", "SystemRun",
           "SystemRunner", "crt_pf_strategy", "crt_sys_strategy", "follow_spots", "ma_cross_system", "order_broker",
           "t1_cross_signal"]
