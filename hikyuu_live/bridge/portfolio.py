"""Run a Hikyuu ``Portfolio`` (``PF_Simple(tm, se=SE_Fixed/SE_Signal, af=AF_EqualWeight...)``) from our runtime's
timers, on our bars, through our broker: the role of Hikyuu's ``run_in_strategy(pf, ...)`` and
``crt_pf_strategy`` inside a hikyuu_live ``Strategy``.

Why not Hikyuu's own ``run_in_strategy(pf, query, broker, cost)``: in Hikyuu 2.8.3 it gives the portfolio a
``BrokerTradeManager`` on the broker, but a portfolio trades through its systems' own sub-accounts and only
*copies* their trades into its account (``addTradeRecord``), which a ``BrokerTradeManager`` ignores: the
systems decide, and no order ever reaches the broker (``tests/bridge/test_hikyuu_portfolio.py`` shows it with
Hikyuu's core). So the runner lets Hikyuu's own ``Portfolio.run`` decide, on a ``TradeManager`` opened with the
account's cash, and sends the trades it decided on the newest bar through the bridge, one order per
decision.

What a run is. A portfolio's state (which systems run, their sub-accounts, what each holds) lives in Hikyuu's
``Portfolio`` and is not in any broker account, so each run replays the portfolio from the runner's start
(``since``: the newest bar when the runner first looked) to the bar it decides on, on the same bars a
backtest sees, and sends only the trades of that bar; the earlier bars' trades were sent by earlier runs
(the bridge answers a repeated decision with the order already placed). This is exactly Hikyuu's own
backtest of the same portfolio from ``since`` with ``cash``, bar by bar, which ``hikyuu_parity`` checks.
The cash is the broker account's cash at the first run (``get_asset_info``), or ``cash=``. Holdings of the
portfolio's stocks at the start are reported: a portfolio starts its systems without holdings, so it will
never sell them. After a restart pass the original ``since`` and ``cash`` to rebuild the same state.

Bars and the calendar. Hikyuu runs a portfolio over its market's trading calendar, the index ``SH000001``'s
bars in Hikyuu's ``StockManager``. The runner subscribes to the index like any stock, initialises Hikyuu's
``StockManager`` once over our store's ``hikyuu.ini`` (base information only: markets, no bars loaded) and
at each run registers stand-alone Hikyuu stocks holding our preloaded and live bars (the index and each of
the portfolio's stocks) and rebuilds the selector's systems over them.

Which bar (``bars=``), orders and the strategy's loop: as ``SystemRunner`` (``"finished"`` by default: the
newest final bar, once; ``"current"``: the bar under way on every call). The runner never waits for the
broker: a run is one ``Portfolio.run`` (about a millisecond for a few stocks over a day of minutes) and the
bridge returns at once.

Supported: selectors holding their systems' prototypes (``SE_Fixed``, ``SE_Signal``); systems trading on the
bar's close (``buy_delay``/``sell_delay`` False) without a slippage part, as Hikyuu's ``run_in_strategy``
requires. Anything else is refused with the reason.
"""

from __future__ import annotations

import logging
import time as time_
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from hikyuu_live.bridge.broker import HikyuuBroker
from hikyuu_live.model.kdata import KType, parse_ktype
from hikyuu_live.strategy.bar_time import is_final
from hikyuu_live.strategy.context import normalize_code
from hikyuu_live.strategy.hikyuu_kdata import HIKYUU_KTYPE, from_datetime, hikyuu, to_datetime, to_krecords
from hikyuu_live.strategy.orders import min_lot
from hikyuu_live.strategy.runtime import Strategy

log = logging.getLogger(__name__)

INDEX = "SH000001"  # the market whose bars are Hikyuu's trading calendar (``getTradingCalendar``'s default)
SELECTORS = ("SE_Fixed", "SE_Signal")  # selectors whose systems are their prototypes over stocks


@dataclass(slots=True)
class PortfolioRun:
    """One run of the portfolio: the bar it decided on and the trades Hikyuu decided there."""

    bar: np.datetime64
    final: bool
    trades: list[tuple[np.datetime64, str, str, float, float]] = field(default_factory=list)  # bar, code, side, ...
    seconds: float = 0.0  # the run's time on the strategy's loop (Hikyuu's Portfolio.run and the orders)


def check_portfolio(pf: Any) -> list[tuple[str, Any]]:
    """``[(code, prototype system)]`` of ``pf``; ``ValueError`` naming what cannot run live."""
    se = pf.se
    if se is None:
        raise ValueError(f"{pf.name}: the portfolio has no selector (se)")
    kind = str(se.name)
    if kind not in SELECTORS:
        raise ValueError(f"{pf.name}: selector {kind} is not supported live; supported: {', '.join(SELECTORS)} "
                         "(selectors holding one prototype system per stock)")
    protos = []
    for sys in se.get_proto_sys_list():
        for param in ("buy_delay", "sell_delay"):
            if sys.get_param(param):
                raise ValueError(f"{pf.name}: system {sys.name} has {param} True; a portfolio run live trades on "
                                 f"the close of the bar it decides on (Hikyuu's run_in_strategy refuses it too): "
                                 f"sys.set_param({param!r}, False)")
        if sys.sp is not None:
            raise ValueError(f"{pf.name}: system {sys.name} has a slippage part; live orders trade at the real "
                             "price (Hikyuu's run_in_strategy refuses it too): sys.sp = None")
        stock = sys.get_stock()
        if stock is None or stock.is_null():
            raise ValueError(f"{pf.name}: system {sys.name} has no stock")
        protos.append((normalize_code(stock.market_code), sys))
    if not protos:
        raise ValueError(f"{pf.name}: the selector holds no system")
    return protos


class HikyuuMarket:
    """Hikyuu's ``StockManager`` with our bars: initialised once over a ``hikyuu.ini`` (base information only),
    then the stocks a run needs registered as stand-alone stocks holding our bars (``install``)."""

    def __init__(self, config: str | Path | None = None) -> None:
        self.hku = hikyuu()
        self.config = config
        self._records: dict[tuple[str, KType], tuple[np.ndarray, list[Any]]] = {}  # bars converted last time

    def ready(self, ktype: KType, codes: list[str] | tuple[str, ...] = ()) -> Any:
        """Hikyuu's ``StockManager``, initialised over the store (once per process) with the index and
        ``codes`` in its stock list when it was not yet."""
        hku = self.hku
        sm = hku.StockManager.instance()
        if not list(sm.get_market_list()):
            ini = self._ini()
            context = hku.StrategyContext([INDEX.lower(), *[normalize_code(c).lower() for c in codes]])
            context.ktype_list = [HIKYUU_KTYPE[ktype].lower()]
            log.info("Hikyuu's StockManager over %s (markets and base information)", ini)
            hku.hikyuu_init(str(ini), True, context)
            if not list(sm.get_market_list()):
                raise ValueError(f"Hikyuu found no market in the store {ini} names (run importdata first)")
        return sm

    def _ini(self) -> Path:
        from hikyuu_live.config import config_home

        path = Path(self.config) if self.config else config_home() / "hikyuu.ini"
        if path.is_dir():
            path = path / "hikyuu.ini"
        if not path.exists():
            raise FileNotFoundError(f"{path} not found: a portfolio needs Hikyuu's StockManager over our store "
                                    "(hikyuu_doctor --init, then importdata)")
        return path

    def stocks(self, codes: list[str], ktype: KType = KType.DAY) -> list[Any]:
        """Hikyuu's stocks of ``codes`` (what ``SE_Fixed`` takes); ``ValueError`` naming a code the store lacks."""
        sm = self.ready(ktype, codes)
        out = []
        for code in codes:
            stock = sm[normalize_code(code)]
            if stock.is_null():
                raise ValueError(f"Hikyuu's StockManager does not know {code} (not in the store's stock list)")
            out.append(stock)
        return out

    def install(self, ktype: KType, bars: dict[str, np.ndarray]) -> dict[str, Any]:
        """Register a fresh Hikyuu stock holding ``bars[code]`` for each code (Hikyuu lets a stock take its
        bars once, so every run makes new ones); returns them by code."""
        sm = self.ready(ktype)
        out = {}
        for code, rows in bars.items():
            stock = self.hku.Stock(code[:2], code[2:], code)
            stock.min_trade_number = min_lot(code[:2], code[2:])  # as hikyuu_stock: our lot rules
            stock.set_krecord_list(self._krecords(code, ktype, rows), HIKYUU_KTYPE[ktype])
            sm.remove_stock(code)
            if not sm.add_stock(stock):
                raise RuntimeError(f"Hikyuu's StockManager refused {code}")
            out[code] = stock
        return out

    def _krecords(self, code: str, ktype: KType, rows: np.ndarray) -> list[Any]:
        """``rows`` as Hikyuu ``KRecord``\\ s, converting only the bars that changed since the last run (the
        history and the day's final bars are the same at every run: converting them all again made a run
        every 15 s at replay speed fall seconds behind)."""
        old_rows, old = self._records.get((code, ktype), (rows[:0], []))
        n = min(len(old_rows), len(rows))
        same = int(np.argmin(np.r_[old_rows[:n] == rows[:n], False]))  # length of the common prefix
        records = old[:same] + to_krecords(rows[same:])
        self._records[(code, ktype)] = (rows.copy(), records)
        return records


class PortfolioRunner:
    """A timer callback running ``pf`` on its stocks' ``ktype`` bars; see the module docstring. ``in_place``: the
    bars are Hikyuu's own (its ``Strategy``), not given to it at each run."""

    def __init__(self, pf: Any, ktype: str | KType, bridge: HikyuuBroker | None = None, cost: Any = None, *,
                 bars: str = "finished", name: str | None = None, config: str | Path | None = None,
                 cash: float | None = None, since: np.datetime64 | None = None, in_place: bool = False) -> None:
        if bars not in ("finished", "current"):
            raise ValueError(f"bars must be 'finished' or 'current', not {bars!r}")
        self.hku = hikyuu()
        self.protos = check_portfolio(pf)
        self.pf = pf
        self.ktype = parse_ktype(ktype)
        mode = str(pf.get_param("adjust_mode")).lower()
        if mode != "query" and self.ktype is not KType.DAY:
            raise ValueError(f"{pf.name}: adjust_mode {mode!r} needs day bars (Hikyuu refuses it on "
                             f"{self.ktype.value} bars)")
        self.codes = list(dict.fromkeys(code for code, _ in self.protos))
        self.bars = bars
        self.name = name or f"PF {pf.name}"
        self.code = "*"  # decisions are about the whole account (hikyuu_parity's key for account reads)
        self.cost = cost if cost is not None else self.hku.TC_Zero()
        self.bridge = bridge
        self.market: HikyuuMarket | None = None if in_place else HikyuuMarket(config)
        self.cash = cash
        self.since = since
        self.last: np.datetime64 | None = None
        self.runs: list[PortfolioRun] = []
        self.missed: list[tuple[np.datetime64, str, str]] = []  # trades of earlier bars never sent (no run there)

    @property
    def stocks(self) -> list[str]:
        """What the strategy must subscribe to: the index (the calendar) and the portfolio's stocks."""
        return [INDEX, *[c for c in self.codes if c != INDEX]]

    def _bridge(self, stg: Strategy) -> HikyuuBroker:
        if self.bridge is None:
            self.bridge = HikyuuBroker(stg.get_broker(), name=self.name, clock=stg.clock, ktype=self.ktype)
        return self.bridge

    def __call__(self, stg: Strategy) -> None:
        finished = self.bars == "finished"
        bars = {c: stg.get_kdata(c, ktype=self.ktype, finished_only=finished) for c in self.stocks}
        index = bars[INDEX]
        if not len(index):
            return
        last = index["datetime"][-1]
        if self.last is None and (finished or is_final(last, self.ktype, stg.now())):
            # the first look: bars already final are history, not news
            self.last = last
            if self.since is None:
                self.since = last + np.timedelta64(1, "s")
            log.info("%s: starts after bar %s (earlier bars are history)", self.name, last)
            return
        if self.since is None:  # first look on a bar under way ("current"): it is the first to decide on
            self.since = last
        if finished and last == self.last:
            return
        self.last = last
        self.run(stg, bars)

    def start_cash(self, bridge: HikyuuBroker) -> float | None:
        """The cash the portfolio starts with: ``cash=`` or the account's; None when it cannot be read."""
        if self.cash is not None:
            return self.cash
        info = bridge.get_asset_info()
        if not isinstance(info, dict):
            return None
        held = [f"{p['market']}{p['code']} x{p['number']:g}" for p in info.get("positions", [])
                if normalize_code(f"{p['market']}{p['code']}") in self.codes and float(p["number"]) > 0]
        if held:
            log.warning("%s: the account holds %s at the start; Hikyuu's portfolio starts its systems without "
                        "holdings and will not sell them", self.name, ", ".join(held))
        self.cash = float(info["cash"])
        log.info("%s: starts with %.2f cash", self.name, self.cash)
        return self.cash

    def run(self, stg: Strategy, bars: dict[str, np.ndarray]) -> PortfolioRun | None:
        """Run the portfolio from ``since`` over ``bars`` and send what it decided on the newest bar."""
        bridge = self._bridge(stg)
        last = bars[INDEX]["datetime"][-1]
        cash = self.start_cash(bridge)
        if cash is None:
            log.error("%s: account not readable; not deciding on bar %s", self.name, last)
            return None
        t0 = time_.perf_counter()
        record = PortfolioRun(last, is_final(last, self.ktype, stg.now()))
        if self.since is None:
            self.since = last
        for day, code, side, price, number, tr in self.decide(bars, cash):
            if day != last:
                if (bridge.order_key(side, code[:2], code[2:], _dt(day)) not in bridge.records
                        and (day, code, side) not in self.missed):  # reported once, not at every later run
                    self.missed.append((day, code, side))
                    log.warning("%s: %s %s on bar %s was decided now, after that bar: not sent", self.name, side,
                                code, day)
                continue
            send = bridge.buy if side == "buy" else bridge.sell
            send(code[:2], code[2:], price, number, _finite(tr.stoploss), _finite(tr.goal_price), tr.part,
                 decided_at=_dt(last))
            record.trades.append((last, code, side, price, number))
        record.seconds = time_.perf_counter() - t0
        self.runs.append(record)
        if record.trades:
            log.info("%s: bar %s -> %s", self.name, last, ", ".join(f"{s} {c} {n:g} @ {p:.3f}"
                                                                   for _, c, s, p, n in record.trades))
        return record

    def decide(self, bars: dict[str, np.ndarray], cash: float) -> list[tuple[np.datetime64, str, str, float, float,
                                                                                  Any]]:
        """Hikyuu's ``Portfolio.run`` from ``since`` with ``cash`` over ``bars``: its trades, oldest first."""
        assert self.since is not None
        return run_portfolio(self.pf, self.protos, self.market, self.ktype, bars, self.since, cash, self.cost)


def run_portfolio(pf: Any, protos: list[tuple[str, Any]], market: HikyuuMarket | None, ktype: KType,
                  bars: dict[str, np.ndarray], since: np.datetime64, cash: float,
                  cost: Any) -> list[tuple[np.datetime64, str, str, float, float, Any]]:
    """One Hikyuu backtest of ``pf`` (its selector rebuilt over stocks holding ``bars``, the calendar from
    ``bars[INDEX]``) with a ``TradeManager`` opened at ``since`` with ``cash``: ``[(bar, code, side, price,
    number, trade record)]``. The live runner and ``hikyuu_parity``'s backtest both decide through it.
    ``market`` None: the stocks' bars are already in Hikyuu's ``StockManager`` (inside Hikyuu's own
    ``Strategy``, whose ``SpotAgent`` builds them), the selector is run as it is."""
    hku = hikyuu()
    if market is not None:
        stocks = market.install(ktype, bars)
        se = pf.se
        se.remove_all()
        for code, proto in protos:
            se.add_stock(stocks[code], proto)
    tm = hku.crtTM(to_datetime(since), cash, cost, f"TM {pf.name}")
    pf.tm = tm
    pf.run(hku.Query(0, ktype=HIKYUU_KTYPE[ktype]), True)
    out = []
    for tr in tm.get_trade_list():
        side = {hku.BUSINESS.BUY: "buy", hku.BUSINESS.SELL: "sell"}.get(tr.business)
        if side is not None:
            out.append((from_datetime(tr.datetime), normalize_code(tr.stock.market_code), side,
                        float(tr.real_price), float(tr.number), tr))
    return out


def _dt(value: np.datetime64) -> Any:
    return np.asarray(value).astype("M8[us]").item()


def _finite(value: Any) -> float:
    x = float(value)
    return x if np.isfinite(x) else 0.0


def crt_pf_strategy(pf: Any, ktype: str | KType = KType.DAY, cost: Any = None, name: str = "PFStrategy", *,
                    at: time = time(14, 50), bars: str | None = None, bridge: HikyuuBroker | None = None,
                    every: timedelta | None = None,
                    hikyuu_ini: str | Path | None = None, cash: float | None = None,
                    **strategy_kwargs: Any) -> Strategy:
    """Hikyuu's ``crt_pf_strategy`` on our runtime: a ``Strategy`` trading ``pf`` on its selector's stocks.

    As Hikyuu's: intraday portfolios run every bar (or ``every``), day and longer at ``at`` (14:50) on the day's
    bar under way.
    ``hikyuu_ini``: the ``hikyuu.ini`` (or its folder) Hikyuu's ``StockManager`` reads its markets from (default
    the config home's). ``strategy_kwargs`` go to ``Strategy``; the runner is ``stg.portfolio_runner`` (also
    ``stg.system_runners``, what ``hikyuu_parity`` reads).
    """
    k = parse_ktype(ktype)
    runner = PortfolioRunner(pf, k, bridge, cost, bars=bars or ("finished" if k.is_intraday else "current"),
                             name=name, config=hikyuu_ini, cash=cash)
    ktypes = [k] if k is KType.DAY else [k, KType.DAY]
    stg = Strategy(runner.stocks, ktypes, name=name, **strategy_kwargs)
    if k.is_intraday or every is not None:
        stg.run_daily(runner, every or timedelta(minutes=k.minutes))
    else:
        stg.run_daily_at(runner, at)
    stg.portfolio_runner = runner  # type: ignore[attr-defined]
    stg.system_runners = [runner]  # type: ignore[attr-defined]
    return stg
