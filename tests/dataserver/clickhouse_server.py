"""A private ClickHouse server for tests: Debian's ``clickhouse-server`` with a copied config whose paths
and ports point at a temporary folder (dependencies.md: the 18.16 package starts this way as root)."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

CONFIG = Path("/etc/clickhouse-server")


def available() -> bool:
    return shutil.which("clickhouse-server") is not None and (CONFIG / "config.xml").is_file()


def start(folder: Path, http_port: int, tcp_port: int, interserver_port: int) -> subprocess.Popen:
    folder.mkdir(parents=True, exist_ok=True)
    text = (CONFIG / "config.xml").read_text()
    for tag, value in (("http_port", http_port), ("tcp_port", tcp_port), ("interserver_http_port", interserver_port),
                       ("path", f"{folder}/data/"), ("tmp_path", f"{folder}/tmp/"),
                       ("user_files_path", f"{folder}/user_files/"), ("format_schema_path", f"{folder}/schemas/"),
                       ("log", f"{folder}/server.log"), ("errorlog", f"{folder}/server.err.log")):
        text = re.sub(rf"<{tag}>[^<]*</{tag}>", f"<{tag}>{value}</{tag}>", text, count=1)
    text = text.replace("<listen_host>::1</listen_host>", "")
    text = re.sub(r"<tcp_port_secure>[^<]*</tcp_port_secure>", "", text)
    (folder / "config.xml").write_text(text)
    shutil.copy(CONFIG / "users.xml", folder / "users.xml")
    log = open(folder / "stdout.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(["clickhouse-server", f"--config-file={folder}/config.xml"], cwd=folder, stdout=log,
                            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/ping", timeout=1) as r:
                if r.read().strip() == b"Ok.":
                    return proc
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"clickhouse-server did not start: {(folder / 'stdout.log').read_text()[-2000:]}")
        time.sleep(0.2)
