"""HikyuuTDX: the desktop app over configuration, import, collection, monitoring and strategies.

Every tab edits ``importdata-gui.ini`` / ``hikyuu.ini`` through the shared config module, and saving
writes only the keys the app knows, in place: keys, sections and comments edited by hand survive (the
original regenerated ``hikyuu.ini`` from a template on every save). Input is validated by the same
parsers the command-line tools use; invalid input is refused with the reason and nothing is saved.

Imports, collectors and strategies run as child processes (``importdata``, ``spot_server``, strategy
scripts), each tab showing the command line it runs, so everything the GUI does can be done without it.

    HikyuuTDX [--config DIR]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from PyQt5.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hikyuu_live.config import (
    HIKYUU_INI,
    IMPORT_INI,
    config_home,
    generate_default_config,
    hikyuu_ini_text,
    load_hikyuu_ini,
    load_import_ini,
    update_ini,
)
from hikyuu_live.config.ini import read_ini
from hikyuu_live.errors import ConfigError
from hikyuu_live.gui.widgets.collect_tab import CollectTab
from hikyuu_live.gui.widgets.import_tab import ImportTab
from hikyuu_live.gui.widgets.monitor_tab import MonitorTab
from hikyuu_live.gui.widgets.preload_tab import PreloadTab
from hikyuu_live.gui.widgets.run_import_tab import RunImportTab
from hikyuu_live.gui.widgets.storage_tab import StorageTab
from hikyuu_live.gui.widgets.strategy_tab import StrategyTab
from hikyuu_live.model.calendar import TradingCalendar


class MainWindow(QMainWindow):
    def __init__(self, home: Path) -> None:
        super().__init__()
        self.home = home
        generate_default_config(home)
        self.setWindowTitle(f"HikyuuTDX — {home}")
        self.resize(1280, 800)
        cal = TradingCalendar.shipped()
        self.import_tab = ImportTab()
        self.storage_tab = StorageTab()
        self.run_import_tab = RunImportTab(home, cal)
        self.preload_tab = PreloadTab()
        self.collect_tab = CollectTab(home)
        self.monitor_tab = MonitorTab()
        self.strategy_tab = StrategyTab(home)
        self.tabs_list = [self.import_tab, self.storage_tab, self.run_import_tab, self.preload_tab,
                          self.collect_tab, self.monitor_tab, self.strategy_tab]
        self.tabs = QTabWidget()
        for tab in self.tabs_list:
            self.tabs.addTab(tab, tab.title)
        save = QPushButton("保存设置")
        save.setToolTip("Save all settings to importdata-gui.ini and hikyuu.ini")
        save.clicked.connect(self.save)
        self.message = QLabel("")
        self.message.setToolTip("Result of the last action")
        bar = QHBoxLayout()
        bar.addWidget(save)
        bar.addWidget(self.message, 1)
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.addWidget(self.tabs)
        lay.addLayout(bar)
        self.setCentralWidget(central)
        self.last_error = ""
        self.reload()

    @property
    def import_ini(self) -> Path:
        return self.home / IMPORT_INI

    @property
    def hikyuu_ini(self) -> Path:
        return self.home / HIKYUU_INI

    def reload(self) -> None:
        imp, hk = load_import_ini(self.import_ini), load_hikyuu_ini(self.hikyuu_ini)
        for tab in self.tabs_list:
            tab.load(imp, hk)

    def collect_updates(self) -> dict[str, dict[str, object]]:
        updates: dict[str, dict[str, object]] = {}
        for tab in self.tabs_list:
            for section, values in tab.updates().items():
                updates.setdefault(section, {}).update(values)
        return updates

    def save(self) -> bool:
        """Validate everything on a copy first; write the real files only when all of it is valid."""
        updates = self.collect_updates()
        try:
            with tempfile.TemporaryDirectory() as tmp:
                trial = Path(tmp) / IMPORT_INI
                shutil.copyfile(self.import_ini, trial)
                update_ini(trial, updates)
                imp = load_import_ini(trial, check_paths=True)
            hk_updates = self._hikyuu_updates(imp.backend, updates)
        except ConfigError as e:
            self.show_error(f"设置无效, 未保存: {e}")
            return False
        update_ini(self.import_ini, updates)
        update_ini(self.hikyuu_ini, hk_updates)
        self.message.setText(f"已保存 {self.import_ini} 和 {self.hikyuu_ini}")
        return True

    def _hikyuu_updates(self, backend: str, updates: dict[str, dict[str, object]]) -> dict[str, dict[str, object]]:
        """hikyuu.ini keys that follow from the settings: backend sections, data dir, preload, quote address."""
        section = updates[backend]
        data_dir = str(section.get("dir") or section.get("tmpdir") or "")
        if backend == "hdf5":
            if not data_dir:
                raise ConfigError("HDF5 needs a data directory", file=str(self.import_ini), section="hdf5", key="dir")
            Path(data_dir).mkdir(parents=True, exist_ok=True)
            text = hikyuu_ini_text("hdf5", data_dir)
        else:
            port = section.get("http_port" if backend == "clickhouse" else "port")
            text = hikyuu_ini_text(backend, data_dir or ".", host=str(section.get("host")), port=int(port or 0) or None,
                                   usr=str(section.get("usr")), pwd=str(section.get("pwd")))
        with tempfile.TemporaryDirectory() as tmp:
            p = Path(tmp) / HIKYUU_INI
            p.write_text(text, encoding="utf-8")
            cp = read_ini(p)
        out: dict[str, dict[str, object]] = {s: dict(cp.items(s)) for s in ("block", "baseinfo", "kdata")}
        out["hikyuu"] = {k: v for k, v in cp.items("hikyuu") if k in ("tmpdir", "datadir")}
        out["preload"] = dict(updates.get("preload", {}))
        if "lazy_preload" in updates:  # the original writes [lazy_preload] enable as [hikyuu] lazy_preload
            out["hikyuu"]["lazy_preload"] = updates["lazy_preload"].get("enable", False)
        if "collect" in updates and updates["collect"].get("ipc_address"):
            out["hikyuu"]["quotation_server"] = updates["collect"]["ipc_address"]
        return out

    def show_error(self, text: str) -> None:
        self.last_error = text
        self.message.setText(text)
        QMessageBox.warning(self, "HikyuuTDX", text)

    def running_jobs(self) -> list[str]:
        jobs = [(self.run_import_tab.runner, "导入"), (self.collect_tab.runner, "行情采集"),
                (self.strategy_tab.runner, "策略")]
        return [name for runner, name in jobs if runner.running]

    def closeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt's name
        running = self.running_jobs()
        if running:
            answer = QMessageBox.question(
                self, "HikyuuTDX", f"{', '.join(running)} 仍在运行。停止它们并退出?",
                QMessageBox.Yes | QMessageBox.Cancel, QMessageBox.Cancel)
            if answer != QMessageBox.Yes:
                event.ignore()
                return
            for runner in (self.run_import_tab.runner, self.collect_tab.runner, self.strategy_tab.runner):
                runner.stop()
                runner.wait(10_000)
        self.monitor_tab.stop()
        event.accept()


def start(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="HikyuuTDX", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", help="config directory (default $HKU_HOME or ~/.hikyuu)")
    args, qt_args = ap.parse_known_args(argv)
    app = QApplication([sys.argv[0], *qt_args])
    win = MainWindow(config_home(args.config))
    win.show()
    return app.exec_()


if __name__ == "__main__":
    sys.exit(start())
