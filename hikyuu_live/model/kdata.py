"""K-data (bar) types, the in-memory bar record, and how A-share bars are labelled.

Units of in-memory bars (the same as Hikyuu's in-memory KRecord and as spots, so live and stored bars
agree): prices in yuan, ``amount`` in 10,000 yuan, ``volume`` in lots (100 shares) for stocks
(indices: as the source reports). Stores convert to and from their own scalings.

Labels: every bar is labelled by its **end**, as TDX and Hikyuu do. Day bars are labelled with the date
at 00:00; week bars with that week's Friday, month/quarter/half-year/year bars with the last calendar
day of the period. Intraday bars of ``g`` minutes are labelled ``session_open + (floor(elapsed/g)+1)*g``
within each session (09:30-11:30, 13:00-15:00), so the 1-minute bar 09:31 holds trades of
[09:30:00, 09:31:00), the 60-minute bars are 10:30, 11:30, 14:00, 15:00, and the 2-hour bars 11:30
and 15:00. See ``hikyuu_live.model.bars.py`` for auction, close and lunch rules.
"""

from __future__ import annotations

import enum

import numpy as np

KDATA_DTYPE = np.dtype(
    [
        ("datetime", "M8[us]"),
        ("open", "f8"),
        ("high", "f8"),
        ("low", "f8"),
        ("close", "f8"),
        ("amount", "f8"),
        ("volume", "f8"),
    ]
)
#: the field names of ``KDATA_DTYPE``, in order
KDATA_FIELDS: tuple[str, ...] = tuple(KDATA_DTYPE.names or ())


class KType(enum.StrEnum):
    """Bar periods, named as Hikyuu names them (``Query.DAY`` -> ``"DAY"``)."""

    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"
    QUARTER = "QUARTER"
    HALFYEAR = "HALFYEAR"
    YEAR = "YEAR"
    MIN = "MIN"
    MIN5 = "MIN5"
    MIN15 = "MIN15"
    MIN30 = "MIN30"
    MIN60 = "MIN60"
    HOUR2 = "HOUR2"

    @property
    def minutes(self) -> int:
        """Bar length in minutes for intraday types, 0 for day and longer."""
        return _MINUTES.get(self, 0)

    @property
    def is_intraday(self) -> bool:
        return self.minutes > 0

    @property
    def base(self) -> KType:
        """The stored type this one is derived from (Hikyuu derives week..year from day, 15m+ from 5m)."""
        if self.is_intraday:
            return KType.MIN if self is KType.MIN else KType.MIN5
        return KType.DAY


_MINUTES = {KType.MIN: 1, KType.MIN5: 5, KType.MIN15: 15, KType.MIN30: 30, KType.MIN60: 60, KType.HOUR2: 120}
_ALIASES = {"1MIN": KType.MIN, "MIN1": KType.MIN, "5MIN": KType.MIN5, "15MIN": KType.MIN15, "30MIN": KType.MIN30,
            "60MIN": KType.MIN60, "HOUR": KType.MIN60, "D": KType.DAY, "W": KType.WEEK, "M": KType.MONTH}


def parse_ktype(value: str | KType) -> KType:
    """Case-insensitive ktype name (``day``, ``Min``, ``min5``, ``1min``) -> ``KType``; ValueError otherwise."""
    if isinstance(value, KType):
        return value
    key = str(value).strip().upper()
    try:
        return KType(key)
    except ValueError:
        if key in _ALIASES:
            return _ALIASES[key]
        raise ValueError(f"unknown ktype {value!r}; valid: {', '.join(k.value for k in KType)}") from None


def empty_kdata(n: int = 0) -> np.ndarray:
    return np.zeros(n, dtype=KDATA_DTYPE)


# ----------------------------------------------------------------------------- period labels


def period_end(days: np.ndarray, ktype: KType) -> np.ndarray:
    """Label (``M8[D]``) of the week/month/quarter/half-year/year bar containing each day."""
    d = np.asarray(days, dtype="M8[D]")
    if ktype is KType.DAY:
        return d
    if ktype is KType.WEEK:
        # 1970-01-01 was a Thursday: weekday index with Monday = 0
        weekday = (d.astype(np.int64) + 3) % 7
        return d + (4 - weekday).astype("m8[D]")
    months = d.astype("M8[M]").astype(np.int64)
    per = {KType.MONTH: 1, KType.QUARTER: 3, KType.HALFYEAR: 6, KType.YEAR: 12}.get(ktype)
    if per is None:
        raise ValueError(f"{ktype} is not a day-or-longer period")
    last_month = (months // per) * per + per  # first month after the period
    return last_month.astype("M8[M]").astype("M8[D]") - np.timedelta64(1, "D")


#: Continuous-trading sessions as (open, close) in minutes after midnight.
SESSIONS = ((9 * 60 + 30, 11 * 60 + 30), (13 * 60, 15 * 60))


def intraday_label_minutes(minute_of_day: np.ndarray, ktype: KType) -> np.ndarray:
    """Label (minutes after midnight) of the ``ktype`` bar holding a trade at ``minute_of_day``.

    ``minute_of_day`` may be fractional (seconds / 60). Times outside the sessions are *not* handled
    here: the bar builder decides first what to do with auction, lunch and after-close prints.
    """
    g = ktype.minutes
    if not g:
        raise ValueError(f"{ktype} is not intraday")
    t = np.asarray(minute_of_day, dtype=np.float64)
    out = np.zeros(t.shape, dtype=np.int64)
    for open_, close in SESSIONS:
        in_s = (t >= open_) & (t < close)
        label = open_ + (np.floor((t - open_) / g).astype(np.int64) + 1) * g
        out = np.where(in_s, np.minimum(label, close), out)
    return out


def intraday_labels(ktype: KType) -> list[int]:
    """Every label of a trading day, in minutes after midnight (e.g. MIN60 -> 630, 690, 840, 900)."""
    g = ktype.minutes
    out: list[int] = []
    for open_, close in SESSIONS:
        t = open_ + g
        while t < close:
            out.append(t)
            t += g
        out.append(close)
    return sorted(set(out))
