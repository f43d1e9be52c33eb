"""Render the demo's map tiles: a labelled WGS-84 coordinate grid over the demo area, into an MBTiles file.

These are schematic tiles, not a map: no street, river or building is drawn, because no
real map data of Gongshu ships offline with the project. They exist so the demo shows
tiles loading, zooming and parents standing in for missing tiles, with the units on a
true coordinate grid. Every tile says "schematic — not a real map", and so does the
attribution. Run with the project's venv python:

    .venv/bin/python resources/demo_tiles/make_demo_tiles.py OUT.mbtiles

It takes well under two seconds and needs no network.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPen

from maps.mbtiles import MbtilesStore
from maps.mercator import TILE_SIZE, bbox, iter_tiles, lonlat_to_world
from maps.tile_source import TileKey

# Gongshu District, Hangzhou: the demo's responders walk around (30.3195 N, 120.1630 E).
CENTRE = (120.1630, 30.3195)
BOUNDS = bbox(120.140, 30.300, 120.186, 30.339)  # about 4.4 km x 4.3 km
MIN_ZOOM, MAX_ZOOM = 12, 16
START_ZOOM = 16
ATTRIBUTION = "schematic demo tiles — not a real map (WGS-84 grid, mcv)"

_LAND = QColor("#ecebe4")
_OUTSIDE = QColor("#d6d4cb")
_MINOR = QColor("#d0cec4")
_MAJOR = QColor("#a9a699")
_LABEL = QColor("#6d6a5e")
_WATERMARK = QColor(120, 116, 104, 70)


def _grid_steps(z: int) -> tuple[float, float]:
    """Minor and major grid spacing in degrees at a zoom, so lines stay 30-300 px apart."""
    if z >= 16:
        return 0.001, 0.005
    if z >= 14:
        return 0.005, 0.01
    return 0.01, 0.05


def _render(key: TileKey, fonts: tuple[QFont, QFont]) -> bytes:
    image = QImage(TILE_SIZE, TILE_SIZE, QImage.Format_RGB32)
    image.fill(_OUTSIDE)
    origin_x, origin_y = key.x * TILE_SIZE, key.y * TILE_SIZE

    def to_pixel(lon: float, lat: float) -> QPointF:
        px, py = lonlat_to_world(lon, lat, key.z)
        return QPointF(px - origin_x, py - origin_y)

    painter = QPainter(image)
    painter.setRenderHint(QPainter.Antialiasing)
    painter.setRenderHint(QPainter.TextAntialiasing)
    area = QRectF(to_pixel(BOUNDS.west, BOUNDS.north), to_pixel(BOUNDS.east, BOUNDS.south))
    painter.fillRect(area, _LAND)
    minor, major = _grid_steps(key.z)
    label_font, mark_font = fonts
    painter.setFont(label_font)
    for step, colour, width, labelled in ((minor, _MINOR, 1.0, False), (major, _MAJOR, 1.5, True)):
        painter.setPen(QPen(colour, width))
        lon = math.ceil(BOUNDS.west / step) * step
        while lon <= BOUNDS.east + 1e-9:
            top, bottom = to_pixel(lon, BOUNDS.north), to_pixel(lon, BOUNDS.south)
            painter.drawLine(top, bottom)
            if labelled:
                painter.setPen(_LABEL)
                painter.drawText(QPointF(top.x() + 3, 12), f"{lon:.3f}°E")
                painter.setPen(QPen(colour, width))
            lon += step
        lat = math.ceil(BOUNDS.south / step) * step
        while lat <= BOUNDS.north + 1e-9:
            left, right = to_pixel(BOUNDS.west, lat), to_pixel(BOUNDS.east, lat)
            painter.drawLine(left, right)
            if labelled:
                painter.setPen(_LABEL)
                painter.drawText(QPointF(3, left.y() - 3), f"{lat:.3f}°N")
                painter.setPen(QPen(colour, width))
            lat += step
    painter.setPen(_WATERMARK)
    painter.setFont(mark_font)
    painter.drawText(QRectF(0, 0, TILE_SIZE, TILE_SIZE), Qt.AlignCenter,
                     f"schematic — not a real map\n{key.z}/{key.x}/{key.y}")
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def make_demo_tiles(out: Path) -> int:
    """Write the demo tiles to ``out`` (replacing it); returns how many tiles were written."""
    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    label_font, mark_font = QFont(), QFont()
    label_font.setPixelSize(10)
    mark_font.setPixelSize(11)
    tiles = [(key, _render(key, (label_font, mark_font))) for key in iter_tiles(BOUNDS, MIN_ZOOM, MAX_ZOOM)]
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    with MbtilesStore(partial, writable=True) as store:
        store.put_many(tiles)
        store.set_metadata({
            "name": "mcv demo area (schematic)", "format": "png", "type": "baselayer", "version": "1",
            "description": "A WGS-84 coordinate grid over Gongshu District, Hangzhou; no real map data.",
            "attribution": ATTRIBUTION, "bounds": tuple(BOUNDS), "center": (*CENTRE, START_ZOOM),
            "minzoom": MIN_ZOOM, "maxzoom": MAX_ZOOM, "mcv_datum": "WGS-84",
        })
    partial.replace(out)
    del app
    return len(tiles)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render the mcv demo's schematic map tiles into an MBTiles file.")
    parser.add_argument("out", type=Path, help="the MBTiles file to write")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    started = time.monotonic()
    count = make_demo_tiles(args.out)
    print(f"wrote {count} tiles to {args.out} in {time.monotonic() - started:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
