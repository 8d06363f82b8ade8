"""A local stand-in for a TDX quote server (port 7709 protocol) that the real ``pytdx.hq.TdxHq_API`` talks to
unchanged: handshake (setup commands), security count and list, security and index bars, weights (xdxr),
finance, history transactions and history time lines, all from ``MarketData``.

Knobs (attributes, changeable while it runs; see ``Knobs``): ``latency_s`` before every answer,
``handshake_delay_s`` (a slow host), ``disconnect_after`` (after that many data requests the server
drops every connection that asks more: a host going away mid-import), ``price_factor`` (every price
scaled: the server that disagrees), ``year0_codes`` / ``absurd_codes`` / ``bad_ohlc_codes`` (one bar of
each answer for those ``SH600000`` keys carries year 0, volume 5.9e-39 with amount 5.8e76, or high
below low), ``truncate_codes`` (the answer body is cut short), ``silent_codes`` (the request is never answered: the
connection stays open and mute until the server closes, so the client must time out), ``empty_codes``
(bar requests answered with no bars, as a server that lacks a stock).

Run standalone for benchmarks: ``python -m tests.standins.tdx_server --latency-ms 5 --stocks 2000 --days 1000``
prints ``PORT <n>`` and serves until stdin closes.
"""

from __future__ import annotations

import argparse
import socket
import socketserver
import struct
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from tests.standins import tdx_wire as w
from tests.standins.tdx_market import MARKET_OF, MarketData, synthetic_securities

BARS_PER_CALL = 800
TICKS_PER_CALL = 2000
LIST_PAGE = 1000
ABSURD_VOL_RAW = 0x00000001  # get_volume -> 5.9e-39
ABSURD_AMOUNT_RAW = 0xBF000000  # get_volume -> 5.8e76


@dataclass
class Knobs:
    latency_s: float = 0.0
    handshake_delay_s: float = 0.0
    disconnect_after: int | None = None
    price_factor: float = 1.0
    year0_codes: set[str] = field(default_factory=set)
    absurd_codes: set[str] = field(default_factory=set)
    bad_ohlc_codes: set[str] = field(default_factory=set)
    truncate_codes: set[str] = field(default_factory=set)
    silent_codes: set[str] = field(default_factory=set)
    empty_codes: set[str] = field(default_factory=set)


@dataclass
class ServerStats:
    connections: int = 0
    requests: int = 0
    data_requests: int = 0
    by_cmd: dict[int, int] = field(default_factory=dict)
    bars_sent: int = 0
    dropped: int = 0


class _Drop(Exception):
    """Close the connection without answering."""


class TdxServer:
    """One stand-in server on 127.0.0.1; ``start()`` binds (port 0 = any free port), ``close()`` stops."""

    def __init__(self, market: MarketData, *, port: int = 0, knobs: Knobs | None = None, name: str = "tdx") -> None:
        self.market = market
        self.knobs = knobs or Knobs()
        self.name = name
        self.stats = ServerStats()
        self._lock = threading.Lock()
        self._port = port
        self._server: socketserver.ThreadingTCPServer | None = None
        self._thread: threading.Thread | None = None
        self._conns: set[socket.socket] = set()
        self._closing = threading.Event()
        #: files the report-file command serves (``tdxfin/gpcw.txt``, ``tdxfin/gpcw20110930.zip``...)
        self.report_files: dict[str, bytes] = {}

    # ------------------------------------------------------------------ lifecycle
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("server not started")
        return self._server.server_address[1]

    @property
    def address(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)

    def start(self) -> TdxServer:
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                outer._serve(self.request)

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True
            request_queue_size = 64

        self._server = Server(("127.0.0.1", self._port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"{self.name}-accept", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self._closing.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            with self._lock:
                for c in list(self._conns):
                    _shut(c)
            self._server = None

    def __enter__(self) -> TdxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ connection loop
    def _serve(self, sock: socket.socket) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self.stats.connections += 1
            self._conns.add(sock)
        try:
            while True:
                head = _recv_exact(sock, 10)
                if head is None:
                    return
                (length,) = struct.unpack_from("<H", head, 6)
                rest = _recv_exact(sock, length)
                if rest is None or len(rest) < 2:
                    return
                (cmd,) = struct.unpack_from("<H", rest, 0)
                try:
                    body = self._answer(cmd, rest[2:])
                except _Drop:
                    with self._lock:
                        self.stats.dropped += 1
                    return
                if self.knobs.latency_s:
                    time.sleep(self.knobs.latency_s)
                sock.sendall(w.frame(head, cmd, body))
        except OSError:
            return
        finally:
            with self._lock:
                self._conns.discard(sock)
            _shut(sock)

    def _answer(self, cmd: int, params: bytes) -> bytes:
        k = self.knobs
        with self._lock:
            self.stats.requests += 1
            self.stats.by_cmd[cmd] = self.stats.by_cmd.get(cmd, 0) + 1
        if cmd in (w.CMD_SETUP1, w.CMD_SETUP3):
            if k.handshake_delay_s:
                time.sleep(k.handshake_delay_s)
            return b"\x00" * 16
        with self._lock:
            self.stats.data_requests += 1
            over = k.disconnect_after is not None and self.stats.data_requests > k.disconnect_after
        if over:
            raise _Drop()
        handler = _HANDLERS.get(cmd)
        if handler is None:
            raise _Drop()
        return handler(self, params)

    # ------------------------------------------------------------------ commands
    def _security_count(self, p: bytes) -> bytes:
        (market,) = struct.unpack_from("<H", p, 0)
        return struct.pack("<H", len(self.market.market_list(MARKET_OF.get(market, "?"))))

    def _security_list(self, p: bytes) -> bytes:
        market, start = struct.unpack_from("<HH", p, 0)
        secs = self.market.market_list(MARKET_OF.get(market, "?"))[start:start + LIST_PAGE]
        rows = []
        for s in secs:
            day = self.market.day_bars(s.market, s.code)
            rows.append((s.code, s.name, 3 if s.kind == "fund" else 2, float(day.price1000[-1, 3]) / 1000))
        return w.security_list_body(rows)

    def _bars(self, p: bytes) -> bytes:
        market, code_b, category, _one, start, count = struct.unpack_from("<H6sHHHH", p, 0)
        mk, code = MARKET_OF.get(market, "?"), code_b.decode("ascii", "replace")
        sec = self.market.get(mk, code)
        if sec is None:
            return struct.pack("<H", 0)
        key = sec.key
        if key in self.knobs.silent_codes:
            self._closing.wait(60)
            raise _Drop()
        if key in self.knobs.empty_codes:
            return struct.pack("<H", 0)
        if category in (4, 9):
            bars = self.market.day_bars(mk, code)
        elif category in (8, 7):
            bars = self.market.minute_bars(mk, code, 1)
        elif category == 0:
            bars = self.market.minute_bars(mk, code, 5)
        else:
            return struct.pack("<H", 0)
        count = min(count, BARS_PER_CALL)
        end = max(len(bars) - start, 0)
        sl = slice(max(end - count, 0), end)
        dt = bars.dt[sl].copy()
        price = bars.price1000[sl].copy()
        vol_raw = w.float4_array(bars.vol[sl])
        amount_raw = w.float4_array(bars.amount[sl])
        if self.knobs.price_factor != 1.0 and len(price):
            tick = sec.tick1000
            price = np.maximum(np.round(price * self.knobs.price_factor / tick).astype(np.int64) * tick, tick)
        if len(dt):
            self._corrupt(key, category, dt, price, vol_raw, amount_raw)
        counts = None
        if sec.kind == "index":
            counts = np.stack([np.full(len(dt), 600), np.full(len(dt), 400)], axis=1)
        with self._lock:
            self.stats.bars_sent += len(dt)
        body = w.bars_body(category, dt, price, vol_raw, amount_raw, index_counts=counts)
        if key in self.knobs.truncate_codes and len(dt):
            body = body[: max(len(body) // 2, 3)]
        return body

    def _corrupt(self, key: str, category: int, dt: np.ndarray, price: np.ndarray, vol_raw: np.ndarray,
                 amount_raw: np.ndarray) -> None:
        """Apply the bad-payload knobs to one bar of this answer (the middle one)."""
        i = len(dt) // 2
        if key in self.knobs.year0_codes:
            dt[i] = 0 if category not in w.MINUTE_CATEGORIES else (int(dt[i]) & 0xFFFF)  # year 0 / 2004-00-00
        if key in self.knobs.absurd_codes:
            vol_raw[i], amount_raw[i] = ABSURD_VOL_RAW, ABSURD_AMOUNT_RAW
        if key in self.knobs.bad_ohlc_codes:
            price[i, 1], price[i, 2] = price[i, 2], price[i, 1] + 10

    def _xdxr(self, p: bytes) -> bytes:
        _count, market, code_b = struct.unpack_from("<HB6s", p, 0)
        code = code_b.decode("ascii", "replace")
        return w.xdxr_body(market, code, self.market.xdxr(MARKET_OF.get(market, "?"), code))

    def _finance(self, p: bytes) -> bytes:
        _count, market, code_b = struct.unpack_from("<HB6s", p, 0)
        code = code_b.decode("ascii", "replace")
        mk = MARKET_OF.get(market, "?")
        if self.market.get(mk, code) is None:
            return w.finance_body(market, code, 0.0, 0, 0, 0, 0, [0.0] * w.FINANCE_FLOATS)
        f = self.market.finance(mk, code)
        return w.finance_body(market, code, f["liutongguben"], f["province"], f["industry"], f["updated_date"],
                              f["ipo_date"], f["floats"])

    def _transactions(self, p: bytes) -> bytes:
        day, market, code_b, start, count = struct.unpack_from("<IH6sHH", p, 0)
        code = code_b.decode("ascii", "replace")
        minutes, price, vol, bs = self.market.ticks(MARKET_OF.get(market, "?"), code, day)
        if self.knobs.price_factor != 1.0:
            price = np.round(price * self.knobs.price_factor).astype(np.int64)
        count = min(count, TICKS_PER_CALL)
        end = max(len(minutes) - start, 0)
        sl = slice(max(end - count, 0), end)
        return w.ticks_body(minutes[sl], price[sl], vol[sl], bs[sl])

    def _minute_time(self, p: bytes) -> bytes:
        day, market, code_b = struct.unpack_from("<IB6s", p, 0)
        code = code_b.decode("ascii", "replace")
        price, vol = self.market.minute_time(MARKET_OF.get(market, "?"), code, day)
        if self.knobs.price_factor != 1.0:
            price = np.round(price * self.knobs.price_factor).astype(np.int64)
        return w.minute_time_body(price, vol)


def _report_file(self: TdxServer, p: bytes) -> bytes:
    """``get_report_file``: up to ``size`` bytes of a served file from ``offset``; 0 bytes past its end or for a
    file it does not have (what the servers answer)."""
    offset, size, name_b = struct.unpack_from("<II100s", p, 0)
    data = self.report_files.get(name_b.split(b"\x00", 1)[0].decode("utf-8", "replace"), b"")
    chunk = data[offset:offset + min(size, w.REPORT_CHUNK)]
    return struct.pack("<I", len(chunk)) + chunk


_HANDLERS = {
    w.CMD_REPORT_FILE: _report_file,
    w.CMD_SECURITY_COUNT: TdxServer._security_count,
    w.CMD_SECURITY_LIST: TdxServer._security_list,
    w.CMD_BARS: TdxServer._bars,
    w.CMD_XDXR: TdxServer._xdxr,
    w.CMD_FINANCE: TdxServer._finance,
    w.CMD_HISTORY_TRANSACTION: TdxServer._transactions,
    w.CMD_HISTORY_MINUTE_TIME: TdxServer._minute_time,
}


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Run a TDX-protocol stand-in server on 127.0.0.1 until stdin closes.")
    ap.add_argument("--port", type=int, default=0, help="port (0 = any free port; printed as 'PORT <n>')")
    ap.add_argument("--latency-ms", type=float, default=0.0, help="delay before every answer")
    ap.add_argument("--stocks", type=int, default=0, help="synthetic shares (0 = the small default universe)")
    ap.add_argument("--days", type=int, default=300, help="day bars per security")
    ap.add_argument("--minute-days", type=int, default=3, help="days of 1/5-minute bars, ticks and time lines")
    ap.add_argument("--end", default="2026-11-20", help="last trading day (YYYY-MM-DD)")
    ap.add_argument("--price-factor", type=float, default=1.0, help="scale every price (a disagreeing server)")
    args = ap.parse_args(argv)
    secs = synthetic_securities(args.stocks) if args.stocks else None
    market = MarketData(secs, end=date.fromisoformat(args.end), days=args.days, minute_days=args.minute_days)
    knobs = Knobs(latency_s=args.latency_ms / 1000, price_factor=args.price_factor)
    with TdxServer(market, port=args.port, knobs=knobs) as server:
        print(f"PORT {server.port}", flush=True)
        sys.stdin.read()
        print(f"STATS {server.stats.requests} {server.stats.bars_sent}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
