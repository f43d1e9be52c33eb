"""TileBarCache: a tile's bar is drawn once per change and copied at every paint (offscreen Qt)."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter

from console.tile_bar_cache import BAR_BACK, TileBarCache, draw_bar


class CountingBar:
    """A bar painter that counts its calls and fills its area with one colour."""

    def __init__(self, colour: QColor) -> None:
        self.colour = colour
        self.calls = 0

    def __call__(self, painter: QPainter, area: QRect) -> None:
        self.calls += 1
        painter.fillRect(area, self.colour)


def canvas(width: int = 320, height: int = 180) -> QImage:
    image = QImage(width, height, QImage.Format_RGB32)
    image.fill(Qt.white)
    return image


def paint_into(image: QImage, cache: TileBarCache, area: QRect, key, draw) -> None:
    painter = QPainter(image)
    cache.paint(painter, area, key, draw)
    painter.end()


def test_the_bar_is_drawn_once_per_key_and_copied_every_time():
    cache, bar, image = TileBarCache(), CountingBar(QColor("#2060c0")), canvas()
    for _ in range(25):  # a second of pictures
        paint_into(image, cache, QRect(0, 0, 320, 20), ("Mast · live", None), bar)
    assert bar.calls == 1
    assert image.pixelColor(10, 10) == QColor("#2060c0") and image.pixelColor(10, 30) == QColor(Qt.white)
    paint_into(image, cache, QRect(0, 0, 320, 20), ("Mast · signal lost", None), bar)
    assert bar.calls == 2, "new text: drawn again"
    paint_into(image, cache, QRect(0, 0, 200, 20), ("Mast · signal lost", None), bar)
    assert bar.calls == 3, "the tile was resized: drawn again at the new width"
    cache.clear()
    paint_into(image, cache, QRect(0, 160, 200, 20), ("Mast · signal lost", None), bar)
    assert bar.calls == 4 and image.pixelColor(10, 170) == QColor("#2060c0"), "copied where asked"


def test_an_empty_area_draws_nothing():
    cache, bar, image = TileBarCache(), CountingBar(QColor("red")), canvas()
    for area in (QRect(0, 0, 0, 20), QRect(0, 0, 320, 0), QRect(0, 0, -5, -5)):
        paint_into(image, cache, area, "key", bar)
    assert bar.calls == 0


def test_a_cached_bar_looks_like_one_drawn_straight_onto_the_picture():
    """The band is translucent over the picture, as when it was drawn onto it directly."""
    font = QFont()
    font.setPixelSize(13)
    area = QRect(0, 0, 320, 20)
    direct, cached = canvas(), canvas()
    for image in (direct, cached):
        image.fill(QColor("#40a040"))
    painter = QPainter(direct)
    draw_bar(painter, area, font, "Gate camera · fixed camera · live", "REC")
    painter.end()
    title = "Gate camera · fixed camera · live"
    paint_into(cached, TileBarCache(), area, "k", lambda painter, bar: draw_bar(painter, bar, font, title, "REC"))
    band = direct.pixelColor(area.width() // 2, 1)
    expected_green = 0xA0 * (255 - BAR_BACK.alpha()) // 255
    assert abs(band.green() - expected_green) <= 3, "the picture darkened under the band, not hidden"
    differing = sum(1 for x in range(area.width()) for y in range(area.height())
                    if abs(direct.pixelColor(x, y).red() - cached.pixelColor(x, y).red()) > 40
                    or abs(direct.pixelColor(x, y).green() - cached.pixelColor(x, y).green()) > 40)
    assert differing < area.width() * area.height() // 100, "text edges may differ by antialiasing, nothing more"
    assert any(cached.pixelColor(x, 10).red() > 200 and cached.pixelColor(x, 10).green() < 100
               for x in range(260, 320)), "the REC mark is there"
