"""The quote bus: NNG pub/sub carrying Hikyuu-framed FlatBuffers spot cycles, and NNG request/reply.

The only pynng user.
"""

from hikyuu_live.bus.allow import AllowList, PipeGuard
from hikyuu_live.bus.fairqueue import FairScheduler, SchedulerStats
from hikyuu_live.bus.framing import (
    END_MARKER,
    HEARTBEAT_TOPIC,
    SPOT_TOPIC,
    START_MARKER,
    CycleAssembler,
    CycleReport,
    Heartbeat,
    SubscriberStats,
)
from hikyuu_live.bus.publisher import CycleWriter, PublisherStats, QuotePublisher
from hikyuu_live.bus.reqrep import RequestClient, RequestServer, ServerStats, request_once
from hikyuu_live.bus.subscriber import SpotSubscriber

__all__ = [
    "END_MARKER",
    "HEARTBEAT_TOPIC",
    "SPOT_TOPIC",
    "START_MARKER",
    "AllowList",
    "CycleAssembler",
    "CycleReport",
    "CycleWriter",
    "FairScheduler",
    "Heartbeat",
    "PipeGuard",
    "PublisherStats",
    "QuotePublisher",
    "RequestClient",
    "RequestServer",
    "SchedulerStats",
    "ServerStats",
    "SpotSubscriber",
    "SubscriberStats",
    "request_once",
]
