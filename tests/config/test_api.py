"""The package surface: a sorted, complete ``__all__``, a pure import, no module-level mutable state."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import types

import hikyuu_live.config as config


def isort_key(name: str) -> tuple[int, str]:
    """ruff's ``__all__`` order: CONSTANTS, then Classes, then functions."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def submodules() -> list[types.ModuleType]:
    return [importlib.import_module(f"hikyuu_live.config.{m.name}") for m in pkgutil.iter_modules(config.__path__)]


def test_all_is_sorted_and_every_name_exists():
    for module in [config, *submodules()]:
        names = getattr(module, "__all__", None)
        if names is None:
            continue
        assert names == sorted(names, key=isort_key), module.__name__
        assert all(hasattr(module, n) for n in names), module.__name__


def test_required_public_api_is_exported():
    required = {"config_home", "HikyuuIni", "ImportIni", "load_hikyuu_ini", "load_import_ini", "save_import_ini",
                "save_hikyuu_ini", "update_ini", "hikyuu_ini_text", "import_ini_text", "generate_default_config",
                "load_config"}
    assert required <= set(config.__all__)


def test_modules_hold_no_mutable_state():
    for module in submodules():
        for name, value in vars(module).items():
            if name.startswith("__"):
                continue
            assert not isinstance(value, (list, dict, set, bytearray)), f"{module.__name__}.{name}"


def test_import_is_pure():
    code = ("import sys, hikyuu_live.config; bad = {'pynng', 'h5py', 'mysql', 'clickhouse_connect', 'PyQt5', "
            "'requests', 'socket', 'sqlite3'} & set(sys.modules); assert not bad, bad")
    # -I: isolated, so the tests' network guard (a sitecustomize on PYTHONPATH that imports socket) stays out
    subprocess.run([sys.executable, "-I", "-c", code], check=True)
