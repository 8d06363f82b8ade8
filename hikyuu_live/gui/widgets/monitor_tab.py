"""Monitor: the quote table, the K-line chart of the selected code and the bus's health, live.

Everything heavy happens off the Qt thread (``market_feed.py``): the Qt thread copies the newest spots
twice a second into a numpy-backed table model, redraws the chart when its bars changed, and samples the
bus once a second. When the feed goes stale (no data and no heartbeat for ``stale_after_s``) a red banner
shows above every tab (``stale_changed``) until data flows again.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PyQt5.QtCore import QItemSelectionModel, QModelIndex, QObject, Qt, QTimer, pyqtSignal
from PyQt5.QtWidgets import QButtonGroup, QHBoxLayout, QRadioButton, QSplitter, QVBoxLayout, QWidget

from hikyuu_live.config import HikyuuIni, ImportIni
from hikyuu_live.gui.i18n import tr
from hikyuu_live.gui.widgets import form as f
from hikyuu_live.gui.widgets.bus_health import BusHealth
from hikyuu_live.gui.widgets.kline_chart import KLineChart
from hikyuu_live.gui.widgets.market_feed import MarketFeed
from hikyuu_live.gui.widgets.quote_table import QuoteModel, quote_view
from hikyuu_live.model.kdata import KType
from hikyuu_live.strategy.context import normalize_code

REFRESH_MS = 250  # one of table / chart / health per tick: their repaints never pile into one event
STALE_AFTER_S = 5.0


class _Done(QObject):
    history = pyqtSignal(str, str)  # code, what happened (from the worker thread)


def ktype_labels() -> list[tuple[KType, str]]:
    return [(KType.DAY, tr("Day")), (KType.MIN, tr("1 min")), (KType.MIN5, tr("5 min"))]


class MonitorTab(QWidget):
    stale_changed = pyqtSignal(str)  # banner text; "" when the feed is fine or not watched

    def __init__(self, home: Path | None = None) -> None:
        super().__init__()
        self.title = tr("Monitor")
        self.home = home
        self.feed: MarketFeed | None = None
        self.address = f.line(tr("Bus address to watch (quotation_server)"))
        self.watch = f.line(tr("Codes to show, comma separated (e.g. sh600000,sz000001); empty: every code"))
        self.button = f.button(tr("Start monitoring"), tr("Subscribe to the bus (or stop)"))
        self.button.clicked.connect(self.toggle)
        self.summary = f.ElidedLabel("-", tr("Connection, cycles, rate, lost messages, latency, last message"))
        self.model = QuoteModel(self)
        self.table = quote_view(self.model)
        selection = self.table.selectionModel()
        assert selection is not None
        selection.currentRowChanged.connect(self._row_chosen)
        self.chart = KLineChart(tr("Candles and volume of the selected code: stored history plus live bars"))
        self.chart_note = f.ElidedLabel(tr("Select a code in the table"), tr("The charted code"))
        self.ktype_group = QButtonGroup(self)
        kbox = QHBoxLayout()
        self.ktype_buttons: dict[KType, QRadioButton] = {}
        for k, label in ktype_labels():
            b = QRadioButton(label)
            b.setToolTip(tr("Chart {0} bars").format(k.value.lower()))
            self.ktype_group.addButton(b)
            self.ktype_buttons[k] = b
            kbox.addWidget(b)
            b.toggled.connect(self._ktype_toggled)
        self.ktype_buttons[KType.MIN].setChecked(True)
        kbox.addWidget(self.chart_note, 1)
        self.health = BusHealth()

        top = f.row(self.button, stretch=False)
        top.addLayout(f.form((tr("Bus address"), self.address)))
        top.addLayout(f.form((tr("Codes"), self.watch)))
        top.addStretch(1)
        chart_box = QWidget()
        cl = QVBoxLayout(chart_box)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addLayout(kbox)
        cl.addWidget(self.chart, 1)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(chart_box)
        right.addWidget(self.health)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([560, 700])  # the table shows every column at 1280 px
        main = QVBoxLayout(self)
        main.addLayout(top)
        main.addWidget(self.summary)
        main.addWidget(split, 1)

        self._pool = ThreadPoolExecutor(1, thread_name_prefix="chart-history")
        self._done = _Done(self)
        self._done.history.connect(self._history_loaded)
        self._seen_messages = -1
        self._chart_version = -1
        self._ticks = 0
        self._stale_text = ""
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.refresh)

    # ------------------------------------------------------------------ settings
    def load(self, _imp: ImportIni, hk: HikyuuIni) -> None:
        if not self.address.text():
            self.address.setText(hk.hikyuu.quotation_server)

    def updates(self) -> dict[str, dict[str, object]]:
        return {}

    def watched(self) -> set[str] | None:
        text = self.watch.text().strip()
        if not text:
            return None
        out = set()
        for part in text.replace(";", ",").split(","):
            if part.strip():
                try:
                    out.add(normalize_code(part))
                except ValueError:
                    continue
        return out

    def ktype(self) -> KType:
        return next(k for k, b in self.ktype_buttons.items() if b.isChecked())

    # ------------------------------------------------------------------ start / stop
    def toggle(self) -> None:
        if self.feed is not None:
            self.stop()
            return
        history = None
        if self.home is not None:
            from hikyuu_live.strategy.preload import config_preloader

            history = config_preloader(self.home)
        self.feed = MarketFeed(self.address.text().strip(), history=history, stale_after_s=STALE_AFTER_S).start()
        self._seen_messages = -1
        self._chart_version = -1
        self.button.setText(tr("Stop monitoring"))
        self.timer.start(REFRESH_MS)

    def stop(self) -> None:
        self.timer.stop()
        if self.feed is not None:
            self.feed.stop()
            close = getattr(self.feed.history, "close", None)
            if close is not None:
                self._pool.submit(close)
            self.feed = None
        self.button.setText(tr("Start monitoring"))
        self._set_stale("")

    # ------------------------------------------------------------------ chart
    def _row_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        code = self.model.code_at(current.row()) if current.isValid() else None
        if code:
            self.chart_code(code)

    def chart_code(self, code: str) -> None:
        """Chart ``code``: live bars at once, its stored history as soon as the worker has read it."""
        feed = self.feed
        if feed is None or code == feed.code:
            return
        feed.select(code)
        self.chart_note.setText(tr("{0}: reading stored bars…").format(code))
        self._pool.submit(lambda: self._done.history.emit(code, feed.load_history(code)))

    def _history_loaded(self, code: str, note: str) -> None:
        if self.feed is not None and self.feed.code == code:
            stored, _, error = note.partition(" ")
            error = tr("no store configured") if error == "no store configured" else error
            text = (tr("{0}: {1} stored bars plus live bars").format(code, stored) if not error
                    else tr("{0}: live bars only ({1})").format(code, error))
            self.chart_note.setText(text)
            self._redraw(force=True)

    def _ktype_toggled(self, on: bool) -> None:
        if on:
            self._redraw(force=True)

    def _redraw(self, force: bool = False) -> None:
        feed = self.feed
        if feed is None or feed.code is None:
            return
        version, bars = feed.bars(self.ktype())
        if version == self._chart_version and not force:
            return
        self._chart_version = version
        self.chart.show_bars(bars, self.ktype(), feed.code)

    # ------------------------------------------------------------------ refresh
    def refresh(self) -> None:
        """One job per tick, in turn: the table (new data only), the chart (changed bars only), then once a
        second the health sample, its plots and the stale check. Each repaints in its own event."""
        feed = self.feed
        if feed is None:
            return
        sub = feed.subscriber
        self._ticks += 1
        step = self._ticks % 4
        if step in (0, 2):
            if sub.stats.messages != self._seen_messages:
                self._seen_messages = sub.stats.messages
                self._update_table(feed)
        elif step == 1:
            self._redraw()
        else:
            self._sample(feed)

    def _sample(self, feed: MarketFeed) -> None:
        sub = feed.subscriber
        sample = feed.sample()
        self.health.show_samples(feed.health)
        st = sub.stats
        age = f"{sub.seconds_since_last_message:.1f} s" if st.messages else "-"
        self.summary.setText(tr("{0} | cycles {1}/{2} | {3:.0f} spots/s | lost {4} messages, {5} cycles | "
                                "latency {6:.1f} ms | last message {7} ago").format(
            tr("connected") if sub.is_connected else tr("not connected"), st.complete_cycles, st.cycles,
            sample.spots_per_s, st.gaps, st.lost_cycles, st.last_cycle_latency_s * 1000.0, age))
        if sub.is_stale:
            self._set_stale(tr("QUOTES STALE: nothing from {0} for {1:.0f} s (no data, no heartbeat)").format(
                feed.address, sub.seconds_since_last_message if st.messages else STALE_AFTER_S))
        else:
            self._set_stale("")

    def _update_table(self, feed: MarketFeed) -> None:
        selected = feed.code
        first = self.model.rowCount() == 0
        self.model.update(feed.subscriber.latest(), self.watched())
        if first and self.model.rowCount():
            self.table.resizeColumnsToContents()
        if selected is None and self.model.rowCount() and self.table.currentIndex().row() < 0:
            self.table.selectRow(0)  # chart something at once
            return
        if selected is not None:  # keep the charted code selected as rows move
            row = self.model.row_of(selected)
            if row >= 0 and self.table.currentIndex().row() != row:
                sm = self.table.selectionModel()
                assert sm is not None
                sm.blockSignals(True)
                flags = (QItemSelectionModel.SelectionFlags(QItemSelectionModel.SelectionFlag.ClearAndSelect)
                         | QItemSelectionModel.SelectionFlag.Rows)
                sm.setCurrentIndex(self.model.index(row, 0), flags)
                sm.blockSignals(False)
                viewport = self.table.viewport()
                if viewport is not None:
                    viewport.update()

    def _set_stale(self, text: str) -> None:
        if text != self._stale_text:
            self._stale_text = text
            self.stale_changed.emit(text)
