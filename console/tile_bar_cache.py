"""A video tile's title and health bars, drawn once per change and copied over every picture.

A playing tile paints 25 times a second, but its bars change about once a second (state,
frames/s, bitrate, the console delay figure). Laying out and drawing their text is most of
a paint's work on the GUI thread, and the GUI thread holds Python's lock while it paints,
which the ingest threads need too. So each bar is drawn into an image when what it shows
changes, and a paint only copies that image over the picture. GUI thread only.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter

BAR_BACK = QColor(0, 0, 0, 150)
REC_RED = QColor("#ff3b30")

BarPainter = Callable[[QPainter, QRect], None]
"""Draws a bar (background and text) into the given rectangle, in logical pixels."""


class TileBarCache:
    """One bar's image, redrawn only when its key (size, text, marks) changes."""

    def __init__(self) -> None:
        self._key: Hashable | None = None
        self._image: QImage | None = None

    def paint(self, painter: QPainter, area: QRect, key: Hashable, draw: BarPainter) -> None:
        """Copy the bar into ``area`` of ``painter``, drawing it with ``draw`` first if ``key`` changed."""
        if area.width() <= 0 or area.height() <= 0:
            return
        ratio = painter.device().devicePixelRatioF()
        full_key = (key, area.width(), area.height(), ratio)
        if full_key != self._key or self._image is None:
            self._image = self._draw(area.width(), area.height(), ratio, draw)
            self._key = full_key
        painter.drawImage(area.topLeft(), self._image)

    def clear(self) -> None:
        """Forget the image (the next paint draws it again)."""
        self._key = self._image = None

    @staticmethod
    def _draw(width: int, height: int, ratio: float, draw: BarPainter) -> QImage:
        image = QImage(max(1, round(width * ratio)), max(1, round(height * ratio)), QImage.Format_ARGB32_Premultiplied)
        image.setDevicePixelRatio(ratio)
        image.fill(Qt.transparent)
        painter = QPainter(image)
        try:
            draw(painter, QRect(0, 0, width, height))
        finally:
            painter.end()
        return image


def draw_bar(painter: QPainter, bar: QRect, font: QFont, text: str, rec: str | None = None) -> None:
    """One tile bar: the dark band, ``text`` in white cut to fit and, given its label, the REC mark at the right."""
    painter.fillRect(bar, BAR_BACK)
    painter.setFont(font)
    rec_width = _draw_rec(painter, bar, rec) if rec else 0
    painter.setPen(Qt.white)
    painter.drawText(bar.adjusted(6, 0, -6 - rec_width, 0), Qt.AlignVCenter | Qt.AlignLeft | Qt.TextSingleLine,
                     painter.fontMetrics().elidedText(text, Qt.ElideRight, bar.width() - 12 - rec_width))


def _draw_rec(painter: QPainter, bar: QRect, label: str) -> int:
    """A red dot and ``label`` at the right end of ``bar``; the room it took."""
    metrics = painter.fontMetrics()
    diameter = max(6, metrics.ascent() - 2)
    width = diameter + 4 + metrics.horizontalAdvance(label) + 8
    left = bar.right() - width
    painter.save()
    painter.setRenderHint(QPainter.Antialiasing)
    painter.setPen(Qt.NoPen)
    painter.setBrush(REC_RED)
    painter.drawEllipse(left, bar.center().y() - diameter // 2, diameter, diameter)
    painter.setPen(REC_RED)
    painter.drawText(QRect(left + diameter + 4, bar.top(), width - diameter - 4, bar.height()),
                     Qt.AlignVCenter | Qt.AlignLeft, label)
    painter.restore()
    return width
