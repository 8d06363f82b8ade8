"""Storage: HDF5 (embedded), MySQL or ClickHouse, with a "test connection" that really connects, through the
store adapters and off the Qt thread (a server that does not answer must not freeze the window)."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from PyQt5.QtCore import QObject, pyqtSignal
from PyQt5.QtWidgets import QButtonGroup, QGridLayout, QGroupBox, QLayout, QLineEdit, QRadioButton, QWidget

from hikyuu_live.config import HikyuuIni, ImportIni
from hikyuu_live.gui.i18n import tr
from hikyuu_live.gui.widgets import form as f
from hikyuu_live.store import make_store


def ping_store(name: str, host: str, port: int, usr: str, pwd: str, timeout_s: float = 3.0) -> str:
    """Connect with these settings through the store adapter (no driver here) and say what answered;
    the failure's reason otherwise. Blocking: the tab runs it on a worker thread."""
    try:
        store = make_store(name, host=host, port=port, user=usr, password=pwd)
        return tr("Connected: {0}").format(store.ping(timeout_s))
    except Exception as e:  # noqa: BLE001 - show the driver's reason
        return tr("Connection failed: {0}").format(e)


class _Results(QObject):
    """Carries a finished connection test from the worker thread to the Qt thread (a queued signal)."""

    done = pyqtSignal(str, str)


def _specs() -> dict[str, tuple[str, str, list[tuple[str, str, str]]]]:
    server = [("host", tr("Host"), tr("Server host")), ("usr", tr("User"), tr("User")),
              ("pwd", tr("Password"), tr("Password (the files holding it are made readable by you only)"))]
    return {
        "hdf5": (tr("HDF5 (embedded, default)"), tr("Embedded HDF5 files + SQLite stock.db: no server needed"),
                 [("dir", tr("Data directory"), tr("Data directory for the .h5 files and stock.db"))]),
        "mysql": ("MySQL / MariaDB", tr("A MySQL or MariaDB server"),
                  [("tmpdir", tr("Temporary directory"), tr("Directory for temporary files")), server[0],
                   ("port", tr("Port"), tr("Server port (1-65535)")), *server[1:]]),
        "clickhouse": ("ClickHouse", tr("A ClickHouse server"),
                       [("tmpdir", tr("Temporary directory"), tr("Directory for temporary files")), server[0],
                        ("port", tr("Native port"), tr("Native protocol port (1-65535), written to hikyuu.ini "
                                                       "for Hikyuu's C++ core; usually 9000")),
                        ("http_port", tr("HTTP port"), tr("HTTP port (1-65535) that hikyuu_live speaks; "
                                                          "usually 8123")), *server[1:]]),
    }


class StorageTab(QWidget):
    """HDF5, MySQL or ClickHouse; one is chosen, each keeps its own settings."""

    def __init__(self) -> None:
        super().__init__()
        self.title = tr("Storage")
        group = QButtonGroup(self)
        self.radio: dict[str, QRadioButton] = {}
        self.fields: dict[str, dict[str, QLineEdit]] = {}
        self.status: dict[str, f.ElidedLabel] = {}
        boxes: dict[str, QGroupBox] = {}
        for name, (label, tooltip, keys) in _specs().items():
            box = QGroupBox()
            radio = QRadioButton(label)
            radio.setToolTip(tooltip)
            group.addButton(radio)
            self.radio[name] = radio
            widgets = {k: f.line(t, password=k == "pwd", width=f.SHORT_WIDTH * 2 if k != "dir" else f.FIELD_WIDTH)
                       for k, _, t in keys}
            self.fields[name] = widgets
            rows: list[tuple[str, QWidget | QLayout]] = [("", radio)]
            rows += [(lbl, f.dir_row(widgets[k], self) if k in ("dir", "tmpdir") else widgets[k]) for k, lbl, _ in keys]
            lay = f.form(*rows)
            if name != "hdf5":
                button = f.button(tr("Test connection"), tr("Connect to the server now with these settings"))
                button.clicked.connect(lambda _=False, n=name: self._test_clicked(n))
                self.status[name] = f.ElidedLabel("", tr("Result of the connection test"))
                lay.addRow(button, self.status[name])
            box.setLayout(lay)
            boxes[name] = box
        main = QGridLayout(self)
        main.addWidget(boxes["hdf5"], 0, 0, 1, 2)
        main.addWidget(boxes["mysql"], 1, 0)
        main.addWidget(boxes["clickhouse"], 1, 1)
        main.setRowStretch(2, 1)
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

    def _test_clicked(self, name: str) -> None:
        self.test_connection(name)

    def test_connection(self, name: str) -> Future[str]:
        """Start a connection test off the Qt thread; its message lands in the status label (and the future)."""
        w = {k: v.text().strip() for k, v in self.fields[name].items()}
        port_key = "port" if name == "mysql" else "http_port"  # we speak ClickHouse's HTTP protocol
        self.status[name].setText(tr("Connecting…"))
        try:
            port = int(w[port_key])
        except ValueError:
            done: Future[str] = Future()
            done.set_result(tr("Connection failed: port {0!r} is not a number").format(w[port_key]))
            self._results.done.emit(name, done.result())
            return done
        future = self._pool.submit(ping_store, name, w["host"], port, w["usr"], w["pwd"])
        future.add_done_callback(lambda fut: self._results.done.emit(name, fut.result()))
        return future

    def _show_result(self, name: str, message: str) -> None:
        self.status[name].setText(message)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
