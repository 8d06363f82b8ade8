"""``[preload]``: which bar types Hikyuu keeps in memory and how many bars of each.

The same section appears in ``hikyuu.ini`` (read by Hikyuu's C++ core and our strategies) and in
``importdata-gui.ini`` (the GUI's copy, written into ``hikyuu.ini`` on save). Defaults are the
template's: flags off except ``day`` (``hikyuu.ini``) or ``day``/``week``/``month``
(``importdata-gui.ini``); maxima 100000 for day..year and 5120 for minute types, time line and
trades; ``0`` means no limit (every bar), as Hikyuu's GUI documents. The original GUI fell back to
4096 for minute maxima when rewriting ``hikyuu.ini`` and the C++ core to 4096 for any missing maximum;
5120 is used everywhere here so one file never silently disagrees with the other.
"""

from __future__ import annotations

import configparser
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from hikyuu_live.config.sections import Section
from hikyuu_live.config.values import format_value, parse_bool, parse_int
from hikyuu_live.errors import ConfigError

log = logging.getLogger(__name__)
T = TypeVar("T")

PRELOAD_TYPES = ("day", "week", "month", "quarter", "halfyear", "year", "min", "min5", "min15", "min30",
                 "min60", "hour2", "timeline", "trans")
DAY_TYPES = PRELOAD_TYPES[:6]
DAY_MAX = 100000
MINUTE_MAX = 5120
HIKYUU_PRELOADED = ("day",)
IMPORT_PRELOADED = ("day", "week", "month")


def default_flags(on: tuple[str, ...] = HIKYUU_PRELOADED) -> dict[str, bool]:
    return {t: t in on for t in PRELOAD_TYPES}


def default_maxima() -> dict[str, int]:
    return {t: DAY_MAX if t in DAY_TYPES else MINUTE_MAX for t in PRELOAD_TYPES}


@dataclass(frozen=True, kw_only=True, slots=True, repr=False)
class PreloadSection(Section):
    """``flags[ktype]`` (``day = True``) and ``maxima[ktype]`` (``day_max = 100000``), ktypes of ``PRELOAD_TYPES``."""

    flags: dict[str, bool] = field(default_factory=default_flags)
    maxima: dict[str, int] = field(default_factory=default_maxima)

    def __post_init__(self) -> None:
        flags: dict[str, bool] = {}
        maxima: dict[str, int] = {}
        for name, value in self.flags.items():
            flags[name] = _checked(name, value, parse_bool)
        for name, count in self.maxima.items():
            maxima[name] = _checked(f"{name}_max", count, lambda v: parse_int(v, 0))  # 0 = no limit (Hikyuu)
        # copies, so a caller changing its dict later cannot change this frozen section
        object.__setattr__(self, "flags", flags)
        object.__setattr__(self, "maxima", maxima)

    def values(self) -> dict[str, str]:
        """The section as ini text: ``day = True`` ... ``day_max = 100000`` ..."""
        out = {t: format_value(v) for t, v in self.flags.items()}
        out.update({f"{t}_max": str(v) for t, v in self.maxima.items()})
        return out


def _checked(ini_key: str, value: object, parse: Callable[[str], T]) -> T:
    ktype = ini_key.removesuffix("_max")
    if ktype not in PRELOAD_TYPES:
        raise ConfigError(f"unknown bar type; valid: {', '.join(PRELOAD_TYPES)}", key=ini_key, value=ini_key)
    raw = value if isinstance(value, str) else format_value(value)
    try:
        return parse(raw)
    except ValueError as e:
        raise ConfigError(str(e), key=ini_key, value=raw) from None


def load_preload(cp: configparser.ConfigParser, file: str, base: PreloadSection) -> PreloadSection:
    """``[preload]`` of ``cp``, keys absent from the file taken from ``base``; unknown keys are logged."""
    flags, maxima = dict(base.flags), dict(base.maxima)
    unknown = []
    for name, raw in cp.items("preload"):
        if name.endswith("_max") and name[:-4] in PRELOAD_TYPES:
            maxima[name[:-4]] = raw  # type: ignore[assignment]
        elif name in PRELOAD_TYPES:
            flags[name] = raw  # type: ignore[assignment]
        else:
            unknown.append(name)
    if unknown:
        # e.g. ``min1``: the original template's placeholder name for ``min``
        log.warning("config %s [preload]: unknown keys %s are kept but ignored", file, ", ".join(unknown))
    try:
        return PreloadSection(flags=flags, maxima=maxima)
    except ConfigError as e:
        raise ConfigError(e.reason, file=file, section="preload", key=e.key, value=e.value) from None


def preload_text(on: tuple[str, ...] = HIKYUU_PRELOADED) -> str:
    """The ``[preload]`` section of a template, flags ``on`` set, default maxima."""
    section = PreloadSection(flags=default_flags(on))
    return "[preload]\n" + "".join(f"{k} = {v}\n" for k, v in section.values().items())
