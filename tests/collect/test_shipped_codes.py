"""The fallback universe shipped in the package: real listed codes with real names and the date the list
describes, built by ``scripts/make_codes.py`` from a real code list (adata 2.9.5's shipped code list)."""

from __future__ import annotations

import csv
import logging
from datetime import date

from hikyuu_live.model.codes import COLLECTED_TYPES, shipped_codes, shipped_codes_date


def test_the_shipped_list_is_real_codes_with_real_names_and_a_date():
    """Reproduces: the list was a random sample of each board's numbering range (many codes that do not
    exist, many listed ones missing) with placeholder names such as "SH688001" for 5,392 of 5,466."""
    codes = shipped_codes()
    assert len(codes) > 5000
    assert not [c for c in codes if c.name == c.market_code or not c.name]
    assert all(c.type in COLLECTED_TYPES for c in codes)
    by_code = {c.market_code: c.name for c in codes}
    # real listings and their names (checked against the exchanges' lists of that date)
    assert by_code["SH600000"] == "浦发银行" and by_code["SZ000002"] == "万科Ａ" and by_code["SH688001"] == "华兴源创"
    assert by_code["BJ430047"] == "诺思兰德" and by_code["SZ300750"] == "宁德时代" and by_code["SH000300"] == "沪深300"
    assert "SZ000024" not in by_code  # 招商地产, delisted in 2015: not in a list of listed codes
    assert shipped_codes_date() == date(2023, 10, 19)


def test_the_script_builds_the_list_from_tdx_name_files_with_markets_by_the_exchanges_rules(tmp_path):
    from scripts.make_codes import from_tdx, market_of, write
    from tests.importer.name_files import REAL_NAMES, write_name_files

    assert [market_of(c) for c in ("600000", "900901", "000001", "200002", "300750", "430047", "830799",
                                   "920002", "123456"[:5])] == ["SH", "SH", "SZ", "SZ", "SZ", "BJ", "BJ", "BJ", None]
    rows = from_tdx(write_name_files(tmp_path / "tdx", REAL_NAMES))
    out = tmp_path / "codes.csv"
    write(rows, "2026-11-24", "test name files", out)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# describes 2026-11-24; source: test name files"
    got = {(r["market"], r["code"]): r["name"] for r in csv.DictReader(lines[1:])}
    assert got[("SZ", "300995")] == "奇德新材" and got[("BJ", "833824")] == "润普食品"
    assert got[("SH", "000300")] == "沪深300"  # the main indices are always added


def test_a_collector_without_a_store_says_how_old_its_list_is(tmp_path, caplog):
    from hikyuu_live.fetcher.universe import load_market_info

    caplog.set_level(logging.WARNING)
    info = load_market_info(tmp_path)
    assert info.origin == "shipped code list" and "as listed on 2023-10-19" in caplog.text
