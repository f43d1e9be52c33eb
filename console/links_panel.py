"""The communications technician's panel: a card per link, the backhaul's card, and raw traffic.

Everything here is fed by the bus client's signals on the GUI thread. Reports set a card's
text at once; what ages or plots (last-seen times, the ten-minute histories, the traffic
monitor) is redrawn by one timer about once a second, however fast messages arrive.
A card's buttons ask the gateway, which owns the links, to act (``link_command``); the
gateway's answer shows above the cards, and the link's next report shows the result.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QScrollArea, QSplitter, QVBoxLayout, QWidget

from console.link_cards import BackhaulCardWidget, LinkCardWidget
from console.traffic_monitor import TrafficMonitorWidget
from radios.schema import BackhaulState, LinkState, SerialPorts

TICK_MS = 1000


class LinksPanel(QWidget):
    """Cards for every link that reports, in the order they first did; says so plainly when none has."""

    def __init__(self, bus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cards: dict[str, LinkCardWidget] = {}
        self.backhaul: BackhaulCardWidget | None = None
        self._bus = bus
        self._ports: list[str] = []
        self._asked: dict[str, tuple[str, str]] = {}  # request id -> (link, action) of this seat's commands
        self.notice = QLabel(self)
        self.notice.setObjectName("linkNotice")
        self.notice.setWordWrap(True)
        self.notice.setTextFormat(Qt.PlainText)
        self.notice.setContentsMargins(8, 4, 8, 4)
        self.notice.hide()
        self.empty = QLabel(self.tr("No link has reported yet. Links appear here when the gateway publishes them."))
        self.empty.setProperty("role", "empty")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignCenter)
        self._board = QWidget()
        self._cards = QVBoxLayout(self._board)
        self._cards.setContentsMargins(4, 4, 4, 4)
        self._cards.setSpacing(6)
        self._cards.addWidget(self.empty)
        self._cards.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.NoFrame)
        scroll.setWidget(self._board)
        self.monitor = TrafficMonitorWidget(bus, self)
        splitter = QSplitter(Qt.Vertical, self)
        splitter.addWidget(scroll)
        splitter.addWidget(self.monitor)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([4000, 1000])  # the cards are what the seat is for; the monitor gets a fifth
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.notice)
        layout.addWidget(splitter)
        bus.link_changed.connect(self._on_bus_link_changed)
        bus.backhaul_changed.connect(self._on_bus_backhaul_changed)
        for name, slot in (("serial_ports_changed", self._on_bus_serial_ports_changed),
                           ("command_answered", self._on_bus_command_answered)):
            signal = getattr(bus, name, None)  # a bus without link control still gets cards
            if signal is not None:
                signal.connect(slot)
        self._timer = QTimer(self, interval=TICK_MS)
        self._timer.timeout.connect(self._on_timer_tick)
        self._timer.start()

    def _on_bus_link_changed(self, state: LinkState) -> None:
        """GUI thread (the bus client's queued signal): a link's report, its card made on the first."""
        card = self.cards.get(state.link)
        if card is None:
            card = self.cards[state.link] = LinkCardWidget(state.link, self._board)
            card.controls.command_requested.connect(self._on_card_command_requested)
            card.controls.show_ports(self._ports)
            self._cards.insertWidget(self._cards.count() - 1, card)  # above the stretch
            self.empty.hide()
        if state.link_type == "serial":  # the gateway copies a serial link's raw lines when watched
            self.monitor.add_link(state.link)
        card.show_state(state)

    def _on_bus_serial_ports_changed(self, ports: SerialPorts) -> None:
        """GUI thread: the ports the gateway's machine has now, for every card's picker."""
        self._ports = [port["device"] for port in ports.ports]
        for card in self.cards.values():
            card.controls.show_ports(self._ports)

    def _on_card_command_requested(self, link: str, action: str, url: object) -> None:
        """GUI thread: a card's button; the gateway acts and reports the link's new state."""
        command_link = getattr(self._bus, "command_link", None)
        if command_link is None:
            return
        self._asked[command_link(link, action, url)] = (link, action)
        self.notice.setText(self.tr("Asked the gateway: {action} link {link}…").format(action=action, link=link))
        self.notice.show()

    def _on_bus_command_answered(self, request_id: str, reply: object) -> None:
        """GUI thread: the gateway's answer to one of this seat's link commands (others' answers are not ours)."""
        asked = self._asked.pop(request_id, None)
        if asked is None:
            return
        link, action = asked
        if reply is None:
            text = self.tr("The gateway did not answer ({action} link {link}); check that it runs and the bus is up."
                           ).format(action=action, link=link)
        elif not reply.ok:
            text = self.tr("The gateway refused to {action} link {link}: {error}").format(
                action=action, link=link, error=reply.error)
        elif action == "watch":
            self.notice.hide()
            return
        else:
            text = self.tr("Done: {action} link {link}.").format(action=action, link=link)
        self.notice.setText(text)
        self.notice.show()

    def _on_bus_backhaul_changed(self, state: BackhaulState) -> None:
        """GUI thread: the backhaul's report; its card heads the board from the first one."""
        if self.backhaul is None:
            self.backhaul = BackhaulCardWidget(self._board)
            self._cards.insertWidget(0, self.backhaul)  # the route to HQ heads the board
        self.backhaul.show_state(state)

    def _on_timer_tick(self) -> None:
        """GUI thread, once a second: ages, plots and the traffic monitor, however fast reports came."""
        now = time.time()
        for card in self.cards.values():
            card.tick(now)
        if self.backhaul is not None:
            self.backhaul.tick(now)
        self.monitor.refresh()
