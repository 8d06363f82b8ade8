"""The data server's wire protocol: Hikyuu's dataserver client protocol, plus two commands of ours.

Pure: no sockets. Every message body is MessagePack of a map. Strings are msgpack *str* (never
bin), numbers int or float, datetimes the text ``YYYY-MM-DD hh:mm:ss`` (no ``T``, no fraction), as
Hikyuu's C++ client requires.

Requests (exactly what Hikyuu's client sends; ``ktype`` compared without case, an empty ``codes``
list arrives as nil):

- ``{"cmd": "market", "ktype": "DAY", "codes": ["SH600000", ...], "dates": ["2026-11-24 00:00:00", ...]}``:
  for each code, its bars with datetime >= ``dates[i]`` (the newest bar the client already holds,
  ``1400-01-01 00:00:00`` for none). Answer ``data``: ``[{"code": "SH600000", "data": [[dt, open,
  high, low, close, amount, volume], ...]}, ...]``: one entry per distinct requested code, in the
  order first asked, **always** with its ``"data"`` key (an entry without it crashes Hikyuu). A code
  named twice is answered once, from the earliest of its dates. DAY bars are labelled ``00:00:00``,
  minute bars by the end of their minute.
- ``{"cmd": "tick", "market": "SH", "code": "600000", "datetime": "2026-11-24 09:30:00"}``: that
  stock's ticks of the buffered day with datetime >= ``datetime`` (and, ours, < ``"end"`` when given);
  ``data``: rows of 12 fields ``[dt, yesterday_close, open, high, low, close, amount, volume,
  [bid x5], [bid_amount x5], [ask x5], [ask_amount x5]]``.

Ours:

- ``{"cmd": "snapshot", "codes": [...] or nil, "offset": 0, "limit": n}``: the latest spot of every code
  (or of ``codes``) in code order, for a strategy that joins late; ``offset``/``limit`` (optional) page
  it; ``data``: rows of 15 fields ``[market, code, name]`` + the 12 of ``tick``.
- ``{"cmd": "status"}``: ``data`` is a map (uptime, ticks, clients, last cycle, stores; see the server).

Units as Hikyuu's in-memory data: prices in yuan, amount in 10,000 yuan, volume in lots.

Answers: ``{"ret": 0, "data": ...}`` or ``{"ret": <code>, "msg": "<reason>"}``. Codes 0-4 are
Hikyuu's; 10 and up are ours (see ``ErrorCode``). ANSWER_TOO_LARGE says how to page: ``"fits"`` (market:
the leading codes that fit; snapshot: the rows that fit) or ``"next"`` (tick: ask up to ``"end": next``,
then from ``next``).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import msgpack
import numpy as np

from hikyuu_live.model.kdata import KType, parse_ktype


class ErrorCode(enum.IntEnum):
    SUCCESS = 0
    UNKNOWN_ERROR = 1
    NNG_ERROR = 2
    MISSING_CMD = 3
    INVALID_CMD = 4
    # ours
    BAD_REQUEST = 10  # not MessagePack, or not a map
    INVALID_PARAM = 11  # a field of the wrong type or value
    REQUEST_TOO_LARGE = 12  # body longer than the server's --max-request-bytes
    TOO_MANY_CODES = 13  # more codes than the server's --max-codes
    NOT_AVAILABLE = 14  # ktype not built, ticks not buffered (--buf), or still recovering
    ANSWER_TOO_LARGE = 15  # the answer would exceed --max-answer-bytes: page (see the answer's fits/next)
    BUSY = 16  # the server's queue is full, or a newer request on the same connection replaced this one


class RequestError(Exception):
    """A request the server refuses; becomes ``{"ret": code, "msg": msg, **extra}``."""

    def __init__(self, code: ErrorCode, msg: str, **extra: Any) -> None:
        self.code = code
        self.msg = msg
        self.extra = extra
        super().__init__(f"{code.name}: {msg}")


#: the smallest answer bound a server accepts: room for one stock's day of minute bars many times over
MIN_ANSWER_BYTES = 16 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """What one request may ask for (the server's options)."""

    max_request_bytes: int = 1024 * 1024
    max_codes: int = 10_000
    max_answer_bytes: int = 64 << 20

    def __post_init__(self) -> None:
        if self.max_request_bytes < 64:
            raise ValueError("max_request_bytes must be >= 64")
        if self.max_codes < 1:
            raise ValueError("max_codes must be >= 1")
        if self.max_answer_bytes < MIN_ANSWER_BYTES:
            raise ValueError(f"max_answer_bytes must be >= {MIN_ANSWER_BYTES}")


# ----------------------------------------------------------------------------- requests


@dataclass(frozen=True, slots=True)
class MarketRequest:
    ktype: KType
    codes: tuple[str, ...]  # distinct, in the order first asked
    since_us: tuple[int, ...]  # epoch µs of exchange wall time, one per code (the earliest asked)


@dataclass(frozen=True, slots=True)
class TickRequest:
    market: str
    code: str
    since_us: int
    end_us: int = np.iinfo(np.int64).max  # exclusive; ours, for paging


@dataclass(frozen=True, slots=True)
class SnapshotRequest:
    codes: tuple[str, ...] | None  # None: every code
    offset: int = 0
    limit: int | None = None


@dataclass(frozen=True, slots=True)
class StatusRequest:
    pass


Request = MarketRequest | TickRequest | SnapshotRequest | StatusRequest

#: ``1400-01-01 00:00:00`` (Hikyuu's ``Datetime.min``) and earlier, and ``-infinity``.
MIN_US = int(np.datetime64("1400-01-01T00:00:00", "us").astype(np.int64))
#: ``+infinity`` (an empty Hikyuu ``Datetime``): after every tick.
MAX_US = np.iinfo(np.int64).max
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_DT_RE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})"
                    r"(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d+))?)?)?$")


def parse_datetime(value: object, what: str = "datetime") -> int:
    """Hikyuu's datetime text -> epoch µs of exchange wall time; ``RequestError`` if it is not one.

    Takes ``YYYY-MM-DD hh:mm:ss``, ``/`` separators, a date alone, single-digit fields and any
    number of fraction digits (``09:30:1.1234560`` occurs), and ``+infinity`` / ``-infinity``.
    """
    if not isinstance(value, str):
        raise RequestError(ErrorCode.INVALID_PARAM, f"{what} must be a string, not {type(value).__name__}")
    text = value.strip()
    low = text.lower()
    if low in ("+infinity", "infinity", "+inf", "inf"):
        return MAX_US
    if low in ("-infinity", "-inf"):
        return MIN_US
    m = _DT_RE.match(text)
    if m is None:
        raise RequestError(ErrorCode.INVALID_PARAM, f"{what} {value[:40]!r} is not 'YYYY-MM-DD hh:mm:ss'")
    y, mo, d, hh, mi, ss, frac = m.groups()
    try:
        days = date(int(y), int(mo), int(d)).toordinal() - _EPOCH_ORDINAL
    except ValueError as e:
        raise RequestError(ErrorCode.INVALID_PARAM, f"{what} {value!r}: {e}") from None
    h, mn, s = int(hh or 0), int(mi or 0), int(ss or 0)
    if h > 23 or mn > 59 or s > 59:
        raise RequestError(ErrorCode.INVALID_PARAM, f"{what} {value!r}: time out of range")
    micro = int((frac or "0")[:6].ljust(6, "0"))
    return max(MIN_US, ((days * 24 + h) * 60 + mn) * 60_000_000 + s * 1_000_000 + micro)


def format_datetimes(us: np.ndarray) -> list[str]:
    """Epoch µs -> ``YYYY-MM-DD hh:mm:ss`` texts (fraction dropped: Hikyuu's client wants whole seconds)."""
    texts = np.datetime_as_string(np.asarray(us, dtype=np.int64).astype("M8[us]").astype("M8[s]"), unit="s")
    return [t.replace("T", " ") for t in texts.tolist()]


def _code_list(value: object, limits: Limits, key: str = "codes") -> list[Any]:
    """The raw list of codes (checked to be a list within ``max_codes``; the items are checked by ``_normalised``)."""
    if value is None:  # Hikyuu's client sends nil for an empty list
        return []
    if not isinstance(value, list):
        raise RequestError(ErrorCode.INVALID_PARAM, f"{key} must be a list of strings")
    if len(value) > limits.max_codes:
        raise RequestError(ErrorCode.TOO_MANY_CODES,
                           f"{len(value)} codes asked, this server answers at most {limits.max_codes}")
    return value


def _normalised(items: list[Any], key: str = "codes") -> dict[str, str]:
    """Each distinct code as sent -> as answered (``sh600000`` -> ``SH600000``), in first-asked order.

    Only distinct items are checked, so a request naming one code 10,000 times costs one check."""
    try:
        distinct = dict.fromkeys(items)
    except TypeError:  # a list or map among the codes
        raise RequestError(ErrorCode.INVALID_PARAM, f"{key} must be strings like 'SH600000'") from None
    out = {}
    for c in distinct:
        if not isinstance(c, str) or not 1 <= len(c) <= 16:
            raise RequestError(ErrorCode.INVALID_PARAM, f"{key} must be strings like 'SH600000', got {c!r:.40}")
        out[c] = c.strip().upper()
    return out


def _codes(value: object, limits: Limits, key: str = "codes") -> tuple[str, ...]:
    """Distinct codes, upper case, in first-asked order."""
    return tuple(dict.fromkeys(_normalised(_code_list(value, limits, key), key).values()))


def _market_request(req: dict[str, Any], limits: Limits) -> MarketRequest:
    ktype_text = req.get("ktype")
    if not isinstance(ktype_text, str):
        raise RequestError(ErrorCode.INVALID_PARAM, "market needs a string 'ktype' (DAY, MIN, MIN5, ...)")
    try:
        ktype = parse_ktype(ktype_text)
    except ValueError:
        raise RequestError(ErrorCode.INVALID_PARAM, f"unknown ktype {req.get('ktype')!r:.40}") from None
    raw = _code_list(req.get("codes"), limits)
    names = _normalised(raw)
    dates = req.get("dates")
    if dates is None:
        return MarketRequest(ktype, tuple(dict.fromkeys(names.values())), (MIN_US,) * len(set(names.values())))
    if not isinstance(dates, list) or len(dates) != len(raw):
        raise RequestError(ErrorCode.INVALID_PARAM, "dates must be a list of datetime strings, one per code")
    try:
        if len(names) < len(raw) and len(set(dates)) == 1:  # a code asked 10,000 times with one date
            pairs: dict[tuple[Any, Any], None] = dict.fromkeys((c, dates[0]) for c in names)
        else:
            pairs = dict.fromkeys(zip(raw, dates, strict=True))
    except TypeError:  # a list or map among the dates
        raise RequestError(ErrorCode.INVALID_PARAM, "dates must be a list of datetime strings, one per code") from None
    parsed: dict[str, int] = {}  # clients send the same date for most codes: parse each text once
    earliest: dict[str, int] = {}
    for code, d in pairs:
        since = parsed.get(d) if isinstance(d, str) else None
        if since is None:
            since = parse_datetime(d, "dates[]")
            parsed[d] = since
        key = names[code]
        prev = earliest.get(key)
        if prev is None or since < prev:
            earliest[key] = since
    return MarketRequest(ktype, tuple(earliest), tuple(earliest.values()))


def _tick_request(req: dict[str, Any]) -> TickRequest:
    market, code = req.get("market"), req.get("code")
    if not isinstance(market, str) or not isinstance(code, str) or not market or not code:
        raise RequestError(ErrorCode.INVALID_PARAM, "tick needs string 'market' and 'code'")
    if len(market) > 4 or len(code) > 12:
        raise RequestError(ErrorCode.INVALID_PARAM, "market or code too long")
    dt, end = req.get("datetime"), req.get("end")
    since = MIN_US if dt is None else parse_datetime(dt)
    end_us = MAX_US if end is None else parse_datetime(end, "end")
    return TickRequest(market.strip().upper(), code.strip().upper(), since, end_us)


def _count(req: dict[str, Any], key: str) -> int | None:
    value = req.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise RequestError(ErrorCode.INVALID_PARAM, f"{key} must be an integer >= 0")
    return value


def decode_request(body: bytes, limits: Limits) -> Request:
    """Validate one request body; raises ``RequestError`` with the code to answer."""
    if len(body) > limits.max_request_bytes:
        raise RequestError(ErrorCode.REQUEST_TOO_LARGE,
                           f"request of {len(body)} bytes, this server takes at most {limits.max_request_bytes}")
    try:
        # unpackb bounds every string, array and map by len(body): no allocation bombs
        req = msgpack.unpackb(body, raw=False, strict_map_key=False)
    except Exception as e:  # msgpack raises several types (ExtraData, ValueError, UnicodeDecodeError, ...)
        raise RequestError(ErrorCode.BAD_REQUEST, f"not MessagePack: {type(e).__name__}") from None
    if not isinstance(req, dict):
        raise RequestError(ErrorCode.BAD_REQUEST, f"request must be a map, not {type(req).__name__}")
    if "cmd" not in req:
        raise RequestError(ErrorCode.MISSING_CMD, "missing 'cmd'")
    cmd = req["cmd"]
    if not isinstance(cmd, str):
        raise RequestError(ErrorCode.INVALID_CMD, "'cmd' must be a string")
    if cmd == "market":
        return _market_request(req, limits)
    if cmd == "tick":
        return _tick_request(req)
    if cmd == "snapshot":
        codes = req.get("codes")
        return SnapshotRequest(None if codes is None else _codes(codes, limits), _count(req, "offset") or 0,
                               _count(req, "limit"))
    if cmd == "status":
        return StatusRequest()
    raise RequestError(ErrorCode.INVALID_CMD, f"unknown cmd {cmd[:40]!r}; known: market, tick, snapshot, status")


# ----------------------------------------------------------------------------- answers


def encode_ok(data: Any) -> bytes:
    return msgpack.packb({"ret": 0, "data": data}, use_bin_type=True)


def encode_error(code: ErrorCode | int, msg: str, **extra: Any) -> bytes:
    return msgpack.packb({"ret": int(code), "msg": str(msg), **extra}, use_bin_type=True)


def bar_rows(dt_us: np.ndarray, columns: Sequence[np.ndarray]) -> list[list[Any]]:
    """Rows of 7: ``[dt, open, high, low, close, amount, volume]`` from column arrays (yuan, 10k yuan, lots)."""
    cols = [np.asarray(c, dtype=np.float64).tolist() for c in columns]
    return [[t, *vals] for t, *vals in zip(format_datetimes(dt_us), *cols, strict=True)]


def spot_rows(dt_us: np.ndarray, scalars: Sequence[np.ndarray], books: Sequence[np.ndarray]) -> list[list[Any]]:
    """Rows of 12: datetime, the 7 scalars (yesterday_close ... volume) and the 4 book lists."""
    cols = [np.asarray(c, dtype=np.float64).tolist() for c in scalars]
    levels = [np.asarray(b, dtype=np.float64).tolist() for b in books]
    return [[t, *vals] for t, *vals in zip(format_datetimes(dt_us), *cols, *levels, strict=True)]


def decode_answer(body: bytes) -> tuple[int, str, Any]:
    """``(ret, msg, data)`` of an answer; ``ValueError`` if it is not an answer at all."""
    ret, msg, data, _ = decode_answer_map(body)
    return ret, msg, data


def decode_answer_map(body: bytes) -> tuple[int, str, Any, dict[str, Any]]:
    """``(ret, msg, data, whole answer map)``: the map holds the paging hints of ANSWER_TOO_LARGE."""
    try:
        ans = msgpack.unpackb(body, raw=False, strict_map_key=False)
    except Exception as e:
        raise ValueError(f"answer is not MessagePack: {e}") from None
    if not isinstance(ans, dict) or not isinstance(ans.get("ret"), int):
        raise ValueError("answer is not a map with an integer 'ret'")
    msg = ans.get("msg", "")
    return ans["ret"], msg if isinstance(msg, str) else str(msg), ans.get("data"), ans


def encode_request(cmd: str, **fields: Any) -> bytes:
    return msgpack.packb({"cmd": cmd, **fields}, use_bin_type=True)
