"""Value parsers: each accepts what the original tools write and refuses the rest with a reason."""

from __future__ import annotations

from datetime import date, time

import pytest

from hikyuu_live.config import values as v


@pytest.mark.parametrize(("text", "expected"), [
    ("False", False), ("false", False), ("0", False), ("no", False), ("off", False), ("", False), (" FALSE ", False),
    ("True", True), ("true", True), ("1", True), ("yes", True), ("on", True),
])
def test_parse_bool_words_are_booleans(text, expected):
    assert v.parse_bool(text) is expected


@pytest.mark.parametrize("text", ["maybe", "2", "Falsch", "t"])
def test_parse_bool_other_words_are_refused(text):
    with pytest.raises(ValueError, match="not a boolean"):
        v.parse_bool(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("09:30", time(9, 30)), ("9:30", time(9, 30)), ("15:05:00", time(15, 5)), ("23:59:59", time(23, 59, 59)),
])
def test_parse_time_hh_mm_and_hh_mm_ss_are_accepted(text, expected):
    assert v.parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "12:60", "noon", "1200", "12:00:00:00", ""])
def test_parse_time_bad_text_is_refused(text):
    with pytest.raises(ValueError, match="not a time"):
        v.parse_time(text)


def test_parse_reload_time_with_seconds_is_refused():
    assert v.parse_reload_time("01:30") == time(1, 30)
    with pytest.raises(ValueError, match="HH:MM"):
        v.parse_reload_time("01:30:15")


@pytest.mark.parametrize("text", ["1990/12/19", "19901219", "2023-13-01", "2023-02-30", "yesterday"])
def test_parse_date_anything_but_iso_is_refused(text):
    with pytest.raises(ValueError, match="not a date"):
        v.parse_date(text)


def test_parse_date_iso_is_accepted():
    assert v.parse_date(" 1990-12-19 ") == date(1990, 12, 19)


@pytest.mark.parametrize("text", ["1_000", "1.5", "+-5", "٣", "", "0x10"])
def test_parse_int_non_decimal_text_is_refused(text):
    with pytest.raises(ValueError, match="not an integer"):
        v.parse_int(text)


def test_parse_int_bounds_are_enforced():
    assert v.parse_int("-5") == -5
    assert v.parse_int("20", 1, 20) == 20
    with pytest.raises(ValueError, match="within 1..20"):
        v.parse_int("21", 1, 20)
    with pytest.raises(ValueError, match=">= 1"):
        v.parse_int("0", 1)


@pytest.mark.parametrize(("text", "ok"), [("1", True), ("65535", True), ("0", False), ("65536", False), ("x", False)])
def test_parse_port_range_is_1_to_65535(text, ok):
    if ok:
        assert v.parse_port(text) == int(text)
    else:
        with pytest.raises(ValueError, match="not a port"):
            v.parse_port(text)


@pytest.mark.parametrize("text", ["nan", "inf", "-inf"])
def test_parse_float_non_finite_is_refused(text):
    with pytest.raises(ValueError, match="finite"):
        v.parse_float(text)


@pytest.mark.parametrize(("text", "ok"), [("0", True), ("0.05", True), ("1", True), ("0.01", False), ("-1", False)])
def test_parse_heartbeat_zero_is_off_and_tiny_is_refused(text, ok):
    if ok:
        assert v.parse_heartbeat(text) == float(text)
    else:
        with pytest.raises(ValueError):
            v.parse_heartbeat(text)


@pytest.mark.parametrize(("text", "ok"), [
    ("ipc:///tmp/hikyuu_real.ipc", True), ("tcp://*:9200", True), ("tcp://10.0.0.2:9200", True),
    ("inproc://x", True), ("localhost:9200", False), ("tcp://host", False), ("tcp://host:0", False),
    ("ipc://", False), ("http://x:1", False),
])
def test_parse_address_only_nng_addresses_pass(text, ok):
    if ok:
        assert v.parse_address(text) == text
    else:
        with pytest.raises(ValueError):
            v.parse_address(text)


@pytest.mark.parametrize(("text", "ok"), [("http://qt.gtimg.cn/q=", True), ("https://x.example/q", True),
                                          ("ftp://x/q", False), ("qt.gtimg.cn/q=", False)])
def test_parse_url_needs_http(text, ok):
    if ok:
        assert v.parse_url(text) == text
    else:
        with pytest.raises(ValueError, match="URL"):
            v.parse_url(text)


@pytest.mark.parametrize(("text", "ok"), [("1.2.3.4:7709", True), ("1.2.3.4:7709, a=5.6.7.8:80", True),
                                          ("", True), ("1.2.3.4", False), ("1.2.3.4:99999", False)])
def test_parse_hosts_entries_are_host_port(text, ok):
    if ok:
        assert v.parse_hosts(text) == (text or None)
    else:
        with pytest.raises(ValueError, match="entry"):
            v.parse_hosts(text)


@pytest.mark.parametrize(("value", "parse"), [
    (True, v.parse_bool), (False, v.parse_bool), (time(9, 5, 7), v.parse_time), (date(2024, 2, 29), v.parse_date),
    (0.25, v.parse_float), (42, v.parse_int),
])
def test_format_value_round_trips_through_its_parser(value, parse):
    assert parse(v.format_value(value)) == value


def test_format_value_writes_the_original_forms():
    assert [v.format_value(x) for x in (True, False, time(18, 0), date(1990, 12, 19), None)] == \
        ["True", "False", "18:00:00", "1990-12-19", ""]


def test_parse_allow_list_takes_addresses_and_networks_only():
    assert v.parse_allow_list("192.168.1.0/24, 10.0.0.7 ::1") == "192.168.1.0/24, 10.0.0.7/32, ::1/128"
    assert v.parse_allow_list("  ") == ""
    for bad in ("collector.local", "192.168.1.300", "10.0.0.0/33"):
        with pytest.raises(ValueError, match="not an IP address or network"):
            v.parse_allow_list(bad)


def test_parse_bind_host_is_one_address():
    assert v.parse_bind_host(" 127.0.0.1 ") == "127.0.0.1" and v.parse_bind_host("0.0.0.0") == "0.0.0.0"
    assert v.parse_bind_host("::1") == "::1"
    for bad in ("localhost", "*", ""):
        with pytest.raises(ValueError):
            v.parse_bind_host(bad)
