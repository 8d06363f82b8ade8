"""A local stand-in for Tencent's quote service: ``GET /q=sh600000,sz000001,`` answered with GBK text
``v_sh600000="1~name~600000~...";`` lines (49 fields each, the real layout), from generated quotes.

Knobs (attributes of ``QQServer``, changeable while it runs): ``latency_s`` per request, ``fail_codes``
(a request containing one of them gets HTTP 500), ``fail_times`` (how many times those fail before
succeeding), ``hang_codes`` (the request sleeps ``hang_s``: a client timeout), ``malformed_codes`` (their
lines come truncated or with a non-numeric price), and unknown codes answer ``v_pv_none_match="1";``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

import numpy as np


@dataclass(frozen=True)
class Quote:
    market: str
    code: str
    name: str
    close: float
    yesterday_close: float
    open: float
    high: float
    low: float
    volume: float  # lots; the line carries STAR (688/689) volume in shares, as Tencent does
    amount: float  # 10,000 yuan
    bid: tuple[float, ...]
    bid_amount: tuple[float, ...]  # lots; in shares on the line for STAR
    ask: tuple[float, ...]
    ask_amount: tuple[float, ...]
    time: str  # YYYYMMDDhhmmss


_SYLLABLES = ("华中国东方新大科技电气股份银行证券天安信达通宏远泰恒瑞鑫盛源海光明金龙"
              "长城南北江山西湖云川苏浙沪深能源医药汽车材料")


def chinese_name(market: str, code: str) -> str:
    """A deterministic Chinese name for a code, GBK-encodable like Tencent's: 2-4 syllables, some with Tencent's
    full-width "Ａ" or the "*ST" prefix, ETFs ending in "ETF"."""
    rng = np.random.default_rng(int(code) * 3 + len(market))
    name = "".join(rng.choice(list(_SYLLABLES), size=int(rng.integers(2, 5))))
    kind = rng.integers(0, 40)
    if code.startswith(("51", "56", "58", "159")):
        return name[:3] + "ETF"
    return ("*ST" + name[:2]) if kind == 0 else (name[:3] + "Ａ") if kind == 1 else name


def tencent_universe(codes: list) -> dict[str, str]:  # list[CodeInfo]
    """``{"sh600000": name}`` for a code list, placeholder names (``SH600123``) replaced by ``chinese_name``:
    Tencent sends real GBK names, and the parser should be tested and measured on such text."""
    return {c.market.lower() + c.code: (chinese_name(c.market, c.code) if c.name == c.market + c.code else c.name)
            for c in codes}


def make_quote(market: str, code: str, name: str, poll: int = 0, when: str = "20261124100003") -> Quote:
    seed = int(code) * 7 + {"SH": 1, "SZ": 2, "BJ": 3}[market] + poll * 1_000_003
    rng = np.random.default_rng(seed)
    pre = round(float(rng.uniform(3, 90)), 2)
    close = round(pre * (1 + float(rng.uniform(-0.05, 0.05))), 2)
    open_ = round(pre * (1 + float(rng.uniform(-0.02, 0.02))), 2)
    high, low = max(open_, close) + 0.05, round(min(open_, close) - 0.05, 2)
    vol = float(rng.integers(100, 5_000_000))
    amount = round(vol * close / 100, 4)
    bid = tuple(round(close - 0.01 * i, 2) for i in range(5))
    ask = tuple(round(close + 0.01 * (i + 1), 2) for i in range(5))
    sizes = tuple(float(x) for x in rng.integers(1, 9999, 10))
    return Quote(market, code, name, close, pre, open_, round(high, 2), low, vol, amount, bid, sizes[:5], ask,
                 sizes[5:], when)


def in_shares(market: str, code: str) -> bool:
    """Tencent sends the volume and book sizes of the STAR market (SH 688/689) in shares, every other board in lots."""
    return market == "SH" and code.startswith(("688", "689"))


def quote_line(q: Quote) -> str:
    mid = {"SH": "1", "SZ": "51", "BJ": "62"}[q.market]
    k = 100 if in_shares(q.market, q.code) else 1
    vol = q.volume * k
    f = [""] * 53
    f[0], f[1], f[2] = mid, q.name, q.code
    f[3], f[4], f[5] = f"{q.close:.2f}", f"{q.yesterday_close:.2f}", f"{q.open:.2f}"
    f[6], f[7], f[8] = f"{vol:.0f}", f"{vol // 2:.0f}", f"{vol - vol // 2:.0f}"
    for i in range(5):
        f[9 + 2 * i], f[10 + 2 * i] = f"{q.bid[i]:.2f}", f"{q.bid_amount[i] * k:.0f}"
        f[19 + 2 * i], f[20 + 2 * i] = f"{q.ask[i]:.2f}", f"{q.ask_amount[i] * k:.0f}"
    f[30] = q.time
    f[31], f[32] = f"{q.close - q.yesterday_close:.2f}", f"{(q.close / q.yesterday_close - 1) * 100:.2f}"
    f[33], f[34] = f"{q.high:.2f}", f"{q.low:.2f}"
    f[35] = f"{q.close:.2f}/{vol:.0f}/{q.amount * 10000:.0f}"
    f[36], f[37] = f"{vol:.0f}", f"{q.amount:.4f}"
    f[29] = f"{q.time[8:10]}:{q.time[10:12]}:{q.time[12:]}/{q.close:.2f}/12/B/{q.close * 1200:.0f}/12345"
    f[38], f[39], f[40] = "0.52", "12.3", ""
    f[41], f[42], f[43] = f"{q.high:.2f}", f"{q.low:.2f}", "3.10"
    f[44], f[45], f[46] = "1234.5", "2345.6", "1.1"
    f[47], f[48] = f"{q.yesterday_close * 1.1:.2f}", f"{q.yesterday_close * 0.9:.2f}"
    f[49], f[50], f[51], f[52] = "1.05", "-123", f"{q.close:.2f}", "11.8"
    return f'v_{q.market.lower()}{q.code}="{"~".join(f)}";'


class QQServer:
    """Serve generated quotes for ``universe`` ({"sh600000": "name", ...}) on 127.0.0.1."""

    def __init__(self, universe: dict[str, str], *, latency_s: float = 0.0) -> None:
        self.universe = universe
        self.latency_s = latency_s
        self.fail_codes: set[str] = set()
        self.fail_times = 10**9
        self.hang_codes: set[str] = set()
        self.hang_s = 5.0
        self.malformed_codes: set[str] = set()
        self.poll = 0
        self.when = "20261124100003"
        self.requests = 0
        self._failures: dict[str, int] = {}
        self._lines: dict[tuple[str, int, str], str] = {}
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Tencent's servers
            disable_nagle_algorithm = True  # headers and body go in separate writes

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                server._handle(self)

        class Server(ThreadingHTTPServer):
            request_queue_size = 128  # the default listen backlog of 5 drops concurrent connects (1 s SYN retry)

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/q="

    def __enter__(self) -> QQServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def quote(self, symbol: str) -> Quote:
        return make_quote(symbol[:2].upper(), symbol[2:], self.universe[symbol], self.poll, self.when)

    def line(self, symbol: str) -> str:
        """The quote line of ``symbol`` for the current poll (generated once, then cached)."""
        key = (symbol, self.poll, self.when)
        line = self._lines.get(key)
        if line is None:
            line = self._lines[key] = quote_line(self.quote(symbol))
        return line

    def body(self, symbols: list[str]) -> str:
        lines = []
        for s in symbols:
            if s not in self.universe:
                lines.append('v_pv_none_match="1";')
                continue
            line = self.line(s)
            if s in self.malformed_codes:
                line = line[:40] + '";' if hash(s) % 2 else line.replace(f"~{self.quote(s).close:.2f}~", "~n/a~", 1)
            lines.append(line)
        return "\n".join(lines) + "\n"

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.requests += 1
        if not h.path.startswith("/q="):
            h.send_error(404)
            return
        symbols = [s for s in unquote(h.path[3:]).split(",") if s]
        if self.latency_s:
            time.sleep(self.latency_s)
        if self.hang_codes.intersection(symbols):
            time.sleep(self.hang_s)
        failing = self.fail_codes.intersection(symbols)
        if failing:
            key = ",".join(sorted(failing))
            with self._lock:
                n = self._failures[key] = self._failures.get(key, 0) + 1
            if n <= self.fail_times:
                h.send_error(500)
                return
        data = self.body(symbols).encode("gbk")
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=GBK")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        try:
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout or shutdown)


def main() -> None:
    """Run as a process (for benchmarks): serve the shipped universe, print the URL, serve until killed."""
    import argparse
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from hikyuu_live.model.codes import shipped_codes

    ap = argparse.ArgumentParser()
    ap.add_argument("--latency", type=float, default=0.02)
    args = ap.parse_args()
    universe = tencent_universe(shipped_codes())
    with QQServer(universe, latency_s=args.latency) as srv:
        srv.body(list(universe))  # generate every line before serving: the server must not be the bottleneck
        print(srv.url, flush=True)
        while True:
            time.sleep(3600)


if __name__ == "__main__":
    main()
