"""Answering requests: one body in, one body out, whatever the body holds.

``Answerer.handle`` runs on the request workers, several at once. It never raises: a request that
fails validation gets its ``RequestError`` code, anything unexpected gets ``UNKNOWN_ERROR`` (and a log
line), so a malformed request cannot take a worker down or hold up the others. Logging of refused
requests is rate-limited (the first ten, then one line per 1,000), so a flood does not flood the log.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np

from hikyuu_live.dataserver.barbook import BarBook
from hikyuu_live.dataserver.buffer import TickBuffer
from hikyuu_live.dataserver.protocol import (
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
    spot_rows,
)
from hikyuu_live.model.spot import market_codes
from hikyuu_live.model.ticks import BOOKS, SCALARS, spot_columns

log = logging.getLogger(__name__)

_BAR_FIELDS = ("open", "high", "low", "close", "amount", "volume")


class Answerer:
    """Turns request bodies into answer bodies; see the module docstring."""

    def __init__(self, *, limits: Limits, buffer: TickBuffer, book: BarBook | None,
                 latest: Callable[[], np.ndarray], status: Callable[[], dict[str, Any]],
                 ready: threading.Event) -> None:
        self.limits = limits
        self.buffer = buffer
        self.book = book
        self._latest = latest
        self._status = status
        self._ready = ready
        self._lock = threading.Lock()
        self.answers: Counter[str] = Counter()  # by command, and "error:<code name>"
        self.refused = 0

    # ------------------------------------------------------------------ entry point
    def handle(self, body: bytes) -> bytes:
        try:
            req = decode_request(body, self.limits)
            if isinstance(req, MarketRequest):
                data: Any = self._market(req)
            elif isinstance(req, TickRequest):
                data = self._tick(req)
            elif isinstance(req, SnapshotRequest):
                data = self._snapshot(req)
            else:
                assert isinstance(req, StatusRequest)
                data = self._status()
            answer = encode_ok(data)
            self._count(type(req).__name__.removesuffix("Request").lower())
            return answer
        except RequestError as e:
            self._refused(e.code, e.msg)
            return encode_error(e.code, e.msg)
        except Exception as e:
            log.exception("answering a request failed")
            self._refused(ErrorCode.UNKNOWN_ERROR, str(e))
            return encode_error(ErrorCode.UNKNOWN_ERROR, f"internal error: {type(e).__name__}")

    def counts(self) -> dict[str, int]:
        """Answers so far by command and by refusal code (a copy)."""
        with self._lock:
            return dict(self.answers)

    def _count(self, key: str) -> None:
        with self._lock:
            self.answers[key] += 1

    def _refused(self, code: ErrorCode, msg: str) -> None:
        with self._lock:
            self.answers[f"error:{code.name}"] += 1
            self.refused += 1
            n = self.refused
        if n <= 10 or n % 1000 == 0:
            log.info("refused request #%d: %s %s", n, code.name, msg)

    # ------------------------------------------------------------------ commands
    def _need_buffer(self) -> None:
        if self.book is None or not self.buffer.keep_history:
            raise RequestError(ErrorCode.NOT_AVAILABLE, "ticks and bars are kept only when the server runs with --buf")
        if not self._ready.is_set():
            raise RequestError(ErrorCode.NOT_AVAILABLE, "recovering today's ticks after a restart; ask again shortly")

    def _market(self, req: MarketRequest) -> list[dict[str, Any]]:
        self._need_buffer()
        book = self.book
        assert book is not None
        if req.ktype not in book.ktypes:
            built = ", ".join(k.value for k in book.ktypes)
            raise RequestError(ErrorCode.NOT_AVAILABLE, f"{req.ktype.value} bars are not built here (built: {built})")
        out = []
        for code, since in zip(req.codes, req.since_us, strict=True):
            bars = book.bars(code, req.ktype, since)
            rows = bar_rows(bars["datetime"].astype(np.int64), [bars[f] for f in _BAR_FIELDS]) if len(bars) else []
            out.append({"code": code, "data": rows})  # every entry has "data": Hikyuu crashes without it
        return out

    def _tick(self, req: TickRequest) -> list[list[Any]]:
        self._need_buffer()
        ticks = self.buffer.ticks(req.market + req.code, req.since_us)
        if not len(ticks):
            return []
        dt, scalars, books = spot_columns(ticks)
        return spot_rows(dt, scalars, books)

    def _snapshot(self, req: SnapshotRequest) -> list[list[Any]]:
        spots = self._latest()
        if req.codes is not None:
            spots = spots[np.isin(market_codes(spots), list(req.codes))]
        if not len(spots):
            return []
        rows = spot_rows(spots["datetime"].astype("M8[us]").astype(np.int64), [spots[f] for f in SCALARS],
                         [spots[b] for b in BOOKS])
        return [[m, c, n, *row] for m, c, n, row in zip(spots["market"].tolist(), spots["code"].tolist(),
                                                          spots["name"].tolist(), rows, strict=True)]
