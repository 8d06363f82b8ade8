"""A local stand-in for the web sources of ``hikyuu_live.data.webdata``: TDX's holiday page (a GBK HTML page
whose hidden ``<textarea id="data">`` holds ``YYYYMMDD|name|country|exchange`` lines, the format the original's
``get_new_holidays`` and other public readers parse) and Eastmoney's data centre report
``RPTA_WEB_TREASURYYIELD`` (JSON pages, newest first, ``result.pages``/``result.data`` with ``SOLAR_DATE`` and
``EMM00166466``, the China 10-year yield in percent, as public readers of it document).

And Eastmoney's board list API ``/api/qt/clist/get`` (``fs=m:90 t:2`` industry, ``t:3`` concept, ``t:1``
region boards; ``fs=b:<code> f:!50`` a board's members), JSON pages ``{"rc":0,"data":{"total":N,"diff":[{"f12":
code,"f14":name}]}}`` with ``data`` null past the end, as public clients of it record.

Knobs: ``fail`` (every answer HTTP 500), ``garbage`` (pages that are not the format), ``fail_boards`` (board
codes whose member request answers HTTP 500), ``requests`` counts.
"""

from __future__ import annotations

import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class WebServer:
    def __init__(self, holidays: list[tuple[date, str, str]] | None = None,
                 bond10: list[tuple[date, float | None]] | None = None) -> None:
        self.holidays = holidays or []  # (day, name, country)
        self.bond10 = bond10 or []  # (day, China 10y % or None)
        self.boards: dict[str, list[tuple[str, str]]] = {}  # "t:2" -> [(BK code, name)]
        self.members: dict[str, list[str]] = {}  # BK code -> member codes
        self.fail_boards: set[str] = set()
        self.fail = False
        self.garbage = False
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: object) -> None:
                """Quiet."""

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                outer.requests.append(self.path)
                status, body, ctype = outer.answer(self.path)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> WebServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, path: str) -> tuple[int, bytes, str]:
        if self.fail:
            return 500, b"server error", "text/plain"
        u = urlparse(path)
        if u.path == "/url/holiday/":
            if self.garbage:
                return 200, "<html><body>维护中</body></html>".encode("gbk"), "text/html; charset=gbk"
            lines = "\n".join(f"{d:%Y%m%d}|{name}|{country}|{'上交所' if country == '中国' else ''}"
                              for d, name, country in self.holidays)
            page = f'<html><body><textarea id="data" style="display:none;">\n{lines}\n</textarea></body></html>'
            return 200, page.encode("gbk"), "text/html; charset=gbk"
        if u.path == "/api/data/get":
            if self.garbage:
                return 200, b"<html>not json</html>", "text/html"
            q = parse_qs(u.query)
            assert q.get("type") == ["RPTA_WEB_TREASURYYIELD"], q
            page, size = int(q["p"][0]), int(q["ps"][0])
            rows = sorted(self.bond10, reverse=True)
            pages = -(-len(rows) // size)
            chunk = rows[(page - 1) * size:page * size]
            if not chunk:
                return 200, json.dumps({"version": None, "result": None, "success": False,
                                        "message": "返回数据为空", "code": 9201}).encode(), "application/json"
            data = [{"SOLAR_DATE": f"{d:%Y-%m-%d} 00:00:00", "EMM00588704": None, "EMM00166462": None,
                     "EMM00166466": v, "EMM00166469": None, "EMG00001310": 4.2} for d, v in chunk]
            return 200, json.dumps({"version": "x", "result": {"pages": pages, "data": data, "count": len(rows)},
                                    "success": True, "message": "ok", "code": 0}, ensure_ascii=False).encode(), \
                "application/json"
        if u.path == "/api/qt/clist/get":
            q = parse_qs(u.query)
            fs, page, size = q["fs"][0], int(q["pn"][0]), int(q["pz"][0])
            if fs.startswith("b:"):
                code = fs.split()[0][2:]
                if code in self.fail_boards:
                    return 500, b"server error", "text/plain"
                rows = [{"f12": c} for c in self.members.get(code, [])]
            else:
                kind = next(t for t in ("t:1", "t:2", "t:3") if t in fs.replace("+", " "))
                rows = [{"f12": c, "f14": n} for c, n in self.boards.get(kind, [])]
            chunk = rows[(page - 1) * size:page * size]
            data = {"total": len(rows), "diff": chunk} if chunk else None
            return 200, json.dumps({"rc": 0, "data": data}, ensure_ascii=False).encode(), "application/json"
        return 404, b"not found", "text/plain"
