"""Finding one order of ours in the client's books (``today_entrusts``, ``today_trades``); pure.

An :class:`Attempt` is what was sent (code, side, quantity, limit price), when it was first sent, the
contract number the client answered (if any), and what the books held before: rows that existed before
the first send, or that other orders of ours already claimed, are never taken for it.

- :func:`match_entrust`: by the contract number when the client answered one and its grid shows them;
  otherwise the first new, unclaimed row with the same code, side, quantity and price (within half a
  tick), entered no earlier than the first send minus ``clock_skew_s`` (when the grid shows a time).
  Keys are counted, because fingerprints of identical orders entered within the same second are equal:
  the n-th copy is new when n exceeds the copies that existed before (or that others claimed).
- :func:`match_trades`: fills of the order when the entrust grid does not show it (some clients list
  filled orders only among the trades): by contract number, else new trade rows of the same code and
  side, at or better than the limit, no earlier than the send window, grouped by their contract number,
  whose total does not exceed the quantity. The result is an ``Entrust``-shaped summary.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from hikyuu_live.strategy.broker.easytrader_rows import Entrust, Trade


@dataclass(frozen=True, slots=True)
class Attempt:
    code: str
    side: str
    number: int
    price: float
    half_tick: float
    entrust_no: str = ""  # the contract number the client answered, if any
    not_before_s: int | None = None  # seconds after midnight: first send minus the allowed clock skew
    before_entrusts: tuple[str, ...] = ()
    before_trades: tuple[str, ...] = ()
    claimed: tuple[str, ...] = ()  # entrust keys other orders of ours were matched to


def _in_window(a: Attempt, time_s: int | None) -> bool:
    return a.not_before_s is None or time_s is None or time_s >= a.not_before_s


def match_entrust(a: Attempt, entrusts: Iterable[Entrust]) -> Entrust | None:
    rows = list(entrusts)
    if a.entrust_no and any(not e.fingerprinted for e in rows):
        return next((e for e in rows if e.key == a.entrust_no), None)
    before, claimed = Counter(a.before_entrusts), Counter(a.claimed)
    seen: Counter[str] = Counter()
    for e in rows:
        seen[e.key] += 1
        if (seen[e.key] > max(before[e.key], claimed[e.key]) and e.code == a.code and e.side == a.side
                and e.number == a.number and (not e.price or abs(e.price - a.price) < a.half_tick)
                and _in_window(a, e.time_s)):
            return e
    return None


def _fair(a: Attempt, t: Trade) -> bool:
    """A fill at or better than the limit (a buy never fills above it, a sell never below)."""
    return t.price <= a.price + a.half_tick if a.side == "buy" else t.price >= a.price - a.half_tick


def match_trades(a: Attempt, trades: Iterable[Trade], market: str) -> Entrust | None:
    rows = list(trades)
    if a.entrust_no:
        group = [t for t in rows if t.entrust_key == a.entrust_no]
    else:
        before, claimed = Counter(a.before_trades), set(a.claimed)
        seen: Counter[str] = Counter()
        fresh: dict[str, list[Trade]] = {}
        for t in rows:
            seen[t.key] += 1
            if (seen[t.key] > before[t.key] and t.code == a.code and t.side == a.side and _fair(a, t)
                    and _in_window(a, t.time_s) and not (t.entrust_key and t.entrust_key in claimed)):
                fresh.setdefault(t.entrust_key or t.key, []).append(t)
        group = next((g for g in fresh.values() if sum(t.number for t in g) <= a.number), [])
    filled = sum(t.number for t in group)
    if not group or filled <= 0:
        return None
    avg = sum(t.price * t.number for t in group) / filled
    key = group[0].entrust_key or f"trade:{group[0].key}"
    return Entrust(key, market, a.code, a.side, a.price, a.number, filled, round(avg, 4), "成交",
                   min((t.time_s for t in group if t.time_s is not None), default=None))
