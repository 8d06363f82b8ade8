"""Backends named in a config, loaded only when chosen: a registry maps a name to ``"module:attribute"``, and
the module (with its driver: h5py, mysql-connector, clickhouse-connect, ...) is imported on first use.

One loader for every family (stores, trade and tick stores, brokers, quote sources): an unknown name and
a backend whose optional driver is not installed both end in a ``ConfigError`` that says what to do.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from hikyuu_live.errors import ConfigError
from hikyuu_live.extras import extra_of, install_hint


def load_registered(registry: Mapping[str, str], name: str, *, what: str, key: str, fold: bool = False,
                    valid: str = "valid") -> Any:
    """The attribute ``registry[name]`` points to (``fold``: ``name`` stripped and lower-cased first).

    ``ConfigError`` naming ``what`` and listing the valid names (under config ``key``) when it is not
    registered, or naming the extra to install when the backend's driver is missing.
    """
    target = registry.get(str(name).strip().lower() if fold else name)
    if target is None:
        raise ConfigError(f"unknown {what} {name!r}; {valid}: {', '.join(registry)}", key=key, value=name)
    module, _, attribute = target.partition(":")
    try:
        loaded = importlib.import_module(module)
    except ModuleNotFoundError as e:
        extra = extra_of(e)
        if extra is None:
            raise
        raise ConfigError(f"the {name} {what} needs {e.name!r}, which is not installed: {install_hint(extra)}",
                          key=key, value=name) from e
    return getattr(loaded, attribute)


__all__ = ["load_registered"]
