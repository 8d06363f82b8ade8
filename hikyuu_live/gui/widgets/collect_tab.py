"""行情采集服务: run ``spot_server`` as a child process with the settings of ``[collect]``."""

from __future__ import annotations

from pathlib import Path

from PyQt5.QtWidgets import QComboBox, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from hikyuu_live.config import HikyuuIni, ImportIni
from hikyuu_live.gui.widgets import form as f
from hikyuu_live.gui.widgets.process import ProcessRunner, python_module_command

SOURCES = [("qq", "腾讯行情 (qq)"), ("qmt", "QMT (xtquant)"), ("replay", "回放文件 (replay)")]


class CollectTab(QWidget):
    title = "行情采集服务"

    def __init__(self, home: Path) -> None:
        super().__init__()
        self.home = home
        self.runner = ProcessRunner(self)
        self.source = QComboBox()
        self.source.setToolTip("Quote source")
        for key, label in SOURCES:
            self.source.addItem(label, key)
        self.interval = f.spin(1, 86400, "Seconds between polls")
        self.phase = {k: f.time_edit(t) for k, t in [
            ("phase1_start", "Morning polling starts"), ("phase1_end", "Morning polling ends"),
            ("phase2_start", "Afternoon polling starts"), ("phase2_end", "Afternoon polling ends")]}
        self.ipc = f.line("IPC address the collector listens on (same-host strategies dial it)")
        self.tcp = f.line("TCP address the collector listens on (other hosts dial it), e.g. tcp://*:9200")
        self.replay_file = f.line("Recorded file for the replay source (CSV or JSON lines)")
        self.speed = f.spin(1, 1000, "Replay speed factor")
        self.button = QPushButton("启动采集")
        self.button.setToolTip("Start (or stop) the collector")
        self.button.clicked.connect(self.toggle)
        self.status = QLabel("未运行")
        self.status.setToolTip("Collector status")
        self.command = QLabel("")
        self.command.setToolTip("The equivalent command line")
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        main = QVBoxLayout(self)
        main.addLayout(f.form(("数据源", self.source), ("采集间隔(秒)", self.interval),
                              ("上午开始", self.phase["phase1_start"]), ("上午结束", self.phase["phase1_end"]),
                              ("下午开始", self.phase["phase2_start"]), ("下午结束", self.phase["phase2_end"]),
                              ("IPC 地址", self.ipc), ("TCP 地址", self.tcp), ("回放文件", self.replay_file),
                              ("回放速度", self.speed)))
        main.addWidget(self.button)
        main.addWidget(self.status)
        main.addWidget(self.command)
        main.addWidget(self.log, 1)
        self.runner.line.connect(self.log.appendPlainText)
        self.runner.started.connect(lambda cmd: self.command.setText(f"命令: {cmd}"))
        self.runner.finished.connect(self._finished)

    def load(self, imp: ImportIni, _hk: HikyuuIni) -> None:
        c = imp.collect
        self.source.setCurrentIndex(max(0, self.source.findData(c.source)))
        self.interval.setValue(c.interval)
        for k, w in self.phase.items():
            f.set_time(w, getattr(c, k))
        self.ipc.setText(c.ipc_address)
        self.tcp.setText(c.tcp_address)
        self.speed.setValue(60)

    def updates(self) -> dict[str, dict[str, object]]:
        collect: dict[str, object] = {"interval": self.interval.value(), "ipc_address": self.ipc.text().strip(),
                                      "tcp_address": self.tcp.text().strip()}
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
            self.status.setText("正在停止…")
            return
        self.log.clear()
        self.runner.start(self.command_line())
        self.button.setText("停止采集")
        self.status.setText("运行中")

    def _finished(self, code: int) -> None:
        self.button.setText("启动采集")
        self.status.setText(f"已停止 (退出码 {code})")
