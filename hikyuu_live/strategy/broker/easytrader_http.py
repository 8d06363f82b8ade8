"""The HTTP edge of the easytrader broker: a session with a timeout, and third-party errors mapped to ours.

``easytrader.remoteclient`` uses a bare ``requests`` session (no timeout: a hung GUI on the Windows box
would block the broker forever) and raises a bare ``Exception`` carrying the server's text, which may
echo what was sent (a login error quotes the account and password). :class:`TimeoutSession` replaces
its session: queries time out after ``timeout_s``, order requests (``/buy``, ``/sell``) after the longer
``send_timeout_s`` (a client busy with a pop-up can take a minute to place an order, and the broker's
worker, not the strategy, is the one waiting). :func:`map_error` turns any failure into a
``BrokerError`` subclass that says whether the order can have reached the client, with every
credential scrubbed from the text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import requests

from hikyuu_live.errors import BrokerError, BrokerUnavailable, OrderRejected
from hikyuu_live.strategy.broker.secrets import Secret, redact


class NotSent(BrokerUnavailable):
    """The request never left (connection refused, connect timeout): certainly nothing was placed."""


ORDER_PATHS = ("/buy", "/sell")


class TimeoutSession(requests.Session):
    """A session whose every request has a timeout, remembering the last HTTP status."""

    def __init__(self, timeout_s: float, send_timeout_s: float | None = None) -> None:
        super().__init__()
        self.timeout_s = timeout_s
        self.send_timeout_s = send_timeout_s or timeout_s
        self.last_status = 0  # remoteclient hides the HTTP status when the error body is not JSON

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        text = url.decode() if isinstance(url, bytes) else url
        path = text.split("?", 1)[0]
        read = self.send_timeout_s if path.endswith(ORDER_PATHS) else self.timeout_s
        kwargs.setdefault("timeout", (self.timeout_s, read))  # (connect, read)
        self.last_status = 0
        verb = method.decode() if isinstance(method, bytes) else method
        response = super().request(verb, text, *args, **kwargs)
        self.last_status = response.status_code
        return response


def map_error(where: str, what: str, e: BaseException, status: int,
              secrets: Iterable[Secret | None]) -> BrokerError:
    """``e`` (from remoteclient/requests) as ``NotSent`` | ``BrokerUnavailable`` (retry) |
    ``OrderRejected`` (the client's ``TradeError``: the broker said no) | ``BrokerError``."""
    text = redact(f"{type(e).__name__}: {e}", secrets)
    if status >= 300:
        text = f"HTTP {status}, {text}"
    if isinstance(e, requests.ConnectTimeout) or (
            isinstance(e, requests.ConnectionError) and "NewConnectionError" in str(e)):
        return NotSent(f"{where}: {what} failed: {text}")
    if isinstance(e, requests.RequestException):
        return BrokerUnavailable(f"{where}: {what} failed: {text}")
    if "TradeError" in text:
        return OrderRejected(f"{what} refused by the broker: {text}")
    return BrokerError(f"{where}: {what} failed: {text}")
