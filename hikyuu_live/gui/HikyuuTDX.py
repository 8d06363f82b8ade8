"""HikyuuTDX: the desktop app over configuration, import, collection, monitoring, strategies and the data server.

Settings tabs edit ``importdata-gui.ini`` and, where it follows, ``hikyuu.ini``. A save writes only the
keys whose fields the user changed (compared with what the window loaded); every other byte of both files
stays as it was: comments, unknown keys, their order and hand-set values (``config.follow`` says which
``hikyuu.ini`` keys follow a change). Both files are validated by the same parsers the command-line tools
use before either is written; an error names the real file, section and key, and nothing is saved.

Imports, collectors, strategies and the data server run as child processes (``importdata``, ``spot_server``,
``hikyuu-live strategy_demo2``, ``dataserver``...), each tab showing the command line it runs, so everything
the GUI does can be done without it.

    HikyuuTDX [--config DIR] [--lang zh_CN|en]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Protocol

from PyQt5.QtCore import Qt
from PyQt5.QtGui import QCloseEvent
from PyQt5.QtWidgets import (
    QApplication,
    QFrame,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hikyuu_live.config import (
    HIKYUU_INI,
    IMPORT_INI,
    HikyuuIni,
    ImportIni,
    config_home,
    generate_default_config,
    load_hikyuu_ini,
    load_import_ini,
)
from hikyuu_live.config.follow import changes, save_changes
from hikyuu_live.errors import ConfigError
from hikyuu_live.gui.i18n import choose_language, install_translators, tr
from hikyuu_live.gui.widgets import form as f
from hikyuu_live.gui.widgets.collect_tab import CollectTab
from hikyuu_live.gui.widgets.dataserver_tab import DataServerTab
from hikyuu_live.gui.widgets.import_tab import ImportTab
from hikyuu_live.gui.widgets.monitor_tab import MonitorTab
from hikyuu_live.gui.widgets.preload_tab import PreloadTab
from hikyuu_live.gui.widgets.process import ProcessRunner
from hikyuu_live.gui.widgets.run_import_tab import RunImportTab
from hikyuu_live.gui.widgets.storage_tab import StorageTab
from hikyuu_live.gui.widgets.strategy_tab import StrategyTab
from hikyuu_live.model.calendar import TradingCalendar


class Tab(Protocol):
    title: str

    def load(self, imp: ImportIni, hk: HikyuuIni) -> None: ...

    def updates(self) -> dict[str, dict[str, object]]: ...


class MainWindow(QMainWindow):
    def __init__(self, home: Path) -> None:
        super().__init__()
        self.home = home
        generate_default_config(home)
        self.setWindowTitle(f"HikyuuTDX — {home}")
        screen = QApplication.primaryScreen()
        room = screen.availableGeometry() if screen is not None else None
        self.resize(min(1280, room.width()) if room else 1280, min(800, room.height()) if room else 800)
        self.import_tab = ImportTab()
        self.storage_tab = StorageTab()
        self.run_import_tab = RunImportTab(home, TradingCalendar.shipped())
        self.preload_tab = PreloadTab()
        self.collect_tab = CollectTab(home)
        self.monitor_tab = MonitorTab(home)
        self.strategy_tab = StrategyTab(home)
        self.dataserver_tab = DataServerTab(home)
        self.tabs_list: list[Any] = [self.import_tab, self.storage_tab, self.run_import_tab, self.preload_tab,
                                     self.collect_tab, self.monitor_tab, self.strategy_tab, self.dataserver_tab]
        self.tabs = QTabWidget()
        for tab in self.tabs_list:
            # a tab larger than a small screen scrolls instead of forcing the window wider than the screen
            scroll = QScrollArea()
            scroll.setWidget(tab)
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.NoFrame)
            self.tabs.addTab(scroll, tab.title)
        # the monitor's stale warning shows above every tab: a dead feed is noticed wherever the user is
        self.banner = QLabel()
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.setStyleSheet("background:#c62828; color:white; font-weight:bold; padding:6px;")
        self.banner.setToolTip(tr("The quote bus has gone quiet: no data and no heartbeat"))
        self.banner.hide()
        self.monitor_tab.stale_changed.connect(self._show_stale)
        self.save_button = f.button(tr("Save settings"), tr("Write the settings you changed to importdata-gui.ini "
                                                            "and hikyuu.ini; nothing else in the files changes"))
        self.save_button.clicked.connect(self._save_clicked)
        self.message = f.ElidedLabel("", tr("Result of the last action"))
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.addWidget(self.banner)
        lay.addWidget(self.tabs, 1)
        bar = f.row(self.save_button, stretch=False)
        bar.addWidget(self.message, 1)
        lay.addLayout(bar)
        self.setCentralWidget(central)
        self.last_error = ""
        self._baseline: dict[str, dict[str, object]] = {}
        try:
            self.reload()
        except ConfigError as e:
            self.save_button.setEnabled(False)
            self.show_error(tr("Cannot load the settings, fix the file first: {0}").format(e))

    @property
    def import_ini(self) -> Path:
        return self.home / IMPORT_INI

    @property
    def hikyuu_ini(self) -> Path:
        return self.home / HIKYUU_INI

    def reload(self) -> None:
        """Show the files' values; what the fields show now is the baseline a save compares with."""
        imp, hk = load_import_ini(self.import_ini), load_hikyuu_ini(self.hikyuu_ini)
        for tab in self.tabs_list:
            tab.load(imp, hk)
        self._baseline = self.collect_updates()
        self.save_button.setEnabled(True)

    def collect_updates(self) -> dict[str, dict[str, object]]:
        updates: dict[str, dict[str, object]] = {}
        for tab in self.tabs_list:
            for section, values in tab.updates().items():
                updates.setdefault(section, {}).update(values)
        return updates

    def changed(self) -> dict[str, dict[str, object]]:
        """The importdata-gui.ini keys whose fields differ from what was loaded."""
        return changes(self._baseline, self.collect_updates())

    def _save_clicked(self) -> None:
        self.save()

    def save(self) -> bool:
        """Write the changed keys (and what follows in hikyuu.ini); nothing when anything is invalid."""
        changed = self.changed()
        if not changed:
            self.message.setText(tr("Nothing changed: the files were not touched"))
            return True
        try:
            _, _, follow = save_changes(self.import_ini, self.hikyuu_ini, changed)
        except ConfigError as e:
            self.show_error(tr("Invalid settings, nothing saved: {0}").format(e))
            return False
        n_imp = sum(len(v) for v in changed.values())
        n_hk = sum(len(v) for v in follow.values())
        self.reload()
        self.message.setText(tr("Saved {0} setting(s) to {1} and {2} to {3}").format(
            n_imp, self.import_ini, n_hk, self.hikyuu_ini))
        return True

    def show_error(self, text: str) -> None:
        self.last_error = text
        self.message.setText(text)
        QMessageBox.warning(self, "HikyuuTDX", text)

    def _show_stale(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    def runners(self) -> list[tuple[ProcessRunner, str]]:
        jobs = [(self.run_import_tab.runner, tr("Import")), (self.collect_tab.runner, tr("Collector")),
                (self.dataserver_tab.runner, tr("Data server"))]
        jobs += [(run.runner, tr("Strategy {0}").format(run.name)) for run in self.strategy_tab.runs]
        return jobs

    def running_jobs(self) -> list[str]:
        return [name for runner, name in self.runners() if runner.running]

    def stop_all(self, wait_ms: int = 10_000) -> None:
        for runner, _ in self.runners():
            runner.stop()
        for runner, _ in self.runners():
            runner.wait(wait_ms)

    def closeEvent(self, event: QCloseEvent | None) -> None:  # noqa: N802 - Qt's name
        assert event is not None
        running = self.running_jobs()
        if running:
            answer = QMessageBox.question(
                self, "HikyuuTDX", tr("{0} still running. Stop them and quit?").format(", ".join(running)),
                QMessageBox.Yes | QMessageBox.Cancel, QMessageBox.Cancel)
            if answer != QMessageBox.Yes:
                event.ignore()
                return
            self.stop_all()
        self.monitor_tab.stop()
        self.strategy_tab.shutdown()
        self.dataserver_tab.shutdown()
        self.storage_tab.shutdown()
        event.accept()


def start(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="HikyuuTDX", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", help="config directory (default $HKU_HOME or ~/.hikyuu)")
    ap.add_argument("--lang", help="interface language: zh_CN (default) or en; also $HIKYUU_LANG")
    args, qt_args = ap.parse_known_args(argv)
    app = QApplication([sys.argv[0], *qt_args])
    translators = install_translators(app, choose_language(args.lang))  # noqa: F841 - alive with the app
    win = MainWindow(config_home(args.config))
    win.show()
    return int(app.exec_())


if __name__ == "__main__":
    sys.exit(start())
