"""Every command through one launcher: console scripts, ``hikyuu-live <command>``, ``python -m hikyuu_live``;
a missing optional part is one line naming the extra, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hikyuu_live.gui.launch import COMMANDS

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def test_umbrella_command_lists_every_command_and_refuses_unknown_ones():
    out = subprocess.run([sys.executable, "-m", "hikyuu_live", "--help"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0 and all(name in out.stdout for name in COMMANDS)
    bad = subprocess.run([sys.executable, "-m", "hikyuu_live", "nosuch"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert bad.returncode == 2 and "unknown command 'nosuch'" in bad.stderr


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_answers_help_through_the_launcher(name):
    out = subprocess.run([sys.executable, "-m", "hikyuu_live", name, "--help"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60, env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert "usage" in out.stdout.lower()


def test_hikyuu_tdx_without_pyqt5_is_one_line_naming_the_extra():
    # PyQt5 made unimportable in the child, as on a machine where the gui extra is not installed
    out = _python("import sys; sys.modules['PyQt5'] = None\n"
                  "from hikyuu_live.gui.launch import run_command\n"
                  "sys.exit(run_command('HikyuuTDX', []))")
    assert out.returncode == 2
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert "'PyQt5'" in out.stderr and 'pip install "hikyuu_live[gui]"' in out.stderr


@pytest.mark.parametrize(("backend", "module", "extra"), [("mysql", "mysql", "mysql"),
                                                          ("clickhouse", "clickhouse_connect", "clickhouse")])
def test_a_store_whose_driver_is_missing_names_its_extra(backend, module, extra):
    out = _python(f"import sys; sys.modules[{module!r}] = None\n"
                  "from hikyuu_live.store import make_store\n"
                  "from hikyuu_live.errors import ConfigError\n"
                  "try:\n"
                  f"    make_store({backend!r}).ping(1.0)\n"
                  "except Exception as e:\n"
                  "    print(type(e).__name__, e)\n")
    assert out.returncode == 0, out.stderr
    assert f'pip install "hikyuu_live[{extra}]"' in out.stdout, out.stdout


def test_a_broker_whose_package_is_missing_names_its_extra():
    out = _python("import sys; sys.modules['easytrader'] = None\n"
                  "from hikyuu_live.strategy import create_broker\n"
                  "try:\n"
                  "    b = create_broker('easytrader', host='127.0.0.1', port=1)\n"
                  "    b.start()\n"
                  "except Exception as e:\n"
                  "    print(type(e).__name__, e)\n")
    assert out.returncode == 0, out.stderr
    assert "hikyuu_live[broker]" in out.stdout, out.stdout
