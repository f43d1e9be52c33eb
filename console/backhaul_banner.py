"""The backhaul banner: an amber strip on every seat while HQ cannot be reached, or while the
backlog that queued meanwhile is still being sent."""

from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMainWindow, QProgressBar, QToolBar, QWidget

from radios.schema import BackhaulState, PayloadError, parse_ts

TICK_MS = 1000


def format_duration(seconds: float) -> str:
    """``3725`` -> ``1:02:05``; ``65`` -> ``1:05``: the same in every language."""
    minutes, secs = divmod(max(0, int(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


class BackhaulBanner(QFrame):
    """Shows the outage's duration (ticking) and the backlog by priority while the backhaul is
    down, and the drain's progress once it is back; hidden when up and drained or not configured.

    Fed by the bus client's ``backhaul_changed`` (GUI thread), which the gateway sends every
    second and on each change.
    """

    wanted_changed = Signal(bool)  # whether the banner should be on screen; its host follows

    def __init__(self, bus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("backhaulBanner")
        self.state: BackhaulState | None = None
        self.wanted = False
        self.text = QLabel(self)
        self.text.setObjectName("backhaulText")
        self.text.setTextFormat(Qt.PlainText)
        self.backlog = QLabel(self)
        self.backlog.setObjectName("backhaulBacklog")
        self.progress = QProgressBar(self)
        self.progress.setObjectName("backhaulProgress")
        self.progress.setMaximumWidth(240)
        self.progress.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 4)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.backlog)
        layout.addWidget(self.progress)
        self._timer = QTimer(self, interval=TICK_MS)
        self._timer.timeout.connect(self._refresh)
        bus.backhaul_changed.connect(self._on_bus_backhaul_changed)
        self._refresh()

    def row_title(self) -> str:
        return self.tr("Backhaul")

    def priority_label(self, name: str) -> str:
        return {"alarm": self.tr("alarms"), "order": self.tr("orders"), "event": self.tr("events"),
                "position": self.tr("positions"), "bulk": self.tr("bulk")}.get(name, name)

    def _on_bus_backhaul_changed(self, state: BackhaulState) -> None:
        self.state = state
        self._refresh()

    def _refresh(self) -> None:
        state = self.state
        down = state is not None and state.state == "down"
        draining = state is not None and state.state == "up" and state.draining and state.backlog > 0
        if down:
            self.text.setText(self.tr("Backhaul to HQ DOWN for {duration} — reports are queued and will be "
                                      "sent when it returns").format(duration=format_duration(self._outage_s())))
            self.setToolTip(state.detail)
        elif draining:
            total = state.delivered + state.backlog
            self.text.setText(self.tr("Backhaul to HQ restored — sending the backlog: {sent} of {total}").format(
                sent=state.delivered, total=total))
            self.progress.setRange(0, max(total, 1))
            self.progress.setValue(state.delivered)
            self.setToolTip("")
        if down or draining:
            parts = [f"{self.priority_label(name)} {count}" for name, count in state.backlog_by_priority]
            self.backlog.setText(self.tr("Queued: {items}").format(items=" · ".join(parts) or "0"))
        self.progress.setVisible(draining)
        self._set_wanted(down or draining)

    def _outage_s(self) -> float:
        try:
            since = parse_ts(self.state.since) if self.state and self.state.since else None
        except PayloadError:
            since = None
        return (datetime.now(timezone.utc) - since).total_seconds() if since else 0.0

    def _set_wanted(self, wanted: bool) -> None:
        if wanted and not self._timer.isActive():
            self._timer.start()
        elif not wanted:
            self._timer.stop()
        if wanted != self.wanted:
            self.wanted = wanted
            self.wanted_changed.emit(wanted)


def install_backhaul_banner(window: QMainWindow, bus) -> BackhaulBanner:
    """Give the banner a full-width row of its own at the top of ``window``; it shows itself.

    A seat's saved layout may remember the row as it was; the row is put right again
    whenever the seat changes.
    """
    banner = BackhaulBanner(bus)
    window.addToolBarBreak()
    row = QToolBar(banner.row_title(), window)
    row.setObjectName("backhaulToolbar")
    row.setMovable(False)
    row.setFloatable(False)
    row.toggleViewAction().setVisible(False)  # it hides itself once HQ has everything
    row.addWidget(banner)
    window.addToolBar(Qt.TopToolBarArea, row)
    row.setVisible(banner.wanted)
    banner.wanted_changed.connect(row.setVisible)
    seat_changed = getattr(window, "seat_changed", None)  # a restored layout may have shown the row
    if seat_changed is not None:
        seat_changed.connect(lambda seat: row.setVisible(banner.wanted))
    return banner
