"""The real Hikyuu C++ core (the PyPI wheel ``hikyuu==2.8.3``) as a test oracle for what our stores write.

Its shared libraries need glibc 2.38 and a newer libstdc++ than this Debian 12 machine has, so it runs in a
Debian 13 (trixie) ``minbase`` chroot built with ``debootstrap`` (``scripts/system_deps.d/hikyuu_core.sh``)
from the same Debian mirror apt uses here, with the wheel and numpy downloaded on the host by pip (the
chroot needs no network of its own). The chroot is built once and cached (``$HIKYUU_CORE_ROOT``, default
``~/.cache/hikyuu_live/hikyuu-core-2.8.3``; about 300 MB); building takes about a minute.

``HikyuuCore.read(data_dir_in_chroot, ini_text, codes)`` runs ``hikyuu_core_reader.py`` inside the chroot:
Hikyuu's own ``StockManager.init`` over a ``hikyuu.ini``, then every K-data type of the given stocks,
stocks, markets, weights, blocks and holidays as JSON. Data to read lives under ``core.data`` (the chroot's
``/data``); MySQL is reached over 127.0.0.1 (the chroot shares the network). Requires root (chroot).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

VERSION = "2.8.3"
SUITE = "trixie"  # its glibc 2.41 and Python 3.13 (the wheel has core313.so)
READER = Path(__file__).with_name("hikyuu_core_reader.py")
_PLATFORMS = ("manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux_2_28_x86_64")


def default_root() -> Path:
    env = os.environ.get("HIKYUU_CORE_ROOT")
    return Path(env) if env else Path.home() / ".cache" / "hikyuu_live" / f"hikyuu-core-{VERSION}"


def apt_mirror() -> str:
    """The Debian mirror this machine's apt uses (so no host is named here)."""
    texts = [p.read_text() for p in Path("/etc/apt/sources.list.d").glob("*.sources")]
    for text in texts:
        for m in re.finditer(r"^URIs:\s*(\S+)", text, re.M):
            if "security" not in m.group(1):
                return m.group(1)
    legacy = Path("/etc/apt/sources.list")
    if legacy.exists():
        for m in re.finditer(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+\S+", legacy.read_text(), re.M):
            if "security" not in m.group(1):
                return m.group(1)
    raise RuntimeError("no Debian mirror found in /etc/apt/sources.list(.d)")


def _run(cmd: list[str], log: Path, **kw: object) -> None:
    with log.open("a") as out:
        done = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, **kw)  # type: ignore[call-overload]
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd[:4])}... failed ({done.returncode}); see {log}:\n"
                           f"{log.read_text()[-3000:]}")


def build(root: Path) -> None:
    """Debootstrap the chroot into ``root.tmp`` and install the wheels, then rename it to ``root``."""
    if shutil.which("debootstrap") is None:
        raise RuntimeError("debootstrap is not installed: run `bash scripts/system_deps.sh` (make services)")
    tmp = root.with_name(root.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    log = root.with_name(root.name + ".log")
    log.write_text("")
    _run(["debootstrap", "--variant=minbase", "--include=python3,python3-venv", SUITE, str(tmp), apt_mirror()], log)
    wheels = tmp / "wheels"
    platforms = [a for p in _PLATFORMS for a in ("--platform", p)]
    # -I: without the tests' network guard (tests/netguard), which would refuse the package registry
    _run([sys.executable, "-I", "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--python-version", "3.13",
          *platforms, "-d", str(wheels), f"hikyuu=={VERSION}", "numpy>=2"], log)
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
    _run(["chroot", str(tmp), "python3", "-m", "venv", "/opt/hv"], log, env=env)
    found = sorted(str(Path("/wheels") / p.name) for p in wheels.glob("*.whl"))
    _run(["chroot", str(tmp), "/opt/hv/bin/pip", "install", "--no-index", "--no-deps", *found], log, env=env)
    shutil.rmtree(wheels)
    for deb in (tmp / "var" / "cache" / "apt" / "archives").glob("*.deb"):
        deb.unlink()  # debootstrap keeps the packages it installed: 100 MB of no further use
    (tmp / "data").mkdir(exist_ok=True)
    tmp.rename(root)


@dataclass
class HikyuuCore:
    root: Path

    @property
    def data(self) -> Path:
        """The chroot's ``/data`` as a host path."""
        return self.root / "data"

    def new_dir(self) -> tuple[Path, str]:
        """(host path, path inside the chroot) of a fresh data folder."""
        name = uuid.uuid4().hex[:12]
        (self.data / name).mkdir(parents=True)
        return self.data / name, f"/data/{name}"

    def time_preload(self, folder: tuple[Path, str], ini_text: str, timeout_s: float = 600) -> dict:
        """``{"seconds", "stocks", "day_bars"}``: Hikyuu's own init and preload over the data ``ini_text`` names."""
        return self._run_reader(folder, ini_text, "--time-preload", "hikyuu_preload.json", timeout_s)

    def read(self, folder: tuple[Path, str], ini_text: str, codes: list[str], timeout_s: float = 300) -> dict:
        """Hikyuu's view of the data ``ini_text`` describes (see the module docstring)."""
        (folder[0] / "codes.json").write_text(json.dumps(codes))
        return self._run_reader(folder, ini_text, f"{folder[1]}/codes.json", "hikyuu_view.json", timeout_s)

    def original_import(self, kind: str, args: list[str], timeout_s: float = 300) -> str:
        """Run Hikyuu's own importer functions in the chroot (``hikyuu_original_import.py``); its output."""
        script = Path(__file__).with_name("hikyuu_original_import.py")
        shutil.copy(script, self.root / "opt" / script.name)
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
        done = subprocess.run(["chroot", str(self.root), "/opt/hv/bin/python", f"/opt/{script.name}", kind, *args],
                              env=env, capture_output=True, text=True, timeout=timeout_s, cwd="/")
        if done.returncode:
            raise AssertionError(f"Hikyuu's importer failed (exit {done.returncode}):\n{done.stdout[-3000:]}\n"
                                 f"{done.stderr[-3000:]}")
        return done.stdout

    def _run_reader(self, folder: tuple[Path, str], ini_text: str, arg: str, out_name: str, timeout_s: float) -> dict:
        host, inside = folder
        (host / "hikyuu.ini").write_text(ini_text, encoding="utf-8")
        shutil.copy(READER, self.root / "opt" / READER.name)
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
        done = subprocess.run(["chroot", str(self.root), "/opt/hv/bin/python", f"/opt/{READER.name}",
                               f"{inside}/hikyuu.ini", arg, f"{inside}/{out_name}"],
                              env=env, capture_output=True, text=True, timeout=timeout_s, cwd="/")
        out = host / out_name
        if done.returncode or not out.exists():
            raise AssertionError(f"Hikyuu's core failed on our data (exit {done.returncode}):\n"
                                 f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return json.loads(out.read_text())


def ensure(root: Path | None = None) -> HikyuuCore:
    """The cached chroot, built first when missing (one builder at a time across processes)."""
    root = root or default_root()
    if not (root / "opt" / "hv" / "bin" / "python").exists():
        root.parent.mkdir(parents=True, exist_ok=True)
        with open(root.with_name(root.name + ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (root / "opt" / "hv" / "bin" / "python").exists():
                build(root)
    return HikyuuCore(root)
