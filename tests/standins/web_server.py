"""A local stand-in for the web sources of ``hikyuu_live.data.webdata``: TDX's holiday page (a GBK HTML page
whose hidden ``<textarea id="data">`` holds ``YYYYMMDD|name|country|exchange`` lines, the format the original's
``get_new_holidays`` and other public readers parse) and Eastmoney's data centre report
``RPTA_WEB_TREASURYYIELD`` (JSON pages, newest first, ``result.pages``/``result.data`` with ``SOLAR_DATE`` and
``EMM00166466``, the China 10-year yield in percent, as public readers of it document).

And Eastmoney's board list API ``/api/qt/clist/get`` (``fs=m:90 t:2`` industry, ``t:3`` concept, ``t:1``
region boards; ``fs=b:<code> f:!50`` a board's members), JSON pages ``{"rc":0,"data":{"total":N,"diff":[{"f12":
code,"f14":name}]}}`` with ``data`` null past the end, as public clients of it record.

And the index constituent sources: JoinQuant's index list page (``/data/dict/indexData``, an HTML table
``指数代码`` ``000300.XSHG`` / ``指数名称`` / ``发布日期`` / two more columns, the columns akshare's
``index_stock_info`` reads), CSIndex's ``.../autofile/cons/<code>cons.xls`` (served from real files, see
``test_data/csindex``) and Sina's ``/corp/view/vII_NewestComponent.php?page=N&indexid=<code>`` (GBK HTML,
``<table id="NewStockTable">``, a title row, a column row, then ``<td><div align="center">code</div></td>``
rows, 40 a page, as public parsers of it read it).

Knobs: ``fail`` (every answer HTTP 500), ``garbage`` (pages that are not the format), ``fail_boards`` (board
codes whose member request answers HTTP 500), ``garbage_paths`` (path parts answered with junk bytes),
``hang_paths`` (path parts answered only after ``hang_s``), ``requests`` counts.
"""

from __future__ import annotations

import json
import threading
import time
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
        self.index_list: list[tuple[str, str, str]] = []  # (code, name, publish date) of the index page
        self.cons_xls: dict[str, bytes] = {}  # CSIndex index code -> its .xls file
        self.sina_members: dict[str, list[tuple[str, str]]] = {}  # Sina index code -> [(code, name)]
        self.garbage_paths: set[str] = set()
        self.hang_paths: set[str] = set()
        self.hang_s = 3.0
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
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                    pass

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
        if any(p in path for p in self.hang_paths):
            time.sleep(self.hang_s)
        if any(p in path for p in self.garbage_paths):
            return 200, b"\x00\x01<html>maintenance \xff\xfe", "application/octet-stream"
        if u.path == "/data/dict/indexData":
            rows = "".join(f"<tr><td>{c}.{'XSHG' if c.startswith('0') else 'XSHE'}</td><td>{n}</td><td>{d}</td>"
                           f"<td>{d}</td><td><a href='#'>查看</a></td></tr>" for c, n, d in self.index_list)
            page = ("<html><body><table class='table'><thead><tr><th>指数代码</th><th>指数名称</th><th>发布日期</th>"
                    f"<th>平台可用数据起始日</th><th>成分股</th></tr></thead><tbody>{rows}</tbody></table></body></html>")
            return 200, page.encode(), "text/html; charset=utf-8"
        if u.path.endswith("cons.xls") and "/autofile/cons/" in u.path:
            code = u.path.rsplit("/", 1)[1][:-len("cons.xls")]
            if code not in self.cons_xls:
                return 404, b"<html>404 Not Found</html>", "text/html"
            return 200, self.cons_xls[code], "application/vnd.ms-excel"
        if u.path == "/corp/view/vII_NewestComponent.php":
            q = parse_qs(u.query)
            code, page = q["indexid"][0], int(q.get("page", ["1"])[0])
            if code not in self.sina_members:
                return 404, b"not found", "text/html"
            chunk = self.sina_members[code][(page - 1) * 40:page * 40]
            rows = "".join(f'<tr><td><div align="center">{c}</div></td><td><div align="center">'
                           f'<a href="/corp/go.php/vCI_CorpInfo/stockid/{c}.phtml">{n}</a></div></td>'
                           f'<td><div align="center">2010-06-01</div></td></tr>' for c, n in chunk)
            page_html = (f'<html><head><meta charset="gb2312"></head><body><table id="NewStockTable">'
                         f'<tr><th colspan="3">{code}</th></tr><tr><td>品种代码</td><td>品种名称</td>'
                         f'<td>纳入日期</td></tr>{rows}</table></body></html>')
            return 200, page_html.encode("gbk"), "text/html; charset=gb2312"
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
