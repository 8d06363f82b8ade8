"""The data server: today's ticks and live bars buffered, saved and served over NNG request/reply.

A service: it subscribes to the quote bus (``hikyuu_live.bus``), keeps the day in a ``TickBuffer`` and a
``BarBook``, saves ticks through a tick store (``hikyuu_live.store.ticks``) and answers Hikyuu's
dataserver client protocol (``market``, ``tick``), plus ``snapshot`` and ``status``. ``protocol.py``
holds the wire shapes, ``service.py`` how it runs, ``client.py`` the clients other processes use.
``protocol``, ``buffer``, ``barbook`` and ``answers`` are pure (a layer contract keeps them so).
"""

from hikyuu_live.dataserver.client import (
    AnswerTooLarge,
    BufferServerClient,
    ServerBusy,
    ServerError,
    get_buffer_server_status,
    get_data_from_buffer_server,
    get_snapshot_from_buffer_server,
    get_spot_from_buffer_server,
)
from hikyuu_live.dataserver.protocol import ErrorCode, Limits
from hikyuu_live.dataserver.saver import TickSaver
from hikyuu_live.dataserver.service import DataServer, DataServerConfig

__all__ = [
    "AnswerTooLarge",
    "BufferServerClient",
    "DataServer",
    "DataServerConfig",
    "ErrorCode",
    "Limits",
    "ServerBusy",
    "ServerError",
    "TickSaver",
    "get_buffer_server_status",
    "get_data_from_buffer_server",
    "get_snapshot_from_buffer_server",
    "get_spot_from_buffer_server",
]
