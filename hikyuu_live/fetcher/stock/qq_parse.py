"""Parse Tencent quote replies (GBK bytes) into spots, column-wise with numpy.

A reply is lines ``v_sh600000="1~浦发银行~600000~10.30~10.25~...";``. Split on ``~``, the fields used are
(0-based): 1 name, 3 close, 4 yesterday's close, 5 open, 9..18 bid price/size pairs, 19..28 ask price/size
pairs, 30 time ``YYYYMMDDhhmmss``, 33 high, 34 low, 36 volume, 37 amount (10,000 yuan). A malformed or
partial record is skipped and counted by reason; it never sinks its reply.

Units per board (checked on real captured lines, see ``tests/collect/test_qq_real_lines.py``; the proof is
amount / volume = the average-price field 51, and field 6 = field 36 = fields 7 + 8):

- STAR market (SH 688xxx, 689xxx): volume (fields 6/36) and the ten book sizes are in **shares**; divided
  by 100 into lots here (688111 on 2026-09-14: 3,506,475 shares, 80,669 x 10,000 yuan, average 230.06).
- indices (SH 000xxx, SZ 399xxx, BJ 899xxx): volume already in **lots**, kept as sent (SH000001 on
  2026-04-07: 377,400,539 lots for 582,363,069,699 yuan, 15.4 yuan a share; the TDX day files that
  ``importdata`` stores hold index volume in lots too). Hikyuu scales it by 0.01: that made live index
  bars 1/100 of the stored history.
- everything else (SH/SZ main board, ChiNext, BJ stocks, funds and ETFs): volume and book sizes in lots.

Why not split lines into strings: a full market is ~5,500 lines of ~50 fields; Python string splitting
and ``float()`` per field is what makes other parsers slow. Here every ``~`` and record bound is located
once on the raw bytes, the wanted fields are cut out by position, and the numbers are converted in bulk
with integer arithmetic on 64-bit words (exactly ``float(text)``, see ``_numbers``). Only the names are
decoded from GBK, in one call.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from hikyuu_live.model.spot import BOOK_LEVELS, empty_spots

MIN_FIELDS = 38
# the field map; units: prices yuan, amount 10,000 yuan, volume and book sizes lots except STAR (shares)
SCALARS = {"close": 3, "yesterday_close": 4, "open": 5, "high": 33, "low": 34, "volume": 36, "amount": 37}
BID = [(9 + 2 * i, 10 + 2 * i) for i in range(BOOK_LEVELS)]
ASK = [(19 + 2 * i, 20 + 2 * i) for i in range(BOOK_LEVELS)]
TIME = 30
#: code prefixes (after the market) whose volume and book sizes Tencent sends in shares: the STAR market
SHARES_BOARDS = {"SH": ("688", "689")}
#: every numeric field, scalars first, then bid/bid lots and ask/ask lots pairs
_NUMERIC = np.array([*SCALARS.values(), *np.ravel(BID), *np.ravel(ASK)])

# ------------------------------------------------------------------ numbers
_W = 16  # a numeric field is read as one right-aligned 16-byte row = two little-endian 64-bit words
_U = np.uint64
_FLAGS = np.full(256, 8, dtype=np.uint8)  # per byte: 1 digit, 2 dot, 4 sign, 8 anything else, 0 padding
_FLAGS[0] = 0
_FLAGS[48:58] = 1
_FLAGS[46] = 2
_FLAGS[[43, 45]] = 4
_EACH = {k: _U(int.from_bytes(bytes([k]) * 8, "little")) for k in (1, 2, 4, 8)}  # k in every byte
_KEEP = np.array([np.frombuffer(bytes(k) + b"\xff" * (_W - k), dtype="<u8") for k in range(_W + 1)])
_P10 = 10 ** np.arange(_W + 1, dtype=np.int64)


def _eight_digits(x: np.ndarray) -> np.ndarray:
    """Words of eight digit values (0..9, most significant in the lowest byte) -> their numbers."""
    x = (x * _U(10) + (x >> _U(8))) & _U(0x00FF00FF00FF00FF)
    x = (x * _U(100) + (x >> _U(16))) & _U(0x0000FFFF0000FFFF)
    return (x * _U(10000) + (x >> _U(32))) & _U(0xFFFFFFFF)


def _lowest_byte(x: np.ndarray) -> np.ndarray:
    """Index 0..7 of the lowest non-zero byte of each (non-zero) word."""
    return np.bitwise_count((x & (~x + _U(1))) - _U(1)) >> _U(3)


def _numbers(padded: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Decimal fields at ``[starts, ends)`` (any shape) -> (values, ok); a field that is not a number is 0.

    ``padded`` is the reply with ``_W`` zero bytes before and after it (indices are into the reply).
    Each field becomes one 16-byte row, right-aligned, bytes before it cleared; a byte-class table marks
    digits, the dot and a sign; the digits (dot read as a 0 digit) become an integer ``n`` with the
    eight-digits-per-word multiply-shift method; the dot splits ``n`` into whole and fraction parts, and
    ``mantissa / 10**decimals`` is the correctly rounded double that ``float(text)`` gives (both are
    exact integers below 2**53). Accepted: an optional leading sign, digits, at most one dot, 1..15 digits.
    """
    shape = starts.shape
    starts, ends = starts.ravel(), ends.ravel()
    size = ends - starts
    first = _W - np.minimum(np.maximum(size, 0), _W)  # column of the field's first byte
    words = sliding_window_view(padded, _W)[ends].view("<u8") & _KEEP[first]  # (m, 2)
    flags = np.take(_FLAGS, words.view(np.uint8)).view("<u8")

    def count(kind: int) -> np.ndarray:
        c = np.bitwise_count(flags & _EACH[kind])
        return c[:, 0] + c[:, 1]

    ndig, ndot, nsign = count(1), count(2), count(4)
    digit = flags & _EACH[1]
    half = _eight_digits((words & (digit * _U(0xFF))) - digit * _U(0x30)).astype(np.int64)
    n = half[:, 0] * 100_000_000 + half[:, 1]
    dots = flags & _EACH[2]
    dot_col = np.where(dots[:, 0] != 0, _lowest_byte(dots[:, 0]), _lowest_byte(dots[:, 1]) + _U(8))
    frac = np.where(ndot > 0, _W - 1 - dot_col.astype(np.int64), 0)
    p = _P10[frac]
    mantissa = np.where(ndot > 0, n // (p * 10), n) * p + n % p
    lead = words.view(np.uint8)[np.arange(len(first)), np.minimum(first, _W - 1)]
    ok = ((size > 0) & (size <= _W) & ((flags[:, 0] | flags[:, 1]) & _EACH[8] == 0) & (ndot <= 1)
          & (ndig >= 1) & (ndig <= 15) & ((nsign == 0) | ((nsign == 1) & ((lead == 43) | (lead == 45)))))
    values = mantissa / p
    values = np.where(ok, np.where(lead == 45, -values, values), 0.0)
    return values.reshape(shape), ok.reshape(shape)


# ------------------------------------------------------------------ times and junk
def _compact_times(b: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``YYYYMMDDhhmmss`` fields -> (M8[us], ok), vectorised."""
    n = len(starts)
    d = b[np.minimum(starts[:, None] + np.arange(14), len(b) - 1)].astype(np.int64) - 48
    ok = (ends - starts == 14) & ((d >= 0) & (d <= 9)).all(axis=1)
    d = np.where(ok[:, None], d, 0)
    year = d[:, 0:4] @ (10 ** np.arange(3, -1, -1))
    month, day = d[:, 4] * 10 + d[:, 5], d[:, 6] * 10 + d[:, 7]
    hh, mm, ss = d[:, 8] * 10 + d[:, 9], d[:, 10] * 10 + d[:, 11], d[:, 12] * 10 + d[:, 13]
    ok &= (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31) & (hh < 24) & (mm < 60) & (ss < 60) & (year > 1990)
    months = ((year - 1970) * 12 + np.minimum(np.maximum(month, 1), 12) - 1).astype("M8[M]")
    us = (months.astype("M8[D]") + (np.minimum(np.maximum(day, 1), 31) - 1)).astype("M8[us]") + (
        (hh * 3600 + mm * 60 + ss) * 1_000_000)
    return np.where(ok, us, np.datetime64("NaT")) if n else us, ok


def _count_junk(b: np.ndarray, eq: np.ndarray, record_bytes: int) -> int:
    """Non-blank ``;``/newline-separated segments that hold no ``key="...`` record at all."""
    if int(np.count_nonzero(b > 32)) <= record_bytes:  # fast path: nothing but records and blanks
        return 0
    seps = np.flatnonzero((b == 59) | (b == 10))
    bounds = np.concatenate([[-1], seps, [len(b)]])
    solid = np.concatenate([[0], np.cumsum(b > 32)])
    nonblank = solid[bounds[1:]] - solid[bounds[:-1] + 1] > 0
    has_record = np.zeros(len(bounds) - 1, dtype=bool)
    has_record[np.searchsorted(bounds, eq, side="right") - 1] = True
    return int((nonblank & ~has_record).sum())


# ------------------------------------------------------------------ records
def parse_qq(data: bytes | str) -> tuple[np.ndarray, Counter[str]]:
    """Parse a Tencent reply (GBK bytes, or text) into spots; returns them and the skipped records by reason.

    Reasons: ``truncated`` (no closing quote), ``unknown_code`` (not ``v_`` + sh/sz/bj + six digits, e.g.
    ``v_pv_none_match``), ``short_line`` (fewer than 38 fields), ``bad_number`` (a price, volume or amount
    that is not a number), ``bad_time`` (not ``YYYYMMDDhhmmss``), ``not_a_quote`` (text that is no record).
    """
    raw = data.encode("gbk", errors="replace") if isinstance(data, str) else bytes(data)
    b = np.frombuffer(raw, dtype=np.uint8)
    bad: Counter[str] = Counter()
    if len(b) < 3:
        return empty_spots(0), bad
    quotes = np.flatnonzero(b == ord('"'))
    eq = quotes[(quotes > 0) & (b[quotes - 1] == ord("="))] - 1
    term = np.flatnonzero((b == ord('"')) | (b == 10) | (b == 59))
    starts = eq + 2
    ends = term[np.minimum(np.searchsorted(term, starts), len(term) - 1)] if len(term) else starts
    closed = (ends >= starts) & (b[np.minimum(ends, len(b) - 1)] == ord('"'))
    # bytes of "key=" + body + '";' per record: what is not in them (and not blank) is junk
    line_start = np.concatenate([[0], term + 1])[np.searchsorted(term, eq)]
    junk = _count_junk(b, eq, int(np.maximum(ends - line_start + 2, 0).sum()))
    if junk:
        bad["not_a_quote"] = junk
    # the key: exactly v_ + sh/sz/bj + six digits right before '='
    key = b[np.maximum(eq[:, None] - 10 + np.arange(10), 0)]  # eq < len(b)
    mk = key[:, 2:4]
    known = ((key[:, 0] == ord("v")) & (key[:, 1] == ord("_")) & (eq >= 10)
             & ((key[:, 4:] >= 48) & (key[:, 4:] <= 57)).all(axis=1)
             & (((mk[:, 0] == ord("s")) & ((mk[:, 1] == ord("h")) | (mk[:, 1] == ord("z")))) |
                ((mk[:, 0] == ord("b")) & (mk[:, 1] == ord("j")))))
    tildes = np.flatnonzero(b == ord("~"))
    lo = np.searchsorted(tildes, starts)
    nfields = np.searchsorted(tildes, ends) - lo + 1
    for reason, mask in (("truncated", ~closed), ("unknown_code", closed & ~known),
                         ("short_line", closed & known & (nfields < MIN_FIELDS))):
        if mask.any():
            bad[reason] += int(mask.sum())
    use = closed & known & (nfields >= MIN_FIELDS)
    starts, lo, key = starts[use], lo[use], key[use]
    n = len(starts)
    out = empty_spots(n)
    if not n:
        return out, bad

    rec_end = ends[use]
    last = lo + nfields[use] - 1  # index into tildes one past the record's last tilde

    def field_bounds(k: int | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Start and end byte of field(s) ``k`` (>= 1) of every record, shape ``(n, len(k))``."""
        k = np.atleast_1d(np.asarray(k))
        t = lo[:, None] + k
        begin = tildes[np.minimum(t - 1, len(tildes) - 1)] + 1
        end = np.where(t < last[:, None], tildes[np.minimum(t, len(tildes) - 1)], rec_end[:, None])
        return begin, end

    market = (np.ascontiguousarray(key[:, 2:4]) - 32).view("S2")[:, 0].astype("U2")  # sh -> SH
    code = np.ascontiguousarray(key[:, 4:]).view("S6")[:, 0].astype("U6")
    out["market"], out["code"] = market, code
    nb, ne = field_bounds(1)
    names = [raw[i:j] for i, j in zip(nb[:, 0].tolist(), ne[:, 0].tolist(), strict=True)]
    out["name"] = b"\0".join(names).decode("gbk", errors="replace").split("\0")
    padded = np.concatenate([np.zeros(_W, dtype=np.uint8), b, np.zeros(_W, dtype=np.uint8)])
    fb, fe = field_bounds(_NUMERIC)
    values, ok = _numbers(padded, fb, fe)  # an empty or malformed book level reads as 0
    ns = len(SCALARS)
    for j, f in enumerate(SCALARS):
        out[f] = values[:, j]
    book = values[:, ns:].reshape(n, 2, BOOK_LEVELS, 2)  # (record, bid/ask, level, price/lots)
    out["bid"], out["bid_amount"] = book[:, 0, :, 0], book[:, 0, :, 1]
    out["ask"], out["ask_amount"] = book[:, 1, :, 0], book[:, 1, :, 1]
    valid = ok[:, :ns].all(axis=1)
    tb, te = field_bounds(TIME)
    times, ok_time = _compact_times(b, tb[:, 0], te[:, 0])
    out["datetime"] = times
    bad_numbers = int((~valid).sum())
    bad_time = int((valid & ~ok_time).sum())
    valid &= ok_time
    in_shares = np.zeros(n, dtype=bool)
    for mk, prefixes in SHARES_BOARDS.items():
        for prefix in prefixes:
            in_shares |= (market == mk) & np.char.startswith(code, prefix)
    if in_shares.any():  # STAR: shares -> lots
        for f in ("volume", "bid_amount", "ask_amount"):
            out[f][in_shares] = out[f][in_shares] / 100
    if bad_numbers:
        bad["bad_number"] += bad_numbers
    if bad_time:
        bad["bad_time"] += bad_time
    return (out if valid.all() else out[valid]), bad
