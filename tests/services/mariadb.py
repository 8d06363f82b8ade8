"""MariaDB for tests: the server at 127.0.0.1:3306 (root, no password) when one answers there, else a
private ``mariadbd`` started in a temporary folder (Debian's ``mariadb-server``, installed by
``scripts/system_deps.d/mariadb.sh``). Tests keep apart by using schema
names of their own and dropping them.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.services import stop_process
from tests.services.clickhouse import free_port

DEFAULT = ("127.0.0.1", 3306)


def reachable(host: str, port: int) -> bool:
    try:
        import mysql.connector

        mysql.connector.connect(host=host, port=port, user="root", password="", connection_timeout=2).close()
        return True
    except Exception:  # noqa: BLE001 - anything means "not usable"
        return False


@dataclass
class MariaDB:
    host: str
    port: int
    proc: subprocess.Popen | None = None

    def stop(self) -> None:
        stop_process(self.proc)


def start_private(folder: Path, timeout_s: float = 60.0) -> MariaDB:
    if shutil.which("mariadbd") is None or shutil.which("mariadb-install-db") is None:
        raise RuntimeError("mariadb-server is not installed: run `bash scripts/system_deps.sh` (make services)")
    data, sock, port = folder / "data", folder / "mysqld.sock", free_port()
    folder.mkdir(parents=True, exist_ok=True)
    # --no-defaults: the system my.cnf sets user = mysql, which makes install-db fail as root
    subprocess.run(["mariadb-install-db", "--no-defaults", "--user=root", f"--datadir={data}",
                    "--auth-root-authentication-method=normal", "--skip-test-db"], check=True, capture_output=True)
    log = open(folder / "server.log", "w")  # noqa: SIM115 - the server keeps writing to it
    proc = subprocess.Popen(["mariadbd", "--no-defaults", "--user=root", f"--datadir={data}", f"--socket={sock}",
                             f"--port={port}", "--bind-address=127.0.0.1", f"--pid-file={folder / 'mysqld.pid'}"],
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout_s
    while not reachable("127.0.0.1", port):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"mariadbd did not start: {(folder / 'server.log').read_text()[-2000:]}")
        time.sleep(0.2)
    return MariaDB("127.0.0.1", port, proc)


def connect_or_start(folder: Path) -> MariaDB:
    if reachable(*DEFAULT):
        return MariaDB(*DEFAULT)
    return start_private(folder)  # nothing usable on 3306: our own server on a free port
