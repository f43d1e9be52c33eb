"""The Map dock until a map view exists: what is missing, said plainly, and every unit by position."""

from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtWidgets import QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from radios.schema import UnitState, parse_ts

AGE_REFRESH_MS = 1000


class UnitsModel(QAbstractTableModel):
    """Latest state of each unit, with its age; units older than ``stale_after_s`` are marked."""

    COLUMNS = ("callsign", "kind", "lat", "lon", "heading", "speed", "age")

    def __init__(self, stale_after_s: int, parent=None) -> None:
        super().__init__(parent)
        self.stale_after_s = stale_after_s
        self._units: list[UnitState] = []
        self._rows: dict[str, int] = {}

    def update(self, units: list[UnitState]) -> None:
        for unit in units:
            row = self._rows.get(unit.uid)
            if row is None:
                self.beginInsertRows(QModelIndex(), len(self._units), len(self._units))
                self._rows[unit.uid] = len(self._units)
                self._units.append(unit)
                self.endInsertRows()
            else:
                self._units[row] = unit
        self.refresh_ages()

    def refresh_ages(self) -> None:
        if self._units:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._units) - 1, len(self.COLUMNS) - 1))

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._units)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole):
        if orientation != Qt.Horizontal or role != Qt.DisplayRole:
            return None
        return (self.tr("Callsign"), self.tr("Kind"), self.tr("Latitude"), self.tr("Longitude"),
                self.tr("Heading"), self.tr("Speed m/s"), self.tr("Age"))[section]

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.DisplayRole):
        if not index.isValid():
            return None
        unit = self._units[index.row()]
        age_s = (datetime.now(timezone.utc) - parse_ts(unit.ts)).total_seconds()
        if role == Qt.DisplayRole:
            column = self.COLUMNS[index.column()]
            return {
                "callsign": unit.callsign, "kind": unit.unit_kind,
                "lat": f"{unit.lat:.5f}", "lon": f"{unit.lon:.5f}",
                "heading": "—" if unit.heading is None else f"{unit.heading:.0f}°",
                "speed": "—" if unit.speed is None else f"{unit.speed:.1f}",
                "age": self.tr("{seconds} s").format(seconds=max(0, int(age_s))),
            }[column]
        if role == Qt.ForegroundRole and age_s > self.stale_after_s:
            return Qt.gray
        return None


class UnitsPanel(QWidget):
    """Shows which map source is missing and lists the units the bus reports."""

    def __init__(self, bus, map_sources: tuple, stale_after_s: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if map_sources:
            notice = self.tr("The map view is not part of this version; {count} map source(s) configured. "
                             "Units are listed by position.").format(count=len(map_sources))
        else:
            notice = self.tr("No map source configured. Units are listed by position.")
        self.notice = QLabel(notice, self)
        self.notice.setObjectName("mapNotice")
        self.notice.setProperty("role", "empty")
        self.notice.setWordWrap(True)
        self.model = UnitsModel(stale_after_s, self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.notice)
        layout.addWidget(self.table, 1)
        bus.units_changed.connect(self.model.update)
        self._ages = QTimer(self, interval=AGE_REFRESH_MS)
        self._ages.timeout.connect(self.model.refresh_ages)
        self._ages.start()
