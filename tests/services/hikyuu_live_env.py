"""Our package beside the real Hikyuu 2.8.3 in the test chroot (``hikyuu_core.py``), as a user installs both.

The chroot's venv (``/opt/hv``) holds only the Hikyuu wheel and numpy: enough for the store oracle, which loads
the compiled core directly, but ``import hikyuu`` needs the Python packages the wheel declares (pandas,
matplotlib, ...), and our bridge needs our own dependencies (pynng, h5py, ...). Both sets are downloaded on the
host by pip (``-I``: without the tests' network guard) once, cached in ``~/.cache/hikyuu_live/``, and installed
into ``/opt/hlive-deps-<hash>`` inside the chroot; Hikyuu itself is not touched. Our package is copied from this
checkout into a fresh ``/opt/hlive-src-<id>`` per session (parallel checkouts never share a copy) and put first on
``PYTHONPATH`` with the tests' network guard, so processes in the chroot, like those on the host, reach only this
machine. The chroot shares the host's network and ``/data`` is visible from both sides (``core.data``), so a
collector on the host publishes on ``ipc:///<core.data>/x/bus.ipc`` (host path) that a strategy in the chroot
dials as ``ipc:///data/x/bus.ipc``.
"""

from __future__ import annotations

import fcntl
import hashlib
import re
import shutil
import subprocess
import sys
import tomllib
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.services.hikyuu_core import HikyuuCore

ROOT = Path(__file__).resolve().parents[2]
# what ``import hikyuu`` imports at module level (the wheel's Requires-Dist, minus GUI/data-source extras it
# imports lazily), and our core dependencies from pyproject.toml (pytdx has no wheel: built on the host)
HIKYUU_IMPORTS = ["pandas>=2.3.0", "sqlalchemy", "gitpython", "matplotlib>=3.5.0", "seaborn>=0.13.2", "bokeh>=3.4.0",
                  "pyecharts>=2.0.9"]
def _ours() -> list[str]:
    """Our core dependencies and the store extras, from pyproject.toml (numpy is Hikyuu's venv's), pinned
    as constraints.txt pins them: the list cannot drift from what the package needs."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"], *(r for x in ("mysql", "clickhouse", "parquet")
                                         for r in project["optional-dependencies"][x])]
    pins = {re.split(r"[=<>!~\[ ]", line)[0].lower(): line.strip()
            for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")}
    out = []
    for req in wanted:
        name = re.split(r"[=<>!~\[ ;]", req)[0].lower()
        if name != "numpy":
            out.append(pins.get(name, req))
    return out


OURS = _ours()

SDIST_ONLY = ["pytdx==1.72"]
_PLATFORMS = ("manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux_2_28_x86_64", "any")
HOST_FAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1")
FAKETIME_LIB = "/opt/faketime/libfaketimeMT.so.1"  # in the chroot (a host library works there: newer glibc)
CHROOT_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "TZ": "Asia/Shanghai"}


def _digest() -> str:
    return hashlib.sha256("\n".join([*HIKYUU_IMPORTS, *OURS, *SDIST_ONLY]).encode()).hexdigest()[:12]


def _run(cmd: list[str], log: Path, **kw: object) -> None:
    with log.open("a") as out:
        done = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, **kw)  # type: ignore[call-overload]
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd[:5])}... failed ({done.returncode}); see {log}:\n{log.read_text()[-3000:]}")


def _install_deps(core: HikyuuCore, target: str) -> None:
    """Download the wheels on the host and install them into ``target`` inside the chroot (numpy excluded:
    the venv's numpy is Hikyuu's)."""
    cache = core.root.with_name(f"hikyuu-live-wheels-{_digest()}")
    log = core.root.with_name(f"hikyuu-live-deps-{_digest()}.log")
    if not (cache / ".complete").exists():
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir(parents=True)
        platforms = [a for p in _PLATFORMS for a in ("--platform", p)]
        _run([sys.executable, "-I", "-m", "pip", "download", "--only-binary=:all:", "--python-version", "3.13",
              *platforms, "-d", str(cache), *HIKYUU_IMPORTS, *OURS], log)
        _run([sys.executable, "-I", "-m", "pip", "wheel", "--no-deps", "-w", str(cache), *SDIST_ONLY], log)
        (cache / ".complete").write_text("")
    inside = core.root / "opt" / f"wheels-{_digest()}"
    shutil.rmtree(inside, ignore_errors=True)
    shutil.copytree(cache, inside)
    wheels = [f"/opt/{inside.name}/{p.name}" for p in sorted(inside.glob("*.whl")) if not p.name.startswith("numpy-")]
    _run(["chroot", str(core.root), "/opt/hv/bin/pip", "install", "-q", "--no-index", "--no-deps", "--target",
          target, *wheels], log, env=CHROOT_ENV)
    shutil.rmtree(inside)


@dataclass
class LiveEnv:
    """Hikyuu and hikyuu_live importable together in the chroot."""

    core: HikyuuCore
    deps: str  # chroot path
    src: str  # chroot path holding our package

    @property
    def pythonpath(self) -> str:
        return f"{self.src}/netguard:{self.src}:{self.deps}"

    def python(self, args: list[str], *, home: str, timeout_s: float = 300,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """Run ``/opt/hv/bin/python args...`` in the chroot with both packages importable; ``home`` (a chroot
        path) is ``HOME`` and ``HKU_HOME``, so neither package touches another test's config."""
        return subprocess.run(["chroot", str(self.core.root), "/opt/hv/bin/python", *args],
                              env=self.env(home, env), capture_output=True, text=True, timeout=timeout_s, cwd="/")

    def popen(self, args: list[str], *, home: str, env: dict[str, str] | None = None,
              **kw: object) -> subprocess.Popen[str]:
        return subprocess.Popen(["chroot", str(self.core.root), "/opt/hv/bin/python", *args],  # type: ignore[call-overload]
                                env=self.env(home, env), text=True, cwd="/", **kw)

    def env(self, home: str, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {**CHROOT_ENV, "HOME": home, "HKU_HOME": home, "PYTHONPATH": self.pythonpath,
                "PYTHONUNBUFFERED": "1", "MPLBACKEND": "Agg", **(extra or {})}

    def fake_today(self, day: date) -> dict[str, str]:
        """Environment that moves a chroot process's calendar to ``day`` (time of day and intervals real).

        Hikyuu's ``SpotAgent`` builds bars only from spots dated today by the wall clock
        (``Stock::isTransactionTime``), so its ``Strategy`` can follow a recorded day only with its date moved
        there; libfaketime (``scripts/system_deps.d/faketime.sh``) does it without touching Hikyuu."""
        today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
        return {"LD_PRELOAD": FAKETIME_LIB, "FAKETIME": f"-{(today - day).days}d", "FAKETIME_DONT_FAKE_MONOTONIC": "1"}

    def close(self) -> None:
        shutil.rmtree(self.core.root / self.src.lstrip("/"), ignore_errors=True)


def ensure(core: HikyuuCore) -> LiveEnv:
    """Dependencies installed once (cached, one installer at a time), our package copied for this session."""
    deps = f"/opt/hlive-deps-{_digest()}"
    if not (core.root / deps.lstrip("/") / ".complete").exists():
        with open(core.root.with_name(core.root.name + ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (core.root / deps.lstrip("/") / ".complete").exists():
                shutil.rmtree(core.root / deps.lstrip("/"), ignore_errors=True)
                _install_deps(core, deps)
                (core.root / deps.lstrip("/") / ".complete").write_text("")
    lib = core.root / FAKETIME_LIB.lstrip("/")
    if not lib.exists():
        if not HOST_FAKETIME.exists():
            raise RuntimeError(f"{HOST_FAKETIME} missing: run `bash scripts/system_deps.sh` (libfaketime)")
        lib.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(HOST_FAKETIME, lib)
    src = f"/opt/hlive-src-{uuid.uuid4().hex[:10]}"
    host_src = core.root / src.lstrip("/")
    shutil.copytree(ROOT / "hikyuu_live", host_src / "hikyuu_live",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copytree(ROOT / "tests" / "netguard", host_src / "netguard")
    return LiveEnv(core, deps, src)
