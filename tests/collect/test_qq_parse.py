"""The Tencent parser's bulk number conversion gives exactly ``float(text)``, and rejects what is not a number."""

from __future__ import annotations

import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hikyuu_live.fetcher.stock.qq_parse import _W, _numbers, parse_qq
from tests.standins.qq_server import make_quote, quote_line

NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)")


def expected(text: str) -> float | None:
    """What the parser must return: ``float(text)`` for plain decimals of 1..15 digits in 16 bytes, else None."""
    raw = text.encode("gbk")
    if not NUMBER.fullmatch(text) or len(raw) > _W or sum(ch.isdigit() for ch in text) > 15:
        return None
    return float(text)


def convert(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    raw = "~".join(texts).encode("gbk")
    b = np.frombuffer(raw, dtype=np.uint8)
    tildes = np.flatnonzero(b == ord("~"))
    starts = np.concatenate([[0], tildes + 1])
    ends = np.concatenate([tildes, [len(b)]])
    padded = np.concatenate([np.zeros(_W, dtype=np.uint8), b, np.zeros(_W, dtype=np.uint8)])
    return _numbers(padded, starts, ends)


decimals = st.builds(lambda x, d: f"{x:.{d}f}", st.floats(-1e12, 1e12, allow_nan=False), st.integers(0, 6))
junk = st.text(alphabet="0123456789.+-e 中x/", max_size=18)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.one_of(decimals, junk), min_size=1, max_size=40))
def test_numbers_are_exactly_float_of_their_text_or_rejected(texts):
    values, ok = convert(texts)
    for text, value, good in zip(texts, values.tolist(), ok.tolist(), strict=True):
        want = expected(text)
        if want is None:
            assert not good and value == 0.0, text
        else:
            assert good and value == want, (text, value, want)


def test_edge_cases():
    texts = ["10.30", "0", "-1.5", "+2", "5.", ".5", "000012.50", "123456789012345", "1234567890123456", "",
             "--", "1.2.3", "-", ".", "1-2", "1e5", "+-1", "n/a", "9999999999999.99", "0.0001"]
    values, ok = convert(texts)
    assert [v if g else None for v, g in zip(values.tolist(), ok.tolist(), strict=True)] == [expected(t) for t in texts]


def test_a_line_with_a_bad_price_is_counted_not_parsed():
    good = quote_line(make_quote("SH", "600000", "浦发银行"))
    fields = good.split("~")
    fields[3] = "1.2.3"
    spots, bad = parse_qq(good + "\n" + "~".join(fields).replace("v_sh600000", "v_sh600001") + "\n")
    assert spots["code"].tolist() == ["600000"] and bad == {"bad_number": 1}
    fields[3], fields[12] = "10.30", "x"  # bid2 lots malformed: that level reads as 0, the line stays
    spots, bad = parse_qq("~".join(fields).encode("gbk"))
    assert not bad and spots["close"][0] == 10.30 and spots["bid_amount"][0][1] == 0.0 and spots["bid"][0][1] > 0
