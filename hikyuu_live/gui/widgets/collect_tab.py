"""Collector: run ``spot_server`` as a child process with the settings of ``[collect]``."""

from __future__ import annotations

from pathlib import Path

from PyQt5.QtWidgets import QComboBox, QGroupBox, QHBoxLayout, QVBoxLayout, QWidget

from hikyuu_live.config import HikyuuIni, ImportIni
from hikyuu_live.gui.i18n import tr
from hikyuu_live.gui.widgets import form as f
from hikyuu_live.gui.widgets.process import ProcessRunner, python_module_command


def sources() -> list[tuple[str, str]]:
    return [("qq", tr("Tencent quotes (qq)")), ("qmt", "QMT (xtquant)"), ("replay", tr("Replay a recording"))]


class CollectTab(QWidget):
    def __init__(self, home: Path) -> None:
        super().__init__()
        self.title = tr("Collector")
        self.home = home
        self.runner = ProcessRunner(self)
        self.source = QComboBox()
        self.source.setToolTip(tr("Quote source"))
        for key, label in sources():
            self.source.addItem(label, key)
        self.interval = f.spin(1, 86400, tr("Seconds between polls"))
        self.phase = {k: f.time_edit(t) for k, t in [
            ("phase1_start", tr("Morning polling starts")), ("phase1_end", tr("Morning polling ends")),
            ("phase2_start", tr("Afternoon polling starts")), ("phase2_end", tr("Afternoon polling ends"))]}
        self.ipc = f.line(tr("IPC address the collector listens on (same-host strategies dial it)"))
        self.tcp = f.line(tr("TCP address the collector listens on (other hosts dial it), e.g. tcp://*:9200; "
                             "none for no TCP"))
        self.replay_file = f.line(tr("Recorded file for the replay source (CSV or JSON lines, .gz too)"))
        self.speed = f.spin(1, 1000, tr("Replay speed factor"))
        self.button = f.button(tr("Start collector"), tr("Start (or stop) the collector"))
        self.button.clicked.connect(self.toggle)
        self.status = f.ElidedLabel(tr("Not running"), tr("Collector status"))
        self.command = f.command_label(tr("The equivalent command line"))
        self.log = f.log_view(tr("Collector output"))
        settings = QGroupBox(tr("Settings"))
        settings.setLayout(f.form((tr("Source"), self.source), (tr("Poll interval (s)"), self.interval),
                                  (tr("Morning"), f.row(self.phase["phase1_start"], self.phase["phase1_end"])),
                                  (tr("Afternoon"), f.row(self.phase["phase2_start"], self.phase["phase2_end"])),
                                  (tr("IPC address"), self.ipc), (tr("TCP address"), self.tcp)))
        replay = QGroupBox(tr("Replay"))
        replay.setLayout(f.form((tr("Replay file"), f.file_row(self.replay_file, self, "*.csv *.gz *.jsonl *.json")),
                                (tr("Replay speed"), self.speed)))
        top = QHBoxLayout()
        top.addWidget(settings)
        top.addWidget(replay)
        top.addStretch(1)
        main = QVBoxLayout(self)
        main.addLayout(top)
        buttons = f.row(self.button, stretch=False)
        buttons.addWidget(self.status, 1)
        main.addLayout(buttons)
        main.addWidget(self.command)
        main.addWidget(self.log, 1)
        self.runner.line.connect(self.log.appendPlainText)
        self.runner.started.connect(lambda cmd: self.command.setText(tr("Command: {0}").format(cmd)))
        self.runner.finished.connect(self._finished)

    def load(self, imp: ImportIni, _hk: HikyuuIni) -> None:
        c = imp.collect
        if self.source.currentData() != "replay":
            self.source.setCurrentIndex(max(0, self.source.findData(c.source)))
        self.interval.setValue(c.interval)
        for k, w in self.phase.items():
            f.set_time(w, getattr(c, k))
        self.ipc.setText(c.ipc_address)
        self.tcp.setText(c.tcp_address)
        if self.speed.value() == 1:
            self.speed.setValue(60)

    def updates(self) -> dict[str, dict[str, object]]:
        collect: dict[str, object] = {"interval": self.interval.value(), "ipc_address": self.ipc.text().strip()}
        if self.tcp.text().strip().lower() != "none":  # "none": no TCP for this run only
            collect["tcp_address"] = self.tcp.text().strip()
        if self.source.currentData() in ("qq", "qmt"):
            collect["source"] = self.source.currentData()
        collect.update({k: f.get_time(w) for k, w in self.phase.items()})
        return {"collect": collect}

    def command_line(self) -> list[str]:
        src = self.source.currentData()
        args = ["--source", src, "--ipc", self.ipc.text().strip(), "--server", self.tcp.text().strip() or "none",
                "--config", str(self.home)]
        if src == "replay":
            # quiet stretches (the lunch break) shortened to 2 s: a replay shows the whole day quickly
            args += ["--file", self.replay_file.text().strip(), "--speed", str(self.speed.value()), "--max-gap", "2"]
        else:
            p = self.phase
            args += ["--seconds", str(self.interval.value()), "--ignore_weekend",
                     "--phase1", f"{f.get_time(p['phase1_start'])[:5]}-{f.get_time(p['phase1_end'])[:5]}",
                     "--phase2", f"{f.get_time(p['phase2_start'])[:5]}-{f.get_time(p['phase2_end'])[:5]}"]
        return python_module_command("hikyuu_live.gui.spot_server", *args)

    def toggle(self) -> None:
        if self.runner.running:
            self.runner.stop()
            self.status.setText(tr("Stopping…"))
            return
        if self.source.currentData() == "replay" and not Path(self.replay_file.text().strip()).is_file():
            self.status.setText(tr("Choose a replay file first"))
            return
        self.log.clear()
        self.runner.start(self.command_line())
        if self.runner.running:
            self.button.setText(tr("Stop collector"))
            self.status.setText(tr("Running"))

    def _finished(self, code: int) -> None:
        self.button.setText(tr("Start collector"))
        self.status.setText(tr("Stopped (exit code {0})").format(code))
