"""Every command three ways: its console script, ``hikyuu-live <command>`` and ``python -m hikyuu_live.<command>``.

Hikyuu's wheel installs console scripts named ``HikyuuTDX``, ``dataserver``, ``importdata`` (and ``shmserver``):
in one environment the package installed last owns those names, so ours must stay reachable without them.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from hikyuu_live.gui import launch

ROOT = Path(__file__).resolve().parents[2]
HIKYUU_SCRIPTS = {"HikyuuTDX", "dataserver", "importdata", "shmserver"}  # the 2.8.3 wheel's entry_points.txt


@pytest.mark.parametrize("name", sorted(launch.COMMANDS))
def test_python_dash_m_runs_every_command(name):
    """``python -m hikyuu_live.spot_server`` failed ("No module named hikyuu_live.spot_server"): only the
    console scripts and ``hikyuu-live`` reached the commands."""
    done = subprocess.run([sys.executable, "-m", f"hikyuu_live.{name}", "--help"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage:" in done.stdout.lower()


def test_the_console_scripts_are_the_launchers_and_clash_only_where_hikyuu_has_its_own():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts.pop("hikyuu-live") == "hikyuu_live.gui.launch:main"
    for name, target in scripts.items():
        assert target == f"hikyuu_live.gui.launch:{name}" and name in launch.COMMANDS
        assert callable(getattr(launch, name))
    assert {"hikyuu_parity", "strategy_demo2_hikyuu", "strategy_demo3_hikyuu",
            "strategy_demo_pf_hikyuu"} <= set(scripts)
    assert set(scripts) & HIKYUU_SCRIPTS == {"HikyuuTDX", "dataserver", "importdata"}


def test_the_umbrella_lists_the_new_commands(capsys):
    assert launch.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(c in out for c in ("hikyuu_parity", "strategy_demo2_hikyuu", "strategy_demo3_hikyuu",
                                  "strategy_demo_pf_hikyuu"))
