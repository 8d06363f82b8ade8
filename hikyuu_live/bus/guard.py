"""What the subscriber refuses to believe: bounds on the extension fields, cycle ids that jump implausibly far,
and a log that cannot be flooded by a hostile sender.

Every number a message claims is bounded before anything is sized by it: ``msg_count`` (a cycle of a full
market in one-spot messages is 6,000 messages; ``MAX_MSG_COUNT`` leaves a wide margin), ``seq`` below
``msg_count``, cycle ids below ``MAX_CYCLE_ID`` (a cycle a second for 8,900 years).

A cycle id far ahead of the session's newest (more than ``max_cycle_jump``) is a bit flip or a rogue sender,
not the new normal: believing it would make every later cycle of the session "late". Such a message is
*held*, not delivered. It is released when a second message corroborates it (same session, cycle id within
``CORROBORATE`` of it: the rest of its cycle, the next cycle, or a heartbeat) - a publisher really did move
on while this subscriber heard nothing, and nothing is lost. It is dropped and counted as ``cycle_jump``
when the session's normal numbering goes on instead.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from hikyuu_live.model.codec import BatchMeta, DecodedBatch

MAX_MSG_COUNT = 100_000
MAX_CYCLE_ID = 2**48
DEFAULT_MAX_CYCLE_JUMP = 1_000
CORROBORATE = 2


def meta_problem(meta: BatchMeta) -> str | None:
    """The reason tag when the extension fields of a data message cannot be true, else None."""
    if not 1 <= meta.msg_count <= MAX_MSG_COUNT:
        return "bad_msg_count"
    if meta.seq >= meta.msg_count:
        return "bad_seq"
    if meta.cycle_id > MAX_CYCLE_ID:
        return "bad_cycle_id"
    return None


@dataclass(slots=True)
class Held:
    """A message whose cycle id jumped too far, waiting for a second opinion."""

    batch: DecodedBatch
    received_us: int

    @property
    def session_id(self) -> int:
        assert self.batch.meta is not None
        return self.batch.meta.session_id

    @property
    def cycle_id(self) -> int:
        assert self.batch.meta is not None
        return self.batch.meta.cycle_id

    def corroborated_by(self, session_id: int, cycle_id: int) -> bool:
        return session_id == self.session_id and self.cycle_id <= cycle_id <= self.cycle_id + CORROBORATE


class LogThrottle:
    """At most one log line per ``every_s`` per topic; the line says how many were held back."""

    def __init__(self, logger: logging.Logger, every_s: float = 10.0) -> None:
        self._log = logger
        self._every_s = every_s
        self._next: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def warning(self, topic: str, msg: str, *args: object) -> None:
        now = time.monotonic()
        if now < self._next.get(topic, 0.0):
            self._held[topic] = self._held.get(topic, 0) + 1
            return
        held = self._held.pop(topic, 0)
        self._next[topic] = now + self._every_s
        if held:
            self._log.warning(msg + " (and %d more like it since the last report)", *args, held)
        else:
            self._log.warning(msg, *args)
