"""When a bar is final: the rule that decides what a strategy may trade on, live and in a backtest alike.

A bar is labelled by its end (``hikyuu_live.model.kdata``), but reaching the label is not enough: the exchanges
stamp closing prints just after the bell, and the bar builder takes prints up to ``CLOSE_GRACE_S`` (30 s) after
11:30 and 15:00 into the last bar of the session. So:

- an intraday bar is final at its label, except the bars ending a session (11:30, 15:00): label + 30 s;
- a day bar, and a week ... year bar, at 15:00:30 of its label day (week bars are labelled with their
  Friday, month bars with the last calendar day: a conservative end when the period ends on a holiday).

A decision taken on a bar that was not final yet sees a close the backtest never sees; ``hikyuu_parity``
names that cause ("order on an unfinished bar").
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from hikyuu_live.model.kdata import SESSIONS, KType

CLOSE_GRACE_S = 30  # as the bar builder's default (``LiveBars(grace_s=30)``)
_SESSION_ENDS_MIN = {close for _, close in SESSIONS}


def final_times(labels: np.ndarray, ktype: KType, grace_s: int = CLOSE_GRACE_S) -> np.ndarray:
    """The moment (``M8[us]``, exchange time) each bar labelled ``labels`` becomes final."""
    lab = np.asarray(labels, dtype="M8[us]")
    grace = np.timedelta64(grace_s, "s").astype("m8[us]")
    if ktype.is_intraday:
        minute = (lab - lab.astype("M8[D]")).astype("m8[m]").astype(np.int64)
        at_close = np.isin(minute, list(_SESSION_ENDS_MIN))
        return np.where(at_close, lab + grace, lab)
    close = np.timedelta64(15 * 60, "m").astype("m8[us]")
    return lab.astype("M8[D]").astype("M8[us]") + close + grace


def finished_mask(bars: np.ndarray, ktype: KType, now: datetime) -> np.ndarray:
    """Which of ``bars`` (``KDATA_DTYPE``) were final at ``now`` (an aware or naive exchange-time datetime)."""
    at = np.datetime64(now.replace(tzinfo=None), "us")
    return final_times(bars["datetime"], ktype) <= at


def is_final(label: np.datetime64, ktype: KType, now: datetime) -> bool:
    """Whether the one bar labelled ``label`` was final at ``now``."""
    return bool(final_times(np.array([label], dtype="M8[us]"), ktype)[0] <= np.datetime64(now.replace(tzinfo=None),
                                                                                        "us"))
