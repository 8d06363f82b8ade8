"""Quote sources, loaded lazily by name so that ``xtquant`` is imported only when QMT is chosen.

``qq`` and ``qmt`` are polled sources (``SpotSource``: a cycle of a known number of batches) built from a
code universe; ``replay`` publishes a recorded file with its own pacing (``ReplaySource``, driven by
``fetcher.replay_service``) and takes the file instead of codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hikyuu_live.errors import ConfigError
from hikyuu_live.model.codes import CodeInfo
from hikyuu_live.registry import load_registered

SOURCES = {
    "qq": "hikyuu_live.fetcher.stock.zh_stock_a_qq:QQSpotSource",
    "qmt": "hikyuu_live.fetcher.stock.zh_stock_a_qmt:QmtSpotSource",
    "replay": "hikyuu_live.fetcher.stock.replay:ReplaySource",
}


def source_class(name: str) -> type:
    """The class registered as ``name``; unknown names raise ``ConfigError`` listing the valid ones."""
    return load_registered(SOURCES, name, what="quote source", key="source")


def create_source(name: str, codes: Sequence[CodeInfo] | None = None, *, qq_url: str | None = None,
                  **kw: Any) -> Any:
    """A source by registry name: ``create_source("qq", codes, qq_url=...)``, ``create_source("qmt", codes)``,
    ``create_source("replay", path="f.csv", speed=10)``."""
    klass = source_class(name)
    if name == "replay":
        return klass(**kw)
    if not codes:
        raise ConfigError(f"the {name} source needs a code universe", key="source", value=name)
    if name == "qq" and qq_url:
        kw["base_url"] = qq_url
    return klass(codes, **kw)


__all__ = ["SOURCES", "create_source", "source_class"]
