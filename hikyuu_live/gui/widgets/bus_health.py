"""Bus health over time: messages and spots per second, cycle latency and lost messages, last 15 minutes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PyQt5.QtWidgets import QVBoxLayout, QWidget

from hikyuu_live.gui.i18n import tr
from hikyuu_live.gui.widgets.market_feed import HealthSample


class BusHealth(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.setToolTip(tr("Bus health over the last 15 minutes (x: seconds ago)"))
        self.plots = pg.GraphicsLayoutWidget()
        self.plots.setBackground("w")
        self.rate = self.plots.addPlot(row=0, col=0, title=tr("Spots/s and messages/s"))
        self.latency = self.plots.addPlot(row=1, col=0, title=tr("Cycle latency (ms)"))
        self.gaps = self.plots.addPlot(row=2, col=0, title=tr("Lost messages (total)"))
        for plot in (self.rate, self.latency, self.gaps):
            plot.setClipToView(True)  # draw only what is visible
            plot.setDownsampling(auto=True, mode="peak")  # a spike stays visible when points are merged
            plot.showGrid(x=True, y=True, alpha=0.2)
            plot.hideButtons()
            plot.setMouseEnabled(x=False, y=False)
        self.latency.setXLink(self.rate)
        self.gaps.setXLink(self.rate)
        self.spots_curve = self.rate.plot(pen=pg.mkPen("#1565c0", width=1.5), name="spots/s")
        self.msgs_curve = self.rate.plot(pen=pg.mkPen("#8e24aa", width=1))
        self.latency_curve = self.latency.plot(pen=pg.mkPen("#ef6c00", width=1.5))
        self.gaps_curve = self.gaps.plot(pen=pg.mkPen("#c62828", width=1.5), stepMode=None)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plots)

    def show_samples(self, samples: Sequence[HealthSample]) -> None:
        if not samples:
            for curve in (self.spots_curve, self.msgs_curve, self.latency_curve, self.gaps_curve):
                curve.setData([], [])
            return
        t = np.array([s.t for s in samples])
        x = t - t[-1]
        self.spots_curve.setData(x, np.array([s.spots_per_s for s in samples]))
        self.msgs_curve.setData(x, np.array([s.messages_per_s for s in samples]))
        self.latency_curve.setData(x, np.array([s.latency_ms for s in samples]))
        self.gaps_curve.setData(x, np.array([s.gaps for s in samples], dtype=float))
