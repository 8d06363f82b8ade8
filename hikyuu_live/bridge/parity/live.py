"""The live half of a parity run: the recording replayed by the replay collector (its own process) onto a private
quote bus, the strategy subscribed as in production (live bars on the store's history, its timers on the
replayed market's time) trading on a fresh paper broker.

Every ``get_kdata`` of the strategy is watched: a read whose newest bar was not final at that moment and held
quotes of a minute not finished yet is remembered, and an order placed at that moment for that stock is marked
as decided on an unfinished bar (the backtest can never see such a bar). A trading system's decisions come
from its runners (each run knows whether its bar was final).

Orders: the paper broker is asynchronous like every broker (``buy`` answers ``pending``, its worker fills a
moment later), and nothing here makes the strategy wait for it: the live run trades as production does. At
the replay's pace (``--speed`` 60: a minute of the day in a second) the worker's fill, a matter of
milliseconds, is in the account long before the next decision. That is checked, not assumed: every account
read of the strategy (``cash``, ``positions``, ``position``, ``get_asset_info``; a system's reads through its
bridge, ``HikyuuBroker.unsettled``) made while an order was still on its way is remembered, and a difference
at that moment is named ``order on its way``. At the end the broker's worker is waited for (``drain``) before
its orders are read, and stopped (``close``) before the work folder goes.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np

from hikyuu_live.bridge.parity.day import History
from hikyuu_live.bridge.parity.strategies import ParityStrategy
from hikyuu_live.bridge.parity.trades import Trade
from hikyuu_live.clock import MarketClock
from hikyuu_live.model.kdata import KType, parse_ktype
from hikyuu_live.strategy.bar_time import final_times
from hikyuu_live.strategy.broker import OrderStatus
from hikyuu_live.strategy.broker.paper import PaperBroker

log = logging.getLogger(__name__)
SETTLE_S = 30.0  # at the end, longest wait for orders still on their way (the paper broker fills in ms)


@dataclass(slots=True)
class LiveResult:
    trades: list[Trade]
    labels: dict[tuple[str, str], set[np.datetime64]] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    unfinished_reads: dict[str, dict[np.datetime64, str]] = field(default_factory=dict)
    unsettled_reads: dict[str, dict[np.datetime64, str]] = field(default_factory=dict)


class UnfinishedReads:
    """Which (second, stock) reads returned a bar that was still being built (see the module docstring)."""

    def __init__(self, stg: Any) -> None:
        self.stg = stg
        self.seen: dict[tuple[np.datetime64, str], str] = {}
        self.by_bar: dict[str, dict[np.datetime64, str]] = {}  # code -> bar label -> first unfinished read
        original = stg.get_kdata

        def get_kdata(stock: Any, start: Any = None, end: Any = None, ktype: Any = KType.DAY, *,
                      finished_only: bool = False, as_hikyuu: bool = False) -> Any:
            bars = original(stock, start, end, ktype, finished_only=finished_only)
            self._note(stg._key(stock), parse_ktype(ktype), bars)
            if as_hikyuu:
                from hikyuu_live.strategy.hikyuu_kdata import to_kdata

                return to_kdata(bars, stg._key(stock), ktype)
            return bars

        stg.get_kdata = get_kdata

    def _note(self, code: str, ktype: KType, bars: np.ndarray) -> None:
        if not len(bars):
            return
        now = self.stg.now().replace(tzinfo=None)
        at = np.datetime64(now, "us")
        label = bars["datetime"][-1]
        final = final_times(np.array([label]), ktype)[0]
        mid_minute = now.second != 0 or now.microsecond != 0
        if final > at and (ktype is KType.MIN or mid_minute):
            key = (np.datetime64(now.replace(microsecond=0), "us"), code)
            self.seen[key] = (f"the unfinished {ktype.value} bar {str(label)[11:16]} (final at "
                              f"{str(np.datetime64(final, 's'))[11:]}), read at {now:%H:%M:%S}")
            self.by_bar.setdefault(code, {}).setdefault(np.datetime64(label, "us"), self.seen[key])

    def about(self, when: np.datetime64, code: str) -> str:
        return self.seen.get((when, code), "")


class AccountReads:
    """Which account reads of the strategy found orders still on their way (see the module docstring): the
    broker's query methods are wrapped on this one broker object; ``by_code`` maps a stock (``"*"``: the whole
    account) to the second of the read and the orders that were not in the account yet."""

    def __init__(self, stg: Any, broker: PaperBroker) -> None:
        self.stg = stg
        self.broker = broker
        self.by_code: dict[str, dict[np.datetime64, str]] = {}
        self._inner = 0  # inside a watched call: ``position`` reads ``positions``, one read, not two
        for name in ("cash", "positions", "get_asset_info"):
            setattr(broker, name, self._watch(getattr(broker, name), global_read=True))
        broker.position = self._watch(broker.position, global_read=False)  # type: ignore[method-assign]

    def _watch(self, method: Any, *, global_read: bool) -> Any:
        def watched(*args: Any, **kwargs: Any) -> Any:
            if not self._inner:
                given = dict(zip(("market", "code"), args, strict=False)) | kwargs
                self._note(None if global_read else str(given.get("market", "")).upper() + str(given.get("code")))
            self._inner += 1
            try:
                return method(*args, **kwargs)
            finally:
                self._inner -= 1

        return watched

    def _note(self, code: str | None) -> None:
        waiting = [o for o in self.broker.orders() if o.status == OrderStatus.PENDING
                   and (code is None or o.market + o.code == code)]
        if not waiting:
            return
        now = self.stg.now().replace(tzinfo=None, microsecond=0)
        note = ", ".join(f"{o.side} {o.market}{o.code} x{o.number or '?'}" for o in waiting)
        self.by_code.setdefault(code or "*", {}).setdefault(np.datetime64(now, "us"), note)

    def about(self, when: np.datetime64, code: str) -> str:
        return self.by_code.get(code, {}).get(when) or self.by_code.get("*", {}).get(when, "")


def run_live(spec: ParityStrategy, recording: Path, day: date, history: History | None, workdir: Path,
             cash: float, *, speed: float = 60.0, timeout_s: float = 300.0, preload: int = 1000) -> LiveResult:
    """Replay ``recording`` into the strategy and return what its paper broker did (see the module docstring)."""
    bus = f"ipc://{workdir}/parity-bus.ipc"
    preloader = None
    if history is not None:
        def preloader(codes: list[str], ktype: KType, n: int) -> dict[str, np.ndarray]:
            return {c: history(c, ktype, day, n) for c in codes}

    stg = spec.build(quotation_server=bus, clock=MarketClock(), broker=None, preloader=preloader)
    broker = PaperBroker(workdir / "live_broker.json", cash, clock=stg.clock, price_source=stg.quotes.price,
                         quote_source=stg.quotes.quote)
    stg.broker = broker
    try:
        return _run(spec, stg, broker, recording, workdir, speed=speed, timeout_s=timeout_s)
    finally:
        broker.close()  # its worker stops before the work folder can go


def _run(spec: ParityStrategy, stg: Any, broker: PaperBroker, recording: Path, workdir: Path, *, speed: float,
         timeout_s: float) -> LiveResult:
    bus = stg.quotation_server
    reads = UnfinishedReads(stg)
    account = AccountReads(stg, broker)
    home = workdir / "collector-home"
    home.mkdir(exist_ok=True)
    env = dict(os.environ, HKU_HOME=str(home), PYTHONUNBUFFERED="1")
    server = subprocess.Popen(
        [sys.executable, "-m", "hikyuu_live.gui.spot_server", "--source", "replay", "--file", str(recording),
         "--speed", str(speed), "--max-gap", "1", "--ipc", bus, "--server", "none", "--wait-subscribers", "1"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def stop_when_replayed() -> None:
        server.wait()
        time.sleep(1.5)  # the last cycle reaches the strategy
        stg.stop()

    watcher = threading.Thread(target=stop_when_replayed, name="parity-live-stop", daemon=True)
    watcher.start()
    t0 = time.monotonic()
    try:
        stg.start(max_seconds=timeout_s)
    finally:
        if server.poll() is None:
            server.kill()
        _, err = server.communicate(timeout=30)
    if server.returncode != 0:
        raise RuntimeError(f"the replay collector failed (exit {server.returncode}): {err[-2000:]}")
    if time.monotonic() - t0 >= timeout_s:
        raise RuntimeError(f"the live run did not finish within {timeout_s:g} s")
    if not stg.stats.spots:
        raise RuntimeError("the strategy received no spots from the replay collector")
    if not broker.drain(SETTLE_S):  # the strategy's stop waited already (broker_drain_s); this makes sure
        raise RuntimeError(f"the live run's paper broker still had orders on their way after {SETTLE_S:g} s")
    runners = getattr(stg, "system_runners", None)
    if spec.is_system:
        trades = _system_trades(runners)
        unsettled = _system_unsettled(runners)
    else:
        trades = _order_trades(broker.orders(), reads, account)
        unsettled = account.by_code
    labels: dict[tuple[str, str], set[np.datetime64]] = {}
    assert stg.bars is not None
    start = np.datetime64(stg.bars.trading_day, "us")
    for code in spec.codes:
        for k in stg.context.ktype_list:
            if k.is_intraday:
                b = stg.bars.bars(code, k)
                labels[(code, k.value)] = set(b["datetime"][b["datetime"] >= start].tolist())
    stats = {"spots": stg.stats.spots, "cycles": stg.stats.cycles, "coalesced_spots": stg.stats.coalesced_spots,
             "timer_runs": stg.stats.timer_runs, "callback_errors": stg.stats.callback_errors,
             "reads_with_orders_on_their_way": sum(len(v) for v in unsettled.values())}
    if stg.stats.coalesced_spots:
        log.warning("parity: the strategy fell behind and merged %d spots: replay slower (--speed)",
                    stg.stats.coalesced_spots)
    if runners:
        for runner in runners:
            for run in runner.runs:
                if not run.final:
                    reads.by_bar.setdefault(runner.code, {}).setdefault(
                        np.datetime64(run.bar, "us"), f"the unfinished {runner.ktype.value} bar {str(run.bar)[11:16]}")
    return LiveResult(trades, labels, stats, f"replay collector -> bus -> live bars -> {spec.name} -> paper broker",
                      reads.by_bar, unsettled)


def _order_trades(orders: list[Any], reads: UnfinishedReads, account: AccountReads) -> list[Trade]:
    out = []
    for o in orders:
        when = np.datetime64(datetime.strptime(o.datetime, "%Y-%m-%d %H:%M:%S"), "us")
        price = o.filled_price if o.filled_number else o.price
        code = o.market + o.code
        out.append(Trade(when, code, o.side, float(price), float(o.number), str(o.status), o.reason,
                         unfinished=reads.about(when, code), unsettled=account.about(when, code)))
    return out


def _system_unsettled(runners: list[Any] | None) -> dict[str, dict[np.datetime64, str]]:
    """Per stock, the decision bars whose account read (Hikyuu's ``get_asset_info``) lacked orders on their way."""
    out: dict[str, dict[np.datetime64, str]] = {}
    for runner in runners or []:
        if runner.bridge is None:
            continue
        for when, note in runner.bridge.unsettled.items():
            bar = np.datetime64(datetime.strptime(when, "%Y-%m-%d %H:%M:%S"), "us")
            out.setdefault(runner.code, {})[bar] = note
    return out


def _system_trades(runners: list[Any] | None) -> list[Trade]:
    out: list[Trade] = []
    for runner in runners or []:
        bridge = runner.bridge
        if bridge is None:
            continue
        bridge.refresh()  # the broker has settled: the decisions' final status
        unfinished = {str(np.datetime64(r.bar, "s")).replace("T", " "): r for r in runner.runs if not r.final}
        for d in bridge.decisions():
            when = np.datetime64(datetime.strptime(d.decided_at, "%Y-%m-%d %H:%M:%S"), "us")
            o = d.order
            price = (o.filled_price if o.filled_number else o.price) if o is not None else d.price
            number = float(o.number) if o is not None else d.number
            run = unfinished.get(d.decided_at)
            note = f"the unfinished {runner.ktype.value} bar {d.decided_at[11:16]}" if run is not None else ""
            out.append(Trade(when, d.market + d.code, d.side, float(price), number, str(d.status),
                             d.reason or (o.reason if o is not None else ""), unfinished=note,
                             unsettled=bridge.unsettled.get(d.decided_at, "")))
    return out
