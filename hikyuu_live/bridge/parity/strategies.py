"""What ``hikyuu_parity`` can run: the demos, their Hikyuu forms, a deliberately broken strategy, or yours.

A strategy is a ``build(codes, ktypes, **runtime_options) -> Strategy`` function, as every demo module has one
(``runtime_options``: quotation server, clock, broker, preloader; the parity run passes its own). A trading
system strategy also names its system factory and bar type: its backtest is then Hikyuu's own, and its live
decisions are those of its ``SystemRunner``\\ s (``stg.system_runners``).

``--strategy package.module:build`` runs your own function with ``--codes``/``--ktypes``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from hikyuu_live.model.kdata import KType, parse_ktype
from hikyuu_live.strategy.runtime import Strategy

DEMO_CODES = ["SH600000", "SZ000001", "SH510300", "SH510050", "SZ159915"]


@dataclass(frozen=True)
class ParityStrategy:
    name: str
    codes: list[str]
    ktypes: list[str]
    factory: Callable[..., Strategy]
    description: str = ""
    make_system: Callable[[], Any] | None = None  # a trading system: backtested by Hikyuu itself
    ktype: KType | None = None  # the system's (or portfolio's) bars
    options: dict[str, Any] = field(default_factory=dict)
    make_portfolio: Callable[[], Any] | None = None  # a Hikyuu Portfolio: backtested by Hikyuu itself

    @property
    def is_system(self) -> bool:
        """A Hikyuu trading system or portfolio: Hikyuu's own backtest, decisions from the runners."""
        return self.make_system is not None or self.make_portfolio is not None

    def build(self, **runtime: Any) -> Strategy:
        return self.factory(list(self.codes), list(self.ktypes), **self.options, **runtime)


def _demo2(codes: list[str], ktypes: list[str], **kw: Any) -> Strategy:
    from hikyuu_live.strategy.strategy_demo2 import build

    return build(codes, ktypes, **kw)


def _demo3(codes: list[str], ktypes: list[str], **kw: Any) -> Strategy:
    from hikyuu_live.strategy.strategy_demo3 import build

    return build(codes, ktypes, **kw)


def _demo2_hikyuu(codes: list[str], ktypes: list[str], **kw: Any) -> Strategy:
    from hikyuu_live.bridge.strategy_demo2 import build

    return build(codes, ktypes, **kw)


def _demo3_hikyuu(codes: list[str], ktypes: list[str], **kw: Any) -> Strategy:
    from hikyuu_live.bridge.strategy_demo3 import build

    return build(codes, ktypes, **kw)


def _demo_pf_hikyuu(codes: list[str], ktypes: list[str], **kw: Any) -> Strategy:
    from hikyuu_live.bridge.strategy_demo_pf import build

    return build(codes, ktypes, **kw)


def _portfolio(codes: list[str], broken: bool = False) -> Any:
    from hikyuu_live.bridge.strategy_demo_pf import demo_portfolio

    return demo_portfolio([c for c in codes if c != "SH000001"], broken=broken)


def _system(fast: int, slow: int, shares: int) -> Any:
    from hikyuu_live.bridge.systems import ma_cross_system

    return ma_cross_system(fast, slow, shares)


def builtin(name: str, codes: list[str] | None = None) -> ParityStrategy:
    """A built-in strategy by name (``names()``); ``codes`` replace its default stocks."""
    if name == "demo2":
        return ParityStrategy(name, codes or DEMO_CODES, ["day", "min"], _demo2,
                              "strategy_demo2: MA(3)/MA(8) cross of 1-minute closes, on finished bars, every minute")
    if name == "broken_demo2":
        return ParityStrategy(name, codes or DEMO_CODES, ["day", "min"], _demo2,
                              "strategy_demo2 with the classic mistake: every 15 s on the bar still being built",
                              options={"every": timedelta(seconds=15), "unfinished": True})
    if name == "demo3":
        return ParityStrategy(name, codes or DEMO_CODES[:2], ["day", "min"], _demo3,
                              "strategy_demo3: at 14:55 hold 100,000 yuan of each stock above its 1-minute average")
    if name == "demo2_hikyuu":
        return ParityStrategy(name, codes or DEMO_CODES, ["day", "min"], _demo2_hikyuu,
                              "strategy_demo2's Hikyuu form: Hikyuu's double-MA system (3/8, 1000 shares) on "
                              "1-minute bars via run_in_strategy", make_system=partial(_system, 3, 8, 1000),
                              ktype=KType.MIN)
    if name == "demo3_hikyuu":
        return ParityStrategy(name, codes or ["SZ000001"], ["day", "min5"], _demo3_hikyuu,
                              "strategy_demo3's Hikyuu form: crt_sys_strategy of Hikyuu's double-MA system (2/4, "
                              "1000 shares) on 5-minute bars", make_system=partial(_system, 2, 4, 1000),
                              ktype=KType.MIN5)
    if name == "demo_pf_hikyuu":
        pf_codes = ["SH000001", *[c for c in (codes or DEMO_CODES[:3]) if c != "SH000001"]]  # the index: calendar
        return ParityStrategy(name, pf_codes, ["day", "min"], _demo_pf_hikyuu,
                              "a Hikyuu portfolio: PF_Simple(SE_Fixed(double-MA system 3/8, 1000 shares), "
                              "AF_EqualWeight, adjust_cycle=1) on 1-minute bars", ktype=KType.MIN,
                              make_portfolio=partial(_portfolio, pf_codes))
    if name == "broken_demo_pf":
        pf_codes = ["SH000001", *[c for c in (codes or DEMO_CODES[:3]) if c != "SH000001"]]
        return ParityStrategy(name, pf_codes, ["day", "min"], _demo_pf_hikyuu,
                              "demo_pf_hikyuu deciding every 15 s on the bar still being built", ktype=KType.MIN,
                              make_portfolio=partial(_portfolio, pf_codes),
                              options={"every": timedelta(seconds=15), "bars": "current"})
    raise KeyError(name)


def names() -> list[str]:
    return ["demo2", "demo3", "demo2_hikyuu", "demo3_hikyuu", "demo_pf_hikyuu", "broken_demo2", "broken_demo_pf"]


def resolve(name: str, codes: list[str] | None = None, ktypes: list[str] | None = None) -> ParityStrategy:
    """A built-in name, or ``package.module:function`` (your ``build``); ValueError naming the choices."""
    if ":" not in name:
        try:
            spec = builtin(name, codes)
        except KeyError:
            raise ValueError(f"unknown strategy {name!r}: one of {', '.join(names())}, "
                             "or package.module:function") from None
        return spec if not ktypes else ParityStrategy(spec.name, spec.codes, ktypes, spec.factory, spec.description,
                                                      spec.make_system, spec.ktype, spec.options, spec.make_portfolio)
    module, _, function = name.partition(":")
    try:
        factory = getattr(importlib.import_module(module), function)
    except (ImportError, AttributeError) as e:
        raise ValueError(f"cannot load {name!r}: {e}") from e
    if not codes:
        raise ValueError(f"{name}: give the stocks with --codes")
    return ParityStrategy(name, codes, ktypes or ["day", "min"], factory, f"{module}.{function}")


def system_ktype(spec: ParityStrategy) -> KType:
    assert spec.ktype is not None
    return parse_ktype(spec.ktype)
