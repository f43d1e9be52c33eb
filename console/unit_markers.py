"""How a unit looks on the map: a shape and colour per kind, a heading arrow, its callsign, faded when stale.

Markers and labels are drawn once into small sprites and reused, so a paint with
thousands of units costs one image copy per marker and per label, not a path each.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import NamedTuple

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import (
    QColor, QFont, QFontMetricsF, QImage, QPainter, QPainterPath, QPainterPathStroker, QPen, QPolygonF,
)

MARKER_RADIUS = 8.0
HEADING_LENGTH = 20.0
STALE_OPACITY = 0.35
HEADING_STEP_DEG = 5  # headings are drawn to the nearest 5°, so there are 72 arrows per kind to keep
SPRITE_HALF = 32  # a marker is drawn on 64 x 64 logical pixels around the unit, then cropped to its ink
LABEL_CACHE_SIZE = 4096

# Colours picked to stay apart for the common colour-vision deficiencies and on day and night tiles.
KIND_COLOURS = {
    "vehicle": QColor("#1f6fd6"),
    "responder": QColor("#1f9e4a"),
    "drone": QColor("#e07b00"),
    "tak": QColor("#8e44c7"),
    "radio": QColor("#c9a400"),
}
_UNKNOWN = QColor("#808080")
_OUTLINE = QColor(255, 255, 255)
_HALO = QColor(0, 0, 0, 200)


def _regular(sides: int, radius: float, turn_deg: float = -90.0) -> QPainterPath:
    points = [QPointF(radius * math.cos(math.radians(turn_deg + i * 360.0 / sides)),
                      radius * math.sin(math.radians(turn_deg + i * 360.0 / sides))) for i in range(sides)]
    path = QPainterPath()
    path.addPolygon(QPolygonF(points))
    path.closeSubpath()
    return path


def _shapes() -> dict[str, QPainterPath]:
    r = MARKER_RADIUS
    vehicle = QPainterPath()
    vehicle.addRoundedRect(QRectF(-r, -r * 0.75, 2 * r, 1.5 * r), 3, 3)
    responder = QPainterPath()
    responder.addEllipse(QPointF(0, 0), r * 0.9, r * 0.9)
    return {
        "vehicle": vehicle,
        "responder": responder,
        "drone": _regular(4, r * 1.15, 0.0),  # a diamond
        "tak": _regular(6, r),
        "radio": _regular(3, r * 1.2),
    }


class Sprite(NamedTuple):
    """A drawn marker cropped to its ink, and where its top-left corner goes relative to the unit (whole pixels)."""

    image: QImage
    dx: int
    dy: int


def _sprite_image(width: float, height: float, ratio: float) -> QImage:
    image = QImage(math.ceil(width * ratio), math.ceil(height * ratio), QImage.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(ratio)
    image.fill(Qt.transparent)
    return image


class MarkerPainter:
    """Draws unit markers and labels from cached sprites; one per view, GUI thread only."""

    def __init__(self) -> None:
        self._shapes = _shapes()
        self._font = QFont()
        self._font.setPointSizeF(9.0)
        self._font.setBold(True)
        self._metrics = QFontMetricsF(self._font)
        self._sprites: dict[tuple, Sprite] = {}
        self._labels: OrderedDict[tuple, QImage] = OrderedDict()

    @staticmethod
    def heading_step(heading: float | None) -> int | None:
        """The heading as a whole number of ``HEADING_STEP_DEG`` steps (the sprite it is drawn with)."""
        return None if heading is None else round(heading / HEADING_STEP_DEG) % (360 // HEADING_STEP_DEG)

    def sprite(self, kind: str, step: int | None, stale: bool, ratio: float) -> Sprite:
        """The marker of a unit of ``kind`` heading ``step``, cropped to what it draws."""
        key = (kind, step, stale, ratio)
        sprite = self._sprites.get(key)
        if sprite is None:
            sprite = self._sprites[key] = self._draw_marker(kind, None if step is None else step * HEADING_STEP_DEG,
                                                            stale, ratio)
        return sprite

    def label_offset(self) -> tuple[float, float]:
        """Where a label's image goes relative to the unit: right of the marker, above an eastward arrow."""
        return MARKER_RADIUS + 1.0, -MARKER_RADIUS - self._metrics.ascent()

    def _draw_marker(self, kind: str, heading: float | None, stale: bool, ratio: float) -> Sprite:
        colour = KIND_COLOURS.get(kind, _UNKNOWN)
        shape = self._shapes.get(kind, self._shapes["responder"])
        image = _sprite_image(2 * SPRITE_HALF, 2 * SPRITE_HALF, ratio)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setOpacity(STALE_OPACITY if stale else 1.0)
        painter.translate(SPRITE_HALF, SPRITE_HALF)
        ink = shape.boundingRect()
        if heading is not None:
            ink = ink.united(self._draw_heading(painter, heading, colour))
        painter.setPen(QPen(_OUTLINE, 2.0))
        painter.setBrush(colour.lighter(160) if stale else colour)
        painter.drawPath(shape)
        painter.end()
        # Cropped to the ink (plus the widest pen and antialiasing): a busy paint blends a quarter of the pixels.
        ink = ink.adjusted(-3, -3, 3, 3).toAlignedRect().intersected(
            QRect(-SPRITE_HALF, -SPRITE_HALF, 2 * SPRITE_HALF, 2 * SPRITE_HALF))
        cropped = image.copy(QRect(round((ink.x() + SPRITE_HALF) * ratio), round((ink.y() + SPRITE_HALF) * ratio),
                                   round(ink.width() * ratio), round(ink.height() * ratio)))
        cropped.setDevicePixelRatio(ratio)
        return Sprite(cropped, ink.x(), ink.y())

    @staticmethod
    def _draw_heading(painter: QPainter, heading: float, colour: QColor) -> QRectF:
        """Draws the arrow; returns the rectangle its geometry covers (before pen widths)."""
        angle = math.radians(heading)  # clockwise from north; screen y grows southwards
        dx, dy = math.sin(angle), -math.cos(angle)
        tip = QPointF(dx * (MARKER_RADIUS + HEADING_LENGTH), dy * (MARKER_RADIUS + HEADING_LENGTH))
        base = QPointF(dx * MARKER_RADIUS, dy * MARKER_RADIUS)
        painter.setPen(QPen(_OUTLINE, 4.0, Qt.SolidLine, Qt.RoundCap))
        painter.drawLine(base, tip)
        painter.setPen(QPen(colour, 2.0, Qt.SolidLine, Qt.RoundCap))
        painter.drawLine(base, tip)
        side = QPointF(-dy * 4.0, dx * 4.0)
        back = tip - QPointF(dx * 7.0, dy * 7.0)
        painter.setPen(QPen(_OUTLINE, 1.0))
        painter.setBrush(colour)
        head = QPolygonF([tip, back + side, back - side])
        painter.drawPolygon(head)
        return QRectF(base, tip).normalized().united(head.boundingRect())

    def label(self, text: str, stale: bool, ratio: float) -> QImage:
        """The callsign (and age) with a dark halo, readable on any tile."""
        key = (text, stale, ratio)
        image = self._labels.get(key)
        if image is not None:
            self._labels.move_to_end(key)
            return image
        pad = 2.0
        image = _sprite_image(self._metrics.horizontalAdvance(text) + 2 * pad, self._metrics.height() + 2 * pad, ratio)
        path = QPainterPath()
        path.addText(QPointF(pad, pad + self._metrics.ascent()), self._font, text)
        halo = QPainterPathStroker()
        halo.setWidth(3.0)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setOpacity(STALE_OPACITY if stale else 1.0)
        painter.setPen(Qt.NoPen)
        painter.setBrush(_HALO)
        painter.drawPath(halo.createStroke(path))
        painter.setBrush(QColor(255, 255, 255))
        painter.drawPath(path)
        painter.end()
        self._labels[key] = image
        if len(self._labels) > LABEL_CACHE_SIZE:
            self._labels.popitem(last=False)
        return image
