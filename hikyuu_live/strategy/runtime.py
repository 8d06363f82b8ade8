"""``Strategy``: a live strategy process, Hikyuu's API on hikyuu_live's bus, bars and brokers.

Threads and ordering. The bus subscriber decodes messages on its own thread and only queues them;
every user callback (``on_change``, ``on_received_spot``, timers) runs **serially in the thread that
called ``start()``**, as in Hikyuu, so user code needs no locks:

- ``on_change(stg, stock, spot)``: once per spot of a stock in the context, in arrival order, after the
  live bars have taken its message in (so ``get_kdata`` inside it already shows the spot, and no later spot
  of that stock). Messages found waiting together are taken in as one run (``hikyuu_live.strategy.dispatch``:
  a full-market burst of 60-spot messages costs one vectorised update instead of 84). Any time of day, as
  Hikyuu.
- ``on_received_spot(stg, rev_time)``: once per **cycle** (Hikyuu fired it once per data message despite
  its documentation), after every ``on_change`` of that cycle; ``rev_time`` is when the cycle closed.
- timers (``run_daily``, ``run_daily_at``): see ``hikyuu_live.strategy.schedule``.
- ``on_order(stg, order)``: each time an order's status changes (``pending``, then ``filled``,
  ``submitted``, ``rejected``, ``unconfirmed``, ...), with a copy of the broker's ``Order``. ``buy``,
  ``sell``, ``order`` and ``order_value`` never wait for the broker (its worker sends and confirms the
  order), so a slow or absent trading client never delays timers or ``on_change``; the outcome comes
  here. On stop the strategy waits up to ``broker_drain_s`` for orders still on their way.

A slow callback delays what is queued behind it; that delay is measured (``stats.max_lateness_s``,
a warning when an event waits longer than ``late_warn_s``), and when more than ``max_pending``
messages are waiting they are merged into one update carrying the newest spot of each stock
(``stats.coalesced_spots`` counts what was merged away): work never piles up unseen.
"""

from __future__ import annotations

import gc
import logging
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

import numpy as np

from hikyuu_live.bus import CycleReport, SpotSubscriber
from hikyuu_live.clock import EXCHANGE_TZ, Clock, LiveClock
from hikyuu_live.model.bars import LiveBars
from hikyuu_live.model.calendar import TradingCalendar
from hikyuu_live.model.codec import DecodedBatch
from hikyuu_live.model.kdata import KType, parse_ktype
from hikyuu_live.model.spot import BOOK_FIELDS, PRICE_FIELDS, Spot, market_codes
from hikyuu_live.strategy.callbacks import RuntimeStats, check_arity
from hikyuu_live.strategy.context import Stock, StrategyContext, normalize_code
from hikyuu_live.strategy.dispatch import Run, merge_runs
from hikyuu_live.strategy.preload import CONFIG_HOME, Preloader, home_of, preloader_of
from hikyuu_live.strategy.schedule import Timer, TimerTable
from hikyuu_live.strategy.trading import QuoteBook, TradingMixin

log = logging.getLogger(__name__)

DEFAULT_QUOTATION_SERVER = "ipc:///tmp/hikyuu_real.ipc"



@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while queued events are handled, back as it was after.

    A full-market cycle makes some 30,000 short-lived containers (a ``Spot`` and its four book lists per
    spot), which set off ~40 young-generation collections in the middle of the ``on_change`` calls: 2.4 ms
    of a 11 ms cycle (``bench/bench_burst.py``). Freed by reference counting, they never needed the
    collector; what survives is collected at the next allocation after the cycle."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()

class Strategy(TradingMixin):
    """A live strategy. See the module docstring for when each callback fires."""

    def __init__(
        self,
        code_list: Iterable[str] | None = None,
        ktype_list: Iterable[str | KType] | None = None,
        preload_num: Mapping[str, int] | None = None,
        name: str = "Strategy",
        config: Any = CONFIG_HOME,
        *,
        context: StrategyContext | None = None,
        quotation_server: str | None = None,
        broker: Any = None,
        broker_state: str | None = None,
        dataserver: str | None = None,
        preloader: Preloader | None = None,
        home: str | Path | None = None,
        is_trading_day: Callable[[date], bool] | None = None,
        clock: Clock | None = None,
        late_warn_s: float = 1.0,
        max_pending: int = 256,
        broker_drain_s: float = 10.0,
        status: str | None = None,
    ) -> None:
        self.name = name
        self.context = context or StrategyContext.create(code_list or (), ktype_list or ("DAY",), preload_num)
        self.config = config
        self.quotation_server = quotation_server or DEFAULT_QUOTATION_SERVER
        self.broker = broker  # a Broker, a registry name ("paper", "easytrader") or None for paper
        self.broker_state = broker_state
        self.dataserver = dataserver  # address of a dataserver to catch up from when starting late
        self.quotes = QuoteBook()
        self.clock = clock or LiveClock()
        self.is_trading_day = is_trading_day or TradingCalendar.shipped().is_trading_day
        # history: an explicit preloader, else the store of ``config``: the config home by default (as
        # Hikyuu), a folder given, or a loaded config; ``config=None`` reads no history
        self.preloader = preloader if preloader is not None else preloader_of(config)
        self.home = Path(home) if home is not None else home_of(config)  # where the paper broker keeps its state
        self.late_warn_s = late_warn_s
        self.max_pending = max_pending
        self.broker_drain_s = broker_drain_s
        self.stats = RuntimeStats()
        self._lazy = False  # lazy_preload: history still to read on first use
        self.timers = TimerTable(self.is_trading_day)
        self.bars: LiveBars | None = None
        self.subscriber: SpotSubscriber | None = None
        self._on_change: Callable[[Strategy, Stock, Spot], None] | None = None
        self._on_received: Callable[[Strategy, datetime], None] | None = None
        self._on_order: Callable[[Strategy, Any], None] | None = None
        self._broker_heard: Any = None  # the broker whose order changes reach on_order
        self._events: deque[tuple[str, Any, float]] = deque()
        self._wake = threading.Condition()
        self._stop = threading.Event()
        self._stocks: dict[str, Stock] = {}
        self.running = False
        self.is_backtesting = False
        self.status_address = status  # answer status requests there (``strategy/status.py``)

    # ------------------------------------------------------------------ registration
    def on_change(self, func: Callable[[Strategy, Stock, Spot], None]) -> Callable[..., None]:
        check_arity(func, 3, "on_change")
        self._on_change = func
        return func

    def on_received_spot(self, func: Callable[[Strategy, datetime], None]) -> Callable[..., None]:
        check_arity(func, 2, "on_received_spot")
        self._on_received = func
        return func

    def on_order(self, func: Callable[[Strategy, Any], None]) -> Callable[..., None]:
        """``func(stg, order)`` on every status change of an order (see the module docstring)."""
        check_arity(func, 2, "on_order")
        self._on_order = func
        return func

    def run_daily(self, func: Callable[[Strategy], None], interval: timedelta | float, market: str = "SH",
                  ignore_market: bool = False) -> Timer:
        check_arity(func, 1, "run_daily")
        delta = interval if isinstance(interval, timedelta) else timedelta(seconds=float(interval))
        if delta > timedelta(hours=1) and not ignore_market:
            log.warning("run_daily interval %s is longer than an hour: did you mean run_daily_at?", delta)
        return self.timers.add_daily(lambda: func(self), delta, market=market, ignore_market=ignore_market,
                                     name=getattr(func, "__name__", "run_daily"))

    def run_daily_at(self, func: Callable[[Strategy], None], at: dtime | timedelta,
                     ignore_holiday: bool = True) -> Timer:
        check_arity(func, 1, "run_daily_at")
        if isinstance(at, timedelta):
            if not timedelta(0) <= at < timedelta(days=1):
                raise ValueError("run_daily_at time must be within one day")
            at = (datetime.min + at).time()
        return self.timers.add_daily_at(lambda: func(self), at, ignore_holiday=ignore_holiday,
                                        name=getattr(func, "__name__", "run_daily_at"))

    # ------------------------------------------------------------------ data
    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        return self.clock.now().date()

    def stock(self, code: str) -> Stock:
        key = normalize_code(code)
        return self._stocks.get(key) or Stock(key[:2], key[2:])

    def _key(self, stock: Stock | str) -> str:
        return stock.market_code if isinstance(stock, Stock) else normalize_code(stock)

    def get_kdata(self, stock: Stock | str, start: date | datetime | None = None,
                  end: date | datetime | None = None, ktype: str | KType = KType.DAY, *,
                  finished_only: bool = False, as_hikyuu: bool = False) -> Any:
        """Bars in ``[start, end)`` (preloaded history, finished live bars and the current one).

        ``finished_only``: only bars that were final at ``now()`` (``strategy.bar_time``), what a backtest
        on stored bars sees at this moment. ``as_hikyuu``: a Hikyuu ``KData`` instead of a numpy array
        (extra ``hikyuu``; ``strategy.hikyuu_kdata``)."""
        if self.bars is None:
            raise RuntimeError("data is available once start() has begun")
        self._ensure_history()
        assert self.bars is not None
        k = parse_ktype(ktype)
        bars = self.bars.bars(self._key(stock), k)
        dt = bars["datetime"]
        mask = np.ones(len(bars), dtype=bool)
        if start is not None:
            mask &= dt >= np.datetime64(start, "us")
        if end is not None:
            mask &= dt < np.datetime64(end, "us")
        if finished_only:
            from hikyuu_live.strategy.bar_time import finished_mask

            mask &= finished_mask(bars, k, self.now())
        if as_hikyuu:
            from hikyuu_live.strategy.hikyuu_kdata import to_kdata

            return to_kdata(bars[mask], self._key(stock), k)
        return bars[mask]

    def get_last_kdata(self, stock: Stock | str, start: int | date | datetime = 1,
                       ktype: str | KType = KType.DAY, *, finished_only: bool = False,
                       as_hikyuu: bool = False) -> Any:
        """The last ``start`` bars (an int), or every bar since ``start`` (a date); options as ``get_kdata``."""
        if isinstance(start, int):
            bars = self.get_kdata(stock, ktype=ktype, finished_only=finished_only)
            bars = bars[-start:] if start > 0 else bars[:0]
            if as_hikyuu:
                from hikyuu_live.strategy.hikyuu_kdata import to_kdata

                return to_kdata(bars, self._key(stock), parse_ktype(ktype))
            return bars
        return self.get_kdata(stock, start=start, ktype=ktype, finished_only=finished_only, as_hikyuu=as_hikyuu)

    def get_current_price(self, stock: Stock | str, ktype: str | KType = KType.DAY) -> float | None:
        """Close of the newest bar if it is today's; None otherwise (as Hikyuu's null price)."""
        bars = self.get_last_kdata(stock, 1, ktype)
        if not len(bars) or bars["datetime"][0].astype("M8[D]").item() != self.today():
            return None
        return float(bars["close"][0])

    # ------------------------------------------------------------------ lifecycle
    def prepare(self) -> None:
        """Preload history, build live bars and schedule timers (``start`` calls it). With ``[hikyuu]
        lazy_preload = True`` in the config (as Hikyuu) the history is read on first use instead: the
        first ``get_kdata`` or the first spot, before any spot is taken in, so nothing is lost."""
        ctx = self.context
        codes = list(ctx.stock_list)
        self._lazy = bool(getattr(self.preloader, "lazy", False)) and not self.dataserver
        history = {} if self._lazy else self._read_history(codes)
        if self._lazy:
            log.info("%s: lazy_preload: history is read on first use", self.name)
        snapshot = None
        if self.dataserver:
            from hikyuu_live.strategy.catchup import catch_up

            snapshot = catch_up(self.dataserver, codes, ctx.ktype_list, history, self.today())
        self._history = history
        self.bars = LiveBars(codes, ctx.ktype_list, self.today(), history=history, is_trading_day=self.is_trading_day)
        if snapshot is not None and len(snapshot):
            self.bars.update(snapshot)
            self.quotes.update(snapshot)
        self._stocks = {c: Stock(c[:2], c[2:]) for c in codes}
        self.timers.schedule_all(self.now())
        # the preloaded state lives all day: keep it out of the collector's full passes, which
        # otherwise walk it every few thousand allocations and stall the event loop
        gc.collect()
        gc.freeze()

    def _read_history(self, codes: list[str]) -> dict[KType, Mapping[str, np.ndarray]]:
        history: dict[KType, Mapping[str, np.ndarray]] = {}
        if self.preloader is None:
            return history
        ctx = self.context
        wanted = set(ctx.ktype_list)
        if any(not k.is_intraday and k is not KType.DAY for k in wanted):
            wanted.add(KType.DAY)  # week..year bars are completed from day bars
        depth = getattr(self.preloader, "depth", None)  # [preload] <ktype>_max of the config (0 = all)
        for k in wanted:
            n = ctx.preload_for(k, depth(k)) if callable(depth) else ctx.preload_for(k)
            t = time.perf_counter()
            history[k] = self.preloader(codes, k, n)
            n, took = sum(len(v) for v in history[k].values()), time.perf_counter() - t
            self.stats.preloaded_bars += n
            self.stats.preload_s += took
            log.info("preloaded %s: %d stocks, %d bars in %.2f s", k, len(history[k]), n, took)
        close = getattr(self.preloader, "close", None)
        if close is not None:
            close()  # history is in memory now; a database connection would only idle all day
        return history

    def _ensure_history(self) -> None:
        """The lazy preload: read the history now and rebuild the (still empty) live bars over it."""
        if not getattr(self, "_lazy", False) or self.bars is None:
            return
        self._lazy = False
        self._history = self._read_history(list(self.bars.codes))
        self.bars = LiveBars(self.bars.codes, self.context.ktype_list, self.bars.trading_day, history=self._history,
                             is_trading_day=self.is_trading_day)

    def _follow_market_day(self) -> None:
        """First data under a MarketClock: today is the data's day, and timers run on its time."""
        assert self.bars is not None
        if self.bars.trading_day != self.today():
            self.bars = LiveBars(self.bars.codes, self.context.ktype_list, self.today(), history=self._history,
                                 is_trading_day=self.is_trading_day)
        self.timers.schedule_all(self.now())
        log.info("%s follows the market's time: %s", self.name, self.now())

    def _open_broker(self) -> Any:
        """A broker object is used as given; a name (or None = "paper") is created from the registry on
        first use, so a strategy that never orders never touches broker state. Its order changes are
        queued for ``on_order``."""
        if self.broker is not None and not isinstance(self.broker, str):
            if self._broker_heard is not self.broker and hasattr(self.broker, "add_listener"):
                self.broker.add_listener(self._queue_order)
                self._broker_heard = self.broker
                # a broker made by the caller trades on the bus's prices unless it was given its own
                if getattr(self.broker, "price_source", True) is None:
                    self.broker.price_source = self.quotes.price
                if getattr(self.broker, "quote_source", True) is None:
                    self.broker.quote_source = self.quotes.quote
            return self.broker
        from hikyuu_live.strategy.broker import create_broker

        name = self.broker or "paper"
        # every broker gets the live prices (orders at price 0) and yesterday's closes (daily limits)
        kw: dict[str, Any] = {"clock": self.clock, "price_source": self.quotes.price,
                              "quote_source": self.quotes.quote}
        if name == "paper":
            safe = "".join(ch if ch.isalnum() else "_" for ch in self.name)
            kw["state_path"] = self.broker_state or str(self.home / f"paper_broker_{safe}.json")
        self._ensure_history()
        if self.bars is not None and self.stats.preloaded_bars == 0:
            log.warning("!!! %s TRADES WITHOUT HISTORY: no bars were preloaded (config=None, --no-preload, no "
                        "hikyuu.ini in %s, or an empty store): every indicator sees today's live bars only. "
                        "Run importdata, or give Strategy(config=<config home>) !!!", self.name, self.home)
        self.broker = create_broker(name, **kw)
        log.info("%s trades through the %s broker", self.name, name)
        return self._open_broker()

    def start(self, auto_receive_spot: bool = True, *, max_seconds: float | None = None) -> None:
        """Run until Ctrl-C, SIGTERM, ``stop()`` or ``max_seconds``; every callback runs in this thread."""
        if not self.timers.timers and self._on_change is None and self._on_received is None:
            log.warning("%s has no callback and no timer: it will only keep bars", self.name)
        if auto_receive_spot:  # subscribe first: what arrives during preload and catch-up waits in the queue
            self.subscriber = SpotSubscriber(self.quotation_server, on_batch=self._queue_batch,
                                             on_cycle=self._queue_cycle, keep_latest=False)
            self.subscriber.start()
            deadline = time.monotonic() + 2.0  # connected before catching up: nothing falls in between
            while not self.subscriber.is_connected and time.monotonic() < deadline:
                time.sleep(0.01)
        status = self._serve_status()
        self.prepare()
        self._install_signals()
        self.running = True
        log.info("%s start event loop (quotes from %s)", self.name, self.quotation_server)
        stop_at = time.monotonic() + max_seconds if max_seconds else None
        try:
            while not self._stop.is_set():
                if stop_at is not None and time.monotonic() >= stop_at:
                    break
                self.run_pending(wait_s=0.2)
        finally:
            self.running = False
            if self.subscriber is not None:
                self.subscriber.stop()
                bus = self.subscriber.stats
                log.info("%s feed: cycles=%d complete=%d gaps=%d lost_cycles=%d restarts=%d refused_messages=%d "
                         "dropped_spots=%d", self.name, bus.cycles, bus.complete_cycles, bus.gaps, bus.lost_cycles,
                         bus.publisher_restarts, sum(bus.decode_errors.values()), sum(bus.dropped_spots.values()))
            self._settle_orders()
            if status is not None:
                status.close()
            log.info("%s stopped: %s", self.name, self.stats)

    def _settle_orders(self) -> None:
        """Give orders still on their way up to ``broker_drain_s``, then run their ``on_order`` calls."""
        broker = self._broker_heard
        if broker is None:
            return
        if not broker.drain(self.broker_drain_s):
            log.error("%s: orders still on their way at stop (see the broker's journal): %s", self.name,
                      ", ".join(str(o) for o in broker.orders() if o.status == "pending"))
        with self._wake:
            orders = [e for e in self._events if e[0] == "order"]
            self._events.clear()
        for _, order, _ in orders:
            if self._on_order is not None:
                self._call(self._on_order, self, order)

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def _serve_status(self) -> Any:
        """The status channel (``--status``): opened before the preload, so watchers see it happen; the
        broker is opened here, in this thread, so its figures are there before the first order."""
        if not self.status_address:
            return None
        from hikyuu_live.strategy.status import StatusServer

        self._open_broker()
        return StatusServer(self, self.status_address).start()

    def stop(self) -> None:
        self._stop.set()
        with self._wake:
            self._wake.notify_all()

    def _install_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for name in ("SIGINT", "SIGTERM", "SIGBREAK"):
            sig = getattr(signal, name, None)
            if sig is not None:
                signal.signal(sig, lambda *_: self.stop())

    # ------------------------------------------------------------------ event loop
    def _queue_batch(self, batch: DecodedBatch) -> None:
        self._push("batch", batch.spots)

    def _queue_cycle(self, report: CycleReport) -> None:
        self._push("cycle", report)

    def _queue_order(self, order: Any) -> None:
        self._push("order", order)

    def _push(self, kind: str, payload: Any) -> None:
        with self._wake:
            self._events.append((kind, payload, time.monotonic()))
            self._wake.notify()

    def run_pending(self, wait_s: float = 0.0) -> int:
        """Run due timers and queued events once; wait up to ``wait_s`` for work. Returns events handled."""
        self._run_due_timers()
        with self._wake:
            if not self._events and wait_s > 0:
                due = self.timers.next_due()
                if due is not None:
                    wait_s = min(wait_s, max(0.0, (due - self.now()).total_seconds()))
                self._wake.wait(wait_s)
            events = list(self._events)
            self._events.clear()
        if len(events) > self.max_pending:
            events = self._coalesce(events)
        with _collector_paused():
            self._handle_events(events)
        return len(events)

    def _handle_events(self, events: list[tuple[str, Any, float]]) -> None:
        for item in merge_runs(events):  # consecutive messages taken in together, same order of on_change
            queued = item.queued if isinstance(item, Run) else item[2]
            lateness = time.monotonic() - queued
            self.stats.max_lateness_s = max(self.stats.max_lateness_s, lateness)
            if lateness > self.late_warn_s:
                self.stats.late_events += 1
                log.warning("%s: event waited %.2f s behind slow callbacks", self.name, lateness)
            if isinstance(item, Run):
                self._handle_spots(item.spots, item.keys, item.messages)
            elif item[0] == "order":
                if self._on_order is not None:
                    self._call(self._on_order, self, item[1])
            else:
                self._handle_cycle(item[1])

    def _coalesce(self, events: list[tuple[str, Any, float]]) -> list[tuple[str, Any, float]]:
        """Merge a backlog of spot messages into one, newest spot per stock; keep cycle events."""
        batches = [e for e in events if e[0] == "batch"]
        if not batches:
            return events
        spots = np.concatenate([b[1] for b in batches])
        keys = market_codes(spots)
        _, last = np.unique(keys[::-1], return_index=True)
        merged = spots[len(spots) - 1 - last]
        merged = merged[np.argsort(merged["datetime"], kind="stable")]
        self.stats.coalesced_spots += len(spots) - len(merged)
        log.warning("%s: %d messages backed up; merged into one (%d older spots dropped)", self.name,
                    len(batches), len(spots) - len(merged))
        return [("batch", merged, batches[0][2])] + [e for e in events if e[0] != "batch"]

    def _call(self, func: Callable[..., Any], *args: Any) -> None:
        t = time.perf_counter()
        try:
            func(*args)
        except Exception:
            self.stats.callback_errors += 1
            log.exception("%s: callback %s failed", self.name, getattr(func, "__name__", func))
        finally:
            self.stats.slowest_callback_s = max(self.stats.slowest_callback_s, time.perf_counter() - t)

    def _handle_spots(self, spots: np.ndarray, keys: list[str] | None = None, messages: int = 1) -> None:
        """Take in spots (one message, or a run of them: ``hikyuu_live.strategy.dispatch``), then on_change."""
        self._ensure_history()
        assert self.bars is not None
        observe = getattr(self.clock, "observe", None)
        if observe is not None and len(spots) and getattr(self.clock, "observed", False):
            rest = self._timers_within(spots)
            if len(rest) != len(spots):  # timers took the early part: the caller's keys no longer match
                spots, keys = rest, None
        st = self.stats
        st.batches += messages
        st.runs += 1
        st.spots += len(spots)
        if observe is not None and len(spots):  # a MarketClock follows the data's own time
            first = not getattr(self.clock, "observed", True)
            observe(spots["datetime"].max().astype("M8[us]").item())
            if first:
                self._follow_market_day()
        if keys is None:
            keys = market_codes(spots).tolist()
        self.bars.update(spots, keys)
        if len(spots):
            self.quotes.update(spots, keys)
        if self._on_change is None or not len(spots):
            return
        stocks = self._stocks
        wanted = [i for i, k in enumerate(keys) if k in stocks]
        if not wanted:
            return
        sel = spots if len(wanted) == len(keys) else spots[wanted]
        # columns as Python lists once per message, then one Spot per row: ~2 µs a spot
        columns = [sel[f].tolist() for f in ("market", "code", "name")]
        columns.append(sel["datetime"].astype("M8[us]").tolist())
        columns += [sel[f].tolist() for f in (*PRICE_FIELDS, *BOOK_FIELDS)]
        func = self._on_change
        t = time.perf_counter()
        for i, row in zip(wanted, zip(*columns, strict=True), strict=True):
            stock = stocks[keys[i]]
            if not stock.name and row[2]:
                stock = stocks[keys[i]] = Stock(stock.market, stock.code, row[2])
            try:
                func(self, stock, Spot(*row))
            except Exception:
                st.callback_errors += 1
                log.exception("%s: on_change failed for %s", self.name, stock.market_code)
        st.on_change_calls += len(wanted)
        st.slowest_callback_s = max(st.slowest_callback_s, (time.perf_counter() - t) / len(wanted))

    def _handle_cycle(self, report: CycleReport) -> None:
        self.stats.cycles += 1
        if self._on_received is not None:
            rev = datetime.fromtimestamp(report.closed_us / 1e6, tz=EXCHANGE_TZ)
            self._call(self._on_received, self, rev)

    def _timers_within(self, spots: np.ndarray) -> np.ndarray:
        """On a MarketClock, a timer due at T runs when the data passes T, on the quotes stamped before T and
        none after (a message holding both is split): what the market was at T, as a backtest on stored bars
        sees it, however the recording's cycles fall. Returns the spots not taken in yet."""
        last: datetime | None = None
        while len(spots) and (due := self.timers.next_due()) is not None and (last is None or due > last):
            cut = np.datetime64(due.astimezone(EXCHANGE_TZ).replace(tzinfo=None), "us")
            early = spots["datetime"] < cut
            if early.all():
                break  # nothing in this message reaches the timer's time
            if early.any():
                self._handle_spots(spots[early])
                spots = spots[~early]
            self.clock.observe(due)  # type: ignore[attr-defined]
            self._run_due_timers()
            last = due
        return spots

    def _run_due_timers(self) -> None:
        now = self.now()
        for timer in self.timers.due_timers(now):
            assert timer.due is not None
            late = (now - timer.due).total_seconds()
            # on a MarketClock, time jumps with the data (the lunch break of a recording): not lateness
            if late > self.late_warn_s and not hasattr(self.clock, "observe"):
                timer.late_runs += 1
                timer.max_late_s = max(timer.max_late_s, late)
                log.warning("%s: timer %s ran %.2f s late", self.name, timer.name, late)
            t = time.perf_counter()
            self._call(timer.func)
            timer.runs += 1
            timer.total_s += time.perf_counter() - t
            self.stats.timer_runs += 1
            self.timers.schedule(timer, self.now(), after_run=True)
