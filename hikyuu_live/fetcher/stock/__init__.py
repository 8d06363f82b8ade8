"""Quote sources, loaded lazily by name so that ``xtquant`` is imported only when QMT is chosen."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from hikyuu_live.data.codes import CodeInfo
from hikyuu_live.errors import ConfigError

SOURCES = {
    "qq": "hikyuu_live.fetcher.stock.zh_stock_a_qq:QQSpotSource",
    "qmt": "hikyuu_live.fetcher.stock.zh_stock_a_qmt:QmtSpotSource",
}


def create_source(name: str, codes: Sequence[CodeInfo], *, qq_url: str | None = None, **kw: Any) -> Any:
    """A source by registry name; unknown names raise ``ConfigError`` listing the valid ones."""
    try:
        module, _, cls = SOURCES[name].partition(":")
    except KeyError:
        raise ConfigError(f"unknown quote source {name!r}; valid: {', '.join(SOURCES)}") from None
    klass = getattr(importlib.import_module(module), cls)
    if name == "qq" and qq_url:
        kw["base_url"] = qq_url
    return klass(codes, **kw)


__all__ = ["SOURCES", "create_source"]
