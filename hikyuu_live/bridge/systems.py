"""Trading systems of the Hikyuu-form demos, built from Hikyuu components only (no part library download).

``ma_cross_system`` is the double moving-average trend system of Hikyuu's ``strategy_demo2``/``strategy_demo3``
(its part library's "趋势双均线"): ``SYS_Simple`` with a fixed-count money manager and a signal that buys when
the fast average of closes crosses above the slow one and sells when it crosses below, i.e. ``SG_Cross``
written as ``SG_Bool(CROSS(fast, slow), CROSS(slow, fast))`` so that one condition can be added to the sell
side: **A-share T+1**. Hikyuu's backtest lets a system sell on the day it bought; the exchange does not. The
sell signal therefore only counts when the last buy signal came before today's first bar (``BARSLAST``), so
the backtest trades what can be traded live, and live and backtest agree (``hikyuu_parity``). Every golden cross
buys (``alternate=False``: the money manager adds a lot to a holding), every allowed dead cross sells it all.
The ``BARSLAST`` condition needs a day boundary in the bars: preload more than one day of history.

Systems run live trade on the close of the bar they decide on (``buy_delay``/``sell_delay`` False, as
``run_in_strategy`` requires); minute bars built from polled quotes often have ``high == low``, where Hikyuu
would postpone the trade, so ``can_trade_when_high_eq_low`` is on.
"""

from __future__ import annotations

from typing import Any

from hikyuu_live.strategy.hikyuu_kdata import hikyuu


def t1_cross_signal(fast: int, slow: int) -> Any:
    """Buy on a golden cross of the closes' averages, sell on a dead cross of a holding bought before today."""
    hku = hikyuu()
    f, s = hku.MA(hku.CLOSE(), fast), hku.MA(hku.CLOSE(), slow)
    up, down = hku.CROSS(f, s), hku.CROSS(s, f)
    new_day = hku.DAY() != hku.REF(hku.DAY(), 1)
    bought_before_today = hku.BARSLAST(up) > hku.BARSLAST(new_day)
    return hku.SG_Bool(up, down & bought_before_today, alternate=False)


def quiet_hikyuu(verbose: bool = False) -> None:
    """Hikyuu's warnings to errors only: its ``BrokerTradeManager`` warns on every run that it "does not
    implement" the backtest-only queries, which would bury what matters in a live log; and no timing line
    of every ``Portfolio.run`` on stdout (Hikyuu's ``spend time``) unless ``verbose``."""
    hku = hikyuu()
    hku.set_log_level(hku.LOG_LEVEL.INFO if verbose else hku.LOG_LEVEL.ERROR)
    if not verbose:
        hku.close_spend_time()


def ma_cross_system(fast: int = 3, slow: int = 8, shares: int = 1000, name: str = "MA cross") -> Any:
    """The demo system (see the module docstring); ``shares`` per buy, the whole holding per sell."""
    if not 0 < fast < slow:
        raise ValueError(f"fast ({fast}) must be positive and below slow ({slow})")
    hku = hikyuu()
    sys = hku.SYS_Simple(mm=hku.MM_FixedCount(shares), sg=t1_cross_signal(fast, slow))
    sys.name = name
    for param, value in (("buy_delay", False), ("sell_delay", False), ("can_trade_when_high_eq_low", True)):
        sys.set_param(param, value)
    return sys
