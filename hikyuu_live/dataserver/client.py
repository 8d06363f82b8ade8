"""Clients of the data server (ours, or any server speaking Hikyuu's dataserver protocol).

The two functions Hikyuu offers, with the same arguments, plus ``snapshot`` and ``status``:

- ``get_data_from_buffer_server(addr, stocks, ktype)``: bars per code newer than what the caller holds
  (Hikyuu's applies them to its in-memory K-data and returns nothing; ours returns them);
- ``get_spot_from_buffer_server(addr, market, code, datetime)``: one stock's ticks since ``datetime``;
- ``get_snapshot_from_buffer_server(addr, codes=None)`` and ``get_buffer_server_status(addr)``.

Each function call connects, asks once and disconnects, as Hikyuu's client does; ``BufferServerClient``
keeps one connection for many requests. Failures raise instead of returning None: ``BusBroken``
(nothing listens at ``addr``), ``BusTimeout`` (no answer within ``timeout_s``), ``ServerError`` (the
server refused: its ``ret`` code and ``msg``), ``DecodeError`` (the answer is not the protocol's shape).

Answers the server bounds (ANSWER_TOO_LARGE) are fetched in pages as the refusal says, so ``market``,
``tick`` and ``snapshot`` return everything asked; a BUSY server is asked again, with back-off, until
``timeout_s`` has passed (then ``ServerBusy``, which is retryable).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import numpy as np
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_exponential

from hikyuu_live.bus import RequestClient
from hikyuu_live.dataserver.protocol import ErrorCode, decode_answer_map, encode_request
from hikyuu_live.errors import DecodeError, ServerError
from hikyuu_live.model.kdata import KDATA_DTYPE, KType
from hikyuu_live.model.spot import BOOK_LEVELS, SPOT_DTYPE, empty_spots

DEFAULT_ADDR = "tcp://127.0.0.1:9201"
NO_BARS = "1400-01-01 00:00:00"  # Hikyuu's Datetime.min: "send me everything"

DatetimeLike = datetime | date | np.datetime64 | str | None


def datetime_text(value: DatetimeLike) -> str:
    """Any datetime-like -> ``YYYY-MM-DD hh:mm:ss`` (None -> ``1400-01-01 00:00:00``)."""
    if value is None:
        return NO_BARS
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d 00:00:00")
    return str(np.asarray(value).astype("M8[s]")).replace("T", " ")


def _code(stock: Any) -> str:
    """``SH600000`` from a code string or from an object with ``market_code`` (a Hikyuu ``Stock``)."""
    return str(getattr(stock, "market_code", stock)).upper()


def _datetimes(texts: list[Any]) -> np.ndarray:
    try:
        return np.array(texts, dtype="M8[us]")
    except (ValueError, TypeError) as e:
        raise DecodeError("bad_answer", f"datetime not understood: {e}") from None


def _rows(data: Any, width: int, what: str) -> list[list[Any]]:
    if not isinstance(data, list) or any(not isinstance(r, list) or len(r) != width for r in data):
        raise DecodeError("bad_answer", f"{what}: expected rows of {width} fields")
    return data


def bars_from_rows(rows: list[list[Any]]) -> np.ndarray:
    """Rows of 7 (``[dt, open, high, low, close, amount, volume]``) -> ``KDATA_DTYPE``."""
    _rows(rows, 7, "bars")
    out = np.zeros(len(rows), dtype=KDATA_DTYPE)
    if rows:
        cols = list(zip(*rows, strict=True))
        out["datetime"] = _datetimes(list(cols[0]))
        for i, f in enumerate(("open", "high", "low", "close", "amount", "volume"), start=1):
            out[f] = np.asarray(cols[i], dtype=np.float64)
    return out


def spots_from_rows(rows: list[list[Any]], market: str = "", code: str = "", name: str = "") -> np.ndarray:
    """Rows of 12 (``tick``) -> ``SPOT_DTYPE``."""
    _rows(rows, 12, "ticks")
    out = empty_spots(len(rows))
    if not rows:
        return out
    out["market"], out["code"], out["name"] = market, code, name
    cols = list(zip(*rows, strict=True))
    out["datetime"] = _datetimes(list(cols[0]))
    for i, f in enumerate(("yesterday_close", "open", "high", "low", "close", "amount", "volume"), start=1):
        out[f] = np.asarray(cols[i], dtype=np.float64)
    for i, f in enumerate(("bid", "bid_amount", "ask", "ask_amount"), start=8):
        levels = np.zeros((len(rows), BOOK_LEVELS))
        for r, vals in enumerate(cols[i]):
            vals = list(vals)[:BOOK_LEVELS]
            levels[r, : len(vals)] = vals
        out[f] = levels
    return out


class ServerBusy(ServerError):
    """The server's queue was full (BUSY) for as long as the client waited; asking later may succeed."""

    retryable = True


class AnswerTooLarge(ServerError):
    """The answer would pass the server's bound; ``fits`` / ``next`` say how to page (the client does)."""

    def __init__(self, ret: int, msg: str, *, fits: int | None, next_page: str | None) -> None:
        super().__init__(ret, msg)
        self.fits = fits
        self.next_page = next_page


def _refusal(ret: int, msg: str, ans: dict[str, Any]) -> ServerError:
    if ret == ErrorCode.BUSY:
        return ServerBusy(ret, msg)
    if ret == ErrorCode.ANSWER_TOO_LARGE:
        fits, nxt = ans.get("fits"), ans.get("next")
        return AnswerTooLarge(ret, msg, fits=fits if isinstance(fits, int) else None,
                              next_page=nxt if isinstance(nxt, str) else None)
    return ServerError(ret, msg)


class BufferServerClient:
    """One connection to a data server; ``timeout_s`` per request. Use one per thread."""

    def __init__(self, addr: str = DEFAULT_ADDR, *, timeout_s: float = 10.0) -> None:
        self.addr = addr
        self.timeout_s = timeout_s
        self._conn = RequestClient(addr, timeout_s=timeout_s, reconnect_min_ms=10, reconnect_max_ms=15_000)

    def __enter__(self) -> BufferServerClient:
        self._conn.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    def ask(self, cmd: str, **fields: Any) -> Any:
        """Send one command; returns the answer's ``data`` or raises ``ServerError`` (BUSY is asked again
        with back-off for up to ``timeout_s``)."""
        for attempt in Retrying(retry=retry_if_exception_type(ServerBusy), stop=stop_after_delay(self.timeout_s),
                                wait=wait_exponential(multiplier=0.02, max=1.0), reraise=True):
            with attempt:
                return self._ask_once(cmd, fields)
        raise AssertionError("unreachable")  # Retrying either returns or raises

    def _ask_once(self, cmd: str, fields: dict[str, Any]) -> Any:
        self._conn.start()  # no-op once connected
        body = self._conn.request(encode_request(cmd, **fields))
        try:
            ret, msg, data, ans = decode_answer_map(body)
        except ValueError as e:
            raise DecodeError("bad_answer", str(e)) from None
        if ret != 0:
            raise _refusal(ret, msg, ans)
        return data

    def market(self, stocks: Iterable[str] | Mapping[str, DatetimeLike], ktype: KType | str) -> dict[str, np.ndarray]:
        """Bars of ``ktype`` per code: all of the buffered day, or (``stocks`` as a mapping) those at or after
        the datetime given per code (the newest bar the caller holds)."""
        if isinstance(stocks, Mapping):
            codes = [_code(c) for c in stocks]
            dates = [datetime_text(v) for v in stocks.values()]
        else:
            codes = [_code(c) for c in stocks]
            dates = [NO_BARS] * len(codes)
        out: dict[str, np.ndarray] = {}
        self._market_pages(str(getattr(ktype, "value", ktype)), codes, dates, out)
        return out

    def _market_pages(self, ktype: str, codes: list[str], dates: list[str], out: dict[str, np.ndarray]) -> None:
        while True:
            try:
                data = self.ask("market", ktype=ktype, codes=codes or None, dates=dates or None)
                break
            except AnswerTooLarge as e:
                if not e.fits:
                    raise
                self._market_pages(ktype, codes[: e.fits], dates[: e.fits], out)
                codes, dates = codes[e.fits:], dates[e.fits:]
        if not isinstance(data, list):
            raise DecodeError("bad_answer", "market: data is not a list")
        for entry in data:
            if not isinstance(entry, dict) or not isinstance(entry.get("code"), str) or "data" not in entry:
                raise DecodeError("bad_answer", "market: an entry lacks 'code' or 'data'")
            out[entry["code"]] = bars_from_rows(entry["data"])

    def tick(self, market: str, code: str, since: DatetimeLike = None) -> np.ndarray:
        """Ticks of one stock at or after ``since`` (None: the whole buffered day) as ``SPOT_DTYPE``."""
        pages: list[list[Any]] = []
        start, end = datetime_text(since), None
        while True:
            fields: dict[str, Any] = {"market": market.upper(), "code": code, "datetime": start}
            if end is not None:
                fields["end"] = end
            try:
                data = self.ask("tick", **fields)
            except AnswerTooLarge as e:
                if not e.next_page or e.next_page == end:
                    raise
                end = e.next_page  # ask for the page before it, then go on from it
                continue
            if not isinstance(data, list):
                raise DecodeError("bad_answer", "tick: data is not a list")
            pages.append(data)
            if end is None:
                break
            start, end = end, None
        return spots_from_rows([r for p in pages for r in p], market.upper(), code)

    def snapshot(self, codes: Iterable[str] | None = None) -> np.ndarray:
        """The newest spot of every code (or of ``codes``) as ``SPOT_DTYPE``."""
        asked = None if codes is None else [str(c).upper() for c in codes]
        data: list[Any] = []
        offset, limit = 0, None
        while True:
            fields: dict[str, Any] = {"codes": asked}
            if offset or limit is not None:
                fields.update(offset=offset, limit=limit)
            try:
                page = self.ask("snapshot", **fields)
            except AnswerTooLarge as e:
                if not e.fits:
                    raise
                limit = e.fits
                continue
            if not isinstance(page, list):
                raise DecodeError("bad_answer", "snapshot: data is not a list")
            data += page
            if limit is None or len(page) < limit:
                break
            offset += len(page)
        if any(not isinstance(r, list) or len(r) != 15 for r in data):
            raise DecodeError("bad_answer", "snapshot: expected rows of 15 fields")
        if not data:
            return np.zeros(0, dtype=SPOT_DTYPE)
        out = spots_from_rows([r[3:] for r in data])
        out["market"] = [r[0] for r in data]
        out["code"] = [r[1] for r in data]
        out["name"] = [r[2] for r in data]
        return out

    def status(self) -> dict[str, Any]:
        data = self.ask("status")
        if not isinstance(data, dict):
            raise DecodeError("bad_answer", "status: data is not a map")
        return data


def get_data_from_buffer_server(addr: str, stocks: Iterable[str] | Mapping[str, DatetimeLike], ktype: KType | str,
                                *, timeout_s: float = 10.0) -> dict[str, np.ndarray]:
    """Hikyuu's ``get_data_from_buffer_server``: bars of ``ktype`` per code (see ``BufferServerClient.market``)."""
    with BufferServerClient(addr, timeout_s=timeout_s) as c:
        return c.market(stocks, ktype)


def get_spot_from_buffer_server(addr: str, market: str, code: str, datetime: DatetimeLike = None,
                                *, timeout_s: float = 10.0) -> np.ndarray:
    """Hikyuu's ``get_spot_from_buffer_server``: one stock's ticks at or after ``datetime``."""
    with BufferServerClient(addr, timeout_s=timeout_s) as c:
        return c.tick(market, code, datetime)


def get_snapshot_from_buffer_server(addr: str, codes: Iterable[str] | None = None, *,
                                    timeout_s: float = 10.0) -> np.ndarray:
    """The latest spot of every code, for a strategy that starts mid-session."""
    with BufferServerClient(addr, timeout_s=timeout_s) as c:
        return c.snapshot(codes)


def get_buffer_server_status(addr: str, *, timeout_s: float = 10.0) -> dict[str, Any]:
    with BufferServerClient(addr, timeout_s=timeout_s) as c:
        return c.status()
