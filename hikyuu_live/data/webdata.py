"""The 10-year government bond yield (``zh_bond10``) and exchange holidays from the web, as the original's
``ImportZhBond10Task`` and ``import_new_holidays`` tasks, with the lists shipped in the package when offline.

Sources (the original's, spoken to directly over HTTP):
- holidays: TDX's holiday page (``HOLIDAY_URL``): a GBK page whose ``<textarea id="data">`` holds lines
  ``YYYYMMDD|name|country|...``; the lines of country ``中国`` are the exchange holidays;
- bond yield: Eastmoney's data centre report ``RPTA_WEB_TREASURYYIELD`` (``BOND10_URL``), JSON pages of
  ``{"SOLAR_DATE": "2024-02-29 00:00:00", "EMM00166466": 2.3375, ...}`` newest first; ``EMM00166466`` is the
  China 10-year yield in percent, stored as Hikyuu does, x 10000 as an integer.

Incremental: the bond yield is read page by page until a page reaches the newest stored date, and rows
from that date on are replaced; holidays are added, never removed. A row that is not a date or not a
plausible yield (0 < y < 20 %) is quarantined with its reason. When a source cannot be reached (or
``[web] offline``), the shipped lists are used (``model/zh_bond10.csv``, the holidays of
``model/holidays.txt``) and the report says how old they are.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from typing import Any

import urllib3

from hikyuu_live.data.kinds import KindReport
from hikyuu_live.data.webget import WebSourceError, http_get
from hikyuu_live.model.calendar import TradingCalendar
from hikyuu_live.store.base import KDataStore
from hikyuu_live.store.baseinfo import from_ymd, ymd

log = logging.getLogger(__name__)

HOLIDAY_URL = "https://www.tdx.com.cn/url/holiday/"
BOND10_URL = "https://datacenter.eastmoney.com/api/data/get"
BOND10_FIELD = "EMM00166466"
BOND10_PARAMS = {"type": "RPTA_WEB_TREASURYYIELD", "sty": "ALL", "st": "SOLAR_DATE", "sr": "-1",
                 "token": "894050c76af8597a853f5b408b759f5d", "ps": "500"}
MAX_PAGES = 40
_TEXTAREA = re.compile(r'<textarea[^>]*id="data"[^>]*>(.*?)</textarea>', re.S | re.I)




@dataclass(frozen=True, slots=True)
class WebOptions:
    holiday_url: str = HOLIDAY_URL
    bond10_url: str = BOND10_URL
    timeout_s: float = 20.0
    offline: bool = False
    dry_run: bool = False


# ----------------------------------------------------------------------------- parsers (pure)


def parse_holiday_page(body: bytes) -> tuple[list[date], list[tuple[str, str]]]:
    """(China's holidays, refused lines) of TDX's holiday page; ``WebSourceError`` when it has no data."""
    for encoding in ("utf-8", "gbk"):
        try:
            text = body.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = body.decode("gbk", "replace")
    m = _TEXTAREA.search(text)
    if m is None:
        raise WebSourceError("no <textarea id=\"data\"> with holiday lines in the page")
    days, bad = [], []
    for line in m.group(1).strip().splitlines():
        parts = line.strip().split("|")
        if len(parts) < 3:
            if line.strip():
                bad.append((line.strip()[:40], "not date|name|country"))
            continue
        if parts[2].strip() != "中国":
            continue
        try:
            days.append(datetime.strptime(parts[0].strip(), "%Y%m%d").date())
        except ValueError:
            bad.append((line.strip()[:40], f"date {parts[0]!r} is not YYYYMMDD"))
    if not days and not bad:
        raise WebSourceError("the holiday page lists no day of 中国")
    return sorted(set(days)), bad


def parse_bond10_page(body: bytes) -> tuple[list[tuple[int, int]], list[tuple[str, str]], int]:
    """(rows (YYYYMMDD, yield x 10000), refused rows, pages) of one data centre page."""
    try:
        doc = json.loads(body)
    except ValueError as e:
        raise WebSourceError(f"not JSON: {e}") from e
    result = doc.get("result") if isinstance(doc, dict) else None
    if result is None:
        return [], [], 0
    if not isinstance(result, dict) or not isinstance(result.get("data"), list):
        raise WebSourceError("no result.data list")
    rows, bad = [], []
    for item in result["data"]:
        when = str(item.get("SOLAR_DATE", ""))[:10] if isinstance(item, dict) else ""
        value = item.get(BOND10_FIELD) if isinstance(item, dict) else None
        try:
            day = date.fromisoformat(when)
        except ValueError:
            bad.append((when or repr(item)[:40], "SOLAR_DATE is not a date"))
            continue
        if value is None or value == "":
            continue  # a day with no China quote (the table has US-only days): nothing to store
        try:
            y = float(value)
        except (TypeError, ValueError):
            bad.append((when, f"yield {value!r} is not a number"))
            continue
        if not math.isfinite(y) or not 0 < y < 20:
            bad.append((when, f"yield {y!r} % is not plausible"))
            continue
        rows.append((ymd(day), int(round(y * 10000))))
    return rows, bad, int(result.get("pages") or 0)


def shipped_bond10() -> list[tuple[int, int]]:
    text = resources.files("hikyuu_live.model").joinpath("zh_bond10.csv").read_text(encoding="utf-8")
    reader = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return [(int(r["date"]), int(r["value"])) for r in reader]


# ----------------------------------------------------------------------------- importer


class WebDataImporter:
    """See the module docstring."""

    def __init__(self, store: KDataStore, options: WebOptions | None = None, *, today: date | None = None,
                 http: Any = None) -> None:
        self.store = store
        self.options = options or WebOptions()
        self.today = today or date.today()
        self.http = http or urllib3.PoolManager(headers={"User-Agent": "Mozilla/5.0"})

    def bond10(self) -> KindReport:
        rep = KindReport("bond10")
        stored = self.store.zh_bond10()
        last = stored[-1][0] if stored else 0
        rows: list[tuple[int, int]] = []
        if not self.options.offline:
            try:
                rows = self._fetch_bond10(last, rep)
                rep.note = "from the web"
            except WebSourceError as e:
                rep.fail("bond10", e)
                log.warning("zh_bond10: %s: using the shipped list", e)
        if self.options.offline or rep.failed or rep.unavailable:
            rows = [r for r in shipped_bond10() if r[0] >= last]
            newest = from_ymd(shipped_bond10()[-1][0])
            rep.note = (f"shipped list, ends {newest} ({(self.today - newest).days} days old)"
                        + ("; offline" if self.options.offline else ""))
            log.warning("zh_bond10 from the shipped list, which ends %s (%d days old)", newest,
                        (self.today - newest).days)
        new = [r for r in rows if r[0] >= last]
        have = set(stored)
        rep.unchanged = sum(1 for r in new if r in have)
        rep.rows = len([r for r in new if r[0] > last])
        rep.updated = len(new) - rep.rows - rep.unchanged
        if new and not self.options.dry_run and (rep.rows or rep.updated):
            self.store.save_zh_bond10(new)
            self.store.commit()
        return rep

    def _fetch_bond10(self, last: int, rep: KindReport) -> list[tuple[int, int]]:
        out: dict[int, int] = {}
        page, pages = 1, 1
        while page <= min(pages, MAX_PAGES):
            params = {**BOND10_PARAMS, "p": str(page)}
            body = http_get(self.http, self.options.bond10_url, params, self.options.timeout_s)
            rows, bad, pages = parse_bond10_page(body)
            for key, why in bad:
                rep.reject(key, "bond10", why)
            out.update(rows)
            if not rows or min(d for d, _ in rows) <= last:
                break  # the page reached what is stored: nothing older is needed
            page += 1
        if not out and not last:
            raise WebSourceError("no rows")
        return sorted(out.items())

    def holidays(self) -> KindReport:
        rep = KindReport("holidays")
        days: list[date] = []
        if not self.options.offline:
            try:
                body = http_get(self.http, self.options.holiday_url, None, self.options.timeout_s)
                days, bad = parse_holiday_page(body)
                for key, why in bad:
                    rep.reject(key, "holiday page", why)
                rep.note = f"from the web, up to {days[-1]}" if days else "from the web: no day"
            except WebSourceError as e:
                rep.fail("holidays", e)
                log.warning("holidays: %s: using the shipped list", e)
        if self.options.offline or rep.failed or rep.unavailable:
            cal = TradingCalendar.shipped()
            days = sorted(cal.holidays)
            rep.note = f"shipped list, covers up to {cal.covers_until}" + ("; offline" if self.options.offline else "")
            log.warning("holidays from the shipped list, which covers up to %s", cal.covers_until)
        rep.stocks = len(days)
        if days and not self.options.dry_run:
            rep.rows = self.store.save_holidays(days)
            self.store.commit()
        return rep
