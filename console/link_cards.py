"""The comms seat's cards: one per link (state, counters, signal, message rate) and one for the backhaul.

Cards are fed on the GUI thread: ``show_state`` with each report from the bus client, ``tick``
about once a second by their panel, which redraws ages and plots (coalesced, never per
message). pyqtgraph is imported with the first card, so a seat that shows no link never
pays for it at start.
"""

from __future__ import annotations

import time
from collections import deque

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from console.backhaul_banner import format_duration
from console.link_controls import LinkControlsWidget
from console.link_history import HISTORY_S, RateHistory
from radios.schema import BackhaulState, LinkState, PayloadError, parse_ts

STATE_COLOURS = {"up": "#3fb950", "degraded": "#e0a030", "down": "#e5484d", "connecting": "#e0a030",
                 "disabled": "#7d8792", "not_configured": "#7d8792"}
PLOT_HEIGHT = 78
CURVE_COLOUR = "#3d8bd9"


def make_history_plot(parent: QWidget):
    """A small plot of the last ten minutes with local time on its axis: (widget, curve)."""
    import pyqtgraph as pg

    plot = pg.PlotWidget(parent, axisItems={"bottom": pg.DateAxisItem(orientation="bottom")}, background=None)
    plot.setFixedHeight(PLOT_HEIGHT)
    plot.setMinimumWidth(220)
    plot.setMouseEnabled(x=False, y=False)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.showGrid(y=True, alpha=0.15)
    plot.getPlotItem().getAxis("left").setWidth(36)
    curve = plot.plot([], [], pen=pg.mkPen(CURVE_COLOUR, width=1.5), fillLevel=0, brush=(61, 139, 217, 60))
    return plot, curve


def seconds_since(ts: str | None, now: float) -> float | None:
    """Age of a payload timestamp in seconds at wall time ``now``; None when absent or unreadable."""
    if not ts:
        return None
    try:
        return max(0.0, now - parse_ts(ts).timestamp())
    except PayloadError:
        return None


class _CardWidget(QFrame):
    """The frame both cards share: a coloured edge for the state, text on the left, a plot on the right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("linkCard")
        self.title = QLabel(self)
        bold = QFont(self.title.font())
        bold.setBold(True)
        bold.setPointSizeF(bold.pointSizeF() * 1.15)
        self.title.setFont(bold)
        self.state_label = QLabel(self)
        self.state_label.setFont(bold)
        self.detail = QLabel(self)
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.PlainText)
        self.counters = QLabel(self)
        self.extra = QLabel(self)
        self.extra.hide()
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addStretch(1)
        header.addWidget(self.state_label)
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addLayout(header)
        text.addWidget(self.detail)
        text.addWidget(self.counters)
        text.addWidget(self.extra)
        text.addStretch(1)
        self.plot, self.curve = make_history_plot(self)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 6, 6, 6)
        row.addLayout(text, 2)
        row.addWidget(self.plot, 3)

    def _set_colour(self, state: str) -> None:
        colour = STATE_COLOURS.get(state, "#7d8792")
        self.setStyleSheet(f"QFrame#linkCard {{ background: palette(alternate-base); border-left: 6px solid {colour};"
                           f" border-radius: 3px; }}")
        self.state_label.setStyleSheet(f"color: {colour};")

    def _draw(self, times: list[float], values: list[float], now: float) -> None:
        self.curve.setData(times, values)
        self.plot.setXRange(now - HISTORY_S, now, padding=0)
        self.plot.setYRange(0, max(1.0, max(values, default=0.0) * 1.15), padding=0)  # zero stays at the floor


class LinkCardWidget(_CardWidget):
    """One link at a glance: state, why, counters, age of the last message, signal, rate plot."""

    def __init__(self, link: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.link = link
        self.state: LinkState | None = None
        self.history = RateHistory()
        self.plot.setToolTip(self.tr("Messages per second in and out, last 10 minutes"))
        self.controls = LinkControlsWidget(link, self)
        self.layout().itemAt(0).layout().insertWidget(4, self.controls)  # under the counters, above the stretch

    def show_state(self, state: LinkState, now: float | None = None) -> None:
        """A new report for this link (GUI thread)."""
        now = time.time() if now is None else now
        self.state = state
        self.history.add(now, state.messages_in + state.messages_out)
        self.title.setText(f"{state.link} · {state.link_type}")
        self.state_label.setText(self.state_name(state.state))
        self.detail.setText(state.detail or "—")
        self._set_colour(state.state)
        self.controls.show_state(state.link_type, state.state)
        quality = []
        if state.signal is not None:  # only devices that report one (modems: AT+CSQ)
            quality.append(self.tr("signal {value}").format(value=state.signal))
        if state.rtt_ms is not None:
            quality.append(self.tr("round trip {ms} ms").format(ms=f"{state.rtt_ms:.0f}"))
        self.extra.setText(" · ".join(quality))
        self.extra.setVisible(bool(quality))
        self.tick(now)

    def tick(self, now: float) -> None:
        """Redraw what ages: the last-seen time and the plot (GUI thread, about once a second)."""
        state = self.state
        if state is None:
            return
        age = seconds_since(state.last_seen, now)
        seen = self.tr("never") if age is None else self.tr("{age} ago").format(age=format_duration(age))
        rate = self.history.latest
        self.counters.setText(self.tr("in {inbound} · out {outbound} · errors {errors} · {rate}/s · last seen {seen}")
                              .format(inbound=f"{state.messages_in:,}", outbound=f"{state.messages_out:,}",
                                      errors=f"{state.errors:,}", rate="—" if rate is None else f"{rate:.1f}",
                                      seen=seen))
        self.history.trim(now)
        self._draw(*self.history.series(), now)

    def state_name(self, state: str) -> str:
        return {"disabled": self.tr("disabled"), "connecting": self.tr("connecting"), "up": self.tr("up"),
                "degraded": self.tr("degraded"), "down": self.tr("down")}.get(state, state)


class BackhaulCardWidget(_CardWidget):
    """The uplink to HQ: state, round trip, what waits by priority, and the backlog over time."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("linkCard")
        self.state: BackhaulState | None = None
        self.backlog: deque[tuple[float, float]] = deque()
        self.title.setText(self.tr("Backhaul to HQ"))
        self.plot.setToolTip(self.tr("Reports waiting for HQ, last 10 minutes"))

    def show_state(self, state: BackhaulState, now: float | None = None) -> None:
        """A new backhaul report (GUI thread)."""
        now = time.time() if now is None else now
        self.state = state
        self.backlog.append((now, float(state.backlog)))
        self.state_label.setText({"up": self.tr("up"), "down": self.tr("down"),
                                  "not_configured": self.tr("not configured")}.get(state.state, state.state))
        self.detail.setText(state.detail or (self.tr("No uplink is configured.") if state.state == "not_configured"
                                             else "—"))
        self._set_colour(state.state)
        parts = [f"{self.priority_name(name)} {count:,}" for name, count in state.backlog_by_priority]
        self.extra.setText(self.tr("Queued: {items}").format(items=" · ".join(parts)) if parts else "")
        self.extra.setVisible(bool(parts))
        self.tick(now)

    def tick(self, now: float) -> None:
        state = self.state
        if state is None:
            return
        configured = state.state != "not_configured"
        self.counters.setVisible(configured)
        self.plot.setVisible(configured)
        rtt = "—" if state.rtt_ms is None else f"{state.rtt_ms:.0f}"
        since = seconds_since(state.since, now)
        self.counters.setText(self.tr("round trip {rtt} ms · backlog {backlog} · delivered {delivered} · for {since}")
                              .format(rtt=rtt, backlog=f"{state.backlog:,}", delivered=f"{state.delivered:,}",
                                      since="—" if since is None else format_duration(since)))
        while self.backlog and self.backlog[0][0] < now - HISTORY_S:
            self.backlog.popleft()
        self._draw([t for t, _ in self.backlog], [v for _, v in self.backlog], now)

    def priority_name(self, name: str) -> str:
        return {"alarm": self.tr("alarms"), "order": self.tr("orders"), "event": self.tr("events"),
                "position": self.tr("positions"), "bulk": self.tr("bulk")}.get(name, name)
