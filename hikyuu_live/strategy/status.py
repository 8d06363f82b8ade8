"""The status channel of a strategy process: state, account, P&L, orders and fills, asked over NNG.

A strategy started with ``status="ipc:///tmp/my_status.ipc"`` (``--status ADDRESS`` of the standard
options) answers NNG request/reply on that address, from a worker thread, so nothing here runs in or
waits for the strategy's own event loop. It works for any broker: the figures come from the broker's
public API (``cash``, ``positions``, ``orders``, ``trades``) and the strategy's live quotes.

Protocol: the request is a UTF-8 JSON object, the answer ``{"ret": 0, "msg": "", "data": ...}`` (``ret``
non-zero with ``msg`` saying why on failure), like the data server's envelope.

- ``{"cmd": "status"}`` -> a snapshot (``STATUS_VERSION`` 1)::

    {"version", "name", "pid", "state": "preloading"|"starting"|"running"|"stopping", "started", "now",
     "quotation_server", "broker", "bus": {"connected", "stale"},
     "stats": {"spots", "cycles", "on_change_calls", "callback_errors", "late_events", "max_lateness_s"},
     "account": {"cash", "market_value", "equity", "realised_pnl", "unrealised_pnl"} | {"error": "..."},
     "positions": [{"market", "code", "name", "number", "sellable", "cost_price", "last_price",
                    "market_value", "unrealised_pnl"}],
     "orders": [Order.to_dict(), ...], "fills": [Fill.to_dict(), ...]}   # the newest MAX_ROWS of each

  Prices in yuan. ``unrealised_pnl`` = (last price - cost price) x shares, the last price from the
  strategy's own quotes (the cost price where no quote came yet). ``realised_pnl`` is computed from the
  fills the broker reports by the average-cost method, fees included: for the paper broker every fill
  since its state file began, for easytrader today's. A broker that cannot be read gives
  ``account.error`` and empty lists; the rest of the snapshot still comes.
- ``{"cmd": "stop"}`` -> ``{"stopping": true}``: the strategy stops as on Ctrl-C (a clean stop on Windows
  too, where a console control event may not reach it).

Snapshots are cached for ``min_interval_s`` (1 s), so many watchers cannot turn into a flood of broker
queries (easytrader's are HTTP calls to the trading client's machine).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from hikyuu_live.bus import RequestServer, request_once
from hikyuu_live.clock import EXCHANGE_TZ
from hikyuu_live.errors import HikyuuLiveError

log = logging.getLogger(__name__)

STATUS_VERSION = 1
MAX_ROWS = 500
RET_OK, RET_BAD_REQUEST, RET_FAILED = 0, 1, 2


def realised_pnl(fills: Iterable[Any], opening_cost: dict[str, tuple[int, float]] | None = None) -> dict[str, float]:
    """Realised P&L per market code (yuan) from fills in time order, by the average-cost method.

    ``fills``: objects with ``market``, ``code``, ``side``, ``price``, ``number``, ``fee``. A sell of
    shares bought before the first fill uses ``opening_cost[code] = (shares, cost price)`` when given.
    """
    held: dict[str, tuple[int, float]] = dict(opening_cost or {})  # code -> (shares, total cost yuan)
    held = {k: (n, n * p) for k, (n, p) in held.items()}
    out: dict[str, float] = {}
    for fill in fills:
        key = f"{fill.market}{fill.code}"
        qty, cost = held.get(key, (0, 0.0))
        if fill.side == "buy":
            held[key] = (qty + fill.number, cost + fill.price * fill.number + fill.fee)
            continue
        avg = cost / qty if qty > 0 else fill.price  # unknown cost: count no gain rather than invent one
        sold = min(fill.number, qty) if qty > 0 else fill.number
        out[key] = out.get(key, 0.0) + fill.price * fill.number - fill.fee - avg * fill.number
        held[key] = (max(0, qty - sold), max(0.0, cost - avg * sold))
    return {k: round(v, 2) for k, v in out.items()}


def _state(stg: Any) -> str:
    if getattr(stg, "stop_requested", False):
        return "stopping"
    if stg.running:
        return "running"
    # the channel opens before the preload and closes when the loop has ended: anything else is the start
    return "preloading" if getattr(stg, "bars", None) is None else "starting"


def _account(stg: Any, broker: Any) -> dict[str, Any]:
    """Account figures, positions, orders and fills from any broker's public API."""
    cash = float(broker.cash())
    positions = []
    unrealised = market_value = 0.0
    for p in broker.positions():
        if p.number <= 0:
            continue
        last = stg.quotes.price(p.market, p.code)
        price = last if last is not None else p.cost_price
        pnl = (price - p.cost_price) * p.number
        quote = stg.quotes.quote(p.market, p.code)
        positions.append({"market": p.market, "code": p.code, "name": p.name or (quote[1] if quote else ""),
                          "number": p.number, "sellable": p.sellable, "cost_price": round(p.cost_price, 4),
                          "last_price": last, "market_value": round(price * p.number, 2),
                          "unrealised_pnl": round(pnl, 2)})
        unrealised += pnl
        market_value += price * p.number
    trades = broker.trades()
    realised = sum(realised_pnl(trades).values())
    orders = [o.to_dict() for o in broker.orders()[-MAX_ROWS:]]
    return {"account": {"cash": round(cash, 2), "market_value": round(market_value, 2),
                        "equity": round(cash + market_value, 2), "realised_pnl": round(realised, 2),
                        "unrealised_pnl": round(unrealised, 2)},
            "positions": positions, "orders": orders, "fills": [t.to_dict() for t in trades[-MAX_ROWS:]]}


def snapshot(stg: Any) -> dict[str, Any]:
    """The status of strategy ``stg`` (see the module docstring); never raises for a broker problem."""
    st, sub = stg.stats, stg.subscriber
    broker = stg.broker
    out: dict[str, Any] = {
        "version": STATUS_VERSION, "name": stg.name, "pid": os.getpid(), "state": _state(stg),
        "started": getattr(stg, "status_started", ""), "now": stg.now().astimezone(EXCHANGE_TZ).isoformat(),
        "quotation_server": stg.quotation_server,
        "broker": broker if isinstance(broker, str) or broker is None else getattr(broker, "name", "?"),
        "bus": {"connected": bool(sub is not None and sub.is_connected),
                "stale": bool(sub is not None and sub.is_stale)},
        "stats": {"spots": st.spots, "cycles": st.cycles, "on_change_calls": st.on_change_calls,
                  "callback_errors": st.callback_errors, "late_events": st.late_events,
                  "max_lateness_s": round(st.max_lateness_s, 3)},
        "account": {}, "positions": [], "orders": [], "fills": [],
    }
    if broker is None or isinstance(broker, str):
        out["account"] = {"error": "broker not opened yet"}
        return out
    try:
        out.update(_account(stg, broker))
    except Exception as e:  # noqa: BLE001 - a broker that cannot be read must not silence the rest
        log.warning("%s: status could not read the broker: %s", stg.name, e)
        out["account"] = {"error": f"{type(e).__name__}: {e}"}
    return out


class StatusServer:
    """Answers status requests about one ``Strategy`` on ``address`` (see the module docstring)."""

    def __init__(self, strategy: Any, address: str, *, min_interval_s: float = 1.0) -> None:
        self.strategy = strategy
        self.address = address
        self.min_interval_s = min_interval_s
        self._server = RequestServer(address, self._handle, workers=1, name="status")
        self._lock = threading.Lock()
        self._cached: tuple[float, bytes] | None = None

    def start(self) -> StatusServer:
        self.strategy.status_started = datetime.now(EXCHANGE_TZ).isoformat(timespec="seconds")
        self._server.start()
        log.info("%s answers status requests on %s", self.strategy.name, self.address)
        return self

    def close(self) -> None:
        self._server.close()

    def __enter__(self) -> StatusServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _handle(self, body: bytes) -> bytes:
        try:
            request = json.loads(body.decode("utf-8"))
            cmd = request.get("cmd") if isinstance(request, dict) else None
        except (UnicodeDecodeError, ValueError):
            cmd = None
        if cmd == "status":
            return self._status()
        if cmd == "stop":
            log.info("%s: stop requested over the status channel", self.strategy.name)
            self.strategy.stop()
            return _answer(RET_OK, "", {"stopping": True})
        return _answer(RET_BAD_REQUEST, 'unknown request; send {"cmd": "status"} or {"cmd": "stop"}')

    def _status(self) -> bytes:
        with self._lock:
            now = time.monotonic()
            if self._cached is not None and now - self._cached[0] < self.min_interval_s:
                return self._cached[1]
            try:
                reply = _answer(RET_OK, "", snapshot(self.strategy))
            except Exception as e:  # noqa: BLE001 - answer every request
                log.exception("status snapshot failed")
                return _answer(RET_FAILED, f"{type(e).__name__}: {e}")
            self._cached = (now, reply)
            return reply


def _answer(ret: int, msg: str, data: Any = None) -> bytes:
    return json.dumps({"ret": ret, "msg": msg, "data": data}, ensure_ascii=False, default=str).encode("utf-8")


class StatusError(HikyuuLiveError):
    """The strategy answered with an error (``ret`` non-zero)."""

    retryable = False


def _ask(address: str, cmd: str, timeout_s: float) -> Any:
    raw = request_once(address, json.dumps({"cmd": cmd}).encode(), timeout_s=timeout_s)
    answer = json.loads(raw.decode("utf-8"))
    if answer.get("ret") != RET_OK:
        raise StatusError(f"{address}: {answer.get('msg')}")
    return answer.get("data")


def query_status(address: str, timeout_s: float = 2.0) -> dict[str, Any]:
    """The snapshot of the strategy answering on ``address``; ``BusBroken``/``BusTimeout`` if none does."""
    data = _ask(address, "status", timeout_s)
    if not isinstance(data, dict):
        raise StatusError(f"{address}: not a status snapshot")
    return data


def request_stop(address: str, timeout_s: float = 2.0) -> None:
    """Ask the strategy answering on ``address`` to stop (it stops as on Ctrl-C)."""
    _ask(address, "stop", timeout_s)


__all__ = ["MAX_ROWS", "STATUS_VERSION", "StatusError", "StatusServer", "query_status", "realised_pnl",
           "request_stop", "snapshot"]
