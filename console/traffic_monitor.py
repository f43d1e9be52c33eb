"""The comms seat's raw traffic monitor: the last bus messages on link and unit topics, with their size."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from console.bus_client import TRAFFIC_KEPT


def traffic_line(entry: tuple[float, str, int]) -> str:
    """``10:31:57.123  mcv/v1/demo-1/unit/r1  212 B``: the same in every language."""
    moment, topic, size = entry
    return f"{datetime.fromtimestamp(moment).strftime('%H:%M:%S.%f')[:-3]}  {topic}  {size} B"


class TrafficMonitorWidget(QWidget):
    """Shows the bus client's recent traffic; ``refresh`` is called by the panel about once a second.

    While paused the text stands still (the bus client keeps collecting); resuming shows the
    latest ``TRAFFIC_KEPT`` messages at once.
    """

    def __init__(self, bus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._traffic = getattr(bus, "traffic", None)
        self._shown: tuple | None = None
        self.title = QLabel(self.tr("Raw traffic — the last {count} messages on link and unit topics")
                            .format(count=TRAFFIC_KEPT), self)
        self.pause = QPushButton(self.tr("Pause"), self)
        self.pause.setObjectName("trafficPause")
        self.pause.setCheckable(True)
        self.pause.toggled.connect(self._on_pause_toggled)
        self.view = QPlainTextEdit(self)
        self.view.setObjectName("trafficView")
        self.view.setReadOnly(True)
        self.view.setMaximumBlockCount(TRAFFIC_KEPT)
        self.view.setLineWrapMode(QPlainTextEdit.NoWrap)
        self.view.setFont(QFontDatabase.systemFont(QFontDatabase.FixedFont))
        self.view.setPlaceholderText(self.tr("No traffic on link or unit topics yet."))
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.pause)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(header)
        layout.addWidget(self.view, 1)

    @property
    def paused(self) -> bool:
        return self.pause.isChecked()

    def refresh(self) -> None:
        """Show what arrived since the last refresh, unless paused (GUI thread)."""
        if self.paused or not self._traffic:
            return
        entries = list(self._traffic)  # a copy: the bus thread keeps appending
        if not entries or entries[-1] == self._shown:
            return
        self._shown = entries[-1]
        self.view.setPlainText("\n".join(traffic_line(entry) for entry in entries))
        bar = self.view.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _on_pause_toggled(self, paused: bool) -> None:
        self.pause.setText(self.tr("Resume") if paused else self.tr("Pause"))
        if not paused:
            self.refresh()
