"""The incident log panel: the shared timeline, filters, search of the whole log, new entries, corrections."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox, QHBoxLayout, QInputDialog, QLabel, QLineEdit, QMenu, QPushButton, QTableView, QVBoxLayout, QWidget,
)

from console.event_log_model import CATEGORIES, EventFilter, EventLogModel, category_label, severity_label
from radios.schema import SEVERITIES, Event, HistoryReply, HistoryRequest, PayloadError, format_ts

HISTORY_HOURS = 24
SEARCH_LIMIT = 500
FILTER_CATEGORIES = (*CATEGORIES, "system", "link", "task", "duty")


class EventLogPanel(QWidget):
    """Shows the shared timeline and lets this seat add, correct and search entries.

    Live entries arrive from the bus; a search asks the gateway, which searches the
    whole stored log, and shows its answer until "Show all" returns to the timeline.
    """

    entry_submitted = Signal(object)  # Event, before it is published

    def __init__(self, bus, seat: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bus = bus
        self.seat = seat
        self._history_request = ""
        self._search_request = ""
        self.model = EventLogModel(self)
        self.search_model = EventLogModel(self)
        self.filter = EventFilter(self)
        self.filter.setSourceModel(self.model)
        self.table = QTableView(self)
        self.table.setObjectName("eventTable")
        self.table.setModel(self.filter)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QTableView.SelectRows)
        self.table.setContextMenuPolicy(Qt.CustomContextMenu)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self._size_columns()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self._build_filter_row())
        layout.addWidget(self.table, 1)
        layout.addLayout(self._build_entry_row())
        self.table.customContextMenuRequested.connect(self._on_table_context_menu)
        bus.event_received.connect(self._on_bus_event_received)
        bus.history_received.connect(self._on_bus_history_received)
        bus.connection_changed.connect(self._on_bus_connection_changed)

    def _build_filter_row(self) -> QHBoxLayout:
        self.search = QLineEdit(self)
        self.search.setObjectName("eventSearch")
        self.search.setPlaceholderText(self.tr("Search the whole log (Enter) — English or 中文"))
        self.search.setClearButtonEnabled(True)
        self.category_filter = QComboBox(self)
        self.category_filter.addItem(self.tr("All categories"), None)
        for name in FILTER_CATEGORIES:
            self.category_filter.addItem(category_label(name), name)
        self.severity_filter = QComboBox(self)
        self.severity_filter.addItem(self.tr("All severities"), None)
        for name in SEVERITIES:
            self.severity_filter.addItem(severity_label(name), name)
        self.search_status = QLabel(self)
        self.show_all = QPushButton(self.tr("Show all"), self)
        self.show_all.hide()
        row = QHBoxLayout()
        row.addWidget(self.search, 1)
        row.addWidget(self.category_filter)
        row.addWidget(self.severity_filter)
        row.addWidget(self.search_status)
        row.addWidget(self.show_all)
        self.search.returnPressed.connect(self.run_search)
        self.category_filter.currentIndexChanged.connect(self._on_filter_changed)
        self.severity_filter.currentIndexChanged.connect(self._on_filter_changed)
        self.show_all.clicked.connect(self.show_timeline)
        return row

    def _build_entry_row(self) -> QHBoxLayout:
        self.category = QComboBox(self)
        for name in CATEGORIES:
            self.category.addItem(category_label(name), name)
        self.entry = QLineEdit(self)
        self.entry.setObjectName("eventEntry")
        self.entry.setPlaceholderText(self.tr("New log entry — press Enter to add"))
        self.entry.setMaxLength(2000)
        self.add_button = QPushButton(self.tr("Add"), self)
        self.add_button.setObjectName("eventAdd")
        row = QHBoxLayout()
        row.addWidget(self.category)
        row.addWidget(self.entry, 1)
        row.addWidget(self.add_button)
        self.entry.returnPressed.connect(self.submit)
        self.add_button.clicked.connect(self.submit)
        return row

    def _size_columns(self) -> None:
        """Fixed starting widths from sample text: cheaper than measuring every row, and stable."""
        header = self.table.horizontalHeader()
        metrics = self.table.fontMetrics()
        samples = ("00-00 00:00:00", "00:00:00Z", severity_label("warning"), category_label("situation"),
                   "console@vehicle-pc-1")
        for column, sample in enumerate(samples):
            title = self.model.headerData(column, Qt.Horizontal)
            header.resizeSection(column, max(metrics.horizontalAdvance(sample), metrics.horizontalAdvance(title)) + 24)
        header.setStretchLastSection(True)

    # -- entries ---------------------------------------------------------------------

    def submit(self) -> None:
        """Publish the typed entry as an event of this seat and clear the line."""
        if self.publish(self.category.currentData(), self.entry.text()) is not None:
            self.entry.clear()
            self.table.scrollToBottom()

    def publish(self, category: str, text: str, corrects: str | None = None) -> Event | None:
        """Send one entry of this seat on the bus and show it at once; None if ``text`` is empty."""
        text = text.strip()
        if not text:
            return None
        try:
            event = Event.create(self._bus.source, category=category, text=text, seat=self.seat, corrects=corrects)
        except PayloadError:
            return None
        self.entry_submitted.emit(event)
        self._bus.publish_event(event)
        self.model.add(event)
        return event

    def correct(self, original: Event) -> Event | None:
        """Ask for the corrected text and log it as a new entry pointing at ``original``."""
        text, accepted = QInputDialog.getMultiLineText(
            self, self.tr("Correct log entry"),
            self.tr("The entry stays in the log, struck through. Corrected text:"), original.text)
        return self.publish(original.category, text, corrects=original.id) if accepted else None

    def _on_table_context_menu(self, position: QPoint) -> None:
        index = self.table.indexAt(position)
        if not index.isValid():
            return
        event = index.data(EventLogModel.EventRole)
        menu = QMenu(self)
        menu.addAction(self.tr("Correct this entry…"), lambda: self.correct(event))
        menu.exec(self.table.viewport().mapToGlobal(position))

    # -- filters and search ----------------------------------------------------------

    def _on_filter_changed(self) -> None:
        self.filter.set_filter(self.category_filter.currentData(), self.severity_filter.currentData())
        if self.filter.sourceModel() is self.search_model:
            self.run_search()

    def run_search(self) -> None:
        """Ask the gateway to search the whole log with the query and the filters."""
        query = self.search.text().strip()
        if not query:
            self.show_timeline()
            return
        request = HistoryRequest.create(
            self._bus.source, what="search", query=query, category=self.category_filter.currentData(),
            severity=self.severity_filter.currentData(), limit=SEARCH_LIMIT)
        self._search_request = request.id
        self.search_status.setText(self.tr("Searching…"))
        self.show_all.show()
        self._bus.request_history(request)

    def show_timeline(self) -> None:
        self._search_request = ""
        self.search.clear()
        self.search_status.clear()
        self.show_all.hide()
        self.filter.setSourceModel(self.model)
        self.table.scrollToBottom()

    def _show_search_results(self, reply: HistoryReply) -> None:
        self.search_model.clear()
        for item in reply.items:
            try:
                self.search_model.add(Event.from_dict(item))
            except (PayloadError, TypeError):
                continue
        self.filter.setSourceModel(self.search_model)
        self.search_status.setText(self.tr("{count} entries match").format(count=self.search_model.rowCount()))

    # -- bus -------------------------------------------------------------------------

    def _on_bus_event_received(self, event: Event) -> None:
        bar = self.table.verticalScrollBar()
        at_bottom = bar.value() == bar.maximum()
        if self.model.add(event) and at_bottom and self.filter.sourceModel() is self.model:
            self.table.scrollToBottom()

    def _on_bus_history_received(self, reply: HistoryReply | None) -> None:
        if reply is None:
            if self._search_request:
                self.search_status.setText(self.tr("The gateway did not answer; try again"))
            return
        if reply.request == self._search_request:
            self._show_search_results(reply)
        elif reply.request == self._history_request and reply.ok:
            for item in reply.items:
                try:
                    self.model.add(Event.from_dict(item))
                except (PayloadError, TypeError):
                    continue
            self.table.scrollToBottom()

    def _on_bus_connection_changed(self, state: str, detail: str) -> None:
        if state == "up":
            since = format_ts(datetime.now(timezone.utc) - timedelta(hours=HISTORY_HOURS))
            request = HistoryRequest.create(self._bus.source, what="events", start=since)
            self._history_request = request.id
            self._bus.request_history(request)
