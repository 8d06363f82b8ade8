"""The K-line chart: candles over volume bars of one code, day / 1-minute / 5-minute, drawn with pyqtgraph.

Bars are placed by index (no gaps for nights, weekends and the lunch break), labelled with their time on
the axis. Candles are two pyqtgraph items (wicks as line pairs, bodies as bars), rebuilt from numpy arrays
only when the bars changed, for the last ``SHOWN`` bars: a redraw costs a few milliseconds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PyQt5.QtWidgets import QVBoxLayout, QWidget

from hikyuu_live.gui.widgets.colors import DOWN, UP
from hikyuu_live.model.kdata import KType

SHOWN = 240


class TimeAxis(pg.AxisItem):
    """Bar index -> the bar's time (date for day bars, HH:MM for minute bars)."""

    def __init__(self) -> None:
        super().__init__(orientation="bottom")
        self.labels: list[str] = []

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        out = []
        for v in values:
            i = int(round(v))
            out.append(self.labels[i] if 0 <= i < len(self.labels) else "")
        return out


class KLineChart(QWidget):
    """Candles and volume of one code; ``show_bars`` draws a ``KDATA_DTYPE`` array."""

    def __init__(self, tooltip: str) -> None:
        super().__init__()
        self.setToolTip(tooltip)
        self.axis = TimeAxis()
        self.plots = pg.GraphicsLayoutWidget()
        self.plots.setBackground("w")
        self.price = self.plots.addPlot(row=0, col=0, axisItems={"bottom": self.axis})
        self.volume = self.plots.addPlot(row=1, col=0)
        self.plots.ci.layout.setRowStretchFactor(0, 3)
        self.volume.setXLink(self.price)
        for plot in (self.price, self.volume):
            plot.showGrid(x=False, y=True, alpha=0.2)
            plot.setMouseEnabled(x=True, y=False)
            plot.hideButtons()
        self.volume.getAxis("bottom").setStyle(showValues=False)
        self.title = pg.TextItem(color="#333", anchor=(0, 0))
        self.price.addItem(self.title, ignoreBounds=True)
        self.wicks = pg.PlotCurveItem(connect="pairs", pen=pg.mkPen("#555", width=1))
        self.bodies = pg.BarGraphItem(x=[], height=[], width=0.6)
        self.vol = pg.BarGraphItem(x=[], height=[], width=0.6)
        self.price.addItem(self.wicks)
        self.price.addItem(self.bodies)
        self.volume.addItem(self.vol)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plots)
        self.shown = 0

    def show_bars(self, bars: np.ndarray, ktype: KType, title: str = "") -> None:
        bars = bars[-SHOWN:]
        n = len(bars)
        self.shown = n
        x = np.arange(n, dtype=float)
        o, h, lo, c = (bars[f].astype(float) for f in ("open", "high", "low", "close"))
        up = c >= o
        brushes = [UP if u else DOWN for u in up.tolist()]
        self.wicks.setData(np.repeat(x, 2), np.column_stack([lo, h]).ravel() if n else np.zeros(0))
        body = np.abs(c - o)
        tiny = np.maximum(body, np.maximum(c, 1e-6) * 1e-4)  # a doji still shows as a line
        # pyqtgraph 0.14 fails on an empty ``pens`` list: one shared pen when there is nothing to draw
        colours: dict[str, Any] = {"brushes": brushes, "pens": brushes} if n else {"brushes": None, "pens": None}
        self.bodies.setOpts(x=x, y0=np.minimum(o, c), height=tiny, width=0.6, **colours)
        self.vol.setOpts(x=x, y0=np.zeros(n), height=bars["volume"].astype(float), width=0.6, **colours)
        unit = "D" if ktype is KType.DAY else "m"
        stamps = [str(t) for t in bars["datetime"].astype(f"M8[{unit}]").tolist()] if n else []
        self.axis.labels = [s[:10] if ktype is KType.DAY else s[5:16] for s in stamps]
        self.title.setText(title)
        if n:
            self.price.setXRange(-1, n, padding=0)
            self.price.setYRange(float(lo.min()), float(h.max()), padding=0.05)
            self.volume.setYRange(0, float(bars["volume"].max()) or 1.0, padding=0.05)
            self.title.setPos(-1, float(h.max()))

    def state(self) -> dict[str, Any]:
        """What is drawn (for tests): bar count and the last candle."""
        opts = self.bodies.opts
        return {"bars": self.shown, "last_y0": float(opts["y0"][-1]) if self.shown else None}
