"""importdata: import history and base data into the store of importdata-gui.ini (HDF5, MySQL or ClickHouse).

Reads ``importdata-gui.ini`` from the config folder (``--config``, else ``$HKU_HOME``, else
``~/.hikyuu``), writing defaults first when it is missing (and saying where they import to); an empty one,
or one without a store section, is refused rather than replaced by defaults. Bars come from a TDX install's files when
``[tdx] enable`` is set or ``--tdx-dir`` is given, else from the TDX network (``[pytdx]``). The import
is incremental from each stock's newest stored bar and can be stopped at any moment (Ctrl-C, kill,
even kill -9): what was committed stays, nothing is corrupted, and the next run continues where it
stopped. Bad bars are not stored; they are listed in a quarantine CSV. Besides bars: names and delistings,
weights, current and history finance, boards, trades, time lines, the bond yield and holidays (each kind
by name with --only; docs/importdata.md).

Examples::

    importdata                                   # what importdata-gui.ini says
    importdata --tdx-dir /mnt/c/new_tdx --only day
    importdata --codes SH600000,SZ000001 --dry-run
    importdata --only names,weight,hfinance,blocks --tdx-dir /mnt/c/new_tdx --offline
    importdata --init                            # write default config files and exit

Exit codes: 0 done; 2 bad config or arguments; 3 store unreachable; 4 a source unreachable (missing
TDX directory, no TDX server answering); 5 interrupted (committed work kept); 6 some stocks failed
(the others are imported; the summary lists them); 7 imported, but other programs (Hikyuu, strategies)
keep HDF5 files open: the new data is committed and waits to be published by the next run; 1 anything
else.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import re
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from hikyuu_live.clock import EXCHANGE_TZ
from hikyuu_live.config import IMPORT_INI, ImportIni, config_home, generate_default_config, load_import_ini
from hikyuu_live.data.importer import Importer, ImportOptions
from hikyuu_live.data.kinds import BASE_KINDS, EXTRA_KINDS, KIND_HELP
from hikyuu_live.data.quarantine import write_kind_quarantine_csv, write_quarantine_csv
from hikyuu_live.errors import (
    ConfigError,
    HikyuuLiveError,
    SourceError,
    StoreBusy,
    StoreError,
    StoreUnavailable,
)
from hikyuu_live.gui.common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, setup_logging, stop_on_signals
from hikyuu_live.gui.import_progress import make_progress, summary
from hikyuu_live.model.kdata import KType
from hikyuu_live.store import make_store, split_code, store_options
from hikyuu_live.store.baseinfo import QUOTATION_TYPES
from hikyuu_live.store.trades import make_trade_store
from hikyuu_live.tdx.base import BarSource
from hikyuu_live.tdx.files import install_root

log = logging.getLogger("importdata")

EXIT_STORE, EXIT_SOURCE, EXIT_INTERRUPTED, EXIT_PARTIAL, EXIT_PENDING = 3, 4, 5, 6, 7
#: sections of importdata-gui.ini that say where to import to: a file with none of them is refused
STORE_SECTIONS = ("hdf5", "mysql", "clickhouse")
ONLY = {"day": KType.DAY, "min": KType.MIN, "min5": KType.MIN5}
#: bar sources by name: "module:factory", factory(cfg: ImportIni, tdx_dir: str | None) -> BarSource
SOURCES = {
    "tdx": "hikyuu_live.tdx.files:LocalTdxSource",
    "pytdx": "hikyuu_live.tdx.network.source:network_source",
}


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="importdata", description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("Examples::")[1], formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--config", metavar="PATH", help="config folder (or a file in it); default $HKU_HOME or ~/.hikyuu")
    ap.add_argument("--init", action="store_true", help="write default hikyuu.ini / importdata-gui.ini where missing, "
                                                        "then exit")
    ap.add_argument("--data-dir", metavar="DIR", help="with --init: the data directory the new files name "
                                                      "(default ~/stock, c:\\stock on Windows)")
    ap.add_argument("--ignore-kdata", action="store_true", help="import no bars (base info and holidays only)")
    ap.add_argument("--only", metavar="KINDS", help="comma list of what to import (default: what the ini enables): "
                    + "; ".join(f"{k} = {v}" for k, v in KIND_HELP.items()))
    ap.add_argument("--codes", metavar="CODES", help="comma list of market codes, e.g. SH600000,SZ000001")
    ap.add_argument("--dry-run", action="store_true", help="read and validate, write nothing")
    ap.add_argument("--offline", action="store_true", help="no web sources: the bond yield and holidays come "
                    "from the lists shipped in the package, boards only from the TDX install")
    ap.add_argument("--tdx-dir", metavar="DIR", help="import from this TDX install (or its vipdoc folder)")
    ap.add_argument("--commit-every", type=float, default=60.0, metavar="SECONDS",
                    help="commit at least this often (default 60); a kill loses at most this much work")
    ap.add_argument("--quarantine", metavar="FILE", help="where to write rejected bars (CSV); default "
                                                         "<config>/quarantine/import-<time>.csv when any")
    ap.add_argument("--progress", choices=("auto", "bars", "lines", "none"), default="auto",
                    help="tqdm bars on a terminal, plain 'progress ...' lines otherwise (default auto)")
    ap.add_argument("-v", "--verbose", action="count", default=0)
    return ap


def _options(args: argparse.Namespace, cfg: ImportIni) -> ImportOptions:
    if args.ignore_kdata:
        ktypes: tuple[KType, ...] = ()
    elif args.only:
        kinds = only_kinds(args.only) or frozenset()
        ktypes = tuple(ONLY[k] for k in ONLY if k in kinds)
    else:
        ktypes = tuple(k for name, k in ONLY.items() if getattr(cfg.ktype, name))
    codes = None
    if args.codes:
        try:
            codes = frozenset("".join(split_code(c)) for c in args.codes.split(",") if c.strip())
        except ValueError as e:
            raise ConfigError(str(e), key="--codes", value=args.codes) from e
    types = frozenset().union(*(QUOTATION_TYPES[q] for q in ("stock", "fund") if getattr(cfg.quotation, q)))
    k = cfg.ktype
    since = {KType.DAY: k.day_start_date, KType.MIN: k.min_start_date, KType.MIN5: k.min5_start_date}
    only = only_kinds(args.only)
    return ImportOptions(ktypes=ktypes, types=types, codes=codes, since=since, dry_run=args.dry_run,
                         commit_every_s=max(0.0, args.commit_every), names=only is None or "names" in only)


def only_kinds(text: str | None) -> frozenset[str] | None:
    """The kinds of ``--only`` (None when not given); ``ConfigError`` naming the unknown ones."""
    if text is None:
        return None
    kinds = frozenset(t.strip().lower() for t in text.split(",") if t.strip())
    unknown = sorted(kinds - set(ONLY) - set(BASE_KINDS) - set(EXTRA_KINDS))
    if unknown or not kinds:
        raise ConfigError(f"--only takes {', '.join([*ONLY, *BASE_KINDS, *EXTRA_KINDS])}; unknown: "
                          f"{', '.join(unknown)}",
                          key="--only", value=text)
    return kinds


def _source(args: argparse.Namespace, cfg: ImportIni) -> BarSource:
    tdx_dir = args.tdx_dir or (cfg.tdx.dir if cfg.tdx.enable else None)
    if cfg.tdx.enable and not tdx_dir:
        raise ConfigError("[tdx] enable = True but no dir", file=str(cfg.path), section="tdx", key="dir")
    name = "tdx" if tdx_dir else "pytdx"
    module, factory = SOURCES[name].split(":")
    try:
        make: Any = getattr(importlib.import_module(module), factory)
    except (ImportError, AttributeError) as e:
        raise SourceError(f"the {name} source is not available ({e}); set [tdx] enable = True and dir, "
                          "or pass --tdx-dir") from e
    if name == "pytdx":
        return make(cfg)
    try:
        return make(tdx_dir)
    except ConfigError as e:
        raise SourceError(f"TDX directory {tdx_dir}: {e.reason}") from e


def _check_ini(path: Path) -> None:
    """Refuse an ``importdata-gui.ini`` that says nothing about where to import: loading it would fill in
    defaults and import into ``~/stock`` without a word (an empty file did just that)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(f"not UTF-8 text ({e.reason} at byte {e.start})", file=str(path)) from e
    except OSError as e:
        raise ConfigError(f"cannot be read: {e.strerror or e}", file=str(path)) from e
    sections = {m.lower() for m in re.findall(r"^\s*\[([^\]]+)\]", text, re.M)}
    if not sections & set(STORE_SECTIONS):
        what = "is empty" if not sections else f"has no [{'], ['.join(STORE_SECTIONS)}] section"
        raise ConfigError(f"{what}: nothing says where to import to (defaults would import into the data folder "
                          "of a fresh install)", file=str(path))


def run(args: argparse.Namespace) -> int:
    home = config_home(args.config)
    path = home / IMPORT_INI
    if args.data_dir and not args.init:
        raise ConfigError("--data-dir goes with --init (the data directory of existing files is in the ini)",
                          key="--data-dir", value=args.data_dir)
    if args.init or not path.exists():
        hk, imp = generate_default_config(home, Path(args.data_dir) if args.data_dir else None)
        log.info("config files: %s, %s", hk, imp)
        if args.init:
            print(f"config files ready: {hk} {imp}")
            return EXIT_OK
        fresh = load_import_ini(imp)
        log.warning("no %s in %s: wrote default config files %s and %s; importing into %s (%s) from %s; edit %s "
                    "(or use HikyuuTDX) to change that", IMPORT_INI, home, hk, imp, fresh.backend,
                    fresh.hdf5.dir if fresh.backend == "hdf5" else "server on localhost",
                    f"TDX files in {fresh.tdx.dir}" if fresh.tdx.enable else "the TDX network", imp.name)
    _check_ini(path)
    cfg = load_import_ini(path)
    options = _options(args, cfg)
    source = _source(args, cfg) if options.ktypes else _NoSource()
    name, store_kw = store_options(cfg)
    store = make_store(name, **store_kw)
    stop = threading.Event()
    stop_on_signals(stop)
    progress = make_progress(args.progress)
    extras = net = None
    names = _name_source(args, cfg, source) if options.names else None
    try:
        with store:
            report = Importer(store, source, options, on_progress=progress, stop=stop, names=names).run()
            if not report.interrupted:  # weights, finance, trades, time lines, blocks
                # the TDX network part needs the ``tdx`` extra (pytdx): imported only now (see gui/launch.py)
                from hikyuu_live.data.netextras import ExtrasImporter, extras_plan

                tdx_dir = args.tdx_dir or cfg.tdx.dir
                plan, net = extras_plan(cfg, bar_source=source,
                                        tdx_dir=str(install_root(tdx_dir)) if tdx_dir else None,
                                        codes=options.codes, ignore_kdata=args.ignore_kdata, dry_run=args.dry_run,
                                        only=only_kinds(args.only), download_dir=str(download_dir(cfg, home)),
                                        local_install=bool(args.tdx_dir or cfg.tdx.enable), offline=args.offline)
                wants_trades = plan.needs_trade_store and net is not None and not args.dry_run
                trades = make_trade_store(name, **store_kw) if wants_trades else None
                with trades if trades is not None else contextlib.nullcontext():
                    extras = ExtrasImporter(store, net, plan, trades=trades, stop=stop).run()
    finally:
        if progress is not None:
            progress.close()
        if source is not None:
            source.close()
        if net is not None and net is not source:
            net.close()
        close_names = getattr(names, "close", None)
        if callable(close_names):
            close_names()
    print(summary(report), flush=True)
    if report.names is not None:
        print(report.names.line(), flush=True)
    if extras is not None:
        print(extras.describe(), flush=True)
        report.interrupted |= extras.interrupted
    for src in {id(s): s for s in (source, net) if s is not None}.values():
        describe = getattr(src, "describe", None)  # the network source reports its servers
        if callable(describe):
            print(describe(), flush=True)
    if report.quarantine.total:
        stamp = datetime.now(EXCHANGE_TZ).strftime("%Y%m%d-%H%M%S")
        out = write_quarantine_csv(report.quarantine, args.quarantine or home / "quarantine" / f"import-{stamp}.csv")
        print(f"rejected bars: {out}", flush=True)
    kinds = [*([report.names] if report.names else []), *(extras.kinds if extras is not None else [])]
    if kinds:
        stamp = datetime.now(EXCHANGE_TZ).strftime("%Y%m%d-%H%M%S")
        kinds_out = write_kind_quarantine_csv(kinds, home / "quarantine" / f"import-{stamp}-rows.csv")
        if kinds_out is not None:
            print(f"rejected rows: {kinds_out}", flush=True)
    if report.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_PARTIAL if report.failed or (extras is not None and extras.failed) else EXIT_OK


def _name_source(args: argparse.Namespace, cfg: ImportIni, source: object) -> Any:
    """The day's security list: the bar source's own (the network's), else the TDX install's name files,
    else (no bars imported, no install) a network source of its own (``importdata --only names``)."""
    if callable(getattr(source, "names", None)):
        return None  # the Importer asks the bar source
    tdx_dir = args.tdx_dir or (cfg.tdx.dir if cfg.tdx.enable else None)
    if tdx_dir:
        from hikyuu_live.tdx.names import LocalNames

        return LocalNames(tdx_dir)
    if only_kinds(args.only) is not None and "names" in (only_kinds(args.only) or ()):
        module, factory = SOURCES["pytdx"].split(":")
        return getattr(importlib.import_module(module), factory)(cfg)
    return None


def download_dir(cfg: ImportIni, home: Path) -> Path:
    """Where downloaded TDX files are kept: ``<[hdf5] dir>/downloads/finance`` as the original does for an
    HDF5 store, else ``<config folder>/downloads/finance``."""
    base = Path(cfg.hdf5.dir) if cfg.backend == "hdf5" else home
    return base / "downloads" / "finance"


class _NoSource:
    """``--ignore-kdata``: no bars to fetch."""

    name, wants_last_bar = "none", False

    def list_codes(self, market: str, ktype: KType) -> list[str]:
        return []

    def fetch(self, jobs: Any) -> Any:
        return iter(())

    def close(self) -> None:
        """Nothing to release."""


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(args.verbose)
    try:
        return run(args)
    except ConfigError as e:
        hint = ""
        if e.file and Path(e.file).name == IMPORT_INI:
            hint = f"; fix it, or move it away and run `importdata --init` to write a complete {IMPORT_INI}"
        print(f"importdata: bad config: {e}{hint}", file=sys.stderr)
        return EXIT_USAGE
    except StoreBusy as e:
        print(f"importdata: {e}", file=sys.stderr)
        return EXIT_PENDING
    except StoreUnavailable as e:
        print(f"importdata: store unreachable: {e}", file=sys.stderr)
        return EXIT_STORE
    except SourceError as e:
        print(f"importdata: source unreachable: {e}", file=sys.stderr)
        return EXIT_SOURCE
    except (StoreError, HikyuuLiveError, OSError) as e:
        print(f"importdata: failed: {e}", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
