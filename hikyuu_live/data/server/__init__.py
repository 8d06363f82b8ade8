"""The data server: today's ticks and live bars buffered, saved and served over NNG request/reply.

It speaks Hikyuu's dataserver client protocol (``market``, ``tick``), plus ``snapshot`` and ``status``;
see ``protocol.py`` for the wire shapes, ``service.py`` for how it runs, ``client.py`` for the clients.
Names load on first use, so importing a pure submodule (``protocol``, ``ticks``, ``buffer``,
``barbook``) does not pull in the sockets of ``client`` and ``service``.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "BufferServerClient": "client",
    "DataServer": "service",
    "DataServerConfig": "service",
    "ErrorCode": "protocol",
    "Limits": "protocol",
    "get_buffer_server_status": "client",
    "get_data_from_buffer_server": "client",
    "get_snapshot_from_buffer_server": "client",
    "get_spot_from_buffer_server": "client",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
