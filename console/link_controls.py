"""A link card's controls: enable or disable, reconnect, and for a serial link the port it reads.

The widget only asks: ``command_requested(link, action, url)`` goes to the panel, which
sends a ``link_command`` to the gateway over the bus; the gateway owns the link, acts,
and the card shows the new state when the gateway reports it. Everything runs on the
GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QPushButton, QWidget

PORT_TYPES = ("serial", "mavlink")  # links that read a serial port (radios/link_control.py)
FIXED_LINKS = ("local-bus",)        # the gateway's own bus session is not one of its field links


class LinkControlsWidget(QWidget):
    """Enable/Disable, Reconnect and, for links on a serial port, a port picker with a Move button."""

    command_requested = Signal(str, str, object)  # link id, action, url (set_url) or None

    def __init__(self, link: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.link = link
        self.link_type = ""
        self.toggle = QPushButton(self.tr("Disable"), self)
        self.toggle.setObjectName("linkToggle")
        self.toggle.clicked.connect(self._on_toggle_clicked)
        self.reconnect = QPushButton(self.tr("Reconnect"), self)
        self.reconnect.setObjectName("linkReconnect")
        self.reconnect.setToolTip(self.tr("Close the link and open it again with the same settings"))
        self.reconnect.clicked.connect(lambda: self.command_requested.emit(self.link, "reconnect", None))
        self.port = QComboBox(self)
        self.port.setObjectName("linkPort")
        self.port.setEditable(True)  # a pty or socket:// url the gateway cannot list can be typed in
        self.port.setMinimumContentsLength(16)
        self.port.setToolTip(
            self.tr("Serial ports on the gateway's machine; a device path or pyserial url may be typed"))
        self.port.lineEdit().setPlaceholderText(self.tr("Port"))
        self.move = QPushButton(self.tr("Use port"), self)
        self.move.setObjectName("linkMove")
        self.move.clicked.connect(self._on_move_clicked)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 2, 0, 0)
        row.addWidget(self.toggle)
        row.addWidget(self.reconnect)
        row.addWidget(self.port, 1)
        row.addWidget(self.move)
        row.addStretch(0)  # buttons keep their size when a link has no port picker
        self._enabled = True
        self.show_state("", "up")
        self.setVisible(link not in FIXED_LINKS)

    def show_state(self, link_type: str, state: str) -> None:
        """The link's latest report: what the toggle offers, and whether a port picker applies."""
        self.link_type = link_type
        self._enabled = state != "disabled"
        self.toggle.setText(self.tr("Disable") if self._enabled else self.tr("Enable"))
        self.reconnect.setEnabled(self._enabled)
        on_port = link_type in PORT_TYPES
        self.port.setVisible(on_port)
        self.move.setVisible(on_port)

    def show_ports(self, devices: list[str], current: str | None = None) -> None:
        """The gateway's port list; what the technician typed stays in the box."""
        typed = self.port.currentText()
        self.port.blockSignals(True)
        self.port.clear()
        self.port.addItems(devices)
        self.port.setEditText(typed or current or "")
        self.port.blockSignals(False)

    def _on_toggle_clicked(self) -> None:
        self.command_requested.emit(self.link, "disable" if self._enabled else "enable", None)

    def _on_move_clicked(self) -> None:
        url = self.port.currentText().strip()
        if url:
            self.command_requested.emit(self.link, "set_url", url)
