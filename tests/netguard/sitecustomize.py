"""Loaded by every Python process the tests start (its folder is put first on PYTHONPATH): outgoing
connections may go only to this machine. A test that would reach a real TDX server, Tencent or anything
else fails at once with a clear error instead of sending a packet."""

from __future__ import annotations

import ipaddress
import socket

_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex


def _local(address: object) -> bool:
    if not isinstance(address, tuple):  # AF_UNIX paths, abstract sockets
        return True
    host = str(address[0])
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name other than localhost: resolved elsewhere, refuse


def _guard(address: object) -> None:
    if not _local(address):
        raise ConnectionRefusedError(f"tests may only connect to this machine, not {address!r}")


def connect(self: socket.socket, address: object) -> None:
    _guard(address)
    return _connect(self, address)


def connect_ex(self: socket.socket, address: object) -> int:
    _guard(address)
    return _connect_ex(self, address)


socket.socket.connect = connect  # type: ignore[method-assign]
socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
