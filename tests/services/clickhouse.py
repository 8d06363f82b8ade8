"""A private ClickHouse server for tests: Debian's ``clickhouse-server`` (installed by
``scripts/system_deps.d/clickhouse.sh``) started with a copied config whose paths and ports point at a
temporary folder (the 18.16 package starts this way as root).

One server per test session serves every suite (``tests/conftest.py`` fixture ``clickhouse``); tests
keep apart by using their own database names.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.services import stop_process

CONFIG = Path("/etc/clickhouse-server")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def available() -> bool:
    return shutil.which("clickhouse-server") is not None and (CONFIG / "config.xml").is_file()


@dataclass
class ClickHouseServer:
    folder: Path
    http_port: int
    tcp_port: int
    proc: subprocess.Popen | None = None
    host: str = "127.0.0.1"

    def start(self, timeout_s: float = 60.0) -> ClickHouseServer:
        folder = self.folder
        folder.mkdir(parents=True, exist_ok=True)
        text = (CONFIG / "config.xml").read_text()
        for tag, value in (("http_port", self.http_port), ("tcp_port", self.tcp_port),
                           ("interserver_http_port", free_port()),
                           ("path", f"{folder}/data/"), ("tmp_path", f"{folder}/tmp/"),
                           ("user_files_path", f"{folder}/user_files/"), ("format_schema_path", f"{folder}/schemas/"),
                           ("log", f"{folder}/server.log"), ("errorlog", f"{folder}/server.err.log")):
            text = re.sub(rf"<{tag}>[^<]*</{tag}>", f"<{tag}>{value}</{tag}>", text, count=1)
        text = text.replace("<listen_host>::1</listen_host>", "")
        text = re.sub(r"<tcp_port_secure>[^<]*</tcp_port_secure>", "", text)
        (folder / "config.xml").write_text(text)
        shutil.copy(CONFIG / "users.xml", folder / "users.xml")
        log = open(folder / "stdout.log", "w")  # noqa: SIM115 - the server keeps writing to it
        self.proc = subprocess.Popen(["clickhouse-server", f"--config-file={folder}/config.xml"], cwd=folder,
                                     stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}/ping", timeout=1) as r:
                    if r.read().strip() == b"Ok.":
                        return self
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                raise RuntimeError(f"clickhouse-server did not start: {(folder / 'stdout.log').read_text()[-2000:]}")
            time.sleep(0.2)

    def stop(self) -> None:
        stop_process(self.proc)


def start(folder: Path, http_port: int | None = None, tcp_port: int | None = None) -> ClickHouseServer:
    return ClickHouseServer(folder, http_port or free_port(), tcp_port or free_port()).start()
