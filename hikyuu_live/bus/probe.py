"""Probes for diagnostics: is a bus address free to listen on, and is a publisher alive there?"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pynng

from hikyuu_live.bus.subscriber import SpotSubscriber


def listen_error(address: str) -> str | None:
    """None if a publisher could listen on ``address`` now, else nng's reason (e.g. address in use)."""
    sock = pynng.Pub0()
    try:
        sock.listen(address)
    except pynng.NNGException as e:
        return str(e)
    finally:
        sock.close()
    return None


@dataclass(frozen=True, slots=True)
class FeedProbe:
    connected: bool
    messages: int
    cycles: int
    heartbeats: int
    last_message_age_s: float | None


def probe_feed(address: str, wait_s: float = 3.0) -> FeedProbe:
    """Subscribe for ``wait_s`` seconds and report what arrived (data cycles, heartbeats)."""
    sub = SpotSubscriber(address, keep_latest=False).start()
    try:
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            time.sleep(0.05)
        st = sub.stats
        age = sub.seconds_since_last_message if st.messages else None
        return FeedProbe(sub.is_connected, st.messages, st.cycles, st.heartbeats, age)
    finally:
        sub.stop()
