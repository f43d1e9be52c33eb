"""Drones on the map beyond their marker: a short trail of where each has flown, and what its camera sees.

The trail is kept here, client-side, from the unit updates the seat already receives
(the full track stays in the gateway's store). The camera's ground footprint comes from
``maps.footprint`` with the drone's relative altitude and yaw from its telemetry, a
nadir-pointing gimbal and an 80° horizontal field of view: MAVLink telemetry as the
gateway publishes it says nothing about the gimbal or the lens.
"""

from __future__ import annotations

from collections import deque

from PySide6.QtCore import QObject, QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF

from maps.footprint import DEFAULT_HFOV_DEG, camera_footprint
from maps.mercator import haversine_m
from radios.schema import DroneTelemetry, UnitState

TRAIL_POINTS = 300  # positions kept per drone
TRAIL_STEP_M = 3.0  # a new trail point only once the drone has moved this far: hovering adds nothing
_TRAIL = QColor("#e07b00")  # the drone markers' colour
_HALO = QColor(0, 0, 0, 150)
_FOOTPRINT_EDGE = QColor("#ffd166")
_FOOTPRINT_FILL = QColor(255, 209, 102, 60)


class TrackLayer(QObject):
    """Keeps each drone's recent positions and latest telemetry; paints trails and footprints (GUI thread only).

    The map view calls ``paint`` from its paint event, under the unit markers.
    """

    def __init__(self, bus, view, hfov_deg: float = DEFAULT_HFOV_DEG) -> None:
        super().__init__(view)
        self.view = view
        self.hfov_deg = hfov_deg
        self.trails: dict[str, deque[tuple[float, float]]] = {}  # uid -> (lat, lon), oldest first
        self.telemetry: dict[str, DroneTelemetry] = {}
        self._positions: dict[str, UnitState] = {}
        view.layers.append(self)
        bus.units_changed.connect(self._on_bus_units_changed)
        bus.drone_changed.connect(self._on_bus_drone_changed)

    def footprint(self, uid: str) -> list[tuple[float, float]] | None:
        """The camera's ground corners (lat, lon) for drone ``uid``, or None when unknown or lost."""
        unit, telemetry = self._positions.get(uid), self.telemetry.get(uid)
        if unit is None or telemetry is None or telemetry.lost or telemetry.alt_rel is None:
            return None
        yaw = telemetry.yaw if telemetry.yaw is not None else unit.heading
        if yaw is None:
            return None
        return camera_footprint(unit.lat, unit.lon, telemetry.alt_rel, yaw, hfov_deg=self.hfov_deg)

    def _on_bus_units_changed(self, units: list[UnitState]) -> None:
        """GUI thread (the bus client's coalesced ``units_changed``): extend the drones' trails."""
        changed = False
        for unit in units:
            if unit.unit_kind != "drone":
                continue
            self._positions[unit.uid] = unit
            trail = self.trails.setdefault(unit.uid, deque(maxlen=TRAIL_POINTS))
            if not trail or haversine_m(trail[-1][1], trail[-1][0], unit.lon, unit.lat) >= TRAIL_STEP_M:
                trail.append((unit.lat, unit.lon))
            changed = True
        if changed:
            self.view.update()

    def _on_bus_drone_changed(self, telemetry: DroneTelemetry) -> None:
        """GUI thread (the bus client's ``drone_changed``)."""
        self.telemetry[telemetry.uid] = telemetry
        if telemetry.uid in self._positions:
            self.view.update()

    def paint(self, painter: QPainter, view) -> None:
        """Draw every footprint, then every trail (so the trail stays visible over the picture's area)."""
        painter.save()
        for uid in self._positions:
            corners = self.footprint(uid)
            if corners is not None:
                polygon = QPolygonF(screen_points(view, corners))
                painter.setPen(QPen(_FOOTPRINT_EDGE, 1.5, Qt.DashLine))
                painter.setBrush(_FOOTPRINT_FILL)
                painter.drawPolygon(polygon)
        painter.setBrush(Qt.NoBrush)
        for uid, trail in self.trails.items():
            points = [view.position_to_screen(lon, lat) for lat, lon in trail]
            unit = self._positions.get(uid)
            if unit is not None:
                points.append(view.position_to_screen(unit.lon, unit.lat))  # up to the marker, however small the step
            if len(points) < 2:
                continue
            line = QPolygonF(points)
            painter.setPen(QPen(_HALO, 5.0, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
            painter.drawPolyline(line)
            painter.setPen(QPen(_TRAIL, 2.5, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
            painter.drawPolyline(line)
        painter.restore()


def screen_points(view, corners: list[tuple[float, float]]) -> list[QPointF]:
    """Widget pixels of (lat, lon) corners on ``view`` (for tests and hit checks)."""
    return [view.position_to_screen(lon, lat) for lat, lon in corners]
