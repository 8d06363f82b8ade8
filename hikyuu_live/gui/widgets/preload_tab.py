"""Preload: which bar types strategies keep in memory, and how many bars of each.

Shows ``hikyuu.ini``'s ``[preload]`` (what Hikyuu's core and our strategies really read); a changed value
is written to both ``hikyuu.ini`` and ``importdata-gui.ini``'s copy, an unchanged one to neither.
"""

from __future__ import annotations

from PyQt5.QtWidgets import QGridLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

from hikyuu_live.config import HikyuuIni, ImportIni
from hikyuu_live.config.hikyuu_ini import PRELOAD_TYPES
from hikyuu_live.gui.i18n import tr
from hikyuu_live.gui.widgets import form as f


def labels() -> dict[str, str]:
    return {"day": tr("Day"), "week": tr("Week"), "month": tr("Month"), "quarter": tr("Quarter"),
            "halfyear": tr("Half year"), "year": tr("Year"), "min": tr("1 minute"), "min5": tr("5 minutes"),
            "min15": tr("15 minutes"), "min30": tr("30 minutes"), "min60": tr("60 minutes"), "hour2": tr("2 hours"),
            "timeline": tr("Time line"), "trans": tr("Trade ticks")}


class PreloadTab(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.title = tr("Preload")
        self.lazy = f.check(tr("Lazy preload"), tr("Load bars on first use instead of at start"))
        names = labels()
        self.flags = {t: f.check(names[t], tr("Preload {0} bars").format(t)) for t in PRELOAD_TYPES}
        self.maxima = {t: f.spin(0, 2_000_000_000, tr("How many {0} bars to keep per stock (0: no limit)").format(t))
                       for t in PRELOAD_TYPES}
        for spin in self.maxima.values():
            spin.setSpecialValueText(tr("No limit"))  # 0 shows as "no limit", Hikyuu's meaning
        box = QGroupBox(tr("Bar types (hikyuu.ini [preload])"))
        grid = QGridLayout(box)
        half = (len(PRELOAD_TYPES) + 1) // 2  # two columns: day..year beside the intraday kinds
        for col in (0, 3):
            grid.addWidget(QLabel(tr("Type")), 0, col)
            grid.addWidget(QLabel(tr("Most bars")), 0, col + 1)
        for i, t in enumerate(PRELOAD_TYPES):
            col = 0 if i < half else 3
            grid.addWidget(self.flags[t], 1 + i % half, col)
            grid.addWidget(self.maxima[t], 1 + i % half, col + 1)
        grid.setColumnMinimumWidth(2, 40)
        grid.setColumnStretch(5, 1)
        main = QVBoxLayout(self)
        main.addWidget(self.lazy)
        main.addWidget(box)
        main.addStretch(1)

    def load(self, _imp: ImportIni, hk: HikyuuIni) -> None:
        self.lazy.setChecked(hk.hikyuu.lazy_preload)
        for t in PRELOAD_TYPES:
            self.flags[t].setChecked(hk.preload.flags.get(t, False))
            self.maxima[t].setValue(hk.preload.maxima.get(t, 5120))

    def updates(self) -> dict[str, dict[str, object]]:
        preload: dict[str, object] = {t: b.isChecked() for t, b in self.flags.items()}
        preload.update({f"{t}_max": s.value() for t, s in self.maxima.items()})
        return {"lazy_preload": {"enable": self.lazy.isChecked()}, "preload": preload}
