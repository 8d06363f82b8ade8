"""QMT (xtquant) ticks to spots, and the QMT snapshot source.

QMT's tick dict: ``lastPrice``, ``open``, ``high``, ``low``, ``lastClose``, ``amount`` (yuan), ``volume``
(lots), ``pvolume`` (shares, when QMT fills it), ``bidPrice``/``askPrice``/``bidVol``/``askVol`` (5 levels,
lots), and the time as ``time`` (epoch milliseconds) or ``timetag`` text (``20240822 14:59:57``). Names,
which QMT ticks lack, come from the universe.

Units, checked on real published ticks (``tests/collect/test_qmt_real_ticks.py``; the proof is that the
day's average price amount / (lots x 100) lies inside [low, high]): ``amount`` is yuan, taken x 0.0001
(10,000 yuan); ``volume`` is lots. ``pvolume`` is shares in most ticks (600000.SH 2025-03-31: 469,673 lots
beside 46,967,317 shares), but not in all: 600000.SH on 2022-07-26 14:30:20 carries ``pvolume: 0``, and
ticks of QMT's own documentation carry ``pvolume`` equal to ``volume`` (lots). Hikyuu takes ``pvolume`` x
0.01 always, which publishes volume 0 or 1/100 of it for those. Here ``pvolume`` / 100 is taken only when it
is positive and agrees with ``volume`` x 100 within a lot (it keeps the odd shares), else ``volume``; each
disagreement is counted. No real QMT tick of a STAR stock was found published; the same rule applies.

``xtquant`` is imported lazily and only here: it loads only on Windows next to a running QMT terminal.
Anywhere else the error says so and what to do instead.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np

from hikyuu_live.clock import EXCHANGE_TZ
from hikyuu_live.errors import SourceUnavailable
from hikyuu_live.fetcher.stock.base import Emit, SpotSource
from hikyuu_live.model.codes import CodeInfo
from hikyuu_live.model.spot import BOOK_LEVELS, empty_spots

log = logging.getLogger(__name__)

NO_XTQUANT = ("xtquant cannot be loaded here ({err}). It works only on Windows beside a running QMT/MiniQMT "
              "terminal. Run `start_qmt --server tcp://*:9200` on the QMT machine and set quotation_server = "
              "tcp://<qmt-host>:9200 on this one.")


def load_xtdata() -> Any:
    """``xtquant.xtdata``, or ``SourceUnavailable`` with the plain explanation."""
    try:
        return importlib.import_module("xtquant.xtdata")
    except Exception as e:  # ImportError, or xtquant's own failure to load its native parts
        raise SourceUnavailable(NO_XTQUANT.format(err=f"{type(e).__name__}: {e}")) from e


def qmt_symbol(info: CodeInfo) -> str:
    return f"{info.code}.{info.market}"


def _tick_time(tick: Mapping[str, Any]) -> np.datetime64 | None:
    tag = tick.get("timetag")
    if tag:
        text = str(tag).strip()
        for fmt in ("%Y%m%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y%m%d%H%M%S"):
            try:
                return np.datetime64(datetime.strptime(text, fmt), "us")
            except ValueError:
                continue
        return None
    ms = tick.get("time")
    if ms is None:
        return None
    local = datetime.fromtimestamp(float(ms) / 1000.0, tz=EXCHANGE_TZ).replace(tzinfo=None)
    return np.datetime64(local, "us")


def _levels(values: Any) -> list[float]:
    vals = [float(v) for v in list(values or [])[:BOOK_LEVELS]]
    return vals + [0.0] * (BOOK_LEVELS - len(vals))


def tick_volume(tick: Mapping[str, Any]) -> tuple[float, bool]:
    """(volume in lots, whether ``pvolume`` disagreed with ``volume``) of one tick; see the module docstring."""
    lots = float(tick["volume"])
    raw = tick.get("pvolume")
    if raw is None:
        return lots, False
    shares = float(raw)
    if shares > 0 and abs(shares - lots * 100) < 100:
        return shares / 100, False
    return lots, True


def ticks_to_spots(ticks: Mapping[str, Mapping[str, Any]], names: Mapping[str, str] | None = None, *,
                   disagreements: Counter[str] | None = None) -> tuple[np.ndarray, Counter[str]]:
    """``{"600000.SH": tick}`` -> spots; malformed ticks are skipped and counted by reason. Ticks whose
    ``pvolume`` disagrees with ``volume`` are kept (with ``volume``) and counted in ``disagreements``."""
    bad: Counter[str] = Counter()
    rows = []
    for symbol, tick in ticks.items():
        code, _, market = str(symbol).partition(".")
        market = market.upper()
        if market not in ("SH", "SZ", "BJ") or len(code) != 6:
            bad["bad_symbol"] += 1
            continue
        try:
            when = _tick_time(tick)
            if when is None:
                bad["bad_time"] += 1
                continue
            volume, disagrees = tick_volume(tick)
            if disagrees and disagreements is not None:
                disagreements["pvolume_disagrees"] += 1
            rows.append((market, code, (names or {}).get(market + code, ""), when, float(tick["lastClose"]),
                         float(tick["open"]), float(tick["high"]), float(tick["low"]), float(tick["lastPrice"]),
                         float(tick["amount"]) * 0.0001, volume, _levels(tick.get("bidPrice")),
                         _levels(tick.get("bidVol")), _levels(tick.get("askPrice")), _levels(tick.get("askVol"))))
        except (KeyError, TypeError, ValueError):
            bad["bad_field"] += 1
    out = empty_spots(len(rows))
    for i, r in enumerate(rows):
        out[i] = r
    return out, bad


class QmtSpotSource(SpotSource):
    """One ``get_full_tick`` snapshot of the universe per cycle (a single bus message, as Hikyuu's)."""

    name = "qmt"

    def __init__(self, codes: Sequence[CodeInfo], xtdata: Any = None) -> None:
        super().__init__()
        self.disagreements: Counter[str] = Counter()
        self.symbols = [qmt_symbol(c) for c in codes]
        self.names = {c.market_code: c.name for c in codes}
        self.xtdata = xtdata if xtdata is not None else load_xtdata()

    def batch_count(self) -> int:
        return 1

    def snapshot(self) -> np.ndarray:
        try:
            ticks = self.xtdata.get_full_tick(self.symbols)
        except Exception as e:  # noqa: BLE001 - xtquant raises plain Exceptions
            raise SourceUnavailable(f"get_full_tick failed: {e}") from e
        before = self.disagreements["pvolume_disagrees"]
        spots, bad = ticks_to_spots(ticks or {}, self.names, disagreements=self.disagreements)
        if bad:
            self.stats.bad_records(bad)
        if self.disagreements["pvolume_disagrees"] > before:
            log.info("qmt: %d ticks with a pvolume that disagrees with volume (volume used; %d so far)",
                     self.disagreements["pvolume_disagrees"] - before, self.disagreements["pvolume_disagrees"])
        return spots

    def _fetch(self, emit: Emit, stop: threading.Event) -> None:
        try:
            spots = self.snapshot()
        except SourceUnavailable as e:
            self.stats.failed_batch("get_full_tick")
            log.warning("%s", e)
            return
        emit(spots)
