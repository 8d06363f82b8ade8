"""The lifecycle state every long-lived object of the package reports: publishers, subscribers, request
servers and clients, stores, the data server.

``NEW`` (built, nothing opened: constructors do no I/O), ``RUNNING`` (started or opened), ``CLOSED``
(closed; ``start``/``open`` again is an error where the object says so). ``OPEN`` is another name of
``RUNNING`` for objects that are opened rather than started, such as stores.
"""

from __future__ import annotations

import enum


class State(enum.Enum):
    NEW = "new"
    RUNNING = "running"
    OPEN = "running"  # an alias: a store is "open" when it runs
    CLOSED = "closed"


__all__ = ["State"]
