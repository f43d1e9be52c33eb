"""Docks whose real content is not in this version yet: each says exactly what is missing."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QListWidget, QVBoxLayout, QWidget

from radios.config import mask_url


def _notice(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setProperty("role", "empty")
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignCenter)
    return label


class VideoPanel(QWidget):
    """Lists the configured streams (credentials masked); playback is not in this version."""

    def __init__(self, streams: tuple, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        if not streams:
            layout.addWidget(_notice(self.tr("No video streams configured."), self))
            return
        layout.addWidget(_notice(self.tr("Video playback is not part of this version. Configured streams:"), self))
        self.streams = QListWidget(self)
        for stream in streams:
            self.streams.addItem(f"{stream.name} · {stream.kind} · {mask_url(stream.url)}")
        layout.addWidget(self.streams, 1)


class MessagesPanel(QWidget):
    """Orders and messages to units are not in this version; says so."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addWidget(_notice(self.tr("Sending orders and messages to units is not part of this version. "
                                         "Use the event log to record orders given by radio."), self))
