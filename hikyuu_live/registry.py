"""Backends named in a config, loaded only when chosen: a registry maps a name to ``"module:attribute"``, and
the module (with its driver: h5py, mysql-connector, clickhouse-connect, ...) is imported on first use."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from hikyuu_live.errors import ConfigError


def load_registered(registry: Mapping[str, str], name: str, *, what: str, key: str, fold: bool = False) -> Any:
    """The attribute ``registry[name]`` points to (``fold``: ``name`` stripped and lower-cased first);
    ``ConfigError`` naming ``what`` and listing the valid names (under config ``key``) when it is not
    registered."""
    target = registry.get(str(name).strip().lower() if fold else name)
    if target is None:
        raise ConfigError(f"unknown {what}; valid: {', '.join(sorted(registry))}", key=key, value=name)
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)
