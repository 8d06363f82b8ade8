"""Run import: run ``importdata`` as a child process, with progress per kind and a daily schedule."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from PyQt5.QtCore import Qt, QTimer
from PyQt5.QtWidgets import QGroupBox, QHBoxLayout, QProgressBar, QVBoxLayout, QWidget

from hikyuu_live.clock import EXCHANGE_TZ
from hikyuu_live.config import HikyuuIni, ImportIni
from hikyuu_live.gui.i18n import tr
from hikyuu_live.gui.widgets import form as f
from hikyuu_live.gui.widgets.process import ProcessRunner, python_module_command
from hikyuu_live.model.calendar import TradingCalendar

KINDS = [("day", "day"), ("min", "min"), ("min5", "min5"), ("trans", "trans"), ("time", "time")]
_ALIASES = {"day": "day", "1min": "min", "min": "min", "min1": "min", "5min": "min5", "min5": "min5",
            "trans": "trans", "time": "time", "timeline": "time"}
_PROGRESS = re.compile(r"(?i)\b(day|1min|min1|min5|5min|min|trans|timeline|time)\b.*?"
                       r"(?:(\d+)\s*/\s*(\d+)|(\d+)%|done=(\d+)\s+total=(\d+))")


def parse_progress(line: str) -> tuple[str, int] | None:
    """``(kind, percent)`` from a progress line of importdata, e.g. ``... DAY 120/300 ...`` or ``min5 40%``."""
    m = _PROGRESS.search(line)
    if not m:
        return None
    kind = _ALIASES[m.group(1).lower()]
    if m.group(4) is not None:
        return kind, min(100, int(m.group(4)))
    done, total = (int(m.group(2)), int(m.group(3))) if m.group(2) else (int(m.group(5)), int(m.group(6)))
    return kind, 100 if total == 0 else min(100, done * 100 // total)


def kinds() -> list[tuple[str, str]]:
    return [("day", tr("Day bars")), ("min", tr("1-minute bars")), ("min5", tr("5-minute bars")),
            ("trans", tr("Trade ticks")), ("time", tr("Minute time line"))]


class RunImportTab(QWidget):
    """Run importdata now, or every trading day at ``[sched] time`` when ``[sched] enable`` is on."""

    def __init__(self, home: Path, calendar: TradingCalendar) -> None:
        super().__init__()
        self.title = tr("Run import")
        self.home = home
        self.calendar = calendar
        self.runner = ProcessRunner(self)
        self.button = f.button(tr("Start import"), tr("Start (or stop) importdata with the saved settings"))
        self.button.clicked.connect(self.toggle)
        self.command = f.command_label(tr("The equivalent command line"))
        self.bars = {k: QProgressBar() for k, _ in KINDS}
        for bar in self.bars.values():
            bar.setMinimumWidth(f.FIELD_WIDTH)  # a form keeps fields at their size hint: too short for a bar
            bar.setFormat("%p%")
            bar.setTextVisible(True)
            bar.setToolTip(tr("Share of the stocks done"))
        box = QGroupBox(tr("Progress"))
        box.setLayout(f.form(*[(label, self.bars[k]) for k, label in kinds()]))
        self.log = f.log_view(tr("importdata output"))
        self.sched_enable = f.check(tr("Import every trading day"), tr("Run the import every trading day at this "
                                                                      "time while the window is open (saved)"))
        self.sched_time = f.time_edit(tr("Time of the daily import (exchange time)"))
        self._last_sched_day: date | None = None
        sched = QGroupBox(tr("Daily import"))
        sched.setLayout(f.row(self.sched_enable, self.sched_time))
        top = QHBoxLayout()
        top.addWidget(box)
        top.addWidget(sched, 0, Qt.AlignmentFlag.AlignTop)
        top.addStretch(1)
        main = QVBoxLayout(self)
        main.addLayout(f.row(self.button))
        main.addWidget(self.command)
        main.addLayout(top)
        main.addWidget(self.log, 1)
        self.runner.line.connect(self._line)
        self.runner.started.connect(lambda cmd: self.command.setText(tr("Command: {0}").format(cmd)))
        self.runner.finished.connect(self._finished)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        self.timer.start(30_000)

    def load(self, imp: ImportIni, _hk: HikyuuIni) -> None:
        f.set_time(self.sched_time, imp.sched.time)
        self.sched_enable.setChecked(imp.sched.enable)

    def updates(self) -> dict[str, dict[str, object]]:
        return {"sched": {"time": f.get_time(self.sched_time), "enable": self.sched_enable.isChecked()}}

    def command_line(self) -> list[str]:
        return python_module_command("hikyuu_live.gui.importdata", "--config", str(self.home))

    def toggle(self) -> None:
        if self.runner.running:
            self.runner.stop()
            return
        for bar in self.bars.values():
            bar.setValue(0)
        self.log.clear()
        self.runner.start(self.command_line())
        if self.runner.running:
            self.button.setText(tr("Stop import"))

    def _line(self, text: str) -> None:
        self.log.appendPlainText(text)
        progress = parse_progress(text)
        if progress:
            self.bars[progress[0]].setValue(progress[1])

    def _finished(self, code: int) -> None:
        self.button.setText(tr("Start import"))
        self.log.appendPlainText(tr("importdata ended, exit code {0}").format(code))
        if code == 0:
            for k, _ in KINDS:
                if self.bars[k].value():
                    self.bars[k].setValue(100)

    def _tick(self) -> None:
        if not self.sched_enable.isChecked() or self.runner.running:
            return
        now = datetime.now(EXCHANGE_TZ)
        due = now.time() >= self.sched_time.time().toPyTime()
        if due and self._last_sched_day != now.date() and self.calendar.is_trading_day(now.date()):
            self._last_sched_day = now.date()
            self.toggle()
