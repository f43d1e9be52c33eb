"""The incident log as a Qt model: entries in time order, corrections linked to what they correct."""

from __future__ import annotations

import bisect
from datetime import timezone

from PySide6.QtCore import (
    QAbstractTableModel, QCoreApplication, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont

from console.seats import SEAT_NAMES, seat_title
from radios.schema import Event, parse_ts

CATEGORIES = ("note", "situation", "decision", "order", "safety")
SEVERITY_COLOURS = {"alarm": "#e5484d", "warning": "#e0a030"}


def category_label(name: str) -> str:
    """The shown name of a log category; categories from the field are shown as they came."""
    return {
        "note": QCoreApplication.translate("EventLogPanel", "Note"),
        "situation": QCoreApplication.translate("EventLogPanel", "Situation"),
        "decision": QCoreApplication.translate("EventLogPanel", "Decision"),
        "order": QCoreApplication.translate("EventLogPanel", "Order"),
        "safety": QCoreApplication.translate("EventLogPanel", "Safety"),
        "system": QCoreApplication.translate("EventLogPanel", "System"),
        "link": QCoreApplication.translate("EventLogPanel", "Link"),
        "alarm": QCoreApplication.translate("EventLogPanel", "Alarm"),
        "snapshot": QCoreApplication.translate("EventLogPanel", "Snapshot"),
        "task": QCoreApplication.translate("EventLogPanel", "Task"),
        "duty": QCoreApplication.translate("EventLogPanel", "Duty"),
    }.get(name, name)


def severity_label(severity: str) -> str:
    return {
        "info": QCoreApplication.translate("EventLogModel", "info"),
        "warning": QCoreApplication.translate("EventLogModel", "warning"),
        "alarm": QCoreApplication.translate("EventLogModel", "ALARM"),
    }.get(severity, severity)


def local_time(ts: str) -> str:
    return parse_ts(ts).astimezone().strftime("%m-%d %H:%M:%S")


class EventLogModel(QAbstractTableModel):
    """Events ordered by time, each shown once however often it arrives (dedup by id).

    A correction is its own entry; the entry it corrects stays, struck through.
    """

    COLUMNS = ("local", "utc", "severity", "category", "source", "text")
    EventRole = Qt.UserRole + 1

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._events: list[Event] = []
        self._keys: list[tuple[str, str]] = []
        self._by_id: dict[str, Event] = {}
        self._corrected_by: dict[str, Event] = {}

    def add(self, event: Event) -> bool:
        """Insert ``event`` in time order; False if it is already shown."""
        if event.id in self._by_id:
            return False
        key = (event.ts, event.id)
        row = bisect.bisect(self._keys, key)
        self.beginInsertRows(QModelIndex(), row, row)
        self._events.insert(row, event)
        self._keys.insert(row, key)
        self._by_id[event.id] = event
        self.endInsertRows()
        if event.corrects:
            self._corrected_by[event.corrects] = event
            self._refresh(event.corrects)
        return True

    def clear(self) -> None:
        self.beginResetModel()
        self._events, self._keys, self._by_id, self._corrected_by = [], [], {}, {}
        self.endResetModel()

    def event_at(self, row: int) -> Event:
        return self._events[row]

    def ids(self) -> list[str]:
        return [event.id for event in self._events]

    def _refresh(self, event_id: str) -> None:
        event = self._by_id.get(event_id)
        if event is not None:
            row = bisect.bisect_left(self._keys, (event.ts, event.id))
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLUMNS) - 1))

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
            return self._display(event, column)
        if role == self.EventRole:
            return event
        if role == Qt.ForegroundRole and event.severity in SEVERITY_COLOURS:
            return QBrush(QColor(SEVERITY_COLOURS[event.severity]))
        if role == Qt.FontRole and event.id in self._corrected_by:
            font = QFont()
            font.setStrikeOut(True)
            return font
        if role == Qt.ToolTipRole:
            return self._tooltip(event)
        return None

    def _display(self, event: Event, column: str) -> str:
        if column == "local":
            return local_time(event.ts)
        if column == "utc":
            return parse_ts(event.ts).astimezone(timezone.utc).strftime("%H:%M:%SZ")
        if column == "severity":
            return severity_label(event.severity)
        if column == "category":
            return category_label(event.category)
        if column == "source":
            return seat_title(event.seat) if event.seat in SEAT_NAMES else event.src
        return f"✎ {event.text}" if event.corrects else event.text

    def _tooltip(self, event: Event) -> str:
        lines = [event.text]
        correction = self._corrected_by.get(event.id)
        if correction is not None:
            lines.append(self.tr("Corrected at {time}: {text}").format(
                time=local_time(correction.ts), text=correction.text))
        original = self._by_id.get(event.corrects) if event.corrects else None
        if original is not None:
            lines.append(self.tr("Corrects the entry of {time}: {text}").format(
                time=local_time(original.ts), text=original.text))
        return "\n".join(lines)


class EventFilter(QSortFilterProxyModel):
    """Shows only the entries of one category and/or severity (None: all)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.category: str | None = None
        self.severity: str | None = None

    def set_filter(self, category: str | None, severity: str | None) -> None:
        self.beginFilterChange()
        self.category, self.severity = category, severity
        self.endFilterChange()

    def filterAcceptsRow(self, row: int, parent: QModelIndex | QPersistentModelIndex) -> bool:
        event = self.sourceModel().event_at(row)
        return (self.category is None or event.category == self.category) and (
            self.severity is None or event.severity == self.severity)
