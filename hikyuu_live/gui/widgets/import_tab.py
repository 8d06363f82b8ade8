"""Import settings: where history comes from and what to import.

The original's "futures" box is gone: importdata imports stocks and funds only, so a ticked box would
have promised what never happens (``[quotation] future`` stays in the file as it is).
"""

from __future__ import annotations

from PyQt5.QtWidgets import QButtonGroup, QGridLayout, QGroupBox, QHBoxLayout, QRadioButton, QVBoxLayout, QWidget

from hikyuu_live.config import HikyuuIni, ImportIni
from hikyuu_live.gui.i18n import tr
from hikyuu_live.gui.widgets import form as f


def ktypes() -> list[tuple[str, str, str]]:
    """(key, label, tooltip) of the bar kinds importdata imports."""
    return [("day", tr("Day bars"), tr("Day bars")), ("min", tr("1-minute bars"), tr("1-minute bars")),
            ("min5", tr("5-minute bars"), tr("5-minute bars")), ("trans", tr("Trade ticks"), tr("Trade ticks")),
            ("time", tr("Minute time line"), tr("Minute time line"))]


class ImportTab(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.title = tr("Import settings")
        self.tdx = QRadioButton(tr("TDX local files"))
        self.tdx.setToolTip(tr("Import from a local TDX installation's vipdoc files"))
        self.pytdx = QRadioButton(tr("TDX network (pytdx)"))
        self.pytdx.setToolTip(tr("Import over the TDX network protocol"))
        group = QButtonGroup(self)
        group.addButton(self.tdx)
        group.addButton(self.pytdx)
        self.tdx_dir = f.line(tr("TDX installation directory (the folder that contains vipdoc)"))
        self.tdx_number = f.spin(1, 20, tr("How many TDX servers to use in parallel"))
        src = QGroupBox(tr("Data source"))
        src.setLayout(f.form(("", self.tdx), (tr("TDX directory"), f.dir_row(self.tdx_dir, self)), ("", self.pytdx),
                             (tr("Parallel servers"), self.tdx_number)))

        classes = [("stock", tr("Stocks"), tr("Stocks and indices")), ("fund", tr("Funds"), tr("Funds and ETFs"))]
        self.quotation = {k: f.check(label, tip) for k, label, tip in classes}
        q = QGroupBox(tr("Security classes"))
        qlay = QHBoxLayout(q)
        for box in self.quotation.values():
            qlay.addWidget(box)
        qlay.addStretch(1)

        # one check box (its own label) and its start date per row: each kind is named once
        kinds = ktypes()
        self.ktype = {k: f.check(label, tr("Import {0}").format(tip.lower())) for k, label, tip in kinds}
        self.start = {k: f.date_edit(tr("First date of {0} to import").format(tip.lower())) for k, _, tip in kinds}
        kt = QGroupBox(tr("What to import"))
        grid = QGridLayout()
        for r, (k, _, _) in enumerate(kinds):
            grid.addWidget(self.ktype[k], r, 0)
            grid.addWidget(self.start[k], r, 1)
        self.weight = f.check(tr("Dividends and splits"), tr("Dividends and splits (xdxr) with current finance"))
        self.finance = f.check(tr("History finance"), tr("History finance files"))
        self.block = f.check(tr("Blocks"), tr("Block (board) membership"))
        for r, box in enumerate((self.weight, self.finance, self.block), start=len(kinds)):
            grid.addWidget(box, r, 0, 1, 2)
        grid.setColumnStretch(2, 1)
        kt.setLayout(grid)

        main = QVBoxLayout(self)
        for w in (src, q, kt):
            main.addWidget(w)
        main.addStretch(1)

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
