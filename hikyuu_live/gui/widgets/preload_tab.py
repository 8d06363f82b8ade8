"""预加载设置: which bar types strategies preload, and how many bars of each."""

from __future__ import annotations

from PyQt5.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from hikyuu_live.config import HikyuuIni, ImportIni
from hikyuu_live.config.hikyuu_ini import PRELOAD_TYPES
from hikyuu_live.gui.widgets import form as f

LABELS = {"day": "日线", "week": "周线", "month": "月线", "quarter": "季线", "halfyear": "半年线", "year": "年线",
          "min": "1分钟线", "min5": "5分钟线", "min15": "15分钟线", "min30": "30分钟线", "min60": "60分钟线",
          "hour2": "2小时线", "timeline": "分时", "trans": "分笔"}


class PreloadTab(QWidget):
    title = "预加载设置"

    def __init__(self) -> None:
        super().__init__()
        self.lazy = f.check("延迟加载", "Lazy preload: load bars on first use instead of at start")
        grid = QGridLayout()
        grid.addWidget(QLabel("类型"), 0, 0)
        grid.addWidget(QLabel("最大数量"), 0, 1)
        self.flags = {}
        self.maxima = {}
        for row, t in enumerate(PRELOAD_TYPES, start=1):
            self.flags[t] = f.check(LABELS[t], f"Preload {t} bars")
            self.maxima[t] = f.spin(0, 10_000_000, f"How many {t} bars to keep per stock (0 = no limit)")
            self.maxima[t].setSpecialValueText("不限")  # 0 shows as "no limit", Hikyuu's meaning
            grid.addWidget(self.flags[t], row, 0)
            grid.addWidget(self.maxima[t], row, 1)
        main = QVBoxLayout(self)
        main.addWidget(self.lazy)
        main.addLayout(grid)
        main.addStretch(1)

    def load(self, imp: ImportIni, _hk: HikyuuIni) -> None:
        self.lazy.setChecked(imp.lazy_preload.enable)
        for t in PRELOAD_TYPES:
            self.flags[t].setChecked(imp.preload.flags.get(t, False))
            self.maxima[t].setValue(imp.preload.maxima.get(t, 5120))

    def updates(self) -> dict[str, dict[str, object]]:
        preload: dict[str, object] = {t: b.isChecked() for t, b in self.flags.items()}
        preload.update({f"{t}_max": s.value() for t, s in self.maxima.items()})
        return {"lazy_preload": {"enable": self.lazy.isChecked()}, "preload": preload}
