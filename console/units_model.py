"""Every unit the bus reports, one row each with its age: the table under the map."""

from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, QPersistentModelIndex, Qt

from radios.schema import UnitState, parse_ts

AGE_REFRESH_MS = 1000


def unit_kind_label(kind: str) -> str:
    return {
        "vehicle": QCoreApplication.translate("UnitsModel", "vehicle"),
        "responder": QCoreApplication.translate("UnitsModel", "responder"),
        "drone": QCoreApplication.translate("UnitsModel", "drone"),
        "tak": QCoreApplication.translate("UnitsModel", "TAK contact"),
        "radio": QCoreApplication.translate("UnitsModel", "radio"),
    }.get(kind, kind)


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
                "callsign": unit.callsign, "kind": unit_kind_label(unit.unit_kind),
                "lat": f"{unit.lat:.5f}", "lon": f"{unit.lon:.5f}",
                "heading": "—" if unit.heading is None else f"{unit.heading:.0f}°",
                "speed": "—" if unit.speed is None else f"{unit.speed:.1f}",
                "age": self.tr("{seconds} s").format(seconds=max(0, int(age_s))),
            }[column]
        if role == Qt.ForegroundRole and age_s > self.stale_after_s:
            return Qt.gray
        return None
