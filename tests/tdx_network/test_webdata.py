"""The bond yield (zh_bond10) and holidays from the web (``data.webdata``) against a local stand-in serving
the real page and JSON formats (``tests/standins/web_server.py``), into every store; offline or on a broken
source, the shipped lists, with their age in the report."""

from __future__ import annotations

import socket
from datetime import date, timedelta

import pytest

from hikyuu_live.data.webdata import WebDataImporter, WebOptions, parse_bond10_page, shipped_bond10
from tests.standins.web_server import WebServer
from tests.tdx_network.conftest import make_test_store

TODAY = date(2026, 11, 24)
#: the 2027 exchange holidays as the exchanges announced them (New Year, Spring Festival...): a sample
HOLIDAYS = [(date(2027, 1, 1), "元旦", "中国"), (date(2027, 2, 5), "春节", "中国"), (date(2027, 2, 8), "春节", "中国"),
            (date(2027, 1, 18), "马丁路德金纪念日", "美国"), (date(2026, 12, 25), "圣诞节", "香港")]


def _bond(days: int, last: date = TODAY) -> list[tuple[date, float | None]]:
    out = []
    d = last
    while len(out) < days:
        if d.weekday() < 5:
            out.append((d, round(1.6 + 0.001 * len(out), 4)))
        d -= timedelta(days=1)
    return out


def options(server: WebServer, **kw: object) -> WebOptions:
    return WebOptions(holiday_url=server.url + "/url/holiday/", bond10_url=server.url + "/api/data/get",
                      timeout_s=5, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["hdf5", "mysql", "clickhouse"])
def test_bond10_and_holidays_from_the_web_into_every_store(kind, tmp_path, request):
    """Reproduces: importdata never updated zh_bond10 or the holidays (the original's tasks do)."""
    bond = _bond(1200)
    store = make_test_store(kind, tmp_path, request, "web")
    with WebServer(HOLIDAYS, bond) as web, store:
        web_import = WebDataImporter(store, options(web), today=TODAY)
        rep = web_import.bond10()
        assert rep.failed == [] and rep.rows == 1200, rep.line()
        got = store.zh_bond10()
        assert got[-1] == (20261124, 16000) and len(got) == 1200  # 1.6 % x 10000, as Hikyuu stores it
        pages = len(web.requests)
        assert pages == 3  # 500 rows a page
        hol = web_import.holidays()
        assert hol.failed == [] and {date(2027, 1, 1), date(2027, 2, 5), date(2027, 2, 8)} <= set(store.holidays())
        assert date(2027, 1, 18) not in store.holidays()  # another country's holiday
        # incremental: two new days, one page read
        web.bond10 = _bond(1202, TODAY + timedelta(days=2))
        web.requests.clear()
        again = WebDataImporter(store, options(web), today=TODAY).bond10()
        assert again.rows == 2 and len(web.requests) == 1 and len(store.zh_bond10()) == 1202


def test_bad_rows_are_quarantined_and_a_broken_source_falls_back_to_the_shipped_list(tmp_path):
    from hikyuu_live.store import make_store

    bond = _bond(10) + [(date(2026, 11, 1), 55.0)]
    with WebServer(HOLIDAYS, bond) as web, make_store("hdf5", directory=tmp_path / "d") as store:
        rep = WebDataImporter(store, options(web), today=TODAY).bond10()
        assert rep.rows == 10 and rep.rejected_by_reason == {"yield 55.0 % is not plausible": 1}
        web.garbage = True
        hol = WebDataImporter(store, options(web), today=TODAY).holidays()
        assert hol.failed and "shipped list, covers up to" in hol.note and hol.rows > 0
    with make_store("hdf5", directory=tmp_path / "e") as store:
        off = WebDataImporter(store, WebOptions(offline=True), today=TODAY).bond10()
        assert off.rows == len(shipped_bond10()) == 5536 and "ends 2024-02-29 (999 days old)" in off.note


def test_a_page_of_no_china_quote_keeps_going():
    body = (b'{"result":{"pages":1,"data":[{"SOLAR_DATE":"2026-11-24 00:00:00","EMM00166466":null},'
            b'{"SOLAR_DATE":"2026-11-23 00:00:00","EMM00166466":1.61},{"SOLAR_DATE":"bad","EMM00166466":1.6}]}}')
    rows, bad, pages = parse_bond10_page(body)
    assert rows == [(20261123, 16100)] and bad == [("bad", "SOLAR_DATE is not a date")] and pages == 1


def test_a_web_source_that_gives_no_answer_is_unavailable_not_a_failure():
    """An offline machine's daily import: the holiday page and the bond yield cannot be reached, the shipped
    lists are used, and the import is not partial (exit code 6 is for failures, e.g. a page that answers
    garbage or an error)."""
    import urllib3

    from hikyuu_live.data.kinds import KindReport
    from hikyuu_live.data.webget import WebSourceError, http_get

    rep = KindReport("holidays")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    try:
        http_get(urllib3.PoolManager(), f"http://127.0.0.1:{port}/", None, 1.0)
    except WebSourceError as e:
        rep.fail("holidays", e)
    rep.fail("bond10", WebSourceError("127.0.0.1: HTTP 500", retryable=True))
    assert [k for k, _ in rep.unavailable] == ["holidays"] and [k for k, _ in rep.failed] == ["bond10"]
    assert "unavailable=1" in rep.line() and "failed=1" in rep.line()
