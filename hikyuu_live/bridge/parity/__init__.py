"""``hikyuu_parity``: one strategy over one recorded trading day, live and as a backtest, side by side.

The live path is production's: the replay collector publishes the recording on a quote bus, the strategy
subscribes, builds live bars on the store's history and trades on a paper broker. The backtest runs the same
strategy on the same day's bars: our strategies on our runtime driven bar by bar, a Hikyuu trading system by
Hikyuu's own backtest. Every difference is listed with its cause (``trades``): an order on an unfinished bar,
a missing bar, a T+1 refusal, a fill price rule, a decision on the bar after the close. Run it on a recorded
day before the first live day: a strategy whose lists differ will not trade live what it traded in research.
"""

from hikyuu_live.bridge.parity.report import ParityReport, format_report, run_parity
from hikyuu_live.bridge.parity.strategies import ParityStrategy, builtin, names, resolve
from hikyuu_live.bridge.parity.trades import Difference, Trade, compare

__all__ = ["Difference", "ParityReport", "ParityStrategy", "Trade", "builtin", "compare", "format_report", "names",
           "resolve", "run_parity"]
