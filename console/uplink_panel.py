"""The uplink panel: what goes up to HQ's media server, at what picture and bitrate, against the budget.

A dock on the commander's and the communications seats. It shows the gateway's
``DispatchState`` as ``DispatchActions`` keeps it: the backhaul, the budget and where the
video goes, then one row per stream chosen for HQ (state, picture, measured bitrate
against its share, and why it waits or fails), and lets a person send any stream of the
catalogue to HQ or stop one. GUI thread only.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QProgressBar, QPushButton, QTableWidget,
    QTableWidgetItem, QVBoxLayout, QWidget,
)

from console.dispatch_actions import DispatchActions
from radios.dispatch_place import split_target
from radios.schema import DispatchState

COLUMNS = 5


class UplinkPanel(QWidget):
    """Lists the streams sent to HQ against the budget; sends and stops them (GUI thread)."""

    def __init__(self, actions: DispatchActions, streams: Callable[[], list[tuple[str, str]]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._actions = actions
        self._streams = streams  # [(stream id, name)] of the catalogue, in the wall's order
        self.summary = QLabel(self.tr("No video goes to HQ: the gateway has not reported video dispatch."))
        self.summary.setWordWrap(True)
        self.usage = QProgressBar()
        self.usage.setTextVisible(True)
        self.table = QTableWidget(0, COLUMNS)
        self.table.setHorizontalHeaderLabels([self.tr("Stream"), self.tr("State"), self.tr("Picture"),
                                              self.tr("Sent / share"), self.tr("Detail")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        header = self.table.horizontalHeader()
        for column in range(COLUMNS - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeToContents)
        header.setStretchLastSection(True)
        self.choice = QComboBox()
        self.choice.setToolTip(self.tr("A stream of the video catalogue"))
        self.send_button = QPushButton(self.tr("Send to HQ"))
        self.stop_button = QPushButton(self.tr("Stop sending"))
        self.answer = QLabel()
        self.answer.setWordWrap(True)
        self.answer.setStyleSheet("color: #e0a030")
        controls = QHBoxLayout()
        controls.addWidget(self.choice, 1)
        controls.addWidget(self.send_button)
        controls.addWidget(self.stop_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.usage)
        layout.addWidget(self.table, 1)
        layout.addLayout(controls)
        layout.addWidget(self.answer)
        self.send_button.clicked.connect(self._on_send_button_clicked)
        self.stop_button.clicked.connect(self._on_stop_button_clicked)
        self.table.itemSelectionChanged.connect(self._on_table_selection_changed)
        actions.state_changed.connect(self._on_actions_state_changed)
        actions.answered.connect(self._on_actions_answered)
        self.refresh_streams()
        self._show(actions.state)

    def refresh_streams(self) -> None:
        """Fill the stream chooser from the catalogue again (new streams are announced on the bus)."""
        current = self.choice.currentData()
        self.choice.clear()
        for stream_id, name in self._streams():
            self.choice.addItem(name, stream_id)
        index = self.choice.findData(current)
        if index >= 0:
            self.choice.setCurrentIndex(index)

    def showEvent(self, event) -> None:
        self.refresh_streams()
        super().showEvent(event)

    # -- what the panel says (also for tests and screen readers) ----------------------

    def summary_text(self, state: DispatchState | None) -> str:
        if state is None:
            return self.tr("No video goes to HQ: the gateway has not reported video dispatch.")
        backhaul = {"up": self.tr("Backhaul up"), "down": self.tr("Backhaul DOWN: video waits"),
                    "not_configured": self.tr("No uplink configured")}.get(state.backhaul, state.backhaul)
        return self.tr("{backhaul} · {link} · budget {budget} kb/s · {target}").format(
            backhaul=backhaul, budget=state.budget_kbps, link=self.capacity_text(state),
            target=self.target_text(state))

    def target_text(self, state: DispatchState) -> str:
        """HQ's media server as ``SRT to hq.example:9000``: never the url's template, path, query or login.

        The gateway retains only ``scheme://host:port``; an older gateway's full url is cleaned here too.
        """
        server = split_target(state.target)
        if server is None:
            return self.tr("to HQ's media server")
        protocol, place = server
        return self.tr("{protocol} to {server}").format(protocol=protocol.upper(), server=place)

    def capacity_text(self, state: DispatchState) -> str:
        """The backhaul's capacity and how it is known: ``capacity 1.8 Mbit/s (measured)``."""
        if not state.capacity_kbps:
            return self.tr("capacity unknown")
        kbps = state.capacity_kbps
        rate = (self.tr("{mbps:.1f} Mbit/s").format(mbps=kbps / 1000) if kbps >= 1000
                else self.tr("{kbps} kb/s").format(kbps=kbps))
        if state.capacity_source == "measured":
            return self.tr("capacity {rate} (measured)").format(rate=rate)
        return self.tr("capacity {rate} (configured)").format(rate=rate)

    def state_label(self, state: str) -> str:
        return {
            "idle": self.tr("Idle"), "starting": self.tr("Starting"), "sending": self.tr("Sending"),
            "transcoding": self.tr("Sending, re-encoded"), "waiting_backhaul": self.tr("Waiting for backhaul"),
            "held": self.tr("Held: budget too small"), "failed": self.tr("Failed"),
        }.get(state, state)

    # -- bus, through DispatchActions ---------------------------------------------------

    def _on_actions_state_changed(self, state: DispatchState) -> None:
        self._show(state)

    def _on_actions_answered(self, error: str) -> None:
        self.answer.setText(error)

    def _show(self, state: DispatchState | None) -> None:
        self.summary.setText(self.summary_text(state))
        entries = state.streams if state else []
        sent = sum(entry["out_kbps"] for entry in entries)
        budget = state.budget_kbps if state else 0
        self.usage.setRange(0, max(1, budget))
        self.usage.setValue(min(int(sent), max(1, budget)))
        self.usage.setFormat(self.tr("{sent:.0f} of {budget} kb/s").format(sent=sent, budget=budget))
        names = dict(self._streams())
        selected = self._selected_stream()
        self.table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            picture = (f"{entry['width']}x{entry['height']}" if entry["width"] and entry["height"] else "—")
            if entry["fps"]:
                picture += self.tr(" at {fps} frames/s").format(fps=entry["fps"])
            if entry["mode"] == "copy":
                picture += self.tr(" (as the camera sends it)")
            cells = [names.get(entry["stream"], entry["stream"]), self.state_label(entry["state"]), picture,
                     self.tr("{sent:.0f} / {share} kb/s").format(sent=entry["out_kbps"], share=entry["share_kbps"]),
                     entry["detail"]]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.UserRole, entry["stream"])
                item.setToolTip(entry["detail"])
                self.table.setItem(row, column, item)
            if entry["stream"] == selected:
                self.table.selectRow(row)
        self._on_table_selection_changed()

    # -- buttons -----------------------------------------------------------------------

    def _selected_stream(self) -> str | None:
        items = self.table.selectedItems()
        return items[0].data(Qt.UserRole) if items else None

    def _on_table_selection_changed(self) -> None:
        self.stop_button.setEnabled(self._selected_stream() is not None)

    def _on_send_button_clicked(self) -> None:
        stream_id = self.choice.currentData()
        if stream_id:
            self.answer.clear()
            self._actions.send(stream_id)

    def _on_stop_button_clicked(self) -> None:
        stream_id = self._selected_stream()
        if stream_id:
            self.answer.clear()
            self._actions.stop(stream_id)
