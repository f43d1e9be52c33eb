"""Every link the gateway reports, with its state and counters, one row a link."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHeaderView, QLabel, QStackedLayout, QTableView, QWidget

from radios.schema import LinkState, parse_ts

STATE_COLOURS = {"up": "#3fb950", "degraded": "#e0a030", "down": "#e5484d", "connecting": "#e0a030"}


class LinksModel(QAbstractTableModel):
    """The latest ``LinkState`` of each link, in the order links first reported."""

    COLUMNS = ("link", "type", "state", "detail", "in", "out", "errors", "last_seen")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._links: list[LinkState] = []

    def update(self, state: LinkState) -> None:
        for row, known in enumerate(self._links):
            if known.link == state.link:
                self._links[row] = state
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLUMNS) - 1))
                return
        self.beginInsertRows(QModelIndex(), len(self._links), len(self._links))
        self._links.append(state)
        self.endInsertRows()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._links)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole):
        if orientation != Qt.Horizontal or role != Qt.DisplayRole:
            return None
        return (self.tr("Link"), self.tr("Type"), self.tr("State"), self.tr("Detail"), self.tr("In"),
                self.tr("Out"), self.tr("Errors"), self.tr("Last seen"))[section]

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.DisplayRole):
        if not index.isValid():
            return None
        link = self._links[index.row()]
        column = self.COLUMNS[index.column()]
        if role == Qt.DisplayRole:
            return {
                "link": link.link, "type": link.link_type, "state": self._state_label(link.state),
                "detail": link.detail, "in": link.messages_in, "out": link.messages_out, "errors": link.errors,
                "last_seen": parse_ts(link.last_seen).astimezone().strftime("%H:%M:%S") if link.last_seen else "—",
            }[column]
        if role == Qt.ForegroundRole and column == "state" and link.state in STATE_COLOURS:
            return QBrush(QColor(STATE_COLOURS[link.state]))
        return None

    def _state_label(self, state: str) -> str:
        return {"disabled": self.tr("disabled"), "connecting": self.tr("connecting"), "up": self.tr("up"),
                "degraded": self.tr("degraded"), "down": self.tr("down")}[state]


class LinksPanel(QWidget):
    """The communications technician's table of links; says so plainly when none has reported."""

    def __init__(self, bus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = LinksModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.empty = QLabel(self.tr("No link has reported yet. Links appear here when the gateway publishes them."), self)
        self.empty.setProperty("role", "empty")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignCenter)
        self._stack = QStackedLayout(self)
        self._stack.addWidget(self.empty)
        self._stack.addWidget(self.table)
        bus.link_changed.connect(self._on_bus_link_changed)

    def _on_bus_link_changed(self, state: LinkState) -> None:
        self.model.update(state)
        self._stack.setCurrentWidget(self.table)
