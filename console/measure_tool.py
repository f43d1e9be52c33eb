"""The map's measuring tool: clicked points, their running distance and the area they close."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF

from maps.mercator import path_length_m, polygon_area_m2

LINE_COLOUR = QColor(0, 160, 255)
FILL_COLOUR = QColor(0, 160, 255, 50)
POINT_PX = 4.0
MAX_POINTS = 500  # a measurement is a handful of clicks; more is a stuck mouse


def format_distance(metres: float) -> str:
    """``850 m`` or ``12.35 km``."""
    return f"{metres:.0f} m" if metres < 1000 else f"{metres / 1000:.2f} km"


def format_area(square_metres: float) -> str:
    """``5,200 m²``, ``3.40 ha`` or ``12.50 km²``."""
    if square_metres < 10_000:
        return f"{square_metres:,.0f} m²"
    if square_metres < 1_000_000:
        return f"{square_metres / 10_000:.2f} ha"
    return f"{square_metres / 1_000_000:.2f} km²"


class MeasureTool:
    """Points a person clicked (WGS-84 ``(lon, lat)``), and how the map draws them; GUI thread only."""

    def __init__(self) -> None:
        self.active = False
        self.points: list[tuple[float, float]] = []

    def add(self, lon: float, lat: float) -> None:
        if len(self.points) < MAX_POINTS:
            self.points.append((lon, lat))

    def clear(self) -> None:
        self.points = []

    @property
    def distance_m(self) -> float:
        """The length of the path through the points, in metres."""
        return path_length_m(self.points)

    @property
    def area_m2(self) -> float:
        """The area of the polygon the points close (0 below three points), in square metres."""
        return polygon_area_m2(self.points) if len(self.points) >= 3 else 0.0

    def summary(self) -> str:
        """What the tool shows: a hint before the first point, then distance (and area from three points)."""
        translate = QCoreApplication.translate
        if not self.points:
            return translate("MeasureTool", "Measure: click points on the map; Esc clears")
        text = translate("MeasureTool", "Distance {distance}").format(distance=format_distance(self.distance_m))
        if len(self.points) >= 3:
            text += translate("MeasureTool", " · area {area}").format(area=format_area(self.area_m2))
        return text

    def paint(self, painter: QPainter, view) -> None:
        """Draw the path, the closed polygon's fill and the summary box on ``view`` (a ``MapView``)."""
        if not self.active and not self.points:
            return
        painter.save()
        screen = QPolygonF([view.position_to_screen(lon, lat) for lon, lat in self.points])
        painter.setRenderHint(QPainter.Antialiasing)
        if len(self.points) >= 3:
            painter.setPen(Qt.NoPen)
            painter.setBrush(FILL_COLOUR)
            painter.drawPolygon(screen)
        painter.setBrush(Qt.NoBrush)
        painter.setPen(QPen(LINE_COLOUR, 2.0, Qt.DashLine))
        painter.drawPolyline(screen)
        painter.setPen(QPen(Qt.white, 1.5))
        painter.setBrush(LINE_COLOUR)
        for point in screen:
            painter.drawEllipse(QPointF(point), POINT_PX, POINT_PX)
        text = self.summary()
        metrics = painter.fontMetrics()
        box = QRectF(0, 0, metrics.horizontalAdvance(text) + 14, metrics.height() + 8)
        box.moveCenter(QPointF(view.width() / 2, box.height() / 2 + 6))
        painter.fillRect(box, QColor(0, 0, 0, 170))
        painter.setPen(Qt.white)
        painter.drawText(box, Qt.AlignCenter, text)
        painter.restore()
