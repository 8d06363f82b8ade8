"""``importdata`` correctness found while working on issue 15, each reproduced here as a user met it:

- exit code 0 although stocks failed;
- a partial record at the end of a ``.day``/``.lc1``/``.lc5`` file (a bar being written) silently dropped;
- codes with non-ASCII digits accepted (the MySQL store created a table named ``６０００００``);
- an empty or unreadable ``importdata-gui.ini`` silently replaced by defaults: an import into ``$HOME/stock``;
- ``--dry-run`` / ``--ignore-kdata`` without network: a 10 KB log line listing 103 servers;
- ``--tdx-dir .../vipdoc``: the install's ``T0002`` (block files) looked for inside ``vipdoc``.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hikyuu_live.config import IMPORT_INI, import_ini_text
from hikyuu_live.model.kdata import KType
from hikyuu_live.store import make_store
from hikyuu_live.store.base import split_code
from hikyuu_live.tdx.files import LocalTdxSource, read_day, read_lc
from tests.importer.test_importdata import ROOT, TDX, make_home
from tests.standins.tdx_blocks import SAMPLE, write_blocks


def run(home: Path, *args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "HKU_HOME"} | (env_extra or {})
    return subprocess.run([sys.executable, "-m", "hikyuu_live.gui.importdata", "--config", str(home), *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def tdx_copy(tmp_path: Path) -> Path:
    """A TDX install (``vipdoc`` and ``T0002``) made of test_data's files."""
    root = tmp_path / "new_tdx"
    shutil.copytree(TDX / "vipdoc", root / "vipdoc")
    return root


def test_exit_code_says_stocks_failed(tmp_path):
    """Before: exit 0 with 1 stock failed."""
    root = tdx_copy(tmp_path)
    (root / "vipdoc" / "sh" / "lday" / "sh600004.day").mkdir()  # a file that cannot be read
    home = make_home(tmp_path, tdx={"enable": "True", "dir": str(root)})
    r = run(home, "--only", "day", "--progress", "none")
    assert r.returncode == 6, (r.returncode, r.stdout, r.stderr)
    assert "1 stocks failed" in r.stdout and "SH600004" in r.stdout
    assert "6 some stocks failed" in run(home, "--help").stdout.replace("\n", " ").replace("  ", " ")
    with make_store("hdf5", directory=tmp_path / "data") as s:  # the others are imported all the same
        assert s.count("SH600000", "DAY") > 0


@pytest.mark.parametrize("ktype,name", [(KType.DAY, "sh600000.day"), (KType.MIN, "sh600000.lc1"),
                                        (KType.MIN5, "sh600000.lc5")])
def test_a_partial_record_at_the_end_of_a_tdx_file_is_reported(tmp_path, caplog, ktype, name):
    """Before: the 5 bytes of a bar being written disappeared without a word."""
    root = tdx_copy(tmp_path)
    path = LocalTdxSource(root).path("SH", "600000", ktype)
    whole = path.read_bytes()
    path.write_bytes(whole + b"\x01\x02\x03\x04\x05")
    reader = read_day if ktype is KType.DAY else read_lc
    with caplog.at_level(logging.WARNING):
        bars = reader(path, "SH", "600000")
        tail = reader(path, "SH", "600000", bars["datetime"][-3])
    assert len(bars) == len(whole) // 32 and len(tail) == 2
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 2 and all(name in m and "5 bytes" in m for m in warned), warned


def test_a_partial_record_is_reported_by_importdata(tmp_path):
    root = tdx_copy(tmp_path)
    day = root / "vipdoc" / "sz" / "lday" / "sz000001.day"
    day.write_bytes(day.read_bytes() + b"\x00" * 7)
    home = make_home(tmp_path, tdx={"enable": "True", "dir": str(root)})
    r = run(home, "--only", "day", "--progress", "none")
    assert r.returncode == 0, r.stderr
    assert "sz000001.day" in r.stderr and "7 bytes" in r.stderr


@pytest.mark.parametrize("code", ["SH６０００００", "sz٠٠٠٠٠١", "SH60000１", "ＳＨ600000"])
def test_codes_with_non_ascii_digits_are_refused(code):
    """Before: ``split_code`` took any Unicode digit (``\\d``), so ``SH６０００００`` became a MySQL table."""
    with pytest.raises(ValueError, match="market code"):
        split_code(code)


def test_non_ascii_codes_are_refused_by_importdata_and_tdx_file_names(tmp_path):
    root = tdx_copy(tmp_path)
    lday = root / "vipdoc" / "sh" / "lday"
    shutil.copy(lday / "sh600000.day", lday / "sh６０００００.day")
    assert LocalTdxSource(root).list_codes("SH", KType.DAY) == ["000001", "510300", "600000", "688371"]
    home = make_home(tmp_path, tdx={"enable": "True", "dir": str(root)})
    r = run(home, "--only", "day", "--codes", "SH６０００００")
    assert r.returncode == 2 and "--codes" in r.stderr and "SH６０００００" in r.stderr, r.stderr


@pytest.mark.parametrize("content", [b"", b"\n\n# nothing here\n", b"\xff\xfe[hdf5]\x00\x00broken",
                                     b"[collect]\ninterval = 5\n"])
def test_an_empty_or_unreadable_import_ini_is_an_error_not_an_import_into_home(tmp_path, content):
    """Before: an empty importdata-gui.ini imported silently into ``$HOME/stock``."""
    home = tmp_path / "home"
    home.mkdir()
    (home / IMPORT_INI).write_bytes(content)
    fake_home = tmp_path / "user"
    fake_home.mkdir()
    r = run(home, "--only", "day", "--tdx-dir", str(TDX),
            env_extra={"HOME": str(fake_home), "USERPROFILE": str(fake_home)})
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert IMPORT_INI in r.stderr and "--init" in r.stderr
    assert not (fake_home / "stock").exists(), "imported into $HOME/stock"
    assert "Traceback" not in r.stderr


def test_a_missing_import_ini_is_written_and_its_defaults_shown(tmp_path):
    home = tmp_path / "home"
    fake_home = tmp_path / "user"
    fake_home.mkdir()
    r = run(home, "--only", "day", "--dry-run", "--tdx-dir", str(TDX),
            env_extra={"HOME": str(fake_home), "USERPROFILE": str(fake_home)})
    assert (home / IMPORT_INI).exists()
    assert "wrote default" in r.stderr and str(fake_home / "stock") in r.stderr, r.stderr


def net_home(tmp_path: Path) -> Path:
    """Defaults (bars and weights from the TDX network, pytdx's 103 servers): the tests' network guard
    refuses every one of them, as a machine without network would."""
    home = tmp_path / "home"
    home.mkdir()
    (home / IMPORT_INI).write_text(import_ini_text(tmp_path / "data"), encoding="utf-8")
    return home


@pytest.mark.parametrize("flag", ["--dry-run", "--ignore-kdata"])
def test_unreachable_sources_give_one_short_line_each_and_the_documented_exit_code(tmp_path, flag):
    """Before: a 10 KB log line listing all 103 servers and the reason each failed."""
    r = run(net_home(tmp_path), flag, "--progress", "none")
    assert r.returncode == 4, (r.returncode, r.stderr[-2000:])
    lines = r.stderr.splitlines()
    assert max(map(len, lines)) <= 240 and len(r.stderr) < 2000, r.stderr
    assert sum("TDX network" in ln for ln in lines) == 1, r.stderr
    assert "103" in r.stderr  # how many servers were tried, not each of them


def test_tdx_dir_given_as_vipdoc_finds_the_block_files_of_the_install(tmp_path):
    """Before: ``--tdx-dir .../vipdoc`` looked for ``vipdoc/T0002/hq_cache``."""
    root = tdx_copy(tmp_path)
    write_blocks(root, SAMPLE)
    home = make_home(tmp_path, block={"enable": "True"})
    r = run(home, "--only", "day,blocks", "--offline", "--tdx-dir", str(root / "vipdoc"), "--progress", "none")
    assert r.returncode == 0, r.stderr
    with make_store("hdf5", directory=tmp_path / "data") as s:
        assert ("概念板块", "人工智能", "SH600004") in s.blocks()
