"""What the importer asks of a bar source (local TDX files, the TDX network, ...): a small, pure contract.

A source lists the codes it has per market and type, and turns ``ImportJob``s into ``SourceResult``s.
``fetch`` may work on several jobs at once and yield results in any order, but yields exactly one result
per job, lazily (the importer writes while the source fetches; memory stays bounded). A result's bars
are ``KDATA_DTYPE`` in memory units (yuan, 10,000 yuan, lots; labelled by the bar's end), in the
source's order, unvalidated: the importer drops what is already stored and quarantines bad bars, so a
source passes on whatever it got, including bars at or before ``job.after``. A job the source cannot
do ends with ``error`` set (the importer reports it and goes on with the other stocks).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from hikyuu_live.model.kdata import KDATA_DTYPE, KType


@dataclass(frozen=True, slots=True)
class ImportJob:
    """New bars of one stock and type: everything after ``after`` (None: nothing stored; start at
    ``since``) up to ``until``. ``last_bar`` is the newest stored bar when the source asked for it
    (``wants_last_bar``), e.g. to compare it with the server's copy."""

    market: str
    code: str
    ktype: KType
    since: np.datetime64
    until: np.datetime64
    after: np.datetime64 | None = None
    last_bar: np.void | None = None

    @property
    def market_code(self) -> str:
        return self.market + self.code


@dataclass(slots=True)
class SourceResult:
    job: ImportJob
    bars: np.ndarray = field(default_factory=lambda: np.zeros(0, KDATA_DTYPE))
    error: str | None = None
    notes: list[str] = field(default_factory=list)


class BarSource(Protocol):
    """See the module docstring."""

    name: str
    wants_last_bar: bool

    def list_codes(self, market: str, ktype: KType) -> list[str]:
        """6-digit codes the source has bars of, for ``market`` (``SH``/``SZ``/``BJ``) and ``ktype``."""
        ...

    def fetch(self, jobs: Iterable[ImportJob]) -> Iterator[SourceResult]:
        """One result per job, in any order, produced as the jobs are consumed."""
        ...

    def close(self) -> None: ...
