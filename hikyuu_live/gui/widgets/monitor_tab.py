"""行情监控: subscribe to the bus and show what arrives (cycles, spots/s, gaps, staleness, latency)."""

from __future__ import annotations

import time

from PyQt5.QtCore import QTimer
from PyQt5.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from hikyuu_live.bus import SpotSubscriber
from hikyuu_live.config import HikyuuIni, ImportIni
from hikyuu_live.gui.widgets import form as f

FIELDS = [("connected", "连接状态", "Whether a publisher is connected"),
          ("stale", "行情状态", "Live, or stale: no data and no heartbeat for the stale time"),
          ("cycles", "周期数", "Cycles received (complete / all)"),
          ("spots", "行情笔数", "Spots received"),
          ("rate", "每秒笔数", "Spots per second over the last interval"),
          ("gaps", "丢失消息", "Messages lost on the bus (gaps) and whole cycles lost"),
          ("latency", "最近周期延迟", "Send-to-receive latency of the last cycle"),
          ("age", "最近消息", "Seconds since the last message (data or heartbeat)")]


class MonitorTab(QWidget):
    title = "行情监控"

    def __init__(self) -> None:
        super().__init__()
        self.address = f.line("Bus address to watch (quotation_server)")
        self.button = QPushButton("开始监控")
        self.button.setToolTip("Subscribe to the bus (or stop)")
        self.button.clicked.connect(self.toggle)
        self.labels = {k: QLabel("-") for k, _, _ in FIELDS}
        for (k, _, t) in FIELDS:
            self.labels[k].setToolTip(t)
        main = QVBoxLayout(self)
        main.addLayout(f.form(("总线地址", self.address)))
        main.addWidget(self.button)
        main.addLayout(f.form(*[(label, self.labels[k]) for k, label, _ in FIELDS]))
        main.addStretch(1)
        self.sub: SpotSubscriber | None = None
        self._last = (time.monotonic(), 0)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.refresh)

    def load(self, _imp: ImportIni, hk: HikyuuIni) -> None:
        if not self.address.text():
            self.address.setText(hk.hikyuu.quotation_server)

    def updates(self) -> dict[str, dict[str, object]]:
        return {}

    def toggle(self) -> None:
        if self.sub is not None:
            self.stop()
            return
        self.sub = SpotSubscriber(self.address.text().strip(), keep_latest=False, stale_after_s=5.0).start()
        self._last = (time.monotonic(), 0)
        self.button.setText("停止监控")
        self.timer.start(500)

    def stop(self) -> None:
        self.timer.stop()
        if self.sub is not None:
            self.sub.stop()
            self.sub = None
        self.button.setText("开始监控")

    def refresh(self) -> None:
        sub = self.sub
        if sub is None:
            return
        st = sub.stats
        now = time.monotonic()
        t0, n0 = self._last
        rate = (st.spots - n0) / max(1e-6, now - t0)
        self._last = (now, st.spots)
        values = {
            "connected": "已连接" if sub.is_connected else "未连接",
            "stale": "无行情 (stale)" if sub.is_stale else "正常",
            "cycles": f"{st.complete_cycles} / {st.cycles}",
            "spots": str(st.spots),
            "rate": f"{rate:.0f}",
            "gaps": f"{st.gaps} 条消息, {st.lost_cycles} 个周期",
            "latency": f"{st.last_cycle_latency_s * 1000:.1f} ms",
            "age": f"{sub.seconds_since_last_message:.1f} s" if st.messages else "-",
        }
        for k, v in values.items():
            self.labels[k].setText(v)
