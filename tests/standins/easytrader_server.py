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

``faults`` (``HttpFaults``) breaks the transport instead: the next N POSTs get a 503 before reaching the
app (``drop_before``) or reach it and lose their answer (``drop_after``, a 502 replaces it).
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

from easytrader.exceptions import TradeError
from werkzeug.serving import make_server

MARKET_LABEL = {"SH": "上海Ａ股", "SZ": "深圳Ａ股", "BJ": "北京Ａ股"}


class FakeTrader:
    def __init__(self, cash: float = 1_000_000.0, password: str = "", market_column: bool = True,
                 entrust_ids: bool = True) -> None:
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
        return [{k: v for k, v in e.items() if k not in drop} for e in self.entrusts]

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

    def add_entrust(self, code: str, side: str, price: float, amount: int) -> str:
        """An order placed by hand in the client (not by the broker under test)."""
        return self._record(side, code, price, amount, self.fill)

    def _trade(self, side: str, security: str, price: float, amount: int) -> dict[str, str]:
        with self._lock:
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

    def _record(self, side: str, code: str, price: float, amount: int, fill: bool) -> str:
        entrust_no = str(next(self._ids))
        self.entrusts.append({
            "委托时间": "10:00:00", "证券代码": code, "证券名称": f"股票{code}", "操作": side,
            "备注": "已成" if fill else "已报", "委托数量": amount, "成交数量": amount if fill else 0,
            "委托价格": price, "成交均价": price if fill else 0.0, "撤消数量": 0, "合同编号": entrust_no,
            "交易市场": "上海Ａ股" if code.startswith("6") else "深圳Ａ股"})
        if fill:
            self.trades.append({"成交时间": "10:00:00", "证券代码": code, "证券名称": f"股票{code}", "操作": side,
                                "成交数量": amount, "成交均价": price, "成交金额": round(price * amount, 2),
                                "合同编号": entrust_no, "成交编号": f"T{entrust_no}"})
        return entrust_no


class HttpFaults:
    """WSGI middleware that breaks the next POSTs: ``drop_before`` (503, never reaches the app) and
    ``drop_after`` (reaches the app, its answer is replaced by a 502)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.drop_before = 0
        self.drop_after = 0
        self.order_posts = 0  # POST /buy and /sell requests that arrived, broken or not

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
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


class EasyTraderServer:
    """``easytrader.server.app`` served on a free 127.0.0.1 port in a thread; a context manager."""

    def __init__(self, trader: FakeTrader) -> None:
        import easytrader.server as server

        self.trader = trader
        self._server_module = server
        self._saved: dict[str, Any] = {}
        self.faults = HttpFaults(server.app.wsgi_app)
        self.port = 0
        self._http: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> EasyTraderServer:
        srv = self._server_module
        self._saved = {"user": srv.global_store.get("user"), "use": srv.api.use, "wsgi": srv.app.wsgi_app}
        srv.global_store["user"] = self.trader
        srv.api.use = lambda broker, **kw: self.trader  # /prepare logs in to the fake
        srv.app.wsgi_app = self.faults
        self._http = make_server("127.0.0.1", 0, srv.app, threaded=True)
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
