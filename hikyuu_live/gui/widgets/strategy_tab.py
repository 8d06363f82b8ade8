"""策略: load strategy scripts, set their parameters, run each as a child process, watch its broker.

A strategy script takes the standard options of ``hikyuu_live.strategy.cli`` (``--codes``,
``--ktypes``, ``--quotation-server``, ``--broker``, ``--broker-state``, ``--seconds``); the demos do.
Orders, fills, positions and cash are read from the paper broker's state file as it writes it.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from PyQt5.QtCore import QTimer
from PyQt5.QtWidgets import (
    QComboBox,
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hikyuu_live.config import HikyuuIni, ImportIni
from hikyuu_live.gui.widgets import form as f
from hikyuu_live.gui.widgets.process import ProcessRunner, python_module_command

DEMOS = [("hikyuu_live.strategy.strategy_demo1", "示例1: 打印行情与定时器"),
         ("hikyuu_live.strategy.strategy_demo2", "示例2: 双均线系统 (模拟券商)"),
         ("hikyuu_live.strategy.strategy_demo3", "示例3: 收盘前调仓 (模拟券商)")]


class StrategyTab(QWidget):
    title = "策略"

    def __init__(self, home: Path) -> None:
        super().__init__()
        self.home = home
        self.scripts = QListWidget()
        self.scripts.setToolTip("Strategy scripts: the demos and your own (.py files)")
        for module, label in DEMOS:
            item = QListWidgetItem(label)
            item.setData(256, module)
            self.scripts.addItem(item)
        self.scripts.setCurrentRow(1)
        add = QPushButton("添加脚本…")
        add.setToolTip("Add your own strategy script")
        add.clicked.connect(self.add_script)
        self.codes = f.line("Stock codes, comma separated (e.g. sh600000,sz000001)")
        self.codes.setText("sh600000,sz000001")
        self.ktypes = f.line("Bar types, comma separated (day,min,min5,...)")
        self.ktypes.setText("day,min")
        self.server = f.line("Bus address the strategy dials (quotation_server)")
        self.broker = f.line("Broker: paper (default) or easytrader")
        self.broker.setText("paper")
        self.extra = f.line("More options for the script, as on a command line (e.g. --fast 3 --slow 8)")
        self.clock = QComboBox()
        self.clock.setToolTip("live: wall time; market: follow the spots' own time (for replays)")
        self.clock.addItem("实时 (live)", "live")
        self.clock.addItem("行情时间 (market, 回放用)", "market")
        self.button = QPushButton("启动策略")
        self.button.setToolTip("Start (or stop) the selected strategy as a child process")
        self.button.clicked.connect(self.toggle)
        self.command = QLabel("")
        self.command.setToolTip("The equivalent command line")
        self.account = QLabel("-")
        self.account.setToolTip("Cash and positions reported by the broker")
        self.orders = QTableWidget(0, 6)
        self.orders.setHorizontalHeaderLabels(["时间", "代码", "方向", "价格", "数量", "状态"])
        self.orders.setToolTip("Orders and fills reported by the broker")
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        main = QVBoxLayout(self)
        main.addWidget(self.scripts)
        main.addWidget(add)
        main.addLayout(f.form(("股票代码", self.codes), ("K线类型", self.ktypes), ("行情地址", self.server),
                              ("券商", self.broker), ("时钟", self.clock), ("其他参数", self.extra)))
        main.addWidget(self.button)
        main.addWidget(self.command)
        main.addWidget(self.account)
        main.addWidget(self.orders, 1)
        main.addWidget(self.log, 1)
        self.runner = ProcessRunner(self)
        self.runner.line.connect(self.log.appendPlainText)
        self.runner.started.connect(lambda cmd: self.command.setText(f"命令: {cmd}"))
        self.runner.finished.connect(lambda code: (self.button.setText("启动策略"),
                                                   self.log.appendPlainText(f"策略结束, 退出码 {code}")))
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.refresh_broker)
        self.timer.start(1000)

    @property
    def state_file(self) -> Path:
        return self.home / "paper_broker_gui.json"

    def load(self, _imp: ImportIni, hk: HikyuuIni) -> None:
        if not self.server.text():
            self.server.setText(hk.hikyuu.quotation_server)

    def updates(self) -> dict[str, dict[str, object]]:
        return {}

    def add_script(self, path: str | None = None) -> None:
        if not path:
            path, _ = QFileDialog.getOpenFileName(self, "选择策略脚本", str(Path.home()), "Python (*.py)")
        if path:
            item = QListWidgetItem(Path(path).name)
            item.setData(256, path)
            self.scripts.addItem(item)
            self.scripts.setCurrentItem(item)

    def command_line(self) -> list[str]:
        target = self.scripts.currentItem().data(256)
        args = ["--codes", self.codes.text().strip(), "--ktypes", self.ktypes.text().strip(),
                "--quotation-server", self.server.text().strip(), "--broker", self.broker.text().strip(),
                "--broker-state", str(self.state_file), "--clock", self.clock.currentData(),
                "--config", str(self.home), *shlex.split(self.extra.text())]
        if str(target).endswith(".py"):
            import sys

            return [sys.executable, str(target), *args]
        return python_module_command(str(target), *args)

    def toggle(self) -> None:
        if self.runner.running:
            self.runner.stop()
            return
        try:
            command = self.command_line()
        except ValueError as e:  # shlex: an unclosed quote in the extra options
            self.command.setText(f"其他参数无效: {e}")
            return
        self.log.clear()
        self.runner.start(command)
        self.button.setText("停止策略")

    def refresh_broker(self) -> None:
        try:
            state = json.loads(self.state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        positions = state.get("positions", [])
        if isinstance(positions, dict):
            positions = list(positions.values())
        held = ", ".join(f"{p.get('market', '')}{p.get('code', '')}×{p.get('number', p.get('qty', ''))}"
                         for p in positions)
        self.account.setText(f"现金 {state.get('cash', 0):,.2f}   持仓 {held or '无'}")
        rows = state.get("orders", [])
        self.orders.setRowCount(len(rows))
        for r, o in enumerate(rows):
            values = [o.get("datetime", ""), f"{o.get('market', '')}{o.get('code', '')}", o.get("side", ""),
                      o.get("price", ""), o.get("number", o.get("num", "")), o.get("status", "")]
            for c, v in enumerate(values):
                self.orders.setItem(r, c, QTableWidgetItem(str(v)))
