"""The communications technician's panel: a card per link, the backhaul's card, and raw traffic.

Everything here is fed by the bus client's signals on the GUI thread. Reports set a card's
text at once; what ages or plots (last-seen times, the ten-minute histories, the traffic
monitor) is redrawn by one timer about once a second, however fast messages arrive.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QScrollArea, QSplitter, QVBoxLayout, QWidget

from console.link_cards import BackhaulCardWidget, LinkCardWidget
from console.traffic_monitor import TrafficMonitorWidget
from radios.schema import BackhaulState, LinkState

TICK_MS = 1000


class LinksPanel(QWidget):
    """Cards for every link that reports, in the order they first did; says so plainly when none has."""

    def __init__(self, bus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cards: dict[str, LinkCardWidget] = {}
        self.backhaul: BackhaulCardWidget | None = None
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
        layout.addWidget(splitter)
        bus.link_changed.connect(self._on_bus_link_changed)
        bus.backhaul_changed.connect(self._on_bus_backhaul_changed)
        self._timer = QTimer(self, interval=TICK_MS)
        self._timer.timeout.connect(self._on_timer_tick)
        self._timer.start()

    def _on_bus_link_changed(self, state: LinkState) -> None:
        """GUI thread (the bus client's queued signal): a link's report, its card made on the first."""
        card = self.cards.get(state.link)
        if card is None:
            card = self.cards[state.link] = LinkCardWidget(state.link, self._board)
            self._cards.insertWidget(self._cards.count() - 1, card)  # above the stretch
            self.empty.hide()
        card.show_state(state)

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
