"""Collectors: poll a quote source (``fetcher.stock``) on the trading schedule and publish each full-market
cycle on the quote bus; ``QmtPushCollector`` publishes QMT's pushes; ``run_replay`` a recorded stream."""

from hikyuu_live.fetcher.collector import Collector
from hikyuu_live.fetcher.metrics import CollectorMetrics
from hikyuu_live.fetcher.qmt_push import QmtPushCollector
from hikyuu_live.fetcher.replay_service import ReplayResult, run_replay
from hikyuu_live.fetcher.schedule import Phase, PollSchedule, parse_phase
from hikyuu_live.fetcher.universe import MarketInfo, load_market_info

__all__ = ["Collector", "CollectorMetrics", "MarketInfo", "Phase", "PollSchedule", "QmtPushCollector",
           "ReplayResult", "load_market_info", "parse_phase", "run_replay"]
