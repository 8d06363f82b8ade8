"""Strategies: start strategy scripts as child processes and watch each one through its status channel.

A strategy script takes the standard options of ``hikyuu_live.strategy.cli`` (``--codes``, ``--ktypes``,
``--quotation-server``, ``--broker``, ``--clock``, ``--status``...); the demos do, and are started as
``hikyuu-live strategy_demoN`` (``python -m hikyuu_live strategy_demoN``). Several may run at once; the
table lists them with their state and account, and the panes below show the selected one's positions
(with unrealised P&L from its live quotes), orders (an ``unconfirmed`` one in orange: the broker said
yes and never showed it), fills and output. Stop and restart act on the selected run.
"""

from __future__ import annotations

import shlex
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PyQt5.QtCore import Qt, QTimer
from PyQt5.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hikyuu_live.config import HikyuuIni, ImportIni
from hikyuu_live.gui.i18n import tr
from hikyuu_live.gui.widgets import form as f
from hikyuu_live.gui.widgets import tables
from hikyuu_live.gui.widgets.colors import WARN, signed
from hikyuu_live.gui.widgets.process import display_command, launcher_command
from hikyuu_live.gui.widgets.strategy_runs import StrategyRun

SCRIPT_ROLE = 256  # Qt.UserRole


def demos() -> list[tuple[str, str]]:
    return [("strategy_demo1", tr("Demo 1: print quotes and timers")),
            ("strategy_demo2", tr("Demo 2: moving-average crossing (paper broker)")),
            ("strategy_demo3", tr("Demo 3: rebalance before the close (paper broker)"))]


def words() -> dict[str, str]:
    """Run states, order sides and statuses as shown (the wire values are stable ASCII)."""
    return {"preloading": tr("preloading"), "starting": tr("starting"), "running": tr("running"),
            "stopping": tr("stopping"), "exited": tr("exited"), "buy": tr("buy"), "sell": tr("sell"),
            "filled": tr("filled"), "rejected": tr("rejected"), "submitted": tr("submitted"),
            "unconfirmed": tr("unconfirmed"), "cancelled": tr("cancelled"), "pending": tr("pending")}


def shown(value: object) -> str:
    text = str(value)
    head, _, rest = text.partition(" ")
    return f"{words().get(head, head)} {rest}".strip()


def _money(value: Any) -> str:
    return f"{value:,.2f}" if isinstance(value, int | float) else "-"


class StrategyTab(QWidget):
    def __init__(self, home: Path) -> None:
        super().__init__()
        self.title = tr("Strategies")
        self.home = home
        self.pool = ThreadPoolExecutor(2, thread_name_prefix="strategy-status")
        self.runs: list[StrategyRun] = []
        self.scripts = QListWidget()
        self.scripts.setToolTip(tr("Strategy scripts: the demos and your own (.py files)"))
        self.scripts.setMaximumWidth(f.FIELD_WIDTH)
        self.scripts.setMaximumHeight(110)
        for command, label in demos():
            item = QListWidgetItem(label)
            item.setData(SCRIPT_ROLE, command)
            self.scripts.addItem(item)
        self.scripts.setCurrentRow(1)
        add = f.button(tr("Add script…"), tr("Add your own strategy script"))
        add.clicked.connect(lambda: self.add_script())
        self.codes = f.line(tr("Stock codes, comma separated (e.g. sh600000,sz000001)"))
        self.codes.setText("sh600000,sz000001")
        self.ktypes = f.line(tr("Bar types, comma separated (day,min,min5,...)"), width=f.SHORT_WIDTH * 2)
        self.ktypes.setText("day,min")
        self.server = f.line(tr("Bus address the strategy dials (quotation_server)"))
        self.broker = QComboBox()
        self.broker.setToolTip(tr("Broker: paper (simulated, default) or easytrader (a real account)"))
        self.broker.addItems(["paper", "easytrader"])
        self.extra = f.line(tr("More options for the script, as on a command line (e.g. --fast 3 --slow 8)"))
        self.clock = QComboBox()
        self.clock.setToolTip(tr("live: wall time; market: follow the spots' own time (for replays)"))
        self.clock.addItem(tr("Live (wall time)"), "live")
        self.clock.addItem(tr("Market time (for replays)"), "market")
        self.start_button = f.button(tr("Start strategy"), tr("Start the selected script as a new run"))
        self.start_button.clicked.connect(self._start_clicked)
        self.command = f.command_label(tr("The equivalent command line"))

        setup = QGroupBox(tr("New run"))
        setup_lay = QHBoxLayout(setup)
        left = QVBoxLayout()
        left.addWidget(self.scripts)
        left.addLayout(f.row(add))
        setup_lay.addLayout(left)
        setup_lay.addLayout(f.form((tr("Codes"), self.codes), (tr("Bar types"), self.ktypes),
                                   (tr("Quote bus"), self.server), (tr("Broker"), self.broker),
                                   (tr("Clock"), self.clock), (tr("More options"), self.extra),
                                   ("", self.start_button)))
        setup_lay.addStretch(1)

        self.table = tables.table([tr("Run"), tr("State"), tr("Broker"), tr("Cash"), tr("Equity"),
                                   tr("Realised P&L"), tr("Unrealised P&L"), tr("Orders"), tr("Spots")],
                                  tr("Running and finished strategies; select one to see its details"))
        self.table.setSortingEnabled(False)
        self.table.itemSelectionChanged.connect(self._show_selected)
        self.stop_button = f.button(tr("Stop"), tr("Stop the selected run cleanly"))
        self.stop_button.clicked.connect(lambda: self._selected_do("stop"))
        self.restart_button = f.button(tr("Restart"), tr("Stop the selected run and start it again"))
        self.restart_button.clicked.connect(lambda: self._selected_do("restart"))
        self.run_info = f.ElidedLabel("", tr("The selected run's status channel and last answer"))

        self.positions = tables.table([tr("Code"), tr("Name"), tr("Shares"), tr("Sellable"), tr("Cost"),
                                       tr("Last"), tr("Market value"), tr("Unrealised P&L")],
                                      tr("Positions with P&L at the strategy's live prices"))
        self.orders = tables.table([tr("Time"), tr("Code"), tr("Side"), tr("Price"), tr("Shares"), tr("Status"),
                                    tr("Filled"), tr("Reason")], tr("Orders as the broker reports them"))
        self.fills = tables.table([tr("Time"), tr("Code"), tr("Side"), tr("Price"), tr("Shares"), tr("Amount"),
                                   tr("Fee")], tr("Fills (executions)"))
        self.log = f.log_view(tr("The selected run's output"))
        details = QTabWidget()
        details.addTab(self.positions, tr("Positions"))
        details.addTab(self.orders, tr("Orders"))
        details.addTab(self.fills, tr("Fills"))
        details.addTab(self.log, tr("Output"))
        self.details = details

        runs_box = QWidget()
        runs_lay = QVBoxLayout(runs_box)
        runs_lay.setContentsMargins(0, 0, 0, 0)
        runs_lay.addWidget(self.table, 1)
        bar = f.row(self.stop_button, self.restart_button, stretch=False)
        bar.addWidget(self.run_info, 1)
        runs_lay.addLayout(bar)
        split = QSplitter()
        split.setOrientation(Qt.Orientation.Vertical)
        split.addWidget(runs_box)
        split.addWidget(details)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 2)
        split.setSizes([150, 300])
        main = QVBoxLayout(self)
        main.addWidget(setup)
        main.addWidget(self.command)
        main.addWidget(split, 1)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.poll)
        self.timer.start(1000)

    # ------------------------------------------------------------------ settings
    def load(self, _imp: ImportIni, hk: HikyuuIni) -> None:
        if not self.server.text():
            self.server.setText(hk.hikyuu.quotation_server)

    def updates(self) -> dict[str, dict[str, object]]:
        return {}

    def add_script(self, path: str | None = None) -> None:
        if not path:
            path, _ = QFileDialog.getOpenFileName(self, tr("Choose a strategy script"), str(Path.home()),
                                                  "Python (*.py)")
        if path:
            item = QListWidgetItem(Path(path).name)
            item.setData(SCRIPT_ROLE, path)
            self.scripts.addItem(item)
            self.scripts.setCurrentItem(item)

    def command_line(self) -> list[str]:
        """The selected script with this form's options (``--status`` is added per run)."""
        item = self.scripts.currentItem()
        if item is None:
            raise ValueError(tr("choose a script"))
        target = str(item.data(SCRIPT_ROLE))
        args = ["--codes", self.codes.text().strip(), "--ktypes", self.ktypes.text().strip(),
                "--quotation-server", self.server.text().strip(), "--broker", self.broker.currentText(),
                "--clock", str(self.clock.currentData()), "--config", str(self.home), *shlex.split(self.extra.text())]
        if target.endswith(".py"):
            return [sys.executable, target, *args]
        return launcher_command(target, *args)

    # ------------------------------------------------------------------ runs
    def _start_clicked(self) -> None:
        self.start_selected()

    def start_selected(self) -> StrategyRun | None:
        try:
            command = self.command_line()
        except ValueError as e:  # shlex: an unclosed quote in the extra options
            self.command.setText(tr("Invalid options: {0}").format(e))
            return None
        item = self.scripts.currentItem()
        name = Path(str(item.data(SCRIPT_ROLE))).stem if item is not None else "strategy"
        run = StrategyRun(f"{name} #{len(self.runs) + 1}", command, self.pool, self)
        run.changed.connect(self.refresh)
        run.line.connect(lambda text, r=run: self._line(r, text))
        self.runs.append(run)
        run.start()
        self.command.setText(tr("Command: {0}").format(display_command(run.command)))
        self.refresh()
        self.table.selectRow(len(self.runs) - 1)
        return run

    def selected(self) -> StrategyRun | None:
        model = self.table.selectionModel()
        rows = model.selectedRows() if model is not None else []
        if rows and rows[0].row() < len(self.runs):
            return self.runs[rows[0].row()]
        return self.runs[-1] if self.runs else None

    def _selected_do(self, action: str) -> None:
        run = self.selected()
        if run is not None:
            getattr(run, action)()

    def poll(self) -> None:
        for run in self.runs:
            run.poll()

    def _line(self, run: StrategyRun, text: str) -> None:
        if run is self.selected():
            self.log.appendPlainText(text)

    def refresh(self) -> None:
        rows, colours = [], []
        for run in self.runs:
            snap = run.snapshot
            acc = snap.get("account", {}) if snap else {}
            rows.append([run.name, shown(run.state), snap.get("broker", "-") if snap else "-", _money(acc.get("cash")),
                         _money(acc.get("equity")), _money(acc.get("realised_pnl")), _money(acc.get("unrealised_pnl")),
                         len(snap.get("orders", [])), snap.get("stats", {}).get("spots", 0)])
            pnl = acc.get("unrealised_pnl")
            colours.append(signed(pnl) if isinstance(pnl, int | float) else None)
        selected = self.selected()
        tables.fill(self.table, rows, colours)
        if selected is not None and selected in self.runs:
            self.table.blockSignals(True)
            self.table.selectRow(self.runs.index(selected))
            self.table.blockSignals(False)
        self._show_details(selected)

    def _show_selected(self) -> None:
        run = self.selected()
        self.log.setPlainText("\n".join(run.lines) if run is not None else "")
        self._show_details(run)

    def _show_details(self, run: StrategyRun | None) -> None:
        if run is None:
            return
        snap = run.snapshot
        acc = snap.get("account", {})
        info = tr("{0}: {1}; status {2}").format(run.name, shown(run.state), run.address)
        if run.error and run.running:
            info += "  " + tr("(no answer: {0})").format(run.error)
        if acc.get("error"):
            info += "  " + tr("broker: {0}").format(acc["error"])
        self.run_info.setText(info)
        positions = snap.get("positions", [])
        tables.fill(self.positions, [[f"{p['market']}{p['code']}", p.get("name", ""), p["number"], p["sellable"],
                                      p["cost_price"], p.get("last_price") or 0.0, p["market_value"],
                                      p["unrealised_pnl"]] for p in positions],
                    [signed(p["unrealised_pnl"]) for p in positions], {4: 3, 5: 3})
        orders = list(reversed(snap.get("orders", [])))  # newest first
        tables.fill(self.orders, [[o.get("datetime", ""), f"{o.get('market', '')}{o.get('code', '')}",
                                   shown(o.get("side", "")), float(o.get("price", 0.0)), int(o.get("number", 0)),
                                   shown(o.get("status", "")), int(o.get("filled_number", 0)), o.get("reason", "")]
                                  for o in orders],
                    [WARN if o.get("status") in ("unconfirmed", "pending") else None for o in orders], {3: 3})
        fills = list(reversed(snap.get("fills", [])))
        tables.fill(self.fills, [[t.get("datetime", ""), f"{t.get('market', '')}{t.get('code', '')}",
                                  shown(t.get("side", "")),
                                  float(t.get("price", 0.0)), int(t.get("number", 0)), float(t.get("amount", 0.0)),
                                  float(t.get("fee", 0.0))] for t in fills], None, {3: 3})

    def shutdown(self) -> None:
        self.timer.stop()
        self.pool.shutdown(wait=False, cancel_futures=True)
