"""The incident log: every event on the bus in one timeline, and a line to add an entry."""

from __future__ import annotations

import bisect
from datetime import datetime, timedelta, timezone

from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox, QHBoxLayout, QLineEdit, QPushButton, QTableView, QVBoxLayout, QWidget,
)

from console.seats import SEAT_NAMES, seat_title
from radios.schema import Event, HistoryReply, HistoryRequest, PayloadError, format_ts, parse_ts

HISTORY_HOURS = 24
CATEGORIES = ("note", "situation", "decision", "order", "safety")


def category_label(name: str) -> str:
    """The shown name of a log category; categories from the field are shown as they came."""
    return {
        "note": QCoreApplication.translate("EventLogPanel", "Note"),
        "situation": QCoreApplication.translate("EventLogPanel", "Situation"),
        "decision": QCoreApplication.translate("EventLogPanel", "Decision"),
        "order": QCoreApplication.translate("EventLogPanel", "Order"),
        "safety": QCoreApplication.translate("EventLogPanel", "Safety"),
        "system": QCoreApplication.translate("EventLogPanel", "System"),
    }.get(name, name)


class EventLogModel(QAbstractTableModel):
    """Events ordered by time, each shown once however often it arrives (dedup by id)."""

    COLUMNS = ("local", "utc", "severity", "category", "source", "text")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._events: list[Event] = []
        self._keys: list[tuple[str, str]] = []
        self._ids: set[str] = set()

    def add(self, event: Event) -> bool:
        """Insert ``event`` in time order; False if it is already shown."""
        if event.id in self._ids:
            return False
        key = (event.ts, event.id)
        row = bisect.bisect(self._keys, key)
        self.beginInsertRows(QModelIndex(), row, row)
        self._events.insert(row, event)
        self._keys.insert(row, key)
        self._ids.add(event.id)
        self.endInsertRows()
        return True

    def event_at(self, row: int) -> Event:
        return self._events[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._events)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole):
        if orientation != Qt.Horizontal or role != Qt.DisplayRole:
            return None
        return (self.tr("Local time"), self.tr("UTC"), self.tr("Severity"), self.tr("Category"),
                self.tr("Source"), self.tr("Text"))[section]

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.DisplayRole):
        if not index.isValid():
            return None
        event = self._events[index.row()]
        column = self.COLUMNS[index.column()]
        if role == Qt.DisplayRole:
            moment = parse_ts(event.ts)
            return {
                "local": moment.astimezone().strftime("%m-%d %H:%M:%S"),
                "utc": moment.astimezone(timezone.utc).strftime("%H:%M:%SZ"),
                "severity": self._severity_label(event.severity),
                "category": category_label(event.category),
                "source": seat_title(event.seat) if event.seat in SEAT_NAMES else event.src,
                "text": event.text,
            }[column]
        if role == Qt.ForegroundRole and event.severity != "info":
            return QBrush(QColor("#e5484d" if event.severity == "alarm" else "#e0a030"))
        if role == Qt.ToolTipRole and column == "text":
            return event.text
        return None

    def _severity_label(self, severity: str) -> str:
        return {"info": self.tr("info"), "warning": self.tr("warning"), "alarm": self.tr("ALARM")}[severity]


class EventLogPanel(QWidget):
    """Shows the shared timeline and lets this seat add an entry; entries go out on the bus."""

    entry_submitted = Signal(object)  # Event, before it is published

    def __init__(self, bus, seat: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bus = bus
        self.seat = seat
        self.model = EventLogModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setObjectName("eventTable")
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QTableView.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self._size_columns()
        self.category = QComboBox(self)
        for name in CATEGORIES:
            self.category.addItem(category_label(name), name)
        self.entry = QLineEdit(self)
        self.entry.setObjectName("eventEntry")
        self.entry.setPlaceholderText(self.tr("New log entry — press Enter to add"))
        self.entry.setMaxLength(2000)
        self.add_button = QPushButton(self.tr("Add"), self)
        self.add_button.setObjectName("eventAdd")
        entry_row = QHBoxLayout()
        entry_row.addWidget(self.category)
        entry_row.addWidget(self.entry, 1)
        entry_row.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table, 1)
        layout.addLayout(entry_row)
        self.entry.returnPressed.connect(self.submit)
        self.add_button.clicked.connect(self.submit)
        bus.event_received.connect(self._on_bus_event_received)
        bus.history_received.connect(self._on_bus_history_received)
        bus.connection_changed.connect(self._on_bus_connection_changed)

    def _size_columns(self) -> None:
        """Fixed starting widths from sample text: cheaper than measuring every row, and stable."""
        header = self.table.horizontalHeader()
        metrics = self.table.fontMetrics()
        samples = ("00-00 00:00:00", "00:00:00Z", self.tr("warning"), self.tr("Situation"), "console@vehicle-pc-1")
        for column, sample in enumerate(samples):
            title = self.model.headerData(column, Qt.Horizontal)
            header.resizeSection(column, max(metrics.horizontalAdvance(sample), metrics.horizontalAdvance(title)) + 24)
        header.setStretchLastSection(True)

    def submit(self) -> None:
        """Publish the typed entry as an event of this seat and clear the line."""
        text = self.entry.text().strip()
        if not text:
            return
        try:
            event = Event.create(self._bus.source, category=self.category.currentData(), text=text, seat=self.seat)
        except PayloadError:
            return
        self.entry_submitted.emit(event)
        self._bus.publish_event(event)
        self.model.add(event)
        self.entry.clear()
        self.table.scrollToBottom()

    def _on_bus_event_received(self, event: Event) -> None:
        at_bottom = self.table.verticalScrollBar().value() == self.table.verticalScrollBar().maximum()
        if self.model.add(event) and at_bottom:
            self.table.scrollToBottom()

    def _on_bus_history_received(self, reply: HistoryReply | None) -> None:
        if reply is None or not reply.ok:
            return
        for item in reply.items:
            try:
                self.model.add(Event.from_dict(item))
            except (PayloadError, TypeError):
                continue
        self.table.scrollToBottom()

    def _on_bus_connection_changed(self, state: str, detail: str) -> None:
        if state == "up":
            since = format_ts(datetime.now(timezone.utc) - timedelta(hours=HISTORY_HOURS))
            self._bus.request_history(HistoryRequest.create(self._bus.source, what="events", start=since))

