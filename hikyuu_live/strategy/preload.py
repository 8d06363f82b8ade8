"""History for a strategy's bars, read from the store its ``hikyuu.ini`` names.

A strategy started without an explicit ``preloader`` looks in its config home: when ``hikyuu.ini`` is there
and names a store that holds data, the newest ``preload_num`` bars of each stock and ktype are read from it
(``KDataStore.read_last_n``) before the first spot is taken in, so ``get_kdata`` returns history plus the live
bars. Where there is no config or no data yet (a first run before any import) the strategy still runs, on live
bars only, and says so in its log: a missing history is a warning, never a crash at 09:25.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from hikyuu_live.errors import ConfigError
from hikyuu_live.model.kdata import KType

log = logging.getLogger(__name__)

Preloader = Callable[[list[str], KType, int], Mapping[str, np.ndarray]]


class StorePreloader:
    """A preloader over the store of one ``hikyuu.ini``; the store opens on first use and stays open."""

    def __init__(self, hikyuu_ini: object) -> None:
        self.cfg = hikyuu_ini
        self._store: object | None = None

    def describe(self) -> str:
        from hikyuu_live.store import store_options

        if self._is_tdx():
            return f"tdx at {self.cfg.kdata.dir} (read-only)"  # type: ignore[attr-defined]
        name, options = store_options(self.cfg)  # type: ignore[arg-type]
        where = options.get("directory") or f"{options.get('host')}:{options.get('port')}"
        return f"{name} at {where}"

    @property
    def lazy(self) -> bool:
        """``[hikyuu] lazy_preload``: read history on first use rather than at start (as Hikyuu)."""
        return bool(getattr(getattr(self.cfg, "hikyuu", None), "lazy_preload", False))

    def depth(self, ktype: KType) -> int:
        """``[preload] <ktype>_max`` of the config: bars to preload when the strategy gives no
        ``preload_num`` for ``ktype``; 0 = every bar (Hikyuu's meaning)."""
        maxima = getattr(getattr(self.cfg, "preload", None), "maxima", {})
        return int(maxima.get(ktype.value.lower(), 1000))

    def _is_tdx(self) -> bool:
        return getattr(getattr(self.cfg, "kdata", None), "type", "") == "tdx"

    def __call__(self, codes: list[str], ktype: KType, n: int) -> Mapping[str, np.ndarray]:
        if self._store is None:
            if self._is_tdx():  # [kdata] type = tdx: bars straight from the install's vipdoc, read-only
                from hikyuu_live.tdx.readonly import TdxHistory

                self._store = TdxHistory(self.cfg.kdata.dir)  # type: ignore[attr-defined]
            else:
                from hikyuu_live.store import open_store

                self._store = open_store(self.cfg)  # type: ignore[arg-type]
        if self._is_tdx():
            return _tdx_last_n(self._store, codes, ktype, n)
        if n <= 0:  # no limit: every stored bar
            return {c: self._store.read_range(c, ktype) for c in codes}  # type: ignore[attr-defined]
        return self._store.read_last_n(codes, ktype, n)  # type: ignore[attr-defined]

    def close(self) -> None:
        if self._store is not None:
            self._store.close()  # type: ignore[attr-defined]
            self._store = None


def config_preloader(home: str | Path | None = None) -> StorePreloader | None:
    """The preloader of the config home (``--config``, ``$HKU_HOME`` or ``~/.hikyuu``), or ``None`` with a
    logged reason when there is no ``hikyuu.ini`` or its store has no data to read."""
    from hikyuu_live.config import config_home, load_hikyuu_ini

    path = config_home(home) / "hikyuu.ini"
    if not path.exists():
        log.warning("no %s: no history preloaded, bars start from today's spots", path)
        return None
    try:
        cfg = load_hikyuu_ini(path)
        if cfg.backend == "hdf5":
            if cfg.data_dir is None or not cfg.data_dir.is_dir():
                log.warning("data directory %s of %s does not exist (run importdata first): no history preloaded",
                            cfg.data_dir, path)
                return None
        elif cfg.backend == "tdx":
            if not cfg.kdata.dir or not Path(cfg.kdata.dir).expanduser().is_dir():
                log.warning("[kdata] dir %s of %s does not exist: no history preloaded", cfg.kdata.dir, path)
                return None
        elif cfg.backend not in ("mysql", "clickhouse"):
            log.warning("[kdata] type %s of %s cannot be preloaded from: no history preloaded", cfg.backend, path)
            return None
        preloader = StorePreloader(cfg)
        log.info("history preloaded from %s (%s)", preloader.describe(), path)
        return preloader
    except ConfigError as e:
        log.warning("no history preloaded: %s", e)
        return None


def _tdx_last_n(history: Any, codes: list[str], ktype: KType, n: int) -> dict[str, np.ndarray]:
    """The newest ``n`` bars of a TDX install; week, 15-minute... made from the stored day or minute bars."""
    from hikyuu_live.store.derive import aggregate, stored_type

    base = stored_type(ktype)
    if base is ktype:
        return history.read_last_n(codes, ktype, n)
    out = {}
    for code in codes:
        bars = aggregate(history.read_range(code, base), ktype)
        out[code] = bars if n <= 0 else bars[-n:]
    return out


class _ConfigHome:
    """The default of ``Strategy(config=...)``: the config home (``$HKU_HOME`` or ``~/.hikyuu``), as Hikyuu."""

    def __repr__(self) -> str:
        return "CONFIG_HOME"


#: ``Strategy(config=CONFIG_HOME)`` (the default) reads the config home like Hikyuu; ``config=None`` reads none
CONFIG_HOME: Any = _ConfigHome()


def home_of(config: object) -> Path:
    """The config home a ``Strategy(config=...)`` stands for (where its state files live): the folder
    given, the folder a loaded config was read from, else ``$HKU_HOME`` or ``~/.hikyuu``."""
    from hikyuu_live.config import HikyuuIni, LiveConfig, config_home

    if isinstance(config, str | Path):
        return config_home(config)
    cfg = config.hikyuu if isinstance(config, LiveConfig) else config
    if isinstance(cfg, HikyuuIni) and cfg.path is not None:
        return Path(cfg.path).parent
    return config_home()


def preloader_of(config: object) -> StorePreloader | None:
    """The preloader a ``Strategy(config=...)`` implies: a ``LiveConfig`` or ``HikyuuIni`` uses its store
    as it is (an unreachable database is then an error at start, not a silent empty history); a path is a
    config home, read by ``config_preloader``."""
    from hikyuu_live.config import HikyuuIni, LiveConfig

    if config is None:
        return None
    if config is CONFIG_HOME:
        return config_preloader(None)
    if isinstance(config, LiveConfig):
        return StorePreloader(config.hikyuu)
    if isinstance(config, HikyuuIni):
        return StorePreloader(config)
    if isinstance(config, str | Path):
        return config_preloader(config)
    raise TypeError(f"config must be a config home, a HikyuuIni or a LiveConfig, not {type(config).__name__}")
