"""The comms seat's raw traffic monitor: bus messages on link and unit topics, or one link's raw frames.

With "Bus topics" chosen it lists the last bus messages with their size. With a link
chosen it asks the gateway to ``watch`` that link (renewed while shown and not paused)
and lists the link's raw frames as text or hex, so a technician sees why a radio talks
nonsense. A filter narrows either list; Save writes what is shown to a new file under
the data folder (console/traffic_format.py keeps hostile names out of other folders).
"""

from __future__ import annotations

import time
from collections import deque
from datetime import datetime
from pathlib import Path

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget,
)

from console.bus_client import TRAFFIC_KEPT
from console.traffic_format import frame_line, matches, save_capture
from radios.config import default_data_dir
from radios.schema import LinkTraffic

FRAMES_KEPT = 500        # raw frames kept per watched link
WATCH_RENEW_S = 30.0     # the gateway's watch lasts a minute; ask again well before it runs out


def traffic_line(entry: tuple[float, str, int]) -> str:
    """``10:31:57.123  mcv/v1/demo-1/unit/r1  212 B``: the same in every language."""
    moment, topic, size = entry
    return f"{datetime.fromtimestamp(moment).strftime('%H:%M:%S.%f')[:-3]}  {topic}  {size} B"


class TrafficMonitorWidget(QWidget):
    """Shows recent traffic; ``refresh`` is called by the panel about once a second (GUI thread).

    While paused the text stands still (the bus client keeps collecting, frames keep
    arriving); resuming shows the latest at once.
    """

    def __init__(self, bus, parent: QWidget | None = None, data_dir: Path | None = None) -> None:
        super().__init__(parent)
        self._bus = bus
        self._traffic = getattr(bus, "traffic", None)
        self._data_dir = data_dir
        self._shown: tuple | None = None
        self._lines: list[str] = []
        self.frames: dict[str, deque[tuple[float, str, bytes]]] = {}
        self._watched_at: dict[str, float] = {}
        self.title = QLabel(self.tr("Raw traffic — the last {count} messages on link and unit topics")
                            .format(count=TRAFFIC_KEPT), self)
        self.source = QComboBox(self)
        self.source.setObjectName("trafficSource")
        self.source.addItem(self.tr("Bus topics"), None)
        self.source.currentIndexChanged.connect(lambda _: self.refresh(force=True))
        self.as_hex = QCheckBox(self.tr("Hex"), self)
        self.as_hex.setObjectName("trafficHex")
        self.as_hex.toggled.connect(lambda _: self.refresh(force=True))
        self.filter = QLineEdit(self)
        self.filter.setObjectName("trafficFilter")
        self.filter.setPlaceholderText(self.tr("Filter"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(lambda _: self.refresh(force=True))
        self.pause = QPushButton(self.tr("Pause"), self)
        self.pause.setObjectName("trafficPause")
        self.pause.setCheckable(True)
        self.pause.toggled.connect(self._on_pause_toggled)
        self.save = QPushButton(self.tr("Save"), self)
        self.save.setObjectName("trafficSave")
        self.save.setToolTip(self.tr("Write what is shown to a new file in the data folder"))
        self.save.clicked.connect(self._on_save_clicked)
        self.status = QLabel(self)
        self.status.setObjectName("trafficStatus")
        self.status.setWordWrap(True)
        self.status.hide()
        self.view = QPlainTextEdit(self)
        self.view.setObjectName("trafficView")
        self.view.setReadOnly(True)
        self.view.setMaximumBlockCount(FRAMES_KEPT * 8)
        self.view.setLineWrapMode(QPlainTextEdit.NoWrap)
        self.view.setFont(QFontDatabase.systemFont(QFontDatabase.FixedFont))
        self.view.setPlaceholderText(self.tr("No traffic on link or unit topics yet."))
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.source)
        header.addWidget(self.as_hex)
        header.addWidget(self.filter)
        header.addWidget(self.pause)
        header.addWidget(self.save)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(header)
        layout.addWidget(self.status)
        layout.addWidget(self.view, 1)
        traffic_received = getattr(bus, "link_traffic_received", None)
        if traffic_received is not None:
            traffic_received.connect(self._on_bus_link_traffic)

    @property
    def paused(self) -> bool:
        return self.pause.isChecked()

    @property
    def link(self) -> str | None:
        """The link whose raw frames are shown, or None for bus topics."""
        return self.source.currentData()

    def add_link(self, link: str) -> None:
        """Offer a link whose raw frames the gateway can copy (GUI thread)."""
        if self.source.findData(link) < 0:
            self.source.addItem(self.tr("Link {link} (raw)").format(link=link), link)

    def refresh(self, force: bool = False) -> None:
        """Show what arrived since the last refresh, unless paused; keep a shown link watched (GUI thread)."""
        if self.paused and not force:
            return
        link = self.link
        if link is not None:
            self.title.setText(self.tr("Raw traffic — link {link}, as the gateway reads it").format(link=link))
            self._keep_watching(link)
            entries = list(self.frames.get(link, ()))
            as_hex = self.as_hex.isChecked()
            lines = [frame_line(moment, direction, data, as_hex) for moment, direction, data in entries]
        else:
            self.title.setText(self.tr("Raw traffic — the last {count} messages on link and unit topics")
                               .format(count=TRAFFIC_KEPT))
            entries = list(self._traffic or ())  # a copy: the bus thread keeps appending
            lines = [traffic_line(entry) for entry in entries]
        key = (link, self.as_hex.isChecked(), self.filter.text(), len(entries), entries[-1] if entries else None)
        if key == self._shown and not force:
            return
        self._shown = key
        needle = self.filter.text().strip()
        self._lines = [line for line in lines if matches(line, needle)]
        self.view.setPlainText("\n".join(self._lines))
        bar = self.view.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _keep_watching(self, link: str) -> None:
        """Ask the gateway to go on copying the link's frames, every ``WATCH_RENEW_S``."""
        now = time.monotonic()
        if now - self._watched_at.get(link, float("-inf")) >= WATCH_RENEW_S and hasattr(self._bus, "command_link"):
            self._watched_at[link] = now
            self._bus.command_link(link, "watch")

    def _on_bus_link_traffic(self, traffic: LinkTraffic) -> None:
        """GUI thread (the bus client's queued signal): a batch of one link's raw frames."""
        kept = self.frames.setdefault(traffic.link, deque(maxlen=FRAMES_KEPT))
        now = time.time()
        for direction, data in traffic.frames:
            kept.append((now, direction, bytes.fromhex(data)))
        self.add_link(traffic.link)

    def _on_pause_toggled(self, paused: bool) -> None:
        self.pause.setText(self.tr("Resume") if paused else self.tr("Pause"))
        if not paused:
            self.refresh(force=True)

    def _on_save_clicked(self) -> None:
        """Write the shown lines to a new file under the data folder and say where, or why not."""
        source = self.link or "bus"
        folder = self._data_dir or default_data_dir()
        try:
            path = save_capture(folder, source, self._lines)
        except OSError as exc:
            self.status.setText(self.tr("Could not save the capture in {folder}: {cause}. Check that the folder "
                                        "is writable and the disk has room.")
                                .format(folder=folder, cause=exc.strerror or exc))
        else:
            self.status.setText(self.tr("Saved {count} lines to {path}").format(count=len(self._lines), path=path))
        self.status.show()
