"""One connection to one TDX quote server, through ``pytdx``: its socket client, handshake, request
encoding and response framing; bar bodies decoded by ``decode.py`` (same numbers, much faster).

Why not call ``TdxHq_API.get_*`` directly: those methods catch every exception and return ``None``
(unless ``raise_exception``, which then hides the cause), so a timeout, a dropped connection and a
garbled answer all look alike. Here the pytdx command objects are run directly and failures are mapped
at this edge: network trouble -> ``SourceUnavailable`` (retry elsewhere), an answer that cannot be
parsed -> ``SourceDataError`` (this server sends garbage). Either way the connection is closed, because
the byte stream may be out of step.
"""

from __future__ import annotations

import logging
import socket
import struct
import time
import zlib
from typing import Any

import numpy as np
from pytdx.hq import TdxHq_API
from pytdx.parser.base import (
    ResponseHeaderRecvFails,
    ResponseRecvFails,
    SendPkgNotReady,
    SendRequestPkgFails,
    SocketClientNotReady,
)
from pytdx.parser.get_finance_info import GetFinanceInfo
from pytdx.parser.get_history_minute_time_data import GetHistoryMinuteTimeData
from pytdx.parser.get_history_transaction_data import GetHistoryTransactionData
from pytdx.parser.get_index_bars import GetIndexBarsCmd
from pytdx.parser.get_report_file import GetReportFile
from pytdx.parser.get_security_bars import GetSecurityBarsCmd
from pytdx.parser.get_security_count import GetSecurityCountCmd
from pytdx.parser.get_security_list import GetSecurityList
from pytdx.parser.get_xdxr_info import GetXdXrInfo
from pytdx.parser.setup_commands import SetupCmd1, SetupCmd2, SetupCmd3

from hikyuu_live.errors import SourceDataError, SourceUnavailable
from hikyuu_live.tdx.network.decode import decode_bars
from hikyuu_live.tdx.network.hosts import TdxHost

log = logging.getLogger(__name__)

#: pytdx market ids
PYTDX_MARKET = {"SZ": 0, "SH": 1, "BJ": 2}
#: pytdx kline categories used by the import
CATEGORY_DAY = 9  # RI_K
CATEGORY_MIN = 8  # 1MIN
CATEGORY_MIN5 = 0  # 5MIN
MAX_BARS_PER_CALL = 800
MAX_TICKS_PER_CALL = 2000

_NETWORK_ERRORS = (OSError, socket.timeout, ResponseHeaderRecvFails, ResponseRecvFails, SendRequestPkgFails,
                   SocketClientNotReady, SendPkgNotReady)
_DATA_ERRORS = (struct.error, zlib.error, IndexError, ValueError, UnicodeDecodeError, KeyError, OverflowError)


class _FastBars(GetSecurityBarsCmd):
    """pytdx's bar request with the vectorised decoder; ``index`` answers carry 4 extra bytes a bar."""

    index = False

    def parseResponse(self, body_buf: bytes) -> np.ndarray:  # noqa: N802 - pytdx's name
        return decode_bars(bytes(body_buf), self.category, index=self.index)


class _FastIndexBars(_FastBars):
    index = True


class TdxConnection:
    """A connection to ``host``; not thread-safe (one per worker thread)."""

    def __init__(self, host: TdxHost, *, timeout_s: float = 5.0) -> None:
        self.host = host
        self.timeout_s = timeout_s
        self._api: TdxHq_API | None = None
        self.requests = 0
        self.seconds = 0.0

    @property
    def connected(self) -> bool:
        return self._api is not None and self._api.client is not None

    def connect(self) -> TdxConnection:
        """Open the socket and run the handshake; ``SourceUnavailable`` if either fails in time."""
        self.close()
        api = TdxHq_API()
        api.need_setup = False  # run the handshake below, where its failures are ours to map
        try:
            ok = api.connect(self.host.host, self.host.port, time_out=self.timeout_s)
            if not ok:
                raise SourceUnavailable(f"{self.host.label}: connection refused or timed out")
            for cmd in (SetupCmd1, SetupCmd2, SetupCmd3):
                cmd(api.client).call_api()
        except SourceUnavailable:
            _close_api(api)
            raise
        except (*_NETWORK_ERRORS, *_DATA_ERRORS) as e:
            _close_api(api)
            raise SourceUnavailable(f"{self.host.label}: handshake failed: {e!r}") from e
        self._api = api
        return self

    def close(self) -> None:
        if self._api is not None:
            _close_api(self._api)
            self._api = None

    def __enter__(self) -> TdxConnection:
        return self.connect() if not self.connected else self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ the one place commands run
    def _call(self, cmd_cls: type, *params: Any, what: str) -> Any:
        if not self.connected:
            self.connect()
        assert self._api is not None
        cmd = cmd_cls(self._api.client)
        cmd.setParams(*params)
        t0 = time.perf_counter()
        try:
            result = cmd.call_api()
        except _NETWORK_ERRORS as e:
            self.close()
            raise SourceUnavailable(f"{self.host.label}: {what}: {e!r}") from e
        except SourceDataError as e:
            self.close()
            raise SourceDataError(f"{self.host.label}: {what}: {e}") from e
        except _DATA_ERRORS as e:
            self.close()
            raise SourceDataError(f"{self.host.label}: {what}: malformed answer: {e!r}") from e
        finally:
            self.requests += 1
            self.seconds += time.perf_counter() - t0
        if result is None:
            self.close()
            raise SourceDataError(f"{self.host.label}: {what}: empty answer")
        return result

    # ------------------------------------------------------------------ calls
    def bars(self, market: str, code: str, category: int, start: int, count: int, *, index: bool = False) -> np.ndarray:
        """Up to ``count`` (<= 800) bars ending ``start`` bars before the newest, oldest first, as KDATA."""
        cls = _FastIndexBars if index else _FastBars
        return self._call(cls, category, PYTDX_MARKET[market], code, start, min(count, MAX_BARS_PER_CALL),
                          what=f"bars {market}{code} cat={category} start={start}")

    def security_count(self, market: str) -> int:
        return int(self._call(GetSecurityCountCmd, PYTDX_MARKET[market], what=f"security count {market}"))

    def security_list(self, market: str, start: int) -> list[dict]:
        return list(self._call(GetSecurityList, PYTDX_MARKET[market], start, what=f"security list {market}@{start}"))

    def xdxr(self, market: str, code: str) -> list[dict]:
        return list(self._call(GetXdXrInfo, PYTDX_MARKET[market], code, what=f"xdxr {market}{code}"))

    def finance(self, market: str, code: str) -> dict:
        return dict(self._call(GetFinanceInfo, PYTDX_MARKET[market], code, what=f"finance {market}{code}"))

    def transactions(self, market: str, code: str, start: int, count: int, day: int) -> list[dict]:
        """History trades of ``day`` (YYYYMMDD), ``count`` (<= 2000) ending ``start`` trades before the last."""
        return list(self._call(GetHistoryTransactionData, PYTDX_MARKET[market], code, start,
                               min(count, MAX_TICKS_PER_CALL), day, what=f"trans {market}{code} {day}@{start}"))

    def minute_time(self, market: str, code: str, day: int) -> list[dict]:
        return list(self._call(GetHistoryMinuteTimeData, PYTDX_MARKET[market], code, day,
                               what=f"time line {market}{code} {day}"))

    def report_file(self, name: str, offset: int) -> bytes:
        """One chunk (<= 30,000 bytes) of a file the server offers (``tdxfin/gpcw.txt``...), b"" past its end."""
        res = self._call(GetReportFile, name, offset, what=f"file {name}@{offset}")
        return bytes(res.get("chunkdata", b"")) if res.get("chunksize", 0) > 0 else b""

    def pytdx_bars(self, market: str, code: str, category: int, start: int, count: int,
                   *, index: bool = False) -> list[dict]:
        """The same request decoded by pytdx itself (used by tests and the benchmark's baseline)."""
        cls = GetIndexBarsCmd if index else GetSecurityBarsCmd
        return list(self._call(cls, category, PYTDX_MARKET[market], code, start, min(count, MAX_BARS_PER_CALL),
                               what=f"bars {market}{code}"))


def _close_api(api: TdxHq_API) -> None:
    client = api.client
    api.client = None
    if client is not None:
        try:
            client.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            client.close()
        except OSError:
            pass
