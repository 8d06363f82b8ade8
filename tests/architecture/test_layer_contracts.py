"""Each import-linter contract in pyproject.toml fails when it is broken.

A contract that cannot fail checks nothing (the old "nothing imports the entry scripts" contract was an
``independence`` contract over one module and stayed KEPT whatever imported it). So each contract gets
one violating import, added to a scratch copy of the package, and ``lint-imports`` must report that
contract BROKEN with that very import in its report.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")

#: contract id -> (module file to edit, the import added, the import chain line expected in its report)
VIOLATIONS = {
    "layers": ("hikyuu_live/data/importer.py", "import hikyuu_live.gui.common",
               "hikyuu_live.data.importer -> hikyuu_live.gui.common"),
    "pure-model": ("hikyuu_live/model/codec.py", "import socket", "hikyuu_live.model.codec -> socket"),
    "pure-service-cores": ("hikyuu_live/dataserver/buffer.py", "import sqlite3",
                           "hikyuu_live.dataserver.buffer -> sqlite3"),
    "store-backends": ("hikyuu_live/store/hdf5/kdata.py", "import hikyuu_live.store.mysql.connection",
                       "hikyuu_live.store.hdf5.kdata -> hikyuu_live.store.mysql.connection"),
    "store-interface": ("hikyuu_live/store/base.py", "import hikyuu_live.store.hdf5.files",
                        "hikyuu_live.store.base -> hikyuu_live.store.hdf5.files"),
    "drivers-in-adapters": ("hikyuu_live/gui/widgets/storage_tab.py", "import mysql.connector",
                            "hikyuu_live.gui.widgets.storage_tab -> mysql"),
    "pynng-in-bus": ("hikyuu_live/fetcher/collector.py", "import pynng", "hikyuu_live.fetcher.collector -> pynng"),
    "qt-in-gui": ("hikyuu_live/strategy/runtime.py", "import PyQt5.QtCore",
                  "hikyuu_live.strategy.runtime -> PyQt5"),
    "sources-below-services": ("hikyuu_live/strategy/broker/paper.py", "import hikyuu_live.strategy.runtime",
                               "hikyuu_live.strategy.broker.paper -> hikyuu_live.strategy.runtime"),
}


def _contracts() -> dict[str, str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {c["id"]: c["name"] for c in config["tool"]["importlinter"]["contracts"]}


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT), "--no-cache"], cwd=root, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})


def _sections(report: str, names: dict[str, str]) -> dict[str, str]:
    """The part of the "Broken contracts" report under each contract's name."""
    text = _flat(report.split("Broken contracts", 1)[-1])
    found = {cid: text.find(_flat(name)) for cid, name in names.items()}
    starts = sorted((pos, cid) for cid, pos in found.items() if pos >= 0)
    return {cid: text[pos:(starts[i + 1][0] if i + 1 < len(starts) else len(text))]
            for i, (pos, cid) in enumerate(starts)}


def _flat(text: str) -> str:
    """lint-imports wraps long names over lines: compare with whitespace runs as one space."""
    return re.sub(r"\s+", " ", text)


def test_every_contract_has_a_violation_here():
    assert set(_contracts()) == set(VIOLATIONS)


@pytest.fixture(scope="module")
def broken_report(tmp_path_factory) -> str:
    scratch = tmp_path_factory.mktemp("contracts")
    shutil.copytree(ROOT / "hikyuu_live", scratch / "hikyuu_live", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", scratch / "pyproject.toml")
    clean = _lint(scratch)
    assert clean.returncode == 0, clean.stdout + clean.stderr  # the copy itself keeps every contract
    for module, line, _ in VIOLATIONS.values():
        path = scratch / module
        path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # scratch violation\n", encoding="utf-8")
    broken = _lint(scratch)
    assert broken.returncode != 0
    return broken.stdout


@pytest.mark.parametrize("contract", sorted(VIOLATIONS))
def test_contract_fails_on_its_violation(broken_report, contract):
    names = _contracts()
    name = names[contract]
    summary = _flat(broken_report.split("Broken contracts", 1)[0])
    assert f"{_flat(name)} BROKEN" in summary, summary
    section = _flat(_sections(broken_report, names)[contract])
    assert VIOLATIONS[contract][2] in section, section
