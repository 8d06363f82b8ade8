"""Boards (Hikyuu's ``block`` and ``BlockIndex`` tables) from a TDX install's block files and industry lists
(``tdx.blocks``), then from Eastmoney's board lists (``data.em_blocks``) for the categories the install
did not give, and index constituents (指数板块) from CSIndex and Sina (``data.index_blocks``) when the
install gave none, as the original's block task. Index constituents of the install get their index's
BlockIndex row by the stored name of the index; those of the web by the index code they were asked for."""

from __future__ import annotations

import threading
from pathlib import Path

from hikyuu_live.config import config_home
from hikyuu_live.data.em_blocks import CATEGORIES, BoardOptions, BoardSourceError, EastmoneyBoards
from hikyuu_live.data.index_blocks import CATEGORY as INDEX_CATEGORY
from hikyuu_live.data.index_blocks import IndexBoards
from hikyuu_live.data.kinds import KindReport
from hikyuu_live.data.webget import WebSourceError
from hikyuu_live.errors import ConfigError
from hikyuu_live.model.codes import StockType, classify
from hikyuu_live.store.base import KDataStore
from hikyuu_live.tdx.blocks import read_blocks


def import_blocks(store: KDataStore, tdx_dir: str | None, *, web: bool, boards: BoardOptions,
                  download_dir: str | None, dry_run: bool, stop: threading.Event) -> KindReport:
    """Boards of the TDX install, then Eastmoney's for the categories it did not give (when ``web``)."""
    rep = KindReport("blocks")
    local: set[str] = set()
    if tdx_dir:
        local = _local_blocks(store, tdx_dir, rep, dry_run)
    elif not web:
        rep.note = "no TDX directory configured ([tdx] dir or --tdx-dir): block files not read"
        return rep
    if web:
        _web_blocks(store, rep, local, boards, download_dir, dry_run, stop)
    return rep


def _local_blocks(store: KDataStore, tdx_dir: str, rep: KindReport, dry_run: bool) -> set[str]:
    """Boards of the TDX install; returns the categories it gave (the web does not overwrite them)."""
    blocks = read_blocks(tdx_dir)
    for path in blocks.missing:
        rep.skip(f"missing or unreadable: {path}")
    if blocks.unknown_codes:
        rep.skip("member codes of no known market", len(blocks.unknown_codes))
    for key, why in blocks.bad:
        rep.reject(key, "board file", why)
    index_rows = list(blocks.index_rows)
    # index constituents (指数板块) name their index: its code is the stored index of that name
    index_names = {s.name: s.market_code for s in store.stock_records()
                   if classify(s.market, s.code) is StockType.INDEX and s.name}
    for name in sorted({r[1] for r in blocks.rows if r[0] == "指数板块"}):
        if name in index_names:
            index_rows.append(("指数板块", name, index_names[name]))
    rep.stocks = len({r[2] for r in blocks.rows})
    if blocks.rows and not dry_run:
        rep.rows = store.save_blocks(blocks.rows)
        store.save_block_index(index_rows)
    rep.updated = len(index_rows)
    rep.note = ", ".join(blocks.categories) or "no boards"
    if index_rows:
        rep.note += f"; {len(index_rows)} BlockIndex rows"
    return set(blocks.categories)


def _web_blocks(store: KDataStore, rep: KindReport, skip: set[str], options: BoardOptions,
                download_dir: str | None, dry_run: bool, stop: threading.Event) -> None:
    """Industry, concept and region boards from Eastmoney for the categories the install did not give."""
    base = Path(download_dir).parent if download_dir else config_home() / "downloads"
    boards = EastmoneyBoards(base, options)
    done = []
    for category in (c for c in CATEGORIES if c not in skip):
        if stop.is_set():
            break
        try:
            rows = boards.import_category(category, rep, stop=stop.is_set)
        except BoardSourceError as e:
            rep.fail(category, e)
            continue
        rep.stocks += len({r[2] for r in rows})
        if rows and not dry_run:
            rep.rows += store.save_blocks(rows)
        done.append(category)
    if done:
        rep.note = (rep.note + "; " if rep.note else "") + "Eastmoney: " + ", ".join(done)
    if INDEX_CATEGORY not in skip and not stop.is_set():
        _web_index_blocks(store, rep, IndexBoards(base, options), dry_run, stop)


def _web_index_blocks(store: KDataStore, rep: KindReport, boards: IndexBoards, dry_run: bool,
                      stop: threading.Event) -> None:
    """Index constituents and their BlockIndex rows from the web; the store's rows stay as they were when
    the index list cannot be had."""
    try:
        rows, index_rows = boards.import_all(rep, stop=stop.is_set)
    except (BoardSourceError, WebSourceError) as e:
        rep.fail(INDEX_CATEGORY, e)
        return
    except ConfigError as e:  # an extra (xlrd, lxml) not installed: a skip naming it, not a failure
        rep.skip(f"{INDEX_CATEGORY} not imported: {e}")
        return
    rep.stocks += len({r[2] for r in rows})
    if rows and not dry_run:
        rep.rows += store.save_blocks(rows)
        store.save_block_index(index_rows)
    note = f"{INDEX_CATEGORY} (CSIndex, Sina): {len(index_rows)} indices, {len(index_rows)} BlockIndex rows"
    rep.note = (rep.note + "; " if rep.note else "") + note

