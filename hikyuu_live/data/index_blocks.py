"""Index constituents (指数板块) from the web, as the original's block task downloads them, for Hikyuu's
``block`` table and one ``BlockIndex`` row per index (board name -> the index's market code).

Three sources, the original's:

- the index list: JoinQuant's index page (an HTML table: ``指数代码`` like ``000300.XSHG``, ``指数名称``,
  publish date, ...). Only Shanghai ``000xxx`` and Shenzhen ``399xxx`` indices are taken, interleaved (one of
  each in turn) so that a board name both exchanges publish (沪深300 is 000300 and 399300) goes to the
  Shanghai one, and a fixed set of bond, volatility and cross-border indices is left out;
- members of ``000xxx`` indices: CSIndex's constituent file ``<code>cons.xls`` (an Excel 97 sheet, one row per
  member: date, index code and names, ``成份券代码Constituent Code``, member names, ``交易所Exchange``);
- members of ``399xxx`` indices: Sina's "newest constituents" pages (GBK HTML, ``<table id="NewStockTable">``
  with the member code in the first cell, 40 rows a page, ``page=N``).

The market of a member is its exchange column when the file has one (a Hong Kong member is refused, not
misfiled as Shenzhen), else the exchanges' numbering (``model.codes.share_market``); a member of no A-share
market is quarantined. The index itself is Shanghai when its code starts with 0, else Shenzhen.

Resumable like the original: each index's members are kept as ``<download dir>/block/指数板块/
SH000300_沪深300.txt`` as soon as they arrive, and an index whose file is younger than 10 days is not asked
again; the category is replaced once from all its files. A source that cannot be reached is not asked again
in the same run (its indices are listed as unavailable), nor one that failed 10 indices in a row.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import urllib3

from hikyuu_live.data.em_blocks import BoardOptions, BoardSourceError
from hikyuu_live.data.kinds import KindReport
from hikyuu_live.data.webget import WebSourceError, WebSourceUnreachable, http_get
from hikyuu_live.extras import import_optional
from hikyuu_live.model.codes import share_market

log = logging.getLogger(__name__)

CATEGORY = "指数板块"
MAX_AGE_DAYS = 10
#: bond, volatility and cross-border indices the original leaves out (members that are no shares, or none)
LEFT_OUT = frozenset({"000012", "000013", "000022", "000061", "000101", "000188", "000817", "000847", "000849",
                      "000850", "000851", "000853", "000854", "000856", "000857", "000858", "000923", "000973",
                      "000974", "000996", "000997", "000999", "399415", "399416"})
#: failures in a row after which a source is not asked again in this run (the original's limit)
MAX_FAILURES_IN_A_ROW = 10
SINA_MAX_PAGES = 60  # the largest index (中证1000 style, 1000 members) is 25 pages of 40
EXCHANGES = {"上海证券交易所": "SH", "深圳证券交易所": "SZ", "北京证券交易所": "BJ"}
_FILE = re.compile(r"^(S[HZ]\d{6})_(.+)\.txt$")
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


def _html(body: bytes, encoding: str | None = None) -> Any:
    lxml_html = import_optional("lxml.html", needed_for="index constituents (HTML pages)")
    try:
        text = body.decode(encoding, errors="replace") if encoding else body
        return lxml_html.fromstring(text)
    except Exception as e:  # lxml raises ParserError / ValueError on empty or binary input
        raise BoardSourceError(f"not an HTML page: {e}") from e


def _cell(el: Any) -> str:
    return " ".join(el.text_content().split())


def parse_index_list(body: bytes) -> list[tuple[str, str]]:
    """(6-digit code, name) of JoinQuant's index table, in page order."""
    doc = _html(body, "utf-8")  # the page is UTF-8 (lxml would guess Latin-1 without a meta tag)
    tables = doc.xpath("//table")
    if not tables:
        raise BoardSourceError("index list: no table in the page")
    rows = tables[0].xpath(".//tr")
    header = [_cell(c) for c in rows[0].xpath("./th|./td")] if rows else []
    code_col = header.index("指数代码") if "指数代码" in header else 0
    name_col = header.index("指数名称") if "指数名称" in header else 1
    out = []
    for tr in rows[1:]:
        cells = [_cell(c) for c in tr.xpath("./td")]
        if len(cells) <= max(code_col, name_col):
            continue
        code = cells[code_col].split(".")[0]
        if len(code) == 6 and code.isdigit() and cells[name_col]:
            out.append((code, cells[name_col]))
    if not out:
        raise BoardSourceError("index list: the table has no index codes")
    return out


def parse_csindex_xls(body: bytes) -> list[tuple[str, str]]:
    """(member code, exchange name or "") of one CSIndex constituent file."""
    xlrd = import_optional("xlrd", needed_for="index constituents (CSIndex .xls files)")
    try:
        sheet = xlrd.open_workbook(file_contents=body).sheet_by_index(0)
    except Exception as e:  # xlrd.XLRDError, struct errors, ... : anything that is no Excel 97 file
        raise BoardSourceError(f"not an Excel (.xls) file: {type(e).__name__}: {e}") from e
    if sheet.nrows < 1:
        raise BoardSourceError("empty sheet")
    header = [str(v) for v in sheet.row_values(0)]
    code_col = next((i for i, h in enumerate(header) if "Constituent Code" in h), None)
    if code_col is None:
        raise BoardSourceError(f"no constituent code column in {header[:9]}")
    ex_col = next((i for i, h in enumerate(header) if "Exchange" in h and "Eng" not in h), None)
    out = []
    for r in range(1, sheet.nrows):
        row = sheet.row_values(r)
        raw = row[code_col] if code_col < len(row) else ""
        code = str(int(raw)).zfill(6) if isinstance(raw, float) else str(raw).strip()
        if code:
            out.append((code, str(row[ex_col]).strip() if ex_col is not None and ex_col < len(row) else ""))
    return out


def parse_sina_page(body: bytes) -> list[str]:
    """Member codes of one page of Sina's newest-constituents table (none past the last page)."""
    doc = _html(body, "gb18030")
    tables = doc.xpath('//table[@id="NewStockTable"]')
    if not tables:
        raise BoardSourceError("no constituents table (NewStockTable) in the page")
    out = []
    for tr in tables[0].xpath(".//tr"):
        cells = tr.xpath("./td")
        code = _cell(cells[0]) if cells else ""
        if len(code) == 6 and code.isdigit():
            out.append(code)
    return out


@dataclass(slots=True)
class _Source:
    """One member source's state in a run: down after it could not be reached or failed too often."""
    name: str
    failures_in_a_row: int = 0
    down: str = ""
    not_asked: int = 0


class IndexBoards:
    """See the module docstring."""

    def __init__(self, download_dir: str | Path, options: BoardOptions | None = None, *, http: Any = None,
                 now: Callable[[], float] = time.time) -> None:
        self.dir = Path(download_dir) / "block" / CATEGORY
        self.options = options or BoardOptions()
        self.http = http or urllib3.PoolManager(headers={"User-Agent": "Mozilla/5.0"})
        self.now = now

    def _get(self, url: str, fields: dict[str, str] | None = None) -> bytes:
        return http_get(self.http, url, fields, self.options.timeout_s)

    def index_list(self) -> list[tuple[str, str]]:
        """The indices to ask for: 000xxx and 399xxx interleaved, the left-out ones dropped."""
        try:
            listed = parse_index_list(self._get(self.options.index_list_url))
        except WebSourceError as e:
            raise BoardSourceError(f"index list: {e}", retryable=e.retryable) from e
        sh = [(c, n) for c, n in listed if c.startswith("000") and c not in LEFT_OUT]
        sz = [(c, n) for c, n in listed if c.startswith("399") and c not in LEFT_OUT]
        out = []
        for i in range(max(len(sh), len(sz))):
            out += sh[i:i + 1] + sz[i:i + 1]
        return out

    def members(self, code: str) -> list[tuple[str, str]]:
        """(member code, exchange name or "") of one index from its source."""
        if code.startswith("399"):
            seen: list[str] = []
            for page in range(1, SINA_MAX_PAGES + 1):
                got = parse_sina_page(self._get(self.options.sina_url, {"page": str(page), "indexid": code}))
                new = [c for c in got if c not in seen]
                if not new:
                    break
                seen += new
            return [(c, "") for c in seen]
        return parse_csindex_xls(self._get(self.options.csindex_url.format(code=code)))

    def _fresh(self, path: Path) -> bool:
        return path.is_file() and self.now() - path.stat().st_mtime < MAX_AGE_DAYS * 86400

    def import_all(self, rep: KindReport, stop: Callable[[], bool] = lambda: False
                   ) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
        """(block rows, BlockIndex rows) of every index board, downloading what is not fresh; indices that
        fail are reported and their older file (if any) is used."""
        self.dir.mkdir(parents=True, exist_ok=True)
        indices = self.index_list()
        sources = {"sina": _Source("Sina"), "csindex": _Source("CSIndex")}
        names: set[str] = set()
        for i, (code, name) in enumerate(indices, 1):
            if name in names:  # both exchanges publish it: the first (Shanghai) one is the board
                continue
            index_mc = ("SH" if code.startswith("0") else "SZ") + code
            path = self.dir / f"{index_mc}_{_UNSAFE.sub('_', name)}.txt"
            if self._fresh(path):
                rep.unchanged += 1
                names.add(name)
                continue
            src = sources["sina" if code.startswith("399") else "csindex"]
            if stop() or src.down:
                src.not_asked += 1
                names.update([name] if path.is_file() else [])
                continue
            try:
                members = self.members(code)
            except (BoardSourceError, WebSourceError) as e:
                self._failed(src, rep, f"{CATEGORY}/{code} {name}", e)
                names.update([name] if path.is_file() else [])
                continue
            src.failures_in_a_row = 0
            good = self._markets(members, f"{CATEGORY}/{name}", rep)
            tmp = path.with_suffix(".tmp")
            tmp.write_text("".join(f"{mc}\n" for mc in good), encoding="utf-8")
            tmp.replace(path)  # whole or not at all: a killed run leaves no half file
            rep.updated += 1
            names.add(name)
            log.info("%d|%d %s %s %s: %d members", i, len(indices), CATEGORY, code, name, len(good))
            if self.options.pause_s:
                time.sleep(self.options.pause_s)
        for src in sources.values():
            if src.not_asked:
                why = src.down or "stopped"
                rep.unavailable.append((f"{CATEGORY}/{src.name}", f"{src.not_asked} indices not asked: {why}"))
        return self.read_files()

    def _failed(self, src: _Source, rep: KindReport, key: str, error: Exception) -> None:
        rep.fail(key, error)
        src.failures_in_a_row += 1
        cause: BaseException | None = error
        while cause is not None and not isinstance(cause, WebSourceUnreachable):
            cause = cause.__cause__
        if cause is not None:
            src.down = f"{src.name} unreachable"
        elif src.failures_in_a_row >= MAX_FAILURES_IN_A_ROW:
            src.down = f"{src.name} failed {src.failures_in_a_row} indices in a row"

    @staticmethod
    def _markets(members: list[tuple[str, str]], key: str, rep: KindReport) -> list[str]:
        good = []
        for code, exchange in members:
            market = EXCHANGES.get(exchange) if exchange else share_market(code)
            if market is None or not (len(code) == 6 and code.isdigit()):
                rep.reject(key, code, f"member of no A-share market{f' ({exchange})' if exchange else ''}")
            else:
                good.append(market + code)
        return good

    def read_files(self) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
        """(block rows, BlockIndex rows) of every index board file kept so far."""
        rows: list[tuple[str, str, str]] = []
        index_rows: list[tuple[str, str, str]] = []
        seen: set[str] = set()
        for path in sorted(self.dir.glob("*.txt")):
            m = _FILE.match(path.name)
            if not m:
                continue
            index_mc, name = m.groups()
            if name in seen:  # SH sorts first: the Shanghai index of a name both exchanges publish
                continue
            seen.add(name)
            index_rows.append((CATEGORY, name, index_mc))
            rows += [(CATEGORY, name, mc) for mc in path.read_text(encoding="utf-8").split() if mc]
        return rows, index_rows
