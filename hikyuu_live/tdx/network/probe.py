"""Server selection: probe every configured host at once, rank by latency, keep the servers that agree.

Each probe connects, shakes hands and asks for the newest day bars of a reference security (SZ159915 by
default, as the original), all under its own ``timeout_s`` per network step and its own overall budget.
Probes run on daemon threads and the search waits at most ``budget_s`` in total, so one host that
accepts and then never answers cannot stall the search (the original's ``executor.map(timeout=2)``
raised for the whole search). Hosts are then grouped by their newest reference bar (date and prices);
the largest group wins (ties: the group with the newer bar, then the faster host), and everything else
is reported with the reason it was left out.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from hikyuu_live.errors import SourceError
from hikyuu_live.tdx.network.client import CATEGORY_DAY, TdxConnection
from hikyuu_live.tdx.network.hosts import TdxHost

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Reference:
    """The bar servers must agree on."""

    market: str = "SZ"
    code: str = "159915"
    index: bool = False
    bars: int = 2


@dataclass(frozen=True, slots=True)
class Probe:
    host: TdxHost
    latency_s: float | None = None
    bar: tuple | None = None  # (datetime text, open, high, low, close) of the newest reference bar
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.bar is not None


@dataclass(slots=True)
class Selection:
    """The outcome of a search: servers to use (fastest first) and the rest with their reasons."""

    servers: list[Probe] = field(default_factory=list)
    rejected: list[tuple[TdxHost, str]] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def hosts(self) -> list[TdxHost]:
        return [p.host for p in self.servers]

    def summary(self) -> str:
        """One short line: how many servers were tried, agree, and the commonest reason the others failed."""
        reasons: dict[str, int] = {}
        for _, why in self.rejected:
            reasons[why.split(":")[0][:60]] = reasons.get(why.split(":")[0][:60], 0) + 1
        common = max(reasons.items(), key=lambda kv: kv[1]) if reasons else None
        out = f"{len(self.servers)} of {len(self.servers) + len(self.rejected)} servers usable in {self.elapsed_s:.1f}s"
        return out + (f" ({common[1]} x {common[0]})" if common else "")

    def describe(self) -> str:
        used = ", ".join(f"{p.host.label} {p.latency_s * 1000:.0f}ms" for p in self.servers if p.latency_s is not None)
        out = [f"{len(self.servers)} TDX server(s) agree ({used or 'none'}) in {self.elapsed_s:.2f}s"]
        out += [f"  left out {h.label}: {why}" for h, why in self.rejected]
        return "\n".join(out)


def probe_one(host: TdxHost, reference: Reference, timeout_s: float) -> Probe:
    """Connect, shake hands and fetch the reference bars; never raises."""
    t0 = time.perf_counter()
    conn = TdxConnection(host, timeout_s=timeout_s)
    try:
        conn.connect()
        bars = conn.bars(reference.market, reference.code, CATEGORY_DAY, 0, reference.bars, index=reference.index)
    except SourceError as e:
        text = str(e)
        return Probe(host, error=text.removeprefix(f"{host.label}: "))
    finally:
        conn.close()
    latency = time.perf_counter() - t0
    if len(bars) == 0:
        return Probe(host, latency, error=f"no bars for reference {reference.market}{reference.code}")
    last = bars[-1]
    if np.isnat(last["datetime"]) or not last["close"] > 0:
        return Probe(host, latency, error="reference bar is malformed")
    key = (str(last["datetime"].astype("M8[D]")), round(float(last["open"]), 3), round(float(last["high"]), 3),
           round(float(last["low"]), 3), round(float(last["close"]), 3))
    return Probe(host, latency, key)


def probe_hosts(hosts: list[TdxHost], *, reference: Reference | None = None, timeout_s: float = 1.0,
                budget_s: float | None = None) -> list[Probe]:
    """Probe all ``hosts`` concurrently; hosts not done within ``budget_s`` count as timed out."""
    reference = reference or Reference()
    budget = budget_s if budget_s is not None else timeout_s * 3 + 0.5
    results: queue.Queue[Probe] = queue.Queue()
    for h in hosts:
        threading.Thread(target=lambda h=h: results.put(probe_one(h, reference, timeout_s)),
                         name=f"tdx-probe-{h.host}:{h.port}", daemon=True).start()
    deadline = time.monotonic() + budget
    done: dict[TdxHost, Probe] = {}
    while len(done) < len(hosts):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            p = results.get(timeout=remaining)
        except queue.Empty:
            break
        done[p.host] = p
    return [done.get(h) or Probe(h, error=f"no answer within {budget:.1f}s") for h in hosts]


def select_servers(hosts: list[TdxHost], *, reference: Reference | None = None, timeout_s: float = 1.0,
                   budget_s: float | None = None) -> Selection:
    """Probe, rank by latency and keep the largest group agreeing on the reference bar (all of it: the pool
    uses the fastest ``use_tdx_number`` and keeps the rest as spares)."""
    t0 = time.perf_counter()
    probes = probe_hosts(hosts, reference=reference, timeout_s=timeout_s, budget_s=budget_s)
    sel = Selection()
    ok = sorted((p for p in probes if p.ok), key=lambda p: p.latency_s or 0.0)
    sel.rejected = [(p.host, p.error or "failed") for p in probes if not p.ok]
    groups: dict[tuple, list[Probe]] = {}
    for p in ok:
        groups.setdefault(p.bar, []).append(p)  # type: ignore[arg-type]
    if groups:
        best = max(groups.items(), key=lambda kv: (len(kv[1]), kv[0][0], -(kv[1][0].latency_s or 0.0)))
        for bar, members in groups.items():
            if bar != best[0]:
                for p in members:
                    sel.rejected.append((p.host, f"disagrees on the reference bar: {bar} vs {best[0]} "
                                                 f"({len(best[1])} server(s))"))
        sel.servers = best[1]
    sel.elapsed_s = time.perf_counter() - t0
    log.info("tdx server search: %s", sel.summary())
    log.debug("tdx server search: %s", sel.describe().replace("\n", "; "))  # every server and why (-v)
    return sel
