"""导入设置: where history comes from and what to import."""

from __future__ import annotations

from PyQt5.QtWidgets import QButtonGroup, QGroupBox, QHBoxLayout, QRadioButton, QVBoxLayout, QWidget

from hikyuu_live.config import HikyuuIni, ImportIni
from hikyuu_live.gui.widgets import form as f

KTYPES = [("day", "日线", "Day bars"), ("min", "1分钟线", "1-minute bars"), ("min5", "5分钟线", "5-minute bars"),
          ("trans", "分笔", "Trade ticks"), ("time", "分时", "Minute time line")]


class ImportTab(QWidget):
    title = "导入设置"

    def __init__(self) -> None:
        super().__init__()
        self.tdx = QRadioButton("通达信本地数据")
        self.tdx.setToolTip("Import from a local TDX installation's vipdoc files")
        self.pytdx = QRadioButton("通达信网络(pytdx)")
        self.pytdx.setToolTip("Import over the TDX network protocol")
        group = QButtonGroup(self)
        group.addButton(self.tdx)
        group.addButton(self.pytdx)
        self.tdx_dir = f.line("TDX installation directory (the folder that contains vipdoc)")
        self.tdx_number = f.spin(1, 20, "How many TDX servers to use in parallel")
        src = QGroupBox("数据源")
        src.setToolTip("Data source")
        lay = f.form(("", self.tdx), ("通达信目录", f.dir_row(self.tdx_dir, self)), ("", self.pytdx),
                     ("并行服务器数", self.tdx_number))
        src.setLayout(lay)

        classes = [("stock", "股票", "Stocks"), ("fund", "基金", "Funds and ETFs"), ("future", "期货", "Futures")]
        self.quotation = {k: f.check(label, tip) for k, label, tip in classes}
        q = QGroupBox("证券类别")
        q.setToolTip("Security classes")
        qlay = QHBoxLayout(q)
        for box in self.quotation.values():
            qlay.addWidget(box)

        self.ktype = {k: f.check(label, tip) for k, label, tip in KTYPES}
        self.start = {k: f.date_edit(f"First date of {tip.lower()} to import") for k, _, tip in KTYPES}
        kt = QGroupBox("导入内容")
        kt.setToolTip("What to import, with start dates")
        klay = f.form(*[(label, self._pair(self.ktype[k], self.start[k])) for k, label, _ in KTYPES])
        self.weight = f.check("权息数据", "Dividends and splits (xdxr) with current finance")
        self.finance = f.check("历史财务数据", "History finance files")
        self.block = f.check("板块信息", "Block (board) membership")
        for box in (self.weight, self.finance, self.block):
            klay.addRow("", box)
        kt.setLayout(klay)

        main = QVBoxLayout(self)
        for w in (src, q, kt):
            main.addWidget(w)
        main.addStretch(1)

    @staticmethod
    def _pair(a: QWidget, b: QWidget) -> QWidget:
        row = QWidget()
        lay = QHBoxLayout(row)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(a)
        lay.addWidget(b)
        lay.addStretch(1)
        return row

    def load(self, imp: ImportIni, _hk: HikyuuIni) -> None:
        (self.tdx if imp.tdx.enable else self.pytdx).setChecked(True)
        self.tdx_dir.setText(imp.tdx.dir or "")
        self.tdx_number.setValue(imp.pytdx.use_tdx_number)
        for k, box in self.quotation.items():
            box.setChecked(getattr(imp.quotation, k))
        for k, box in self.ktype.items():
            box.setChecked(getattr(imp.ktype, k))
            f.set_date(self.start[k], getattr(imp.ktype, f"{k}_start_date"))
        self.weight.setChecked(imp.weight.enable)
        self.finance.setChecked(imp.finance.enable)
        self.block.setChecked(imp.block.enable)

    def updates(self) -> dict[str, dict[str, object]]:
        ktype: dict[str, object] = {k: box.isChecked() for k, box in self.ktype.items()}
        ktype.update({f"{k}_start_date": f.get_date(w) for k, w in self.start.items()})
        return {
            "tdx": {"enable": self.tdx.isChecked(), "dir": self.tdx_dir.text().strip()},
            "pytdx": {"enable": self.pytdx.isChecked(), "use_tdx_number": self.tdx_number.value()},
            "quotation": {k: box.isChecked() for k, box in self.quotation.items()},
            "ktype": ktype,
            "weight": {"enable": self.weight.isChecked()},
            "finance": {"enable": self.finance.isChecked()},
            "block": {"enable": self.block.isChecked()},
        }
