"""The two trade lists of a parity run and every difference between them, with its cause (pure: no I/O).

A trade is keyed by when it was decided (``when``: the timer's time for our strategies, the bar's label for a
trading system), the stock and the side. Both lists are matched on that key; what does not match, or matches
with another price, quantity or outcome, is a ``Difference`` whose ``cause`` is one of:

- ``unfinished bar``: the live decision read a bar that was not final yet (``strategy.bar_time``); the
  backtest only ever sees final bars. A decision keyed by its bar (a Hikyuu system or portfolio) meets the
  backtest's on the same bar at another price or quantity: that is named so too, not a fill price rule;
- ``missing bar``: a bar one side had at that moment and the other did not (the live path never received a
  minute the store has, or the store lacks one the live path built);
- ``T+1 refusal``: the broker refused the live order because the shares were bought today, where the
  backtest sold them;
- ``after the close``: the backtest traded on the session's last bar, which is final only after the close
  (15:00:30), when nothing can be traded live;
- ``order on its way``: the live decision read the account (cash, a position, Hikyuu's ``get_asset_info``)
  while an earlier order was still ``pending`` at the broker, so the account lacked it; the backtest settles
  every order before its next step. Brokers are asynchronous: at a live pace the paper broker's fill is in
  the account within milliseconds, so this names a replay too fast for the broker (or a strategy reading
  the account right after its own order);
- ``fill price rule``: same decision, another price (the live order filled at the live price, the backtest
  at the bar's close, or the other way round);
- ``quantity``: same decision, another number of shares (the account differed);
- ``refused live``: the live order was refused for another reason (named);
- ``decision``: none of the above explains it (the bars the two saw were the same): a signal that depends on
  something else than the bars (time of day, state kept between calls, randomness).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

UNFINISHED = "unfinished bar"
MISSING_BAR = "missing bar"
T1 = "T+1 refusal"
AFTER_CLOSE = "after the close"
UNSETTLED = "order on its way"
FILL_PRICE = "fill price rule"
QUANTITY = "quantity"
REFUSED = "refused live"
DECISION = "decision"
PRICE_TOLERANCE = 1e-6


@dataclass(frozen=True, slots=True)
class Trade:
    """One order of either list."""

    when: np.datetime64  # the decision's key time (see the module docstring)
    code: str  # SH600000
    side: str  # buy | sell
    price: float
    number: float
    status: str = "filled"  # filled | rejected | submitted | ...
    reason: str = ""  # why it was refused
    at: np.datetime64 | None = None  # when the order was placed, when it differs from ``when``
    unfinished: str = ""  # live: the unfinished bar the decision read ("MIN bar 09:31 final at 09:31:00")
    unsettled: str = ""  # live: the orders on their way when the decision read the account

    @property
    def key(self) -> tuple[np.datetime64, str, str]:
        return (self.when, self.code, self.side)

    @property
    def traded(self) -> bool:
        return self.status not in ("rejected", "cancelled")


@dataclass(frozen=True, slots=True)
class Difference:
    live: Trade | None
    backtest: Trade | None
    cause: str
    detail: str


@dataclass(slots=True)
class BarSets:
    """Which bars (labels) each side had for each stock and ktype: the evidence for ``missing bar``."""

    live: dict[tuple[str, str], set[np.datetime64]] = field(default_factory=dict)
    backtest: dict[tuple[str, str], set[np.datetime64]] = field(default_factory=dict)
    # code -> bar label -> how the live side looked at that bar while it was unfinished
    unfinished_reads: dict[str, dict[np.datetime64, str]] = field(default_factory=dict)
    # code ("*": the whole account) -> decision time -> the orders on their way when the live side read it
    unsettled_reads: dict[str, dict[np.datetime64, str]] = field(default_factory=dict)

    def unsettled(self, code: str, when: np.datetime64) -> str:
        """The orders on their way when the live side read ``code``'s position or the account at ``when``."""
        for key in (code, "*"):
            note = self.unsettled_reads.get(key, {}).get(when)
            if note:
                return note
        return ""

    def missing(self, code: str, before: np.datetime64) -> str:
        """A bar one side had and the other lacked, labelled at or before ``before``; "" when none."""
        for (c, ktype), bt in self.backtest.items():
            if c != code:
                continue
            lv = self.live.get((c, ktype), set())
            gone = sorted(t for t in bt - lv if t <= before)
            extra = sorted(t for t in lv - bt if t <= before)
            if gone:
                return f"the live path never had {ktype} bar {_hm(gone[-1])} of {code} (the backtest did)"
            if extra:
                return f"the backtest bars lack {ktype} bar {_hm(extra[-1])} of {code} (live had it)"
        return ""


def _hm(t: np.datetime64) -> str:
    text = str(np.asarray(t).astype("M8[s]")).replace("T", " ")
    return text[11:] if text[11:] != "00:00:00" else text[:10]


def compare(live: Iterable[Trade], backtest: Iterable[Trade], bars: BarSets | None = None,
            session_end: Mapping[str, np.datetime64] | None = None) -> list[Difference]:
    """Every difference between the lists (empty when they are identical), oldest first."""
    bars = bars or BarSets()
    lv = {t.key: t for t in live}
    bt = {t.key: t for t in backtest}
    # live-only decisions on an unfinished bar, to pair with the backtest's later decision on the final bar
    early = sorted((t for k, t in lv.items() if k not in bt and t.unfinished), key=lambda t: t.when)
    out: list[Difference] = []
    for key in sorted(set(lv) | set(bt), key=lambda k: (k[0], k[1], k[2])):
        a, b = lv.get(key), bt.get(key)
        if a is not None and b is not None:
            diff = _matched(a, b)
            if diff is not None and diff.cause in (FILL_PRICE, QUANTITY) and a.unfinished:
                why = " (the bar's close so far, not its final close)" if diff.cause == FILL_PRICE else ""
                diff = Difference(a, b, UNFINISHED, f"decided on {a.unfinished}: {diff.detail}{why}")
            elif diff is not None and diff.cause in (QUANTITY, REFUSED, DECISION) and a.unsettled:
                diff = Difference(a, b, UNSETTLED, f"{_unsettled(a.unsettled)}; {diff.cause}: {diff.detail}")
        elif a is not None:
            diff = _live_only(a, bars)
        else:
            assert b is not None
            before = [t for t in early if t.code == b.code and t.side == b.side and t.when < b.when]
            if before:
                early.remove(before[-1])
                diff = Difference(None, b, UNFINISHED, f"the live path had decided this already at "
                                                       f"{_hm(before[-1].when)}, on {before[-1].unfinished}")
            else:
                diff = _backtest_only(b, bars, session_end or {})
        if diff is not None:
            out.append(diff)
    return out


def _matched(a: Trade, b: Trade) -> Difference | None:
    if a.traded != b.traded:
        if not a.traded:
            return _refused(a, b)
        return Difference(a, b, DECISION, f"the backtest order was {b.status} ({b.reason}), the live one {a.status}")
    if a.number != b.number:
        return Difference(a, b, QUANTITY, f"live {a.number:g} shares, backtest {b.number:g}")
    if abs(a.price - b.price) > PRICE_TOLERANCE:
        return Difference(a, b, FILL_PRICE, f"live at {a.price:.3f}, backtest at {b.price:.3f}")
    return None


def _refused(a: Trade, b: Trade | None) -> Difference:
    if "T+1" in a.reason:
        return Difference(a, b, T1, f"the broker refused the sell: {a.reason}; the backtest sold anyway")
    return Difference(a, b, REFUSED, a.reason or a.status)


def _unsettled(note: str) -> str:
    return f"the live decision read the account while {note} was still on its way (not in the account yet)"


def _live_only(a: Trade, bars: BarSets) -> Difference:
    if a.unfinished:
        return Difference(a, None, UNFINISHED, f"decided on {a.unfinished}; the backtest never saw that bar "
                                               "unfinished and did not decide this")
    missing = bars.missing(a.code, a.when)
    if missing:
        return Difference(a, None, MISSING_BAR, missing)
    if a.unsettled:
        return Difference(a, None, UNSETTLED, _unsettled(a.unsettled))
    if not a.traded:
        return _refused(a, None)
    return Difference(a, None, DECISION, "only live; both sides saw the same bars")


def _backtest_only(b: Trade, bars: BarSets, session_end: Mapping[str, np.datetime64]) -> Difference:
    end = session_end.get(b.code)
    if end is not None and b.when >= end:
        return Difference(None, b, AFTER_CLOSE, f"decided on the session's last bar ({_hm(b.when)}), final only "
                                                "after the close: no live order can follow it")
    missing = bars.missing(b.code, b.when)
    if missing:
        return Difference(None, b, MISSING_BAR, missing)
    early = bars.unfinished_reads.get(b.code, {}).get(b.when)
    if early:
        return Difference(None, b, UNFINISHED, f"the live path looked at that bar only while it was being built "
                                               f"({early}) and did not decide this")
    unsettled = bars.unsettled(b.code, b.when)
    if unsettled:
        return Difference(None, b, UNSETTLED, f"{_unsettled(unsettled)}, and did not decide this")
    return Difference(None, b, DECISION, "only in the backtest; both sides saw the same bars")
