"""Prometheus metrics of a collector, on its own registry (no process-global state).

``/metrics`` listens on ``127.0.0.1`` unless told otherwise (``--metrics-addr`` / ``[collect] metrics_addr``):
it tells anyone who can reach it what the collector does and when, so other hosts see it only when asked.
"""

from __future__ import annotations

import logging
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from hikyuu_live.errors import ConfigError

log = logging.getLogger(__name__)

DEFAULT_METRICS_ADDR = "127.0.0.1"


class CollectorMetrics:
    """Cycle duration and size, failures by reason, last success, subscribers, watchdog actions."""

    def __init__(self, source: str) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.source = source
        self.cycle_seconds = Histogram("hkl_cycle_seconds", "Time to fetch and publish one cycle", ["source"],
                                       registry=r, buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10, 30))
        self.cycles = Counter("hkl_cycles", "Cycles published", ["source", "outcome"], registry=r)
        self.spots = Gauge("hkl_cycle_spots", "Spots in the last cycle", ["source"], registry=r)
        self.failed_batches = Counter("hkl_failed_batches", "Source batches that failed", ["source", "reason"],
                                      registry=r)
        self.bad_records = Counter("hkl_bad_records", "Malformed records skipped", ["source", "reason"], registry=r)
        self.last_success = Gauge("hkl_last_success_timestamp_seconds", "Unix time of the last complete cycle",
                                  ["source"], registry=r)
        self.subscribers = Gauge("hkl_publisher_subscribers", "Subscribers connected to the publisher",
                                 ["source"], registry=r)
        self.resubscribes = Counter("hkl_resubscribes", "Watchdog resubscriptions after a silent feed",
                                    ["source"], registry=r)
        self.feed_silence = Gauge("hkl_feed_silence_seconds", "Seconds since the push feed last delivered a tick",
                                  ["source"], registry=r)
        self._server: tuple[Any, Any] | None = None  # (WSGI server, its thread) while serving

    def serve(self, port: int, addr: str = DEFAULT_METRICS_ADDR) -> None:
        """Expose ``/metrics`` on ``addr``:``port`` (port 0 = off; addr ``0.0.0.0`` = every interface)."""
        if port:
            try:
                self._server = start_http_server(port, addr=addr, registry=self.registry)
            except OSError as e:  # port taken or not allowed: a setting the user has to change
                raise ConfigError(f"cannot serve metrics on {addr}:{port}: {e}", section="collect",
                                  key="metrics_port", value=port) from e
            host = f"[{addr}]" if ":" in addr else addr
            log.info("metrics on http://%s:%d/metrics", host, port)

    def close(self) -> None:
        if self._server is not None:
            server, _thread = self._server
            self._server = None
            server.shutdown()
            server.server_close()
