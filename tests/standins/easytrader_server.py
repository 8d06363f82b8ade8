"""The real ``easytrader.server`` Flask app on 127.0.0.1, with a fake desktop-client trader behind it.

``easytrader.server`` keeps its logged-in trader in the module global ``global_store["user"]`` (set by
``/prepare`` from ``easytrader.api.use(broker)``). ``EasyTraderServer`` sets that global to a
``FakeTrader`` and points ``api.use`` at it too, so both the login path and every trading endpoint run the
server's own code over real HTTP. ``FakeTrader`` answers with the Chinese column titles a 同花顺-style
client shows, and has knobs for the failures users report:

- ``ghost_orders``: the next N orders answer ``{"entrust_no": ...}`` but never appear (GUI popup ate them).
- ``fail_before_place`` / ``fail_after_place``: the next N orders raise a GUI exception before / after
  placing the order (the server answers HTTP 400 either way).
- ``refuse_with``: the next order raises ``TradeError`` with this text (the broker said no).
- ``fill``: whether placed orders fill at once (已成) or stay open (已报).
- ``hang_s``: every order first hangs this long (a modal pop-up in the client), times ``time_scale``, then
  is placed (or not, see ``never_place``) and answered. Queries are answered meanwhile.
- ``never_place``: orders are never placed: after the hang the client answers an error.
- ``hide_filled``: the entrust grid lists open orders only; filled ones show only among the trades.

Rows carry the time they were entered (``委托时间``/``成交时间``, ``HH:MM:SS``) from ``now`` (default: the
exchange's wall clock; ``start_time`` runs a clock from that time at real speed).

``faults`` (``HttpFaults``) breaks the transport instead: the next N POSTs get a 503 before reaching the
app (``drop_before``) or reach it and lose their answer (``drop_after``, a 502 replaces it).

Run as a process (``python -m tests.standins.easytrader_server --port 0``): it prints ``PORT <n>`` and
serves until killed; ``POST /_standin/config`` (JSON: trader and fault attributes) sets the knobs and
``GET /_standin/state`` answers what the client holds (``placed``, ``entrusts``, ``buy_calls``, ...).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from easytrader.exceptions import TradeError
from werkzeug.serving import make_server

from hikyuu_live.clock import EXCHANGE_TZ

MARKET_LABEL = {"SH": "上海Ａ股", "SZ": "深圳Ａ股", "BJ": "北京Ａ股"}


class FakeTrader:
    def __init__(self, cash: float = 1_000_000.0, password: str = "", market_column: bool = True,
                 entrust_ids: bool = True, now: Callable[[], datetime] | None = None,
                 time_scale: float = 1.0) -> None:
        self.cash = cash
        self.entrust_ids = entrust_ids  # False: the grid has no 合同编号 column (some clients)
        self.password = password
        self.market_column = market_column
        self.positions: dict[str, dict[str, Any]] = {}
        self.entrusts: list[dict[str, Any]] = []
        self.trades: list[dict[str, Any]] = []
        self.placed: list[tuple[str, str, float, int]] = []  # every order really placed
        self.buy_calls = 0
        self.sell_calls = 0
        self.prepare_calls: list[dict[str, Any]] = []
        self.ghost_orders = 0
        self.fail_before_place = 0
        self.fail_after_place = 0
        self.refuse_with = ""
        self.fill = True
        self.hang_s = 0.0
        self.hide_filled = False  # the entrust grid lists open orders only (filled ones only among trades)
        self.never_place = False
        self.time_scale = time_scale
        self.answered = 0  # order requests answered (placed or not)
        self.now = now or (lambda: datetime.now(EXCHANGE_TZ))
        self._ids = itertools.count(5001)
        self._lock = threading.Lock()

    # the properties the server reads
    def prepare(self, config_path: Any = None, user: Any = None, password: Any = None, exe_path: Any = None,
                comm_password: Any = None, **kwargs: Any) -> None:
        self.prepare_calls.append({"user": user, "password": password, "comm_password": comm_password})
        if self.password and password != self.password:
            raise RuntimeError(f"login failed: account {user} password {password} rejected")

    @property
    def balance(self) -> dict[str, Any]:
        return {"资金余额": round(self.cash, 2), "冻结资金": 0.0, "可用金额": round(self.cash, 2),
                "可取金额": round(self.cash, 2), "股票市值": 0.0, "总资产": round(self.cash, 2)}

    @property
    def position(self) -> list[dict[str, Any]]:
        return [dict(p) for p in self.positions.values()]

    @property
    def today_entrusts(self) -> list[dict[str, Any]]:
        drop = () if self.entrust_ids else ("合同编号",)
        shown = [e for e in self.entrusts if not (self.hide_filled and e["备注"] == "已成")]
        return [{k: v for k, v in e.items() if k not in drop} for e in shown]

    @property
    def today_trades(self) -> list[dict[str, Any]]:
        return [dict(t) for t in self.trades]

    def buy(self, security: str, price: float, amount: int, **kwargs: Any) -> dict[str, str]:
        self.buy_calls += 1
        return self._trade("买入", security, price, amount)

    def sell(self, security: str, price: float, amount: int, **kwargs: Any) -> dict[str, str]:
        self.sell_calls += 1
        return self._trade("卖出", security, price, amount)

    # helpers for tests
    def hold(self, market: str, code: str, number: int, sellable: int, cost: float, name: str = "") -> None:
        row = {"证券代码": code, "证券名称": name or f"股票{code}", "股票余额": number, "可用余额": sellable,
               "冻结数量": 0, "成本价": cost, "市价": cost, "市值": round(cost * number, 2)}
        if self.market_column:
            row["交易市场"] = MARKET_LABEL[market]
        self.positions[code] = row

    def add_entrust(self, code: str, side: str, price: float, amount: int, at: str = "") -> str:
        """An order placed by hand in the client (not by the broker under test), entered at ``at``
        (``HH:MM:SS``; default: now)."""
        return self._record(side, code, price, amount, self.fill, at)

    def _trade(self, side: str, security: str, price: float, amount: int) -> dict[str, str]:
        if self.hang_s > 0:
            time.sleep(self.hang_s * self.time_scale)  # a pop-up holds the GUI; queries still answer
        try:
            return self._trade_now(side, security, price, amount)
        finally:
            self.answered += 1

    def _trade_now(self, side: str, security: str, price: float, amount: int) -> dict[str, str]:
        with self._lock:
            if self.never_place:
                raise RuntimeError("pywinauto timed out: the 委托 window never took the order")
            code = security[-6:]
            if self.refuse_with:
                text, self.refuse_with = self.refuse_with, ""
                raise TradeError(text)
            if self.fail_before_place > 0:
                self.fail_before_place -= 1
                raise RuntimeError("ElementNotFoundError: 买入 window not found")
            if self.ghost_orders > 0:
                self.ghost_orders -= 1
                return {"entrust_no": str(next(self._ids))}
            entrust_no = self._record(side, code, price, amount, self.fill)
            self.placed.append((side, code, float(price), int(amount)))
            if self.fail_after_place > 0:
                self.fail_after_place -= 1
                raise RuntimeError("pywinauto timed out waiting for the confirmation popup")
            return {"entrust_no": entrust_no}

    def _record(self, side: str, code: str, price: float, amount: int, fill: bool, at: str = "") -> str:
        entrust_no = str(next(self._ids))
        at = at or self.now().strftime("%H:%M:%S")
        self.entrusts.append({
            "委托时间": at, "证券代码": code, "证券名称": f"股票{code}", "操作": side,
            "备注": "已成" if fill else "已报", "委托数量": amount, "成交数量": amount if fill else 0,
            "委托价格": price, "成交均价": price if fill else 0.0, "撤消数量": 0, "合同编号": entrust_no,
            "交易市场": "上海Ａ股" if code.startswith("6") else "深圳Ａ股"})
        if fill:
            self.trades.append({"成交时间": at, "证券代码": code, "证券名称": f"股票{code}", "操作": side,
                                "成交数量": amount, "成交均价": price, "成交金额": round(price * amount, 2),
                                "合同编号": entrust_no, "成交编号": f"T{entrust_no}"})
        return entrust_no


class HttpFaults:
    """WSGI middleware that breaks the next POSTs: ``drop_before`` (503, never reaches the app) and
    ``drop_after`` (reaches the app, its answer is replaced by a 502)."""

    def __init__(self, app: Any, trader: FakeTrader | None = None) -> None:
        self.app = app
        self.trader = trader
        self.drop_before = 0
        self.drop_after = 0
        self.order_posts = 0  # POST /buy and /sell requests that arrived, broken or not

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if str(environ.get("PATH_INFO", "")).startswith("/_standin/"):
            return self._control(environ, start_response)
        if environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO") in ("/buy", "/sell"):
            self.order_posts += 1
            if self.drop_before > 0:
                self.drop_before -= 1
                start_response("503 Service Unavailable", [("Content-Type", "text/html")])
                return [b"<html>proxy: upstream busy</html>"]
            if self.drop_after > 0:
                self.drop_after -= 1
                body = self.app(environ, lambda *a, **k: None)
                b"".join(body)
                start_response("502 Bad Gateway", [("Content-Type", "text/html")])
                return [b"<html>proxy: connection reset</html>"]
        return self.app(environ, start_response)

    def _control(self, environ: dict[str, Any], start_response: Any) -> Any:
        """``/_standin/config`` (POST JSON: knobs of the trader or of this middleware) and ``/_standin/state``."""
        trader = self.trader
        assert trader is not None
        if environ["PATH_INFO"] == "/_standin/config":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            for key, value in json.loads(environ["wsgi.input"].read(size) or b"{}").items():
                target = self if key in ("drop_before", "drop_after") else trader
                if key == "hold":
                    trader.hold(*value)
                    continue
                if not hasattr(target, key) or key.startswith("_"):
                    start_response("400 Bad Request", [("Content-Type", "text/plain")])
                    return [f"unknown knob {key}".encode()]
                setattr(target, key, value)
            body: dict[str, Any] = {"ok": True}
        else:
            body = {"placed": trader.placed, "entrusts": trader.today_entrusts, "trades": trader.today_trades,
                    "buy_calls": trader.buy_calls, "sell_calls": trader.sell_calls, "answered": trader.answered,
                    "order_posts": self.order_posts}
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(body, ensure_ascii=False).encode()]


class EasyTraderServer:
    """``easytrader.server.app`` served on a free 127.0.0.1 port in a thread; a context manager."""

    def __init__(self, trader: FakeTrader, port: int = 0) -> None:
        import easytrader.server as server

        self.trader = trader
        self._server_module = server
        self._saved: dict[str, Any] = {}
        self.faults = HttpFaults(server.app.wsgi_app, trader)
        self.port = port
        self._http: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> EasyTraderServer:
        srv = self._server_module
        self._saved = {"user": srv.global_store.get("user"), "use": srv.api.use, "wsgi": srv.app.wsgi_app}
        srv.global_store["user"] = self.trader
        srv.api.use = lambda broker, **kw: self.trader  # /prepare logs in to the fake
        srv.app.wsgi_app = self.faults
        self._http = make_server("127.0.0.1", self.port, srv.app, threaded=True)
        self.port = self._http.server_port
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.05,), name="easytrader-server",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._http is None:
            return
        self._http.shutdown()
        self._http.server_close()
        self._http = None
        if self._thread is not None:
            self._thread.join(5)
        srv = self._server_module
        srv.app.wsgi_app = self._saved.get("wsgi", srv.app.wsgi_app)
        srv.api.use = self._saved.get("use", srv.api.use)
        if self._saved.get("user") is None:
            srv.global_store.pop("user", None)
        else:
            srv.global_store["user"] = self._saved["user"]

    def __enter__(self) -> EasyTraderServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    """A stand-in trading client in its own process: ``PORT <n>`` on stdout, then serve until killed."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--cash", type=float, default=1_000_000.0)
    ap.add_argument("--time-scale", type=float, default=1.0, help="factor applied to every hang (tests: 0.02)")
    ap.add_argument("--start-time", default="", help="HH:MM:SS the client's clock shows at start (default: now)")
    args = ap.parse_args(argv)
    now: Callable[[], datetime] | None = None
    if args.start_time:
        t0, base = time.monotonic(), datetime.combine(datetime.now(EXCHANGE_TZ).date(),
                                                      datetime.strptime(args.start_time, "%H:%M:%S").time())
        now = lambda: base + timedelta(seconds=time.monotonic() - t0)  # noqa: E731
    trader = FakeTrader(cash=args.cash, now=now, time_scale=args.time_scale)
    server = EasyTraderServer(trader, port=args.port).start()
    print(f"PORT {server.port}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()
    sys.exit(0)


if __name__ == "__main__":
    main()
