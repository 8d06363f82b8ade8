"""存储设置: HDF5 (embedded), MySQL or ClickHouse, with a "test connection" that really connects."""

from __future__ import annotations

from PyQt5.QtWidgets import QButtonGroup, QGroupBox, QLabel, QPushButton, QRadioButton, QVBoxLayout, QWidget

from hikyuu_live.config import HikyuuIni, ImportIni
from hikyuu_live.gui.widgets import form as f


def test_mysql(host: str, port: int, usr: str, pwd: str) -> str:
    import mysql.connector

    con = mysql.connector.connect(host=host, port=port, user=usr, password=pwd, connection_timeout=3)
    try:
        return f"已连接 MySQL {con.server_info}"
    finally:
        con.close()


def test_clickhouse(host: str, http_port: int, usr: str, pwd: str) -> str:
    import clickhouse_connect

    client = clickhouse_connect.get_client(host=host, port=http_port, username=usr, password=pwd, compress=False,
                                           connect_timeout=3)
    return f"已连接 ClickHouse {client.command('SELECT version()')}"


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

    def backend(self) -> str:
        return next(n for n, r in self.radio.items() if r.isChecked())

    def load(self, imp: ImportIni, _hk: HikyuuIni) -> None:
        self.radio[imp.backend].setChecked(True)
        for name, widgets in self.fields.items():
            section = getattr(imp, name)
            for k, w in widgets.items():
                w.setText(str(getattr(section, k) or ""))  # type: ignore[attr-defined]

    def updates(self) -> dict[str, dict[str, object]]:
        chosen = self.backend()
        return {name: {"enable": name == chosen, **{k: w.text().strip() for k, w in widgets.items()}}  # type: ignore[attr-defined]
                for name, widgets in self.fields.items()}

    def test_connection(self, name: str) -> str:
        w = {k: v.text().strip() for k, v in self.fields[name].items()}  # type: ignore[attr-defined]
        try:
            if name == "mysql":
                msg = test_mysql(w["host"], int(w["port"]), w["usr"], w["pwd"])
            else:
                msg = test_clickhouse(w["host"], int(w["http_port"]), w["usr"], w["pwd"])
        except Exception as e:  # noqa: BLE001 - show the driver's reason
            msg = f"连接失败: {e}"
        self.status[name].setText(msg)
        return msg
