"""The Map dock: the map above, the table of units below, both fed by the bus's unit updates."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHeaderView, QSplitter, QTableView, QVBoxLayout, QWidget

from console.map_interactions import MapInteractions
from console.map_view import MapView
from console.track_layer import TrackLayer
from console.units_model import AGE_REFRESH_MS, UnitsModel
from radios.config import MapSourceConfig

MAP_SHARE = 0.75


class MapPanel(QWidget):
    """Draws the first configured map source with every unit on it, and lists the units by position."""

    open_video_requested = Signal(str)  # stream id: a person asked to watch a unit's video

    def __init__(self, bus, map_sources: tuple[MapSourceConfig, ...], stale_after_s: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.map_view = MapView(map_sources[0] if map_sources else None, stale_after_s, self)
        self.model = UnitsModel(stale_after_s, self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        splitter = QSplitter(Qt.Vertical, self)
        splitter.setObjectName("mapSplitter")
        splitter.addWidget(self.map_view)
        splitter.addWidget(self.table)
        splitter.setStretchFactor(0, int(MAP_SHARE * 100))
        splitter.setStretchFactor(1, int((1 - MAP_SHARE) * 100))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        bus.units_changed.connect(self.model.update)
        bus.units_changed.connect(self.map_view.update_units)
        self.track_layer = TrackLayer(bus, self.map_view)
        self.interactions = MapInteractions(self, bus)  # details, follow, history tracks, measuring
        self._ages = QTimer(self, interval=AGE_REFRESH_MS)
        self._ages.timeout.connect(self.model.refresh_ages)
        self._ages.start()

    def stop(self) -> None:
        """Stop the map's tile worker (its thread ends before this returns)."""
        self.map_view.stop()
