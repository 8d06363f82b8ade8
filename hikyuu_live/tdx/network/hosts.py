"""Which TDX quote servers to try: ``[pytdx] hosts`` of importdata-gui.ini, else ``~/.hikyuu/hosts.py``
(the original's override file, a Python file defining ``hq_hosts``), else pytdx's own list.

``hosts.py`` is read, not executed: only a literal ``hq_hosts = [...]`` assignment is taken (entries
``(name, ip, port)`` or ``(ip, port)``), so a stray file cannot run code inside the importer. The plain
list in the ini is ``host:port`` (or ``name=host:port``) items separated by commas or new lines.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from hikyuu_live.errors import ConfigError

HOSTS_FILE = "hosts.py"
DEFAULT_PORT = 7709


@dataclass(frozen=True, slots=True)
class TdxHost:
    host: str
    port: int = DEFAULT_PORT
    name: str = ""

    @property
    def label(self) -> str:
        return f"{self.host}:{self.port}" + (f" ({self.name})" if self.name else "")


def _port(value: object, where: str) -> int:
    try:
        port = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ConfigError(f"port {value!r} is not a number", file=where) from None
    if not 0 < port < 65536:
        raise ConfigError(f"port {port} out of range", file=where)
    return port


def parse_hosts_text(text: str, *, where: str = "[pytdx] hosts") -> list[TdxHost]:
    """``"1.2.3.4:7709, name=5.6.7.8:80"`` -> hosts, in order, duplicates removed."""
    out: list[TdxHost] = []
    for item in text.replace("\n", ",").split(","):
        item = item.strip()
        if not item:
            continue
        name, _, addr = item.rpartition("=")
        host, sep, port = addr.strip().rpartition(":")
        if not sep:
            host, port = addr.strip(), str(DEFAULT_PORT)
        if not host:
            raise ConfigError(f"host entry {item!r} has no host", file=where)
        out.append(TdxHost(host.strip(), _port(port, where), name.strip()))
    return _unique(out)


def _entry(value: object, where: str) -> TdxHost:
    if isinstance(value, tuple | list):
        if len(value) == 3:
            return TdxHost(str(value[1]), _port(value[2], where), str(value[0]))
        if len(value) == 2:
            return TdxHost(str(value[0]), _port(value[1], where))
    raise ConfigError(f"hq_hosts entry {value!r} is not (name, ip, port) or (ip, port)", file=where)


def load_hosts_py(path: Path) -> list[TdxHost]:
    """The ``hq_hosts`` list of a hosts.py file, read as a literal (the file is never executed)."""
    where = str(path)
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=where)
    except (OSError, SyntaxError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read: {e}", file=where) from e
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "hq_hosts" for t in node.targets):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                raise ConfigError("hq_hosts must be a literal list of (name, ip, port) tuples", file=where) from None
            if not isinstance(value, list | tuple):
                raise ConfigError("hq_hosts must be a list", file=where)
            return _unique([_entry(v, where) for v in value])
    raise ConfigError("no hq_hosts = [...] assignment found", file=where)


def pytdx_default_hosts() -> list[TdxHost]:
    from pytdx.config.hosts import hq_hosts

    return _unique([_entry(tuple(h), "pytdx.config.hosts") for h in hq_hosts])


def configured_hosts(ini_hosts: str | None, config_dir: Path | None) -> tuple[list[TdxHost], str]:
    """(hosts, where they came from) by the precedence of the module docstring."""
    if ini_hosts and ini_hosts.strip():
        return parse_hosts_text(ini_hosts), "[pytdx] hosts"
    if config_dir is not None and (config_dir / HOSTS_FILE).is_file():
        path = config_dir / HOSTS_FILE
        return load_hosts_py(path), str(path)
    return pytdx_default_hosts(), "pytdx.config.hosts"


def _unique(hosts: list[TdxHost]) -> list[TdxHost]:
    seen: set[tuple[str, int]] = set()
    out = []
    for h in hosts:
        if (h.host, h.port) not in seen:
            seen.add((h.host, h.port))
            out.append(h)
    return out
