"""The status bar: local bus, gateway and backhaul state, and a clock in local time and UTC."""

from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from radios.schema import BackhaulState, GatewayStatus


class StatusBar(QStatusBar):
    """Always-visible health of the things every seat depends on."""

    def __init__(self, bus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.broker = self._label("broker")
        self.gateway = self._label("gateway")
        self.backhaul = self._label("backhaul")
        self.clock = self._label("clock")
        for label in (self.broker, self.gateway, self.backhaul):
            self.addWidget(label)
        self.addPermanentWidget(self.clock)
        self._set(self.broker, "connecting", self.tr("Broker: connecting…"))
        self._set(self.gateway, "unknown", self.tr("Gateway: not heard yet"))
        self._set(self.backhaul, "unknown", self.tr("Backhaul: unknown"))
        bus.connection_changed.connect(self._on_bus_connection_changed)
        bus.gateway_changed.connect(self._on_bus_gateway_changed)
        bus.backhaul_changed.connect(self._on_bus_backhaul_changed)
        self._timer = QTimer(self, interval=1000)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self._tick()

    def _label(self, name: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(f"status_{name}")
        label.setContentsMargins(8, 0, 8, 0)
        return label

    def _set(self, label: QLabel, state: str, text: str) -> None:
        label.setText(text)
        label.setProperty("state", state)
        label.style().unpolish(label)
        label.style().polish(label)

    def _tick(self) -> None:
        now = datetime.now(timezone.utc)
        self.clock.setText(self.tr("{local} local · {utc} UTC").format(
            local=now.astimezone().strftime("%H:%M:%S"), utc=now.strftime("%H:%M:%S")))

    def _on_bus_connection_changed(self, state: str, detail: str) -> None:
        text = {
            "up": self.tr("Broker: connected ({detail})"),
            "connecting": self.tr("Broker: connecting to {detail}…"),
        }.get(state, self.tr("Broker: DOWN ({detail})"))
        self._set(self.broker, state, text.format(detail=detail))
        if state != "up":
            self._set(self.gateway, "unknown", self.tr("Gateway: unknown while the broker is down"))

    def _on_bus_gateway_changed(self, status: GatewayStatus) -> None:
        if status.state == "online":
            self._set(self.gateway, "up", self.tr("Gateway: online · {events} events stored").format(
                events=status.events_stored))
        else:
            self._set(self.gateway, "down", self.tr("Gateway: OFFLINE"))

    def _on_bus_backhaul_changed(self, backhaul: BackhaulState) -> None:
        if backhaul.state == "not_configured":
            self._set(self.backhaul, "unknown", self.tr("Backhaul: no uplink configured"))
        elif backhaul.state == "up":
            self._set(self.backhaul, "up", self.tr("Backhaul: up"))
        else:
            self._set(self.backhaul, "down", self.tr("Backhaul: DOWN · {backlog} queued").format(
                backlog=backhaul.backlog))
