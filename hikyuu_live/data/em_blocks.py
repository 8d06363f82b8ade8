"""Industry, concept and region boards (行业板块, 概念板块, 地域板块) from Eastmoney's board lists, as the
original's ``download_block`` / ``em_block_to_*`` do, for Hikyuu's ``block`` table.

Eastmoney's list API (``/api/qt/clist/get``) pages JSON ``{"data": {"total": N, "diff": [{"f12": code,
"f14": name}, ...]}}`` (``data`` null past the last page): ``fs=m:90 t:2`` lists the industry boards,
``t:3`` the concept boards, ``t:1`` the region boards, and ``fs=b:<board code>`` a board's members (``f12``).
Member codes carry no market: it follows the exchanges' numbering (``model.codes.share_market``); a code
that fits no exchange is quarantined.

Resumable like the original: each board's members are kept as ``<download dir>/block/<category>/
<code>_<name>.txt`` as soon as they arrive, and a board whose file is fresher than its category's age
limit (industries 5 days, regions 10, concepts 30, the original's) is not asked again; the store's rows
of a category are replaced once from all its files, so a killed run loses at most one board.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import urllib3

from hikyuu_live.data.kinds import KindReport
from hikyuu_live.data.webget import WebSourceError, http_get
from hikyuu_live.errors import SourceError
from hikyuu_live.model.codes import share_market

log = logging.getLogger(__name__)

BOARD_URL = "https://push2.eastmoney.com/api/qt/clist/get"
#: the index list and the two constituent sources of the index boards (``data.index_blocks``)
INDEX_LIST_URL = "https://www.joinquant.com/data/dict/indexData"
CSINDEX_URL = "https://oss-ch.csindex.com.cn/static/html/csindex/public/uploads/file/autofile/cons/{code}cons.xls"
SINA_CONS_URL = "https://vip.stock.finance.sina.com.cn/corp/view/vII_NewestComponent.php"
CATEGORIES = {"行业板块": "m:90 t:2 f:!50", "概念板块": "m:90 t:3 f:!50", "地域板块": "m:90 t:1 f:!50"}
MAX_AGE_DAYS = {"行业板块": 5, "概念板块": 30, "地域板块": 10}
#: daily lists of limit-up stocks, not boards (the original leaves them out too)
NOT_BOARDS = frozenset({"昨日连板_含一字", "昨日涨停_含一字", "昨日涨停"})
PAGE = 100
MAX_PAGES = 100
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


class BoardSourceError(SourceError):
    """The board API answered with something that is not its format, or not at all."""


@dataclass(frozen=True, slots=True)
class BoardOptions:
    url: str = BOARD_URL
    timeout_s: float = 15.0
    pause_s: float = 0.0  # between requests (the original waits 1-3 s to stay under Eastmoney's limits)
    index_list_url: str = INDEX_LIST_URL
    csindex_url: str = CSINDEX_URL  # ``{code}``: the 6-digit index code
    sina_url: str = SINA_CONS_URL


def parse_clist(body: bytes, field: str = "f12") -> tuple[list[dict[str, Any]], int]:
    """(rows, total) of one list page; ([], total) past the last page."""
    try:
        doc = json.loads(body)
    except ValueError as e:
        raise BoardSourceError(f"not JSON: {e}") from e
    data = doc.get("data") if isinstance(doc, dict) else None
    if data is None:
        return [], 0
    diff = data.get("diff") if isinstance(data, dict) else None
    if isinstance(diff, dict):  # np=0 answers an object keyed "0", "1"...
        diff = list(diff.values())
    if not isinstance(diff, list):
        raise BoardSourceError("no data.diff list")
    return [r for r in diff if isinstance(r, dict) and field in r], int(data.get("total") or 0)


class EastmoneyBoards:
    """See the module docstring."""

    def __init__(self, download_dir: str | Path, options: BoardOptions | None = None, *, http: Any = None,
                 now: Callable[[], float] = time.time) -> None:
        self.dir = Path(download_dir) / "block"
        self.options = options or BoardOptions()
        self.http = http or urllib3.PoolManager(headers={"User-Agent": "Mozilla/5.0",
                                                         "Referer": "https://quote.eastmoney.com/"})
        self.now = now

    def _pages(self, fs: str, fields: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for page in range(1, MAX_PAGES + 1):
            params = {"pn": str(page), "pz": str(PAGE), "po": "1", "np": "1", "fltt": "2", "invt": "2",
                      "fid": "f3", "fs": fs, "fields": fields}
            try:
                body = http_get(self.http, self.options.url, params, self.options.timeout_s)
            except WebSourceError as e:
                raise BoardSourceError(f"{fs}: {e}", retryable=e.retryable) from e
            rows, total = parse_clist(body)
            out += rows
            if not rows or len(out) >= total:
                break
            if self.options.pause_s:
                time.sleep(self.options.pause_s)
        return out

    def _fresh(self, path: Path, category: str) -> bool:
        return path.is_file() and self.now() - path.stat().st_mtime < MAX_AGE_DAYS[category] * 86400

    def import_category(self, category: str, rep: KindReport, stop: Callable[[], bool] = lambda: False
                        ) -> list[tuple[str, str, str]]:
        """Rows (category, board, market code) of every board of ``category``, downloading what is not
        fresh; boards that fail are reported and their older file (if any) is used."""
        folder = self.dir / category
        folder.mkdir(parents=True, exist_ok=True)
        boards = [(str(b["f12"]), str(b.get("f14", "")).strip()) for b in self._pages(CATEGORIES[category], "f12,f14")]
        rows: list[tuple[str, str, str]] = []
        for code, name in boards:
            if not name or name in NOT_BOARDS:
                continue
            path = folder / f"{_UNSAFE.sub('_', code)}_{_UNSAFE.sub('_', name)}.txt"
            if self._fresh(path, category):
                rep.unchanged += 1
            elif not stop():
                try:
                    members = [str(r["f12"]) for r in self._pages(f"b:{code} f:!50", "f12")]
                except BoardSourceError as e:
                    rep.fail(f"{category}/{name}", e)
                    members = None
                if members is not None:
                    good = []
                    for c in members:
                        market = share_market(c)
                        if market is None:
                            rep.reject(f"{category}/{name}", c, "member code of no exchange")
                        else:
                            good.append(market + c)
                    tmp = path.with_suffix(".tmp")
                    tmp.write_text("".join(f"{mc}\n" for mc in good), encoding="utf-8")
                    tmp.replace(path)  # whole or not at all: a killed run leaves no half file
                    rep.updated += 1
                    if self.options.pause_s:
                        time.sleep(self.options.pause_s)
            if path.is_file():
                rows += [(category, name, mc) for mc in path.read_text(encoding="utf-8").split() if mc]
        return rows
