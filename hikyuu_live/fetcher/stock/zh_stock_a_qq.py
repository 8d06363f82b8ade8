"""Tencent quotes over HTTP (``qt.gtimg.cn``): 60 codes per request, concurrent, retried, GBK.

A reply is GBK text of lines ``v_sh600000="1~浦发银行~600000~10.30~10.25~...";``. Split on ``~``, the
fields used are (0-based): 1 name, 3 close, 4 yesterday's close, 5 open, 9..18 bid price/lots pairs,
19..28 ask price/lots pairs, 30 time ``YYYYMMDDhhmmss``, 33 high, 34 low, 36 volume (lots), 37 amount
(10,000 yuan). Index volume (SZ codes 39xxxx, SH codes 000xxx) comes in shares-like units and is scaled by
0.01, as Hikyuu does. A malformed or partial line is skipped and counted by reason; a failed request is
retried with back-off and, if it still fails, counted without sinking the cycle.

Differences from the original fetcher: every request has a timeout (the original had none), one slow
batch no longer raises for the whole cycle, failures are retried per batch, ETFs are collected too, and
the parser works column-wise (about 3-4x the line rate of easyquotation's parser; ``bench_collect``).
"""

from __future__ import annotations

import logging
import threading
import urllib.request
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

import numpy as np
import urllib3
from numpy.lib.stride_tricks import sliding_window_view
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from hikyuu_live.data.codes import CodeInfo
from hikyuu_live.data.spot import BOOK_LEVELS, empty_spots
from hikyuu_live.errors import SourceUnavailable
from hikyuu_live.fetcher.stock.base import Emit, SpotSource

log = logging.getLogger(__name__)

DEFAULT_URL = "http://qt.gtimg.cn/q="
CODES_PER_REQUEST = 60
MIN_FIELDS = 38
_SCALARS = {"close": 3, "yesterday_close": 4, "open": 5, "high": 33, "low": 34, "volume": 36, "amount": 37}
_BID = [(9 + 2 * i, 10 + 2 * i) for i in range(BOOK_LEVELS)]
_ASK = [(19 + 2 * i, 20 + 2 * i) for i in range(BOOK_LEVELS)]
_TIME = 30


_OK_NUM = np.zeros(256, dtype=bool)  # characters a number may have; NUL marks bytes past the field
_OK_NUM[list(b"0123456789.-+\0")] = True


def _numbers(padded: np.ndarray, starts: np.ndarray, ends: np.ndarray, width: int, *, check: bool = True
             ) -> tuple[np.ndarray, np.ndarray]:
    """Numeric fields at ``[starts, ends)`` (any shape) -> (values, ok), parsed by numpy in one go.

    Rows of ``width`` bytes are copied out of a sliding-window view of the (zero-padded) buffer, one short
    memcpy per field with no per-byte index arrays; bytes past each field's end are zeroed; numpy converts
    the fixed-width byte strings to floats in C. Malformed fields fall back to a per-field pass that
    marks them not ok (and 0).
    """
    size = ends - starts
    mat = sliding_window_view(padded, width)[starts]
    mat[np.arange(width) >= size[..., None]] = 0
    ok = (size > 0) & (size <= width)
    if check:
        ok &= _OK_NUM[mat].all(axis=-1)
    if not ok.all():
        mat[~ok] = 0
        mat[~ok, 0] = ord("0")
    text = mat.view(f"S{width}")[..., 0]
    try:
        return text.astype(np.float64), ok
    except ValueError:  # characters in the right set but not a number ("--", "1.2.3"): one by one
        flat, flat_ok = text.ravel(), ok.ravel().copy()
        vals = np.zeros(flat.shape)
        for i, t in enumerate(flat.tolist()):
            try:
                vals[i] = float(t)
            except ValueError:
                flat_ok[i] = False
        return vals.reshape(text.shape), flat_ok.reshape(ok.shape)


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
    months = ((year - 1970) * 12 + np.clip(month, 1, 12) - 1).astype("M8[M]")
    us = (months.astype("M8[D]") + (np.clip(day, 1, 31) - 1)).astype("M8[us]") + (
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


def parse_qq(data: bytes | str) -> tuple[np.ndarray, Counter[str]]:
    """Parse a Tencent reply (GBK bytes, or text) into spots; returns them and the skipped records by reason.

    Works on the raw bytes with numpy: every ``~`` and record bound is located once, each wanted field
    is cut out by position, and numbers are converted column-wise, so no line is split into Python strings.
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
    junk = _count_junk(b, eq, int((ends - line_start + 2).clip(0).sum()))
    if junk:
        bad["not_a_quote"] = junk
    # the key: exactly v_ + sh/sz/bj + six digits right before '='
    key = b[np.clip(eq[:, None] - 10 + np.arange(10), 0, len(b) - 1)]
    mk = key[:, 2:4]
    known = ((key[:, 0] == ord("v")) & (key[:, 1] == ord("_")) & (eq >= 10)
             & ((key[:, 4:] >= 48) & (key[:, 4:] <= 57)).all(axis=1)
             & (((mk[:, 0] == ord("s")) & np.isin(mk[:, 1], (ord("h"), ord("z")))) |
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
    scalar_idx = np.array(list(_SCALARS.values()))
    sb, se = field_bounds(scalar_idx)
    padded = np.concatenate([b, np.zeros(16, dtype=np.uint8)])
    values, ok = _numbers(padded, sb, se, 14)
    for j, f in enumerate(_SCALARS):
        out[f] = values[:, j]
    valid = ok.all(axis=1)
    for side, pairs in (("bid", _BID), ("ask", _ASK)):
        cols = np.array(pairs).ravel()
        bb, be = field_bounds(cols)
        vals, _ = _numbers(padded, bb, be, 9, check=False)  # an empty or malformed book level reads as 0
        out[side] = vals[:, 0::2]
        out[f"{side}_amount"] = vals[:, 1::2]
    tb, te = field_bounds(_TIME)
    times, ok_time = _compact_times(b, tb[:, 0], te[:, 0])
    out["datetime"] = times
    bad_numbers = int((~valid).sum())
    bad_time = int((valid & ~ok_time).sum())
    valid &= ok_time
    index = ((market == "SZ") & np.char.startswith(code, "39")) | ((market == "SH") & np.char.startswith(code, "000"))
    out["volume"] = np.where(index, out["volume"] * 0.01, out["volume"])
    if bad_numbers:
        bad["bad_number"] += bad_numbers
    if bad_time:
        bad["bad_time"] += bad_time
    return (out if valid.all() else out[valid]), bad


class QQSpotSource(SpotSource):
    """Full-market polls of Tencent's quote service; see the module docstring."""

    name = "qq"

    def __init__(self, codes: Sequence[CodeInfo], *, base_url: str = DEFAULT_URL, workers: int = 16,
                 timeout_s: float = 3.0, retries: int = 2, backoff_s: float = 0.2,
                 codes_per_request: int = CODES_PER_REQUEST) -> None:
        super().__init__()
        if not codes:
            raise ValueError("the qq source needs at least one code")
        symbols = [c.market.lower() + c.code for c in codes]
        self.batches = [symbols[i:i + codes_per_request] for i in range(0, len(symbols), codes_per_request)]
        self.base_url = base_url
        self.timeout_s = timeout_s
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="qq")
        # urllib3 directly (requests adds ~0.4 ms of Python per call, x 92 calls a cycle); thread-safe pool
        proxy = urllib.request.getproxies().get("http")  # HTTP_PROXY from the environment, if any
        self._http = (urllib3.ProxyManager(proxy, maxsize=workers, block=False) if proxy
                      else urllib3.PoolManager(maxsize=workers, block=False))
        self._timeout = urllib3.Timeout(connect=timeout_s, read=timeout_s)
        self._fetch_text = retry(
            retry=retry_if_exception(lambda e: isinstance(e, SourceUnavailable)),
            stop=stop_after_attempt(retries + 1),
            wait=wait_exponential(multiplier=backoff_s, max=2.0),
            reraise=True,
        )(self._get)

    def batch_count(self) -> int:
        return len(self.batches)

    def _get(self, symbols: list[str]) -> bytes:
        url = self.base_url + ",".join(symbols) + ","
        try:
            resp = self._http.request("GET", url, timeout=self._timeout, retries=False)
        except urllib3.exceptions.HTTPError as e:
            raise SourceUnavailable(f"{type(e).__name__}: {e}") from e
        if resp.status >= 500 or resp.status == 429:
            raise SourceUnavailable(f"HTTP {resp.status}")
        if resp.status != 200:
            raise SourceUnavailable(f"HTTP {resp.status} (not retried)")
        return resp.data  # GBK bytes: the parser works on them directly

    def _one_batch(self, symbols: list[str], emit: Emit) -> None:
        try:
            text = self._fetch_text(symbols)
        except SourceUnavailable as e:
            reason = str(e).split(":")[0].split(" (")[0]
            self.stats.failed_batch(reason)
            log.warning("qq batch of %d codes starting %s failed: %s", len(symbols), symbols[0], e)
            return
        spots, bad = parse_qq(text)
        if bad:
            self.stats.bad_records(bad)
            log.debug("qq batch starting %s: skipped %s", symbols[0], dict(bad))
        emit(spots)

    def _fetch(self, emit: Emit, stop: threading.Event) -> None:
        pending: set[Future] = {self._pool.submit(self._one_batch, b, emit) for b in self.batches}
        while pending:
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for fut in done:
                fut.result()
            if stop.is_set():
                for fut in pending:
                    fut.cancel()
                return

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._http.clear()
