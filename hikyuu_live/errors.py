"""Exception hierarchy shared by every layer.

Adapters translate third-party exceptions into these at their edge (``raise ... from e``) so that
services and entry scripts can decide what to retry and which exit code to use without knowing
which library failed. ``retryable`` drives tenacity policies.
"""

from __future__ import annotations


class HikyuuLiveError(Exception):
    """Base of every error raised on purpose by hikyuu_live.

    ``retryable`` says whether the same call may succeed if made again (a timeout, a dropped connection)
    or never will (a 404, a schema error). Each class has a default; ``retryable=`` overrides it for one
    error, e.g. ``SourceUnavailable("HTTP 404", retryable=False)``. Retry policies ask ``is_retryable``.
    """

    retryable: bool = False

    def __init__(self, *args: object, retryable: bool | None = None) -> None:
        super().__init__(*args)
        if retryable is not None:
            self.retryable = retryable


def is_retryable(error: BaseException) -> bool:
    """The one predicate every retry policy uses: only our errors that say so are retried."""
    return isinstance(error, HikyuuLiveError) and error.retryable


class ConfigError(HikyuuLiveError):
    """A config file, section, key or value is missing or invalid.

    The message always names the file, section, key and the offending value so that a user can fix
    the ini file without reading code.
    """

    def __init__(
        self,
        reason: str,
        *,
        file: str | None = None,
        section: str | None = None,
        key: str | None = None,
        value: object = None,
    ) -> None:
        self.reason = reason
        self.file = file
        self.section = section
        self.key = key
        self.value = value
        where = []
        if file:
            where.append(f"file {file}")
        if section:
            where.append(f"section [{section}]")
        if key:
            where.append(f"key {key!r}")
        if value is not None:
            where.append(f"value {value!r}")
        super().__init__(f"{', '.join(where)}: {reason}" if where else reason)


class SourceError(HikyuuLiveError):
    """A quote source failed."""


class SourceUnavailable(SourceError):
    """The source could not be reached (network, timeout, terminal down); worth retrying."""

    retryable = True


class SourceDataError(SourceError):
    """One record from a source was malformed; the record is skipped, the batch goes on."""


class DecodeError(HikyuuLiveError):
    """A wire message failed verification; ``reason`` is a short stable tag used as a counter key."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


class BusError(HikyuuLiveError):
    """A quote-bus socket failed."""


class BusClosed(BusError):
    """The bus object was closed by us; not an error of the peer."""


class BusBroken(BusError):
    """The peer or the network failed (address in use, connection refused, ...)."""

    retryable = True


class BusTimeout(BusBroken):
    """A request got no answer within its timeout (server busy, stopped, or the request was dropped)."""


class ServerError(HikyuuLiveError):
    """A data server answered a request with an error code (``ret`` != 0); ``msg`` is its reason."""

    def __init__(self, ret: int, msg: str) -> None:
        self.ret = ret
        self.msg = msg
        super().__init__(f"server error {ret}: {msg}")


class StoreError(HikyuuLiveError):
    """A history store failed."""


class StoreUnavailable(StoreError):
    """The database server or file could not be reached."""

    retryable = True


class StoreBusy(StoreError):
    """Data was committed durably but could not be made visible yet: other programs keep the files open
    (HDF5 readers hold a lock while they do); a later run publishes it."""

    retryable = True


class StoreSchemaError(StoreError):
    """The store exists but its layout is not what Hikyuu expects."""


class BrokerError(HikyuuLiveError):
    """A broker call failed."""


class OrderRejected(BrokerError):
    """An order failed a pre-trade check; the message names the stock and says exactly why.

    Raised by ``strategy.orders.check_order``; a broker's ``buy``/``sell`` catch it and return the order
    with status ``"rejected"`` and this message as its ``reason``.
    """


class BrokerUnavailable(BrokerError):
    """The broker could not be reached or answered with a transport error; worth retrying."""

    retryable = True
