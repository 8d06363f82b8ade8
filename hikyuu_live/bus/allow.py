"""Which client addresses may connect to a listening socket: an allow-list checked on every new pipe.

The quote bus (``tcp://*:9200``) and the data server (``tcp://0.0.0.0:9201``) listen on every interface
by default, as Hikyuu's do. An ``AllowList`` of IP addresses and networks (``192.168.1.0/24, 10.0.0.7``)
narrows who may connect: ``PipeGuard`` looks at each new connection's peer address before nng adds it to
the socket and closes the ones not on the list, counting and logging them (rate-limited). IPC and inproc
connections come from this host (file permissions guard them) and are always let in.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import pynng

log = logging.getLogger(__name__)

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class AllowList:
    """IP networks allowed to connect (a bare address is a /32 or /128 network)."""

    networks: tuple[IPNetwork, ...]

    @classmethod
    def parse(cls, value: str | Iterable[str] | None) -> AllowList | None:
        """``"192.168.1.0/24, 10.0.0.7"`` (commas or spaces) or a list of entries; None or empty: no list.

        Raises ``ValueError`` naming the entry that is not an IP address or network (host names are not
        accepted: a list that depends on DNS answers is not a guard)."""
        if value is None:
            return None
        items = value.replace(",", " ").split() if isinstance(value, str) else [str(v).strip() for v in value]
        nets = []
        for item in items:
            if not item:
                continue
            try:
                nets.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ValueError(f"allow-list entry {item!r} is not an IP address or network "
                                 "(like 192.168.1.20 or 192.168.1.0/24)") from None
        return cls(tuple(nets)) if nets else None

    def allows(self, host: str) -> bool:
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            return False
        mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
        return any(ip in n or (mapped is not None and mapped in n) for n in self.networks)

    def __str__(self) -> str:
        return ", ".join(str(n) for n in self.networks)


def peer_host(pipe: pynng.Pipe) -> str | None:
    """The peer's IP address of a TCP pipe; None for IPC, inproc and other local transports."""
    try:
        addr = pipe.remote_address
    except pynng.NNGException:
        return None
    family = getattr(addr, "family_as_str", "")
    if family not in ("inet", "inetv6"):
        return None
    text = str(addr)
    host = text.rpartition(":")[0]
    return host.strip("[]")


class PipeGuard:
    """Closes new pipes whose peer is not on ``allow`` (nothing is checked when ``allow`` is None)."""

    def __init__(self, allow: AllowList | None, what: str) -> None:
        self.allow = allow
        self.what = what
        self.refused = 0
        self._lock = threading.Lock()

    def install(self, sock: pynng.Socket) -> None:
        """Check every pipe of ``sock`` before it is added (call before listening)."""
        if self.allow is not None:
            sock.add_pre_pipe_connect_cb(self._check)

    def _check(self, pipe: pynng.Pipe) -> None:
        assert self.allow is not None
        host = peer_host(pipe)
        if host is None or self.allow.allows(host):
            return
        try:
            pipe.close()
        except pynng.NNGException:
            pass
        with self._lock:
            self.refused += 1
            n = self.refused
        if n <= 10 or n % 1000 == 0:
            log.warning("%s: refused a connection from %s (not in the allow-list %s; %d refused so far)",
                        self.what, host, self.allow, n)
