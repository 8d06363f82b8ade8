"""Late start: a strategy started mid-session takes today's bars and the newest spots from a dataserver,
instead of building wrong bars from the first spot it happens to see.

Bars of the base ktypes the dataserver keeps (day and intraday) replace whatever preloaded bars overlap
today; the snapshot (newest spot per code) then brings the current bars up to date. Without a reachable
dataserver the strategy still starts, logs that its first bars of the day may be partial, and counts
them (``LiveBars.stats.partial_bars``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date

import numpy as np

from hikyuu_live.errors import HikyuuLiveError
from hikyuu_live.model.kdata import KDATA_DTYPE, KType

log = logging.getLogger(__name__)

#: ktypes a dataserver answers from live bars (week..year need stored history; it refuses them)
SERVED = (KType.DAY, KType.MIN, KType.MIN5, KType.MIN15, KType.MIN30, KType.MIN60, KType.HOUR2)


def catch_up(addr: str, codes: list[str], ktypes: tuple[KType, ...], history: dict[KType, Mapping[str, np.ndarray]],
             today: date, *, timeout_s: float = 5.0) -> np.ndarray | None:
    """Merge today's bars from the dataserver at ``addr`` into ``history`` (in place); return its snapshot.

    Returns None (and changes nothing) when the dataserver cannot be reached or refuses.
    """
    from hikyuu_live.dataserver.client import BufferServerClient

    start = np.datetime64(today, "us")
    try:
        with BufferServerClient(addr, timeout_s=timeout_s) as client:
            for k in ktypes:
                if k not in SERVED:
                    continue
                got = client.market({c: today for c in codes}, k)
                merged = dict(history.get(k, {}))
                for code, bars in got.items():
                    if not len(bars):
                        continue
                    old = merged.get(code, np.zeros(0, dtype=KDATA_DTYPE))
                    merged[code] = np.concatenate([old[old["datetime"] < start], bars[bars["datetime"] >= start]])
                history[k] = merged
                log.info("caught up %s from %s: %d bars of %d codes", k, addr, sum(len(b) for b in got.values()),
                         len(got))
            return client.snapshot(codes)
    except HikyuuLiveError as e:
        log.warning("no catch-up from dataserver %s (%s): bars already under way today may be partial", addr, e)
        return None
