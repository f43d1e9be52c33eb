"""Docks whose real content is not in this version yet: each says exactly what is missing."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


def _notice(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setProperty("role", "empty")
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignCenter)
    return label


class MessagesPanel(QWidget):
    """Orders and messages to units are not in this version; says so."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addWidget(_notice(self.tr("Sending orders and messages to units is not part of this version. "
                                         "Use the event log to record orders given by radio."), self))
