"""存储设置: HDF5 (embedded), MySQL or ClickHouse, with a "test connection" that really connects, through the
store adapters and off the Qt thread (a server that does not answer must not freeze the window)."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PyQt5.QtCore import QObject, pyqtSignal
from PyQt5.QtWidgets import QButtonGroup, QGroupBox, QLabel, QPushButton, QRadioButton, QVBoxLayout, QWidget

from hikyuu_live.config import HikyuuIni, ImportIni
from hikyuu_live.gui.widgets import form as f
from hikyuu_live.store import make_store


def ping_store(name: str, host: str, port: int, usr: str, pwd: str, timeout_s: float = 3.0) -> str:
    """Connect with these settings through the store adapter (no driver here) and say what answered;
    the failure's reason otherwise. Blocking: the tab runs it on a worker thread."""
    try:
        store = make_store(name, host=host, port=port, user=usr, password=pwd)
        return f"已连接 {store.ping(timeout_s)}"
    except Exception as e:  # noqa: BLE001 - show the driver's reason
        return f"连接失败: {e}"


class _Results(QObject):
    """Carries a finished connection test from the worker thread to the Qt thread (a queued signal)."""

    done = pyqtSignal(str, str)


class StorageTab(QWidget):
    title = "存储设置"

    def __init__(self) -> None:
        super().__init__()
        group = QButtonGroup(self)
        self.radio = {}
        self.fields: dict[str, dict[str, QWidget]] = {}
        self.status: dict[str, QLabel] = {}
        main = QVBoxLayout(self)
        specs = {
            "hdf5": ("HDF5 (内置, 默认)", "Embedded HDF5 files + SQLite stock.db: no server needed",
                     [("dir", "数据目录", "Data directory for the .h5 files and stock.db")]),
            "mysql": ("MySQL / MariaDB", "A MySQL or MariaDB server",
                      [("tmpdir", "临时目录", "Directory for temporary files"), ("host", "主机", "Server host"),
                       ("port", "端口", "Server port (1-65535)"), ("usr", "用户名", "User"),
                       ("pwd", "密码", "Password")]),
            "clickhouse": ("ClickHouse", "A ClickHouse server",
                           [("tmpdir", "临时目录", "Directory for temporary files"), ("host", "主机", "Server host"),
                            ("port", "端口", "Native protocol port (1-65535)"),
                            ("http_port", "HTTP 端口", "HTTP port (1-65535)"), ("usr", "用户名", "User"),
                            ("pwd", "密码", "Password")]),
        }
        for name, (label, tooltip, keys) in specs.items():
            box = QGroupBox()
            radio = QRadioButton(label)
            radio.setToolTip(tooltip)
            group.addButton(radio)
            self.radio[name] = radio
            widgets = {k: f.line(t, password=k == "pwd") for k, _, t in keys}
            self.fields[name] = widgets
            rows = [("", radio)] + [(lbl, f.dir_row(widgets[k], self) if k in ("dir", "tmpdir") else widgets[k])
                                    for k, lbl, _ in keys]
            lay = f.form(*rows)
            if name != "hdf5":
                button = QPushButton("测试连接")
                button.setToolTip("Connect to the server now with these settings")
                button.clicked.connect(lambda _=False, n=name: self.test_connection(n))
                self.status[name] = QLabel("")
                lay.addRow(button, self.status[name])
            box.setLayout(lay)
            main.addWidget(box)
        main.addStretch(1)
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="storage-test")
        self._results = _Results(self)
        self._results.done.connect(self._show_result)

    def backend(self) -> str:
        return next(n for n, r in self.radio.items() if r.isChecked())

    def load(self, imp: ImportIni, _hk: HikyuuIni) -> None:
        self.radio[imp.backend].setChecked(True)
        for name, widgets in self.fields.items():
            section = getattr(imp, name)
            for k, w in widgets.items():
                w.setText(str(getattr(section, k) or ""))

    def updates(self) -> dict[str, dict[str, object]]:
        chosen = self.backend()
        return {name: {"enable": name == chosen, **{k: w.text().strip() for k, w in widgets.items()}}
                for name, widgets in self.fields.items()}

    def test_connection(self, name: str) -> Future[str]:
        """Start a connection test off the Qt thread; its message lands in the status label (and the future)."""
        w = {k: v.text().strip() for k, v in self.fields[name].items()}
        port_key = "port" if name == "mysql" else "http_port"  # we speak ClickHouse's HTTP protocol
        self.status[name].setText("正在连接…")
        try:
            port = int(w[port_key])
        except ValueError:
            done: Future[str] = Future()
            done.set_result(f"连接失败: 端口 {w[port_key]!r} 不是数字")
            self._results.done.emit(name, done.result())
            return done
        future = self._pool.submit(ping_store, name, w["host"], port, w["usr"], w["pwd"])
        future.add_done_callback(lambda f: self._results.done.emit(name, f.result()))
        return future

    def _show_result(self, name: str, message: str) -> None:
        self.status[name].setText(message)

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        self._pool.shutdown(wait=False, cancel_futures=True)
        super().closeEvent(event)
