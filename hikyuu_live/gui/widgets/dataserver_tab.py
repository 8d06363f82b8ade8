"""Data server: run ``dataserver`` as a child process and show its ``status`` figures as it works.

The figures come from the server's own ``status`` request (``hikyuu_live.dataserver``), asked every two
seconds off the Qt thread, so a busy or stuck server never freezes the window.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PyQt5.QtCore import QObject, QTimer, pyqtSignal
from PyQt5.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from hikyuu_live.config import HikyuuIni, ImportIni
from hikyuu_live.gui.i18n import tr
from hikyuu_live.gui.widgets import form as f
from hikyuu_live.gui.widgets.process import ProcessRunner, python_module_command

POLL_MS = 2000


def client_address(listen: str) -> str:
    """Where a local client dials a server listening on ``listen`` (``0.0.0.0``/``*`` -> 127.0.0.1)."""
    return re.sub(r"^tcp://(0\.0\.0\.0|\*|\[::\])(?=:)", "tcp://127.0.0.1", listen.strip())


def ask_status(address: str) -> dict[str, Any] | str:
    """The server's status, or why there is none (runs on a worker thread)."""
    from hikyuu_live.dataserver import get_buffer_server_status

    try:
        return get_buffer_server_status(address, timeout_s=1.5)
    except Exception as e:  # noqa: BLE001 - shown to the user
        return f"{type(e).__name__}: {e}"


def figures() -> list[tuple[str, str, str]]:
    """(key, label, tooltip) of the figures shown."""
    return [("ready", tr("Ready"), tr("Recovered what was saved and answering")),
            ("trading_day", tr("Trading day"), tr("The day whose ticks are buffered")),
            ("codes", tr("Codes"), tr("Codes with ticks today")), ("ticks", tr("Ticks"), tr("Ticks received today")),
            ("memory", tr("Buffer"), tr("Tick buffer in memory: used / bound")),
            ("bus", tr("Quote bus"), tr("Bus connection, cycles and lost messages")),
            ("clients", tr("Clients"), tr("Open client connections and requests answered")),
            ("saved", tr("Saved"), tr("Rows saved, waiting, errors per store")),
            ("uptime", tr("Uptime"), tr("Seconds since the server started"))]


def summarise(st: dict[str, Any]) -> dict[str, str]:
    buf, bus, req = st.get("buffer", {}), st.get("bus", {}), st.get("requests", {})
    mb = 2 ** 20
    stores = "; ".join(f"{s.get('saved_rows', 0):,} / {s.get('pending', 0):,} / {s.get('errors', 0)}"
                       for s in st.get("stores", [])) or tr("not saving")
    return {"ready": tr("yes") if st.get("ready") else tr("no"), "trading_day": str(st.get("trading_day") or "-"),
            "codes": f"{st.get('codes', 0):,}", "ticks": f"{st.get('ticks', 0):,}",
            "memory": f"{buf.get('allocated_bytes', 0) / mb:,.1f} / {buf.get('max_bytes', 0) / mb:,.0f} MiB",
            "bus": tr("{0}, {1} cycles, {2} lost").format(
                tr("connected") if bus.get("connected") else tr("not connected"), bus.get("cycles", 0),
                bus.get("gaps", 0)),
            "clients": tr("{0} open, {1} requests, {2} refused").format(
                st.get("clients", 0), req.get("total", 0), req.get("refused", 0)),
            "saved": stores, "uptime": f"{st.get('uptime_s', 0):,.0f} s"}


class _Answer(QObject):
    done = pyqtSignal(object)


class DataServerTab(QWidget):
    def __init__(self, home: Path) -> None:
        super().__init__()
        self.title = tr("Data server")
        self.home = home
        self.runner = ProcessRunner(self)
        self.addr = f.line(tr("Address the server answers on (Hikyuu's default tcp://0.0.0.0:9201; "
                              "tcp://127.0.0.1:9201 for this host only)"))
        self.addr.setText("tcp://0.0.0.0:9201")
        self.server = f.line(tr("Quote bus the server subscribes to (quotation_server)"))
        self.buf = f.check(tr("Buffer today's ticks and bars"), tr("Keep today's ticks and live bars in memory "
                                                                   "(needed to answer market and tick requests)"))
        self.buf.setChecked(True)
        self.save = f.check(tr("Save ticks"), tr("Save ticks as they arrive (HDF5 under the data directory, or "
                                                 "ClickHouse when hikyuu.ini uses it)"))
        self.button = f.button(tr("Start data server"), tr("Start (or stop) the data server"))
        self.button.clicked.connect(self.toggle)
        self.state = f.ElidedLabel(tr("Not running"), tr("Data server state"))
        self.command = f.command_label(tr("The equivalent command line"))
        self.values = {k: QLabel("-") for k, _, _ in figures()}
        for k, _, tip in figures():
            self.values[k].setToolTip(tip)
        box = QGroupBox(tr("Status"))
        box.setLayout(f.form(*[(label, self.values[k]) for k, label, _ in figures()]))
        settings = QGroupBox(tr("Settings"))
        settings.setLayout(f.form((tr("Address"), self.addr), (tr("Quote bus"), self.server), ("", self.buf),
                                  ("", self.save)))
        self.log = f.log_view(tr("Data server output"))
        top = QHBoxLayout()
        top.addWidget(settings)
        top.addWidget(box)
        top.addStretch(1)
        main = QVBoxLayout(self)
        main.addLayout(top)
        bar = f.row(self.button, stretch=False)
        bar.addWidget(self.state, 1)
        main.addLayout(bar)
        main.addWidget(self.command)
        main.addWidget(self.log, 1)
        self.runner.line.connect(self.log.appendPlainText)
        self.runner.started.connect(lambda cmd: self.command.setText(tr("Command: {0}").format(cmd)))
        self.runner.finished.connect(self._finished)
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="dataserver-status")
        self._answer = _Answer(self)
        self._answer.done.connect(self._show)
        self._asking = False
        self.last_status: dict[str, Any] = {}
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.poll)

    def load(self, _imp: ImportIni, hk: HikyuuIni) -> None:
        if not self.server.text():
            self.server.setText(hk.hikyuu.quotation_server)

    def updates(self) -> dict[str, dict[str, object]]:
        return {}

    def command_line(self) -> list[str]:
        args = ["--addr", self.addr.text().strip(), "--quotation-server", self.server.text().strip(),
                "--config", str(self.home), "--status-s", "30"]
        if self.buf.isChecked():
            args.append("--buf")
        if self.save.isChecked():
            args.append("--save")
        return python_module_command("hikyuu_live.gui.dataserver", *args)

    def toggle(self) -> None:
        if self.runner.running:
            self.runner.stop()
            self.state.setText(tr("Stopping…"))
            return
        self.log.clear()
        self.last_status = {}
        self.runner.start(self.command_line())
        if self.runner.running:
            self.button.setText(tr("Stop data server"))
            self.state.setText(tr("Starting…"))
            self.timer.start(POLL_MS)

    def poll(self) -> None:
        if not self.runner.running or self._asking:
            return
        self._asking = True
        address = client_address(self.addr.text())
        future = self._pool.submit(ask_status, address)
        future.add_done_callback(lambda fut: self._answer.done.emit(fut.result()))

    def _show(self, answer: object) -> None:
        self._asking = False
        if not self.runner.running:
            return
        if isinstance(answer, dict):
            self.last_status = answer
            for k, text in summarise(answer).items():
                self.values[k].setText(text)
            self.state.setText(tr("Running"))
        else:
            self.state.setText(tr("Running, no answer yet: {0}").format(answer))

    def _finished(self, code: int) -> None:
        self.timer.stop()
        self.button.setText(tr("Start data server"))
        self.state.setText(tr("Stopped (exit code {0})").format(code))

    def shutdown(self) -> None:
        self.timer.stop()
        self._pool.shutdown(wait=False, cancel_futures=True)
