"""The TDX network protocol (port 7709) through ``pytdx``: host lists, server search and voting, a pool of
servers sharing the work with failover, and jobs that fetch bars, lists, weights, finance, trades and
time lines in hikyuu_live's in-memory units. The importers of ``hikyuu_live.data`` drive them into the
stores."""

from __future__ import annotations

from hikyuu_live.tdx.network.client import PYTDX_MARKET, TdxConnection
from hikyuu_live.tdx.network.hosts import TdxHost, configured_hosts, load_hosts_py, parse_hosts_text
from hikyuu_live.tdx.network.jobs import (
    TIMELINE_DTYPE,
    TRANS_DTYPE,
    BarsJob,
    BarsResult,
    DayResult,
    FinanceJob,
    SecurityListJob,
    TimeLineJob,
    TransJob,
    XdxrJob,
    overlap_mismatch,
)
from hikyuu_live.tdx.network.pool import Outcome, ServerPool
from hikyuu_live.tdx.network.probe import Reference, Selection, select_servers
from hikyuu_live.tdx.network.weights import WeightRow, finance_row, xdxr_to_weights

__all__ = [
    "PYTDX_MARKET",
    "TIMELINE_DTYPE",
    "TRANS_DTYPE",
    "BarsJob",
    "BarsResult",
    "DayResult",
    "FinanceJob",
    "Outcome",
    "Reference",
    "SecurityListJob",
    "Selection",
    "ServerPool",
    "TdxConnection",
    "TdxHost",
    "TimeLineJob",
    "TransJob",
    "WeightRow",
    "XdxrJob",
    "configured_hosts",
    "finance_row",
    "load_hosts_py",
    "overlap_mismatch",
    "parse_hosts_text",
    "select_servers",
    "xdxr_to_weights",
]
