"""Answering requests: one body in, one answer out, whatever the body holds, in bounded slices of work.

``Answerer.handle`` runs on the request workers. It never raises: a request that fails validation gets
its ``RequestError`` code, anything unexpected ``UNKNOWN_ERROR`` (and a log line), so a malformed request
cannot take a worker down. Cheap answers (errors, ``status``) come back as bytes; ``market``, ``tick``
and ``snapshot`` come back as a *job*: a generator the transport advances one slice at a time (a few
milliseconds: ``SLICE_CODES`` codes or ``SLICE_ROWS`` rows), so it can serve other connections between
slices and drop the job when its client has gone (``hikyuu_live.bus.fairqueue``). Each ``yield`` gives
the answer's size so far; the generator's return value is the answer.

Answers are bounded by ``Limits.max_answer_bytes``: rows have fixed sizes (``packing``), so the running
size is exact, and a request is refused with ANSWER_TOO_LARGE as soon as its answer would pass the bound,
with what fits (``fits``: leading codes or rows; ``next``: where a tick page ends) so the client can page.

Logging of refused requests is rate-limited (the first ten, then one line per 1,000).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Generator
from typing import Any

import msgpack
import numpy as np

from hikyuu_live.dataserver.barbook import BarBook
from hikyuu_live.dataserver.buffer import TickBuffer
from hikyuu_live.dataserver.packing import (
    BAR_ROW_BYTES,
    TICK_ROW_BYTES,
    entry_head,
    ok_head,
    pack_bar_rows,
    pack_snapshot_rows,
    pack_tick_rows,
)
from hikyuu_live.dataserver.protocol import (
    ErrorCode,
    Limits,
    MarketRequest,
    RequestError,
    SnapshotRequest,
    StatusRequest,
    TickRequest,
    decode_request,
    encode_error,
    encode_ok,
    format_datetimes,
)
from hikyuu_live.model.spot import market_codes
from hikyuu_live.model.ticks import BOOKS, SCALARS, spot_columns

log = logging.getLogger(__name__)

_BAR_FIELDS = ("open", "high", "low", "close", "amount", "volume")
#: codes per slice of a ``market`` answer, and rows per slice of any answer (a few ms of work each)
SLICE_CODES = 32
SLICE_ROWS = 4096

#: a job: each ``next`` does one slice and yields the answer's bytes so far; it returns the answer
Job = Generator[int, None, bytes]


class Answerer:
    """Turns request bodies into answers; see the module docstring."""

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

    # ------------------------------------------------------------------ entry points
    def precheck(self, body: bytes) -> bytes | None:
        """An answer at once for a body too long to queue (the transport asks before queueing), else None."""
        if len(body) > self.limits.max_request_bytes:
            return self._error(RequestError(ErrorCode.REQUEST_TOO_LARGE, f"request of {len(body)} bytes, this "
                                            f"server takes at most {self.limits.max_request_bytes}"))
        return None

    def handle(self, body: bytes) -> bytes | Job:
        try:
            req = decode_request(body, self.limits)
            if isinstance(req, StatusRequest):
                answer = encode_ok(self._status())
                self._count("status")
                return answer
            if isinstance(req, MarketRequest):
                job = self._market(req)
            elif isinstance(req, TickRequest):
                job = self._tick(req)
            else:
                assert isinstance(req, SnapshotRequest)
                job = self._snapshot(req)
            return self._run(type(req).__name__.removesuffix("Request").lower(), job)
        except RequestError as e:
            return self._error(e)
        except Exception as e:
            return self._internal(e)

    def busy(self, reason: str) -> bytes:
        """The BUSY answer the transport sends when it will not queue a request."""
        self._count_refusal(ErrorCode.BUSY, reason)
        return encode_error(ErrorCode.BUSY, reason)

    def counts(self) -> dict[str, int]:
        """Answers so far by command and by refusal code (a copy)."""
        with self._lock:
            return dict(self.answers)

    # ------------------------------------------------------------------ bookkeeping
    def _run(self, kind: str, job: Job) -> Job:
        """Run ``job`` to its answer, turning a refusal on the way into its error answer."""
        try:
            answer = yield from job
        except RequestError as e:
            return self._error(e)
        except Exception as e:
            return self._internal(e)
        self._count(kind)
        return answer

    def _error(self, e: RequestError) -> bytes:
        self._count_refusal(e.code, e.msg)
        return encode_error(e.code, e.msg, **e.extra)

    def _internal(self, e: Exception) -> bytes:
        log.exception("answering a request failed")
        self._count_refusal(ErrorCode.UNKNOWN_ERROR, str(e))
        return encode_error(ErrorCode.UNKNOWN_ERROR, f"internal error: {type(e).__name__}")

    def _count(self, key: str) -> None:
        with self._lock:
            self.answers[key] += 1

    def _count_refusal(self, code: ErrorCode, msg: str) -> None:
        with self._lock:
            self.answers[f"error:{code.name}"] += 1
            self.refused += 1
            n = self.refused
        if n <= 10 or n % 1000 == 0:
            log.info("refused request #%d: %s %s", n, code.name, msg)

    def _too_large(self, size: int, what: str, **paging: Any) -> RequestError:
        return RequestError(ErrorCode.ANSWER_TOO_LARGE, f"the answer would pass {self.limits.max_answer_bytes} "
                            f"bytes (at least {size}); {what}", **paging)

    # ------------------------------------------------------------------ commands
    def _need_buffer(self) -> BarBook:
        if self.book is None or not self.buffer.keep_history:
            raise RequestError(ErrorCode.NOT_AVAILABLE, "ticks and bars are kept only when the server runs with --buf")
        if not self._ready.is_set():
            raise RequestError(ErrorCode.NOT_AVAILABLE, "recovering today's ticks after a restart; ask again shortly")
        return self.book

    def _market(self, req: MarketRequest) -> Job:
        book = self._need_buffer()
        if req.ktype not in book.ktypes:
            built = ", ".join(k.value for k in book.ktypes)
            raise RequestError(ErrorCode.NOT_AVAILABLE, f"{req.ktype.value} bars are not built here (built: {built})")
        return self._market_job(book, req)

    def _market_job(self, book: BarBook, req: MarketRequest) -> Job:
        limit = self.limits.max_answer_bytes
        parts = [ok_head(len(req.codes))]
        size = len(parts[0])
        n = len(req.codes)
        start = 0
        while start < n:
            chunk: list[np.ndarray] = []
            heads: list[bytes] = []
            rows = 0
            while start + len(chunk) < n and len(chunk) < SLICE_CODES and rows < SLICE_ROWS:
                i = start + len(chunk)
                bars = book.bars(req.codes[i], req.ktype, req.since_us[i])
                head = entry_head(req.codes[i], len(bars))
                grown = size + len(head) + len(bars) * BAR_ROW_BYTES
                if grown > limit:
                    raise self._too_large(grown, f"the first {i} of the {n} codes fit: ask for them, then the rest",
                                          fits=i)
                size = grown
                chunk.append(bars)
                heads.append(head)
                rows += len(bars)
            if rows:
                allbars = np.concatenate(chunk)
                packed = pack_bar_rows(allbars["datetime"].astype(np.int64), [allbars[f] for f in _BAR_FIELDS])
                pos = 0
                for head, bars in zip(heads, chunk, strict=True):
                    end = pos + len(bars) * BAR_ROW_BYTES
                    parts += (head, packed[pos:end])
                    pos = end
            else:
                parts += heads
            start += len(chunk)
            yield size
        return b"".join(parts)

    def _tick(self, req: TickRequest) -> Job:
        self._need_buffer()
        ticks = self.buffer.ticks(req.market + req.code, req.since_us)  # a read-only view of held rows
        if req.end_us < np.iinfo(np.int64).max:
            ticks = ticks[: int(np.searchsorted(ticks["datetime"], req.end_us, side="left"))]
        room = (self.limits.max_answer_bytes - len(ok_head(len(ticks)))) // TICK_ROW_BYTES
        if len(ticks) > room:
            # a page ends at a whole second (the protocol's datetimes have no fraction): ticks before it fit
            cut = int(ticks["datetime"][room]) // 1_000_000 * 1_000_000
            fits = int(np.searchsorted(ticks["datetime"], cut, side="left"))
            size = len(ok_head(len(ticks))) + len(ticks) * TICK_ROW_BYTES
            if fits == 0:
                raise self._too_large(size, "more ticks in one second than fit; the server's bound is too small")
            nxt = format_datetimes(np.array([cut]))[0]
            raise self._too_large(size, f"ask with \"end\": \"{nxt}\" for the {fits} ticks before it, then from it",
                                  next=nxt, fits=fits)
        return self._tick_job(ticks)

    def _tick_job(self, ticks: np.ndarray) -> Job:
        parts = [ok_head(len(ticks))]
        size = len(parts[0])
        for i in range(0, len(ticks), SLICE_ROWS):
            dt, scalars, books = spot_columns(ticks[i: i + SLICE_ROWS])
            parts.append(pack_tick_rows(dt, scalars, books))
            size += len(parts[-1])
            yield size
        return b"".join(parts)

    def _snapshot(self, req: SnapshotRequest) -> Job:
        spots = self._latest()
        keys = market_codes(spots)
        if req.codes is not None:
            pick = np.isin(keys, list(req.codes))
            spots, keys = spots[pick], keys[pick]
        spots = spots[np.argsort(keys, kind="stable")][req.offset:]  # code order: pages stay put
        if req.limit is not None:
            spots = spots[: req.limit]
        return self._snapshot_job(spots)

    def _snapshot_job(self, spots: np.ndarray) -> Job:
        limit = self.limits.max_answer_bytes
        parts = [ok_head(len(spots))]
        size = len(parts[0])
        step = SLICE_ROWS // 4
        for i in range(0, len(spots), step):
            s = spots[i: i + step]
            dt = s["datetime"].astype("M8[us]").astype(np.int64)
            packed = pack_snapshot_rows(s["market"].tolist(), s["code"].tolist(), s["name"].tolist(), dt,
                                        [s[f] for f in SCALARS], [s[b] for b in BOOKS])
            if size + len(packed) > limit:
                fits = i + _rows_within(packed, limit - size)
                raise self._too_large(size + len(packed), f"the first {fits} rows fit: ask with \"limit\": {fits}, "
                                      f"then \"offset\": {fits}", fits=fits)
            parts.append(packed)
            size += len(packed)
            yield size
        return b"".join(parts)


def _rows_within(packed: bytes, room: int) -> int:
    """How many leading snapshot rows of ``packed`` (each starts with ``0x9f``, 15 items) fit in ``room`` bytes."""
    unpacker = msgpack.Unpacker(raw=True)
    unpacker.feed(packed)
    n = 0
    for _ in unpacker:
        if unpacker.tell() > room:
            break
        n += 1
    return n
