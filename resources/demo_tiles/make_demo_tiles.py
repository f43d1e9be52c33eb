"""Render the demo's map tiles into an MBTiles file: the real shoreline of the Qiantang River
around Gongshu District, Hangzhou, under a labelled WGS-84 coordinate grid.

The land and water come from ``hangzhou_water.geojson`` beside this script, cut out of
GSHHG's full-resolution shoreline by ``extract_shoreline.py`` (LGPL-3.0-or-later; see
README.md). No street, building or name data of the area ships offline with the project,
so the tiles show the river bank and the grid only, and say so in their attribution.
Zooms 11-15 cover ``AREA``; zoom 16 covers the district core where the demo's units
move. Run with the project's venv python:

    .venv/bin/python resources/demo_tiles/make_demo_tiles.py OUT.mbtiles

It takes about a second and needs no network.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPainterPath, QPen, QPolygonF

from maps.mbtiles import MbtilesStore
from maps.mercator import TILE_SIZE, bbox, iter_tiles, lonlat_to_world
from maps.tile_source import TileKey

WATER_FILE = Path(__file__).resolve().with_name("hangzhou_water.geojson")
# Gongshu District, Hangzhou: the demo's responders walk around (30.3195 N, 120.1630 E).
CENTRE = (120.1630, 30.3195)
CORE = bbox(120.140, 30.300, 120.186, 30.339)  # about 4.4 km x 4.3 km; zoom 16 covers this
AREA = bbox(120.100, 30.200, 120.320, 30.360)  # the core and the river bank; must match WATER_FILE
MIN_ZOOM, MAX_ZOOM, CORE_ZOOM = 11, 16, 16
START_ZOOM = 16
RIVER_LABEL = ((120.262, 30.2835), "钱塘江 Qiantang River")
ATTRIBUTION = "shoreline: GSHHG (LGPL-3.0+) · grid: mcv · no streets"

_WATER = QColor("#a9cbe0")
_WATER_LINE = QColor("#7fa9c4")
_WATER_TEXT = QColor("#3f6f8f")
_LAND = QColor("#ecebe4")
_OUTSIDE = QColor("#d6d4cb")
_MINOR = QColor(160, 156, 140, 90)
_MAJOR = QColor(120, 116, 104, 150)
_LABEL = QColor("#6d6a5e")


def load_water(path: Path = WATER_FILE) -> tuple[list[list[tuple[float, float]]], list[list[tuple[float, float]]]]:
    """(land rings, river lines) from the extracted GeoJSON; lakes and ponds count as water."""
    land: list[list[tuple[float, float]]] = []
    rivers: list[list[tuple[float, float]]] = []
    for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
        kind, geometry = feature["properties"]["kind"], feature["geometry"]
        if geometry["type"] == "Polygon" and kind in ("land", "island"):
            land.append([tuple(point) for point in geometry["coordinates"][0]])
        elif geometry["type"] == "LineString":
            rivers.append([tuple(point) for point in geometry["coordinates"]])
    return land, rivers


def _grid_steps(z: int) -> tuple[float, float]:
    """Minor and major grid spacing in degrees at a zoom, so lines stay 30-300 px apart."""
    if z >= 16:
        return 0.001, 0.005
    if z >= 14:
        return 0.005, 0.01
    if z >= 12:
        return 0.01, 0.05
    return 0.05, 0.1


class _TileRenderer:
    """Paints one tile at a time from the water data (the GUI thread of this script)."""

    def __init__(self, land: list[list[tuple[float, float]]], rivers: list[list[tuple[float, float]]]) -> None:
        self._land, self._rivers = land, rivers
        self._label_font, self._river_font = QFont(), QFont()
        self._label_font.setPixelSize(10)
        self._river_font.setPixelSize(13)
        self._river_font.setItalic(True)

    def render(self, key: TileKey) -> bytes:
        image = QImage(TILE_SIZE, TILE_SIZE, QImage.Format_RGB32)
        image.fill(_OUTSIDE)
        origin_x, origin_y = key.x * TILE_SIZE, key.y * TILE_SIZE

        def to_pixel(lon: float, lat: float) -> QPointF:
            px, py = lonlat_to_world(lon, lat, key.z)
            return QPointF(px - origin_x, py - origin_y)

        painter = QPainter(image)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setRenderHint(QPainter.TextAntialiasing)
        painter.fillRect(QRectF(to_pixel(AREA.west, AREA.north), to_pixel(AREA.east, AREA.south)), _WATER)
        land = QPainterPath()
        land.setFillRule(Qt.WindingFill)
        for ring in self._land:
            land.addPolygon(QPolygonF([to_pixel(lon, lat) for lon, lat in ring]))
            land.closeSubpath()
        painter.fillPath(land, _LAND)
        painter.setPen(QPen(_WATER_LINE, 1.2))
        painter.drawPath(land)
        painter.setPen(QPen(_WATER, max(1.5, key.z - 11.0), Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
        for line in self._rivers:
            painter.drawPolyline(QPolygonF([to_pixel(lon, lat) for lon, lat in line]))
        self._draw_grid(painter, key.z, to_pixel)
        (lon, lat), text = RIVER_LABEL
        painter.setFont(self._river_font)
        painter.setPen(_WATER_TEXT)
        painter.drawText(to_pixel(lon, lat), text)
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.WriteOnly)
        image.save(buffer, "PNG")
        return bytes(data.data())

    def _draw_grid(self, painter: QPainter, z: int, to_pixel) -> None:
        minor, major = _grid_steps(z)
        painter.setFont(self._label_font)
        for step, colour, width, labelled in ((minor, _MINOR, 1.0, False), (major, _MAJOR, 1.2, True)):
            pen = QPen(colour, width)
            lon = math.ceil(AREA.west / step) * step
            while lon <= AREA.east + 1e-9:
                top, bottom = to_pixel(lon, AREA.north), to_pixel(lon, AREA.south)
                painter.setPen(pen)
                painter.drawLine(top, bottom)
                if labelled:
                    painter.setPen(_LABEL)
                    painter.drawText(QPointF(top.x() + 3, 12), f"{lon:.3f}°E")
                lon += step
            lat = math.ceil(AREA.south / step) * step
            while lat <= AREA.north + 1e-9:
                left, right = to_pixel(AREA.west, lat), to_pixel(AREA.east, lat)
                painter.setPen(pen)
                painter.drawLine(left, right)
                if labelled:
                    painter.setPen(_LABEL)
                    painter.drawText(QPointF(3, left.y() - 3), f"{lat:.3f}°N")
                lat += step


def demo_tile_keys() -> list[TileKey]:
    """Zooms below ``CORE_ZOOM`` over the whole area, ``CORE_ZOOM`` over the core only."""
    return [*iter_tiles(AREA, MIN_ZOOM, CORE_ZOOM - 1), *iter_tiles(CORE, CORE_ZOOM, MAX_ZOOM)]


def make_demo_tiles(out: Path, water: Path = WATER_FILE) -> int:
    """Write the demo tiles to ``out`` (replacing it); returns how many tiles were written."""
    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    renderer = _TileRenderer(*load_water(water))
    tiles = [(key, renderer.render(key)) for key in demo_tile_keys()]
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    with MbtilesStore(partial, writable=True) as store:
        store.put_many(tiles)
        store.set_metadata({
            "name": "mcv demo area", "format": "png", "type": "baselayer", "version": "2",
            "description": "The Qiantang River's shoreline around Gongshu District, Hangzhou (GSHHG), "
                           "under a WGS-84 grid; no streets.",
            "attribution": ATTRIBUTION, "bounds": tuple(AREA), "center": (*CENTRE, START_ZOOM),
            "minzoom": MIN_ZOOM, "maxzoom": MAX_ZOOM, "mcv_datum": "WGS-84",
        })
    partial.replace(out)
    del app
    return len(tiles)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render the mcv demo's map tiles into an MBTiles file.")
    parser.add_argument("out", type=Path, help="the MBTiles file to write")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    started = time.monotonic()
    count = make_demo_tiles(args.out)
    print(f"wrote {count} tiles to {args.out} in {time.monotonic() - started:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
