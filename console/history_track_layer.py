"""A unit's past track from the gateway's store, drawn on the map as a line through its positions."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF

from radios.schema import PayloadError, UnitState, parse_ts

TRACK_COLOUR = QColor(190, 40, 220)  # apart from the drones' orange live trails
TRACK_WIDTH_PX = 3.0
END_DOT_PX = 4.0


def track_points(items: Iterable[object], uid: str) -> list[tuple[float, float]]:
    """The ``(lon, lat)`` positions of ``uid`` among a history reply's items, oldest first.

    Items come from the bus: anything that is not a valid unit state of that unit is dropped.
    """
    found: list[tuple[float, str, float, float]] = []
    for item in items if isinstance(items, list | tuple) else ():
        if not isinstance(item, dict):
            continue
        try:
            state = UnitState.from_dict(item)
            moment = parse_ts(state.ts).timestamp()
        except (PayloadError, TypeError, ValueError, OverflowError):
            continue
        if state.uid == uid:
            found.append((moment, state.id, state.lon, state.lat))
    found.sort()
    return [(lon, lat) for _, _, lon, lat in found]


class HistoryTrackLayer:
    """One unit's track (WGS-84 points) and how the map draws it; GUI thread only.

    ``drawn`` counts the points of the last paint, so a test can tell the line reached the screen.
    """

    def __init__(self) -> None:
        self.uid: str | None = None
        self.points: list[tuple[float, float]] = []
        self.drawn = 0

    def set_track(self, uid: str, points: list[tuple[float, float]]) -> None:
        self.uid, self.points = uid, list(points)

    def clear(self) -> None:
        self.uid, self.points, self.drawn = None, [], 0

    def paint(self, painter: QPainter, view) -> None:
        """Draw the track on ``view`` (a ``MapView``): the line, then a dot at each end."""
        if not self.points:
            self.drawn = 0
            return
        painter.save()
        line = QPolygonF([view.position_to_screen(lon, lat) for lon, lat in self.points])
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setPen(QPen(QColor(0, 0, 0, 140), TRACK_WIDTH_PX + 2, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
        painter.drawPolyline(line)
        painter.setPen(QPen(TRACK_COLOUR, TRACK_WIDTH_PX, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
        painter.drawPolyline(line)
        painter.setPen(Qt.NoPen)
        for end, colour in ((line.first(), QColor(255, 255, 255)), (line.last(), TRACK_COLOUR)):
            painter.setBrush(colour)
            painter.drawEllipse(QPointF(end), END_DOT_PX, END_DOT_PX)
        painter.restore()
        self.drawn = line.size()
