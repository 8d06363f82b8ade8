"""The wire protocol, checked against what Hikyuu's C++ client sends and accepts."""

from __future__ import annotations

import msgpack
import numpy as np
import pytest

from hikyuu_live.dataserver.protocol import (
    MAX_US,
    MIN_US,
    ErrorCode,
    Limits,
    MarketRequest,
    RequestError,
    SnapshotRequest,
    StatusRequest,
    TickRequest,
    bar_rows,
    decode_request,
    encode_error,
    encode_ok,
    format_datetimes,
    parse_datetime,
    spot_rows,
)
from hikyuu_live.model.kdata import KType

LIMITS = Limits(max_request_bytes=4096, max_codes=5)


def us(text: str) -> int:
    return int(np.datetime64(text, "us").astype(np.int64))


def refused(body: bytes, limits: Limits = LIMITS) -> ErrorCode:
    with pytest.raises(RequestError) as e:
        decode_request(body, limits)
    return e.value.code


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-24 09:30:00", "2026-11-24T09:30:00"),
    ("2026/11/24 09:30:00", "2026-11-24T09:30:00"),
    ("2026-11-24 09:30:1.1234560", "2026-11-24T09:30:01.123456"),
    ("2026-11-24 09:30:03.222508", "2026-11-24T09:30:03.222508"),
    ("2026-11-24", "2026-11-24T00:00:00"),
    ("1400-01-01 00:00:00", "1400-01-01T00:00:00"),
])
def test_parse_datetime_hikyuu_forms_read(text, expected):
    assert parse_datetime(text) == us(expected)


def test_parse_datetime_infinities_map_to_bounds():
    assert parse_datetime("+infinity") == MAX_US
    assert parse_datetime("-infinity") == MIN_US


@pytest.mark.parametrize("bad", ["2026-13-01 00:00:00", "yesterday", "2026-11-24 25:00:00", "", 20261124, None])
def test_parse_datetime_garbage_refused_with_invalid_param(bad):
    with pytest.raises(RequestError) as e:
        parse_datetime(bad)
    assert e.value.code is ErrorCode.INVALID_PARAM


def test_market_request_as_hikyuu_sends_it_is_read():
    body = msgpack.packb({"cmd": "market", "codes": ["SH600000", "sz000001"],
                          "dates": ["2026-11-24 00:00:00", "1400-01-01 00:00:00"], "ktype": "Min"})
    req = decode_request(body, LIMITS)
    assert req == MarketRequest(KType.MIN, ("SH600000", "SZ000001"), (us("2026-11-24"), MIN_US))


def test_market_request_nil_codes_is_empty():
    req = decode_request(msgpack.packb({"cmd": "market", "codes": None, "dates": None, "ktype": "day"}), LIMITS)
    assert req == MarketRequest(KType.DAY, (), ())


def test_tick_request_read():
    body = msgpack.packb({"cmd": "tick", "market": "sh", "code": "600000", "datetime": "2026-11-24 09:30:00"})
    assert decode_request(body, LIMITS) == TickRequest("SH", "600000", us("2026-11-24T09:30:00"))


def test_a_code_asked_many_times_is_one_code_from_its_earliest_date():
    """Issue 16: a 90 KB request naming one code 10,000 times was answered with 10,000 entries (16 MB)."""
    body = msgpack.packb({"cmd": "market", "ktype": "MIN", "codes": ["SH600000"] * 10_000,
                          "dates": ["2026-11-24 10:00:00"] * 10_000})
    assert decode_request(body, Limits(max_codes=10_000)) == MarketRequest(KType.MIN, ("SH600000",),
                                                                           (us("2026-11-24T10:00:00"),))
    mixed = msgpack.packb({"cmd": "market", "ktype": "DAY", "codes": ["sz000001", "SH600000", "SZ000001"],
                           "dates": ["2026-11-24 00:00:00", "2026-11-20 00:00:00", "2026-11-23 00:00:00"]})
    assert decode_request(mixed, LIMITS) == MarketRequest(KType.DAY, ("SZ000001", "SH600000"),
                                                          (us("2026-11-23"), us("2026-11-20")))
    no_dates = msgpack.packb({"cmd": "market", "ktype": "DAY", "codes": ["SH600000", "sh600000"]})
    assert decode_request(no_dates, LIMITS) == MarketRequest(KType.DAY, ("SH600000",), (MIN_US,))


def test_paging_fields_read():
    tick = msgpack.packb({"cmd": "tick", "market": "SH", "code": "600000", "datetime": "2026-11-24 09:30:00",
                          "end": "2026-11-24 10:00:00"})
    assert decode_request(tick, LIMITS) == TickRequest("SH", "600000", us("2026-11-24T09:30:00"),
                                                       us("2026-11-24T10:00:00"))
    snap = msgpack.packb({"cmd": "snapshot", "offset": 100, "limit": 50})
    assert decode_request(snap, LIMITS) == SnapshotRequest(None, 100, 50)


def test_error_answers_carry_paging_hints():
    ans = msgpack.unpackb(encode_error(ErrorCode.ANSWER_TOO_LARGE, "too big", fits=12), raw=False)
    assert ans == {"ret": 15, "msg": "too big", "fits": 12}
    with pytest.raises(ValueError):
        Limits(max_answer_bytes=1000)


def test_snapshot_and_status_read():
    assert decode_request(msgpack.packb({"cmd": "snapshot"}), LIMITS) == SnapshotRequest(None)
    assert decode_request(msgpack.packb({"cmd": "snapshot", "codes": ["SH600000"]}), LIMITS) == \
        SnapshotRequest(("SH600000",))
    assert decode_request(msgpack.packb({"cmd": "status"}), LIMITS) == StatusRequest()


@pytest.mark.parametrize(("body", "code"), [
    (b"\xc1\xc1garbage", ErrorCode.BAD_REQUEST),
    (msgpack.packb([1, 2, 3]), ErrorCode.BAD_REQUEST),
    (b"\xdd\xff\xff\xff\xff", ErrorCode.BAD_REQUEST),  # claims a 4-billion-item array
    (msgpack.packb({"command": "tick"}), ErrorCode.MISSING_CMD),
    (msgpack.packb({"cmd": "trade"}), ErrorCode.INVALID_CMD),
    (msgpack.packb({"cmd": 7}), ErrorCode.INVALID_CMD),
    (msgpack.packb({"cmd": "market", "ktype": "fortnight", "codes": None}), ErrorCode.INVALID_PARAM),
    (msgpack.packb({"cmd": "market", "ktype": ["DAY"], "codes": None}), ErrorCode.INVALID_PARAM),
    (msgpack.packb({"cmd": "market", "ktype": "DAY", "codes": "SH600000"}), ErrorCode.INVALID_PARAM),
    (msgpack.packb({"cmd": "market", "ktype": "DAY", "codes": [600000]}), ErrorCode.INVALID_PARAM),
    (msgpack.packb({"cmd": "market", "ktype": "DAY", "codes": ["SH600000"], "dates": []}), ErrorCode.INVALID_PARAM),
    (msgpack.packb({"cmd": "tick", "market": "SH", "code": 600000}), ErrorCode.INVALID_PARAM),
    (msgpack.packb({"cmd": "tick", "market": "SH", "code": "600000", "datetime": 1.5}), ErrorCode.INVALID_PARAM),
    (msgpack.packb({"cmd": "market", "ktype": "DAY", "codes": [f"SH60000{i}" for i in range(6)]}),
     ErrorCode.TOO_MANY_CODES),
    (msgpack.packb({"cmd": "status", "pad": "x" * 5000}), ErrorCode.REQUEST_TOO_LARGE),
    (msgpack.packb({"cmd": "market", "ktype": "DAY", "codes": [["SH600000"]]}), ErrorCode.INVALID_PARAM),
    (msgpack.packb({"cmd": "market", "ktype": "DAY", "codes": ["SH600000"], "dates": [["x"]]}),
     ErrorCode.INVALID_PARAM),
    (msgpack.packb({"cmd": "tick", "market": "SH", "code": "600000", "end": "soon"}), ErrorCode.INVALID_PARAM),
    (msgpack.packb({"cmd": "snapshot", "offset": -1}), ErrorCode.INVALID_PARAM),
    (msgpack.packb({"cmd": "snapshot", "limit": "10"}), ErrorCode.INVALID_PARAM),
    (msgpack.packb({"cmd": "snapshot", "offset": True}), ErrorCode.INVALID_PARAM),
])
def test_bad_requests_refused_with_their_code(body, code):
    assert refused(body) is code


def strings_are_str(obj) -> bool:
    """Decoded with raw=False, a msgpack str comes back as str and a bin as bytes: no bytes anywhere."""
    if isinstance(obj, bytes):
        return False
    if isinstance(obj, dict):
        return all(strings_are_str(k) and strings_are_str(v) for k, v in obj.items())
    if isinstance(obj, list):
        return all(strings_are_str(v) for v in obj)
    return True


def test_answers_use_msgpack_str_and_integer_ret():
    ok = msgpack.unpackb(encode_ok([{"code": "SH600000", "data": [["2026-11-24 00:00:00", 1.0]]}]), raw=False)
    err = msgpack.unpackb(encode_error(ErrorCode.INVALID_CMD, "unknown cmd"), raw=False)
    assert ok == {"ret": 0, "data": [{"code": "SH600000", "data": [["2026-11-24 00:00:00", 1.0]]}]}
    assert err == {"ret": 4, "msg": "unknown cmd"} and type(err["ret"]) is int
    assert strings_are_str(ok) and strings_are_str(err)


def test_bar_rows_have_seven_fields_and_whole_second_text():
    dt = np.array([us("2026-11-24"), us("2026-11-24T09:31:00.5")])
    rows = bar_rows(dt, [np.array([1.0, 2.0])] * 6)
    assert rows == [["2026-11-24 00:00:00", 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
                    ["2026-11-24 09:31:00", 2.0, 2.0, 2.0, 2.0, 2.0, 2.0]]
    assert all(type(v) is float for v in rows[0][1:])


def test_spot_rows_have_twelve_fields_with_book_lists():
    rows = spot_rows(np.array([us("2026-11-24T09:30:03")]), [np.array([float(i)]) for i in range(7)],
                     [np.full((1, 5), float(i)) for i in range(4)])
    assert len(rows[0]) == 12 and rows[0][0] == "2026-11-24 09:30:03"
    assert rows[0][8:] == [[0.0] * 5, [1.0] * 5, [2.0] * 5, [3.0] * 5]


def test_format_datetimes_never_iso_t():
    assert format_datetimes(np.array([us("1999-12-31T23:59:59.999999")])) == ["1999-12-31 23:59:59"]
