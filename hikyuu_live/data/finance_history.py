"""History finance (历史财务, the TDX ``gpcw`` files) into Hikyuu's ``HistoryFinance`` table, as the
original's "历史财务数据" task does, from a TDX install's ``vipdoc/cw`` or the TDX network.

Network: the servers' ``tdxfin/gpcw.txt`` lists every file with its md5 and size; each ``.zip`` is
downloaded (kept under the download folder, so an unchanged file is never fetched twice, like the
original), checked against the list's md5 and size, unpacked and imported. Local: the install's
``gpcw*.dat``/``.zip`` files. With both, the network's list is used and the local files only when the
network is unreachable.

Resumable: each file is one transaction (its rows of that file date replaced), and the md5 of each
imported file is recorded in ``imported.json`` of the download folder after its commit; the next run
skips files whose md5 is recorded and whose rows are stored, so a run killed at any point redoes at most
the file it was in. Rows the parser refuses (old layout without an announcement date, a code of no
exchange, an offset outside the file) are quarantined with their reason; the rest of the file is stored.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hikyuu_live.data.kinds import KindReport
from hikyuu_live.errors import HikyuuLiveError
from hikyuu_live.store.base import KDataStore
from hikyuu_live.tdx.history_finance import (
    file_date_of,
    local_finance_files,
    md5,
    parse_finance,
    parse_list,
    unpack,
)

log = logging.getLogger(__name__)

LIST_FILE = "tdxfin/gpcw.txt"
STATE_FILE = "imported.json"


@dataclass(frozen=True, slots=True)
class _Item:
    name: str  # gpcwYYYYMMDD.zip / .dat
    file_date: int
    digest: str  # md5 of the bytes as fetched or read (the list's md5 for network files)
    data: bytes


class HistoryFinanceImporter:
    """See the module docstring. ``network`` is a ``NetworkSource`` (its ``pool()``) or None."""

    def __init__(self, store: KDataStore, *, download_dir: str | Path, tdx_dir: str | Path | None = None,
                 network: Any = None, dry_run: bool = False, stop: threading.Event | None = None) -> None:
        self.store = store
        self.download_dir = Path(download_dir)
        self.tdx_dir = tdx_dir
        self.network = network
        self.dry_run = dry_run
        self.stop = stop or threading.Event()
        self.report = KindReport("hfinance")

    # ------------------------------------------------------------------ state
    def _state(self) -> dict[str, str]:
        path = self.download_dir / STATE_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:
            log.warning("%s unreadable (%s): every file is imported again", path, e)
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _save_state(self, state: dict[str, str]) -> None:
        self.download_dir.mkdir(parents=True, exist_ok=True)
        path = self.download_dir / STATE_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=0, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)

    # ------------------------------------------------------------------ run
    def run(self) -> KindReport:
        rep = self.report
        state = self._state()
        stored = self.store.history_finance_files()

        def done(file_date: int, digest: str) -> bool:
            """Imported before from the same bytes, and its rows are still in the store."""
            got, _, rows = state.get(str(file_date), "").partition(":")
            return got == digest and (file_date in stored or rows == "0")

        items: Iterator[_Item]
        if self.network is not None:
            try:
                items = self._network_items(done)
                rep.note = "from the TDX network"
            except HikyuuLiveError as e:
                if not self.tdx_dir:
                    rep.failed.append((LIST_FILE, str(e)))
                    return rep
                log.warning("history finance: the TDX network failed (%s): using %s", e, self.tdx_dir)
                items = self._local_items(done)
                rep.note = f"from {self.tdx_dir} (network failed: {e})"
        elif self.tdx_dir:
            items = self._local_items(done)
            rep.note = f"from {self.tdx_dir}"
        else:
            rep.note = "no TDX directory and no TDX network: nothing to read"
            return rep
        for item in items:
            if self.stop.is_set():
                break
            self._import(item, state)
        return rep

    def _local_items(self, done: Any) -> Iterator[_Item]:
        assert self.tdx_dir is not None
        files = local_finance_files(self.tdx_dir)
        if not files:
            self.report.skip(f"no gpcw*.dat files under {Path(self.tdx_dir) / 'vipdoc' / 'cw'}")
        for path in files:
            data = path.read_bytes()
            file_date = file_date_of(path.name)
            assert file_date is not None
            digest = md5(data)
            if done(file_date, digest):
                self.report.unchanged += 1
                continue
            yield _Item(path.name, file_date, digest, data)

    def _network_items(self, done: Any) -> Iterator[_Item]:
        from hikyuu_live.tdx.network.jobs import ReportFileJob  # the tdx extra, only when the network is used

        (outcome,) = list(self.network.pool().run([ReportFileJob(LIST_FILE)]))
        if not outcome.ok:
            raise HikyuuLiveError(f"{LIST_FILE}: {outcome.error}")
        listed = parse_list(bytes(outcome.result).decode("utf-8", "replace"))
        if not listed:  # nothing to import (a server without the files): said in the report, not a failure
            self.report.skip(f"the TDX server lists no history-finance files ({LIST_FILE} is empty)")
            return iter(())
        return self._download(listed, done, ReportFileJob)

    def _download(self, listed: list[tuple[str, str, int]], done: Any, job_cls: Any) -> Iterator[_Item]:
        wanted: list[tuple[str, str, int, int]] = []
        for name, digest, size in listed:
            file_date = file_date_of(name)
            assert file_date is not None
            if done(file_date, digest):
                self.report.unchanged += 1
                continue
            wanted.append((name, digest, size, file_date))
        cached: list[_Item] = []
        fetch: dict[str, tuple[str, int]] = {}
        for name, digest, _size, file_date in wanted:
            kept = self.download_dir / name
            if kept.is_file():
                data = kept.read_bytes()
                if md5(data) == digest:
                    cached.append(_Item(name, file_date, digest, data))
                    continue
            fetch[name] = (digest, file_date)
        yield from cached
        if not fetch:
            return
        jobs = [job_cls(f"tdxfin/{n}", size) for n, _d, size, _f in wanted if n in fetch]
        for outcome in self.network.pool().run(jobs):
            name = outcome.job.name.split("/", 1)[1]
            digest, file_date = fetch[name]
            if not outcome.ok:
                self.report.failed.append((name, outcome.error or "failed"))
                continue
            data = bytes(outcome.result)
            if md5(data) != digest:
                self.report.failed.append((name, f"md5 {md5(data)} differs from the list's {digest}"))
                continue
            if not self.dry_run:
                self.download_dir.mkdir(parents=True, exist_ok=True)
                (self.download_dir / name).write_bytes(data)
            yield _Item(name, file_date, digest, data)
            if self.stop.is_set():
                return

    def _import(self, item: _Item, state: dict[str, str]) -> None:
        rep = self.report
        try:
            parsed = parse_finance(unpack(item.name, item.data))
        except ValueError as e:
            rep.failed.append((item.name, str(e)))
            return
        if parsed.file_date != item.file_date:
            rep.failed.append((item.name, f"its header says file date {parsed.file_date}"))
            return
        for key, why in parsed.bad:
            rep.reject(key, item.name, why)
        rep.stocks += len(parsed.rows)
        if self.dry_run:
            rep.rows += len(parsed.rows)
            return
        if parsed.rows:
            rep.rows += self.store.save_history_finance(
                parsed.file_date, [(r.market_code, r.report_date, r.values) for r in parsed.rows])
        state[str(item.file_date)] = f"{item.digest}:{len(parsed.rows)}"
        self._save_state(state)
        log.info("history finance %s: %d rows, %d refused", item.name, len(parsed.rows), len(parsed.bad))
