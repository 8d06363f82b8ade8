"""The data server: subscribes to the quote bus, keeps and saves the day's ticks, answers requests.

Start-up order, so that nothing that arrives is lost and nothing is answered half-done:

1. the request server starts (``status`` answers at once; ``market``/``tick`` answer NOT_AVAILABLE
   "recovering" until step 4);
2. the bus subscriber starts; batches that arrive are held;
3. recovery: the newest saved day (if it is today or the previous trading day) is read back into the
   tick buffer from the store holding most of it, bars are rebuilt from it, and the other stores catch
   up on rows they miss (compared by ``seq``);
4. the held batches are applied in order, then batches are applied as they arrive.

Ingest runs on the subscriber's receive thread: buffer (de-duplicate, assign ``seq``), bars, and a
hand-off to each store's saver thread. Requests run on the request workers.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from hikyuu_live.bus import AllowList, CycleReport, RequestServer, SpotSubscriber
from hikyuu_live.clock import Clock, LiveClock
from hikyuu_live.dataserver.answers import Answerer
from hikyuu_live.dataserver.barbook import DEFAULT_KTYPES, BarBook
from hikyuu_live.dataserver.buffer import TickBuffer
from hikyuu_live.dataserver.protocol import ErrorCode, Limits, encode_error
from hikyuu_live.dataserver.saver import TickSaver
from hikyuu_live.model.codec import DecodedBatch
from hikyuu_live.model.kdata import KType
from hikyuu_live.model.spot import market_codes
from hikyuu_live.model.state import State
from hikyuu_live.model.ticks import records_to_spots
from hikyuu_live.store.ticks import TickStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True, slots=True)
class DataServerConfig:
    """What the ``dataserver`` command line sets (see ``hikyuu_live.gui.dataserver``)."""

    addr: str = "tcp://0.0.0.0:9201"
    quotation_server: str = "ipc:///tmp/hikyuu_real.ipc"
    workers: int = 2
    buf: bool = False
    ktypes: tuple[KType, ...] = DEFAULT_KTYPES
    buf_max_bytes: int = 4 << 30
    limits: Limits = field(default_factory=Limits)
    flush_interval_s: float = 1.0
    secondary_flush_interval_s: float = 60.0
    max_pending_rows: int = 10_000_000
    allow: AllowList | None = None  # client addresses allowed to connect (None: everyone)
    max_queue: int = 256  # requests queued in all; more are answered BUSY
    max_per_client: int = 1  # requests queued per connection; a newer one replaces the oldest
    status_paths: bool = False  # let status answers show local paths (store folders, IPC addresses)

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ValueError("workers must be >= 1")
        if self.max_queue < 1 or self.max_per_client < 1:
            raise ValueError("max_queue and max_per_client must be >= 1")
        if self.buf_max_bytes < 1 << 20:
            raise ValueError("buf_max_bytes must be at least 1 MiB")


@dataclass(slots=True)
class IngestStats:
    batches: int = 0
    held_batches: int = 0
    cpu_s: float = 0.0  # receive-thread CPU spent in ingest
    last_batch_ms: float = 0.0
    recovered_ticks: int = 0
    recovery_s: float = 0.0
    last_cycle: dict[str, object] = field(default_factory=dict)


_ABS_PATH = re.compile(r"(?<![\w.])(?:[A-Za-z]:)?[\\/][^\s'\",;)]*")


def hide_paths(text: str, known: tuple[str, ...] = ()) -> str:
    """``text`` with the ``known`` locations and every absolute path replaced by ``<path>``
    (``Permission denied: '/home/u/stock/tick/20261124.h5'`` -> ``Permission denied: '<path>'``)."""
    for k in sorted(known, key=len, reverse=True):
        if k:
            text = text.replace(k, "<path>")
    return _ABS_PATH.sub("<path>", text)


def _max_rss_kb() -> int:
    """Peak resident memory of this process in KiB (0 where the ``resource`` module is missing: Windows)."""
    try:
        import resource
    except ImportError:
        return 0
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


class DataServer:
    """See the module docstring. ``stores[0]`` is written every ``flush_interval_s``, the others every
    ``secondary_flush_interval_s``; recovery reads the one holding the most of the day."""

    def __init__(self, cfg: DataServerConfig, *, stores: list[TickStore] | None = None, clock: Clock | None = None,
                 is_trading_day: Callable[[date], bool] | None = None) -> None:
        self.cfg = cfg
        self.clock = clock or LiveClock()
        self.is_trading_day = is_trading_day or (lambda d: d.weekday() < 5)
        self.stores = list(stores or [])
        self.stats = IngestStats()
        self.state = State.NEW
        self.ready = threading.Event()
        self.buffer = TickBuffer(keep_history=cfg.buf, max_bytes=cfg.buf_max_bytes,
                                 is_trading_day=self.is_trading_day, today=lambda: self.clock.now().date())
        self.book = BarBook(cfg.ktypes, is_trading_day=self.is_trading_day) if cfg.buf else None
        self.answerer = Answerer(limits=cfg.limits, buffer=self.buffer, book=self.book, latest=self.latest,
                                 status=self.status, ready=self.ready)
        self.savers: list[TickSaver] = []
        self._ingest_lock = threading.Lock()
        self._held: list[np.ndarray] = []
        self._started_mono = 0.0
        self._started_wall = ""
        self._rep: RequestServer | None = None
        self._sub: SpotSubscriber | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> DataServer:
        if self.state is not State.NEW:
            return self
        self._started_mono = time.monotonic()
        self._started_wall = self.clock.now().strftime("%Y-%m-%d %H:%M:%S")
        self.state = State.RUNNING
        # nng drops bodies over recv_max_bytes without an answer; leave room to refuse them with a code
        recv_max = max(4 * self.cfg.limits.max_request_bytes, self.cfg.limits.max_request_bytes + (1 << 20))
        try:
            self._rep = RequestServer(self.cfg.addr, self.answerer.handle, workers=self.cfg.workers,
                                      recv_max_bytes=recv_max, name="dataserver", busy=self.answerer.busy,
                                      precheck=self.answerer.precheck, allow=self.cfg.allow,
                                      max_queue=self.cfg.max_queue, max_per_client=self.cfg.max_per_client,
                                      on_error=lambda e: encode_error(ErrorCode.UNKNOWN_ERROR, str(e))).start()
            self._sub = SpotSubscriber(self.cfg.quotation_server, on_batch=self._on_batch,
                                       on_cycle=self._on_cycle).start()
            self._recover()
            for i, store in enumerate(self.stores):
                interval = self.cfg.flush_interval_s if i == 0 else self.cfg.secondary_flush_interval_s
                saver = TickSaver(store, flush_interval_s=interval, max_pending_rows=self.cfg.max_pending_rows)
                saver.stats.saved_seq = self.buffer.next_seq - 1  # recovered: every store holds these now
                self.savers.append(saver.start())
            with self._ingest_lock:
                held, self._held = self._held, []
                for spots in held:
                    self._ingest(spots)
                self.ready.set()
        except BaseException:
            self.close()
            raise
        log.info("dataserver ready: answering on %s, subscribed to %s, buffer %s, stores %s", self.cfg.addr,
                 self.cfg.quotation_server, "on" if self.cfg.buf else "off (snapshot only)",
                 ", ".join(s.describe() for s in self.stores) or "none")
        return self

    def close(self) -> None:
        if self.state is State.CLOSED:
            return
        self.state = State.CLOSED
        if self._sub is not None:
            self._sub.stop()
        for saver in self.savers:
            saver.close()
        if not self.savers:
            for store in self.stores:
                store.close()
        if self._rep is not None:
            self._rep.close()
        log.info("dataserver stopped")

    def __enter__(self) -> DataServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def unsaved_rows(self) -> int:
        """Ticks the stores could not write before ``close`` (0 while running)."""
        return sum(s.unsaved_rows for s in self.savers)

    def flush(self, timeout_s: float = 30.0) -> bool:
        """Write every accepted tick to every store now; True if all were written."""
        return all([s.flush(timeout_s) for s in self.savers])

    # ------------------------------------------------------------------ recovery
    def _recovery_day(self) -> date | None:
        days = [d for d in (s.last_day() for s in self.stores) if d is not None]
        if not days:
            return None
        day = max(days)
        today = self.clock.now().date()
        prev = today - timedelta(days=1)
        for _ in range(30):  # the previous trading day (at most a month of holidays back)
            if self.is_trading_day(prev):
                break
            prev -= timedelta(days=1)
        if day < prev or day > today:
            log.info("newest saved ticks are of %s, not of today or the last trading day: not reloaded", day)
            return None
        return day

    def _recover(self) -> None:
        """Reload the day from the store that holds most of it; the others catch up from those rows (a
        store that was down, or written less often, such as Parquet, misses the newest ones)."""
        day = self._recovery_day()
        if day is None:
            return
        t0 = time.perf_counter()
        have = [s.saved_seq(day) for s in self.stores]
        source = self.stores[int(np.argmax(have))]
        records = source.load_day(day)
        self.buffer.restore(records)
        if self.book is not None and self.buffer.day is not None:
            self.book.reset(self.buffer.day)
            keys = self.buffer.keys()
            self.book.rebuild(keys, lambda k: self.buffer.ticks(k, np.iinfo(np.int64).min))
        for store, seq in zip(self.stores, have, strict=True):
            missing = records[records["seq"] > seq]
            if store is not source and len(missing):
                log.info("%s catches up %d ticks of %s", store.describe(), len(missing), day)
                store.write(missing)
        self.stats.recovered_ticks = len(records)
        self.stats.recovery_s = time.perf_counter() - t0
        log.info("recovered %d ticks of %d codes of %s from %s in %.2f s", len(records), self.buffer.codes, day,
                 source.describe(), self.stats.recovery_s)

    # ------------------------------------------------------------------ ingest
    def _on_batch(self, batch: DecodedBatch) -> None:
        with self._ingest_lock:
            if not self.ready.is_set():
                self._held.append(batch.spots)
                self.stats.held_batches += 1
                return
            self._ingest(batch.spots)

    def _ingest(self, spots: np.ndarray) -> None:
        t_cpu, t_wall = time.thread_time(), time.perf_counter()
        day = self.buffer.day
        records = self.buffer.add(spots)
        if self.book is not None:
            if self.buffer.day != day and self.buffer.day is not None:
                self.book.reset(self.buffer.day)
            if len(records):
                self.book.update(records_to_spots(records))
                self.book.compact_if_needed(lambda k: self.buffer.ticks(k, np.iinfo(np.int64).min))
        for saver in self.savers:
            saver.submit(records)
        st = self.stats
        st.batches += 1
        st.cpu_s += time.thread_time() - t_cpu
        st.last_batch_ms = (time.perf_counter() - t_wall) * 1e3

    def _on_cycle(self, report: CycleReport) -> None:
        log.debug("cycle=%d spots=%d complete=%s ticks=%d codes=%d ingest_cpu_s=%.3f", report.cycle_id,
                  len(report.spots), report.complete, self.buffer.stats.ticks, self.buffer.codes, self.stats.cpu_s)
        self.stats.last_cycle = {
            "id": report.cycle_id, "spots": len(report.spots), "complete": report.complete,
            "closed_by": report.closed_by, "missing_messages": len(report.missing_seqs),
            "latency_s": round(report.latency_s, 4), "closed_at_us": report.closed_us,
        }

    # ------------------------------------------------------------------ reads
    def latest(self) -> np.ndarray:
        """The newest spot of every code: from the bus, and for codes not seen since a restart, the last
        saved tick."""
        live = self._sub.latest() if self._sub is not None else self.buffer.latest()[:0]
        saved = self.buffer.latest()
        if len(saved) and len(live):
            saved = saved[~np.isin(market_codes(saved), market_codes(live))]
        out = np.concatenate([live, saved]) if len(saved) else live
        return out[~np.isnat(out["datetime"])]

    def status(self) -> dict[str, object]:
        buf, st = self.buffer, self.stats
        sub = self._sub
        rep = self._rep
        last = dict(st.last_cycle)
        if "closed_at_us" in last:
            closed_at_us = last.pop("closed_at_us")
            assert isinstance(closed_at_us, int)
            last["age_s"] = round(time.time() - closed_at_us / 1e6, 3)
        return {
            "version": 1,
            "started": self._started_wall,
            "uptime_s": round(time.monotonic() - self._started_mono, 3),
            "ready": self.ready.is_set(),
            "trading_day": buf.day.isoformat() if buf.day else "",
            "codes": buf.codes,
            "ticks": buf.stats.ticks,
            "ticks_in_memory": buf.held_ticks,
            "next_seq": buf.next_seq,
            "buffer": {"enabled": buf.keep_history, "allocated_bytes": buf.allocated_bytes,
                       "payload_bytes": buf.payload_bytes, "max_bytes": buf.max_bytes,
                       "bytes_per_tick": round(buf.allocated_bytes / buf.held_ticks, 1) if buf.held_ticks else 0,
                       "evicted": buf.stats.evicted, "complete_from_us": buf.evicted_before_us,
                       "duplicates": buf.stats.duplicates, "older": buf.stats.older,
                       "other_day": buf.stats.other_day, "future": buf.stats.future, "invalid": buf.stats.invalid},
            "bars": {"ktypes": [k.value for k in self.book.ktypes], "bytes": self.book.memory_bytes(),
                     "shards": self.book.shards} if self.book is not None else {},
            "ingest": {"batches": st.batches, "cpu_s": round(st.cpu_s, 4), "last_batch_ms": round(st.last_batch_ms, 3),
                       "recovered_ticks": st.recovered_ticks, "recovery_s": round(st.recovery_s, 3),
                       "held_batches": st.held_batches},
            "last_cycle": last,
            "bus": {"address": self._bus_address(), "connected": bool(sub and sub.is_connected),
                    "stale": bool(sub and sub.is_stale), "cycles": sub.stats.cycles if sub else 0,
                    "gaps": sub.stats.gaps if sub else 0, "spots": sub.stats.spots if sub else 0},
            "clients": rep.clients if rep else 0,
            "requests": {"total": rep.stats.requests if rep else 0, "connections": rep.stats.connections if rep else 0,
                         "refused": self.answerer.refused, "by_kind": self.answerer.counts(),
                         "refused_connections": rep.refused_pipes if rep else 0},
            "queue": self._queue_status(),
            "stores": [{"store": s.store.describe() if self.cfg.status_paths else s.store.name,
                        "saved_rows": s.stats.saved_rows,
                        "saved_seq": s.stats.saved_seq, "pending": s.pending_rows, "errors": s.stats.errors,
                        "dropped": s.stats.dropped, "last_error": self._error_text(s.stats.last_error),
                        "last_write_ms": round(s.stats.last_write_ms, 2)}
                       for s in self.savers],
            "process": {"cpu_s": round(time.process_time(), 3), "max_rss_kb": _max_rss_kb()},
        }

    def _bus_address(self) -> str:
        """The quote bus address for ``status``: an IPC address is a local path, shown only if allowed."""
        addr = self.cfg.quotation_server
        if self.cfg.status_paths or "://" not in addr or addr.startswith(("tcp://", "ws://", "wss://", "tls+tcp://")):
            return addr
        return addr.split("://", 1)[0] + "://<path>"

    def _error_text(self, text: str) -> str:
        """A store's error for ``status``: where the stores write (and any absolute path) hidden unless allowed."""
        if self.cfg.status_paths or not text:
            return text
        known = tuple(d.partition(":")[2] for d in (s.describe() for s in self.stores))
        known += tuple(str(Path(k).resolve()) for k in known if k and "://" not in k)
        return hide_paths(text, known)

    def _queue_status(self) -> dict[str, object]:
        rep = self._rep
        if rep is None:
            return {}
        q = rep.queue
        return {"queued": q.queued, "running": q.running, "large_waiting": q.parked, "answered": q.answered,
                "busy": q.busy_full, "replaced": q.replaced, "dropped_gone": q.gone, "slices": q.slices,
                "cpu_s": round(q.cpu_s, 3), "max_queue": rep.sched.max_queue,
                "max_per_client": rep.sched.max_per_conn}
