"""What a map view shows: a centre, a fractional zoom and a size in pixels, and the math between them.

Positions are ``(lon, lat)`` in the datum of the tiles on screen (convert GPS positions
with ``maps.datum`` first). The centre is kept as a fraction of the Web Mercator world
(0..1 from the top-left corner), so it does not change when the zoom does. Screen
pixels count from the view's top-left corner. Also here: the tiles a view needs, the
part of a parent tile that stands in for a missing one, the scale bar's length, the
graticule's spacing and degrees written as DMS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

from maps.mercator import TILE_SIZE, ground_resolution, lonlat_to_world, world_size, world_to_lonlat
from maps.tile_source import MAX_ZOOM, TileKey

MIN_VIEW_ZOOM = 0.0
MAX_VIEW_ZOOM = 21.0
_NICE_STEPS = (1, 2, 5)


class ParentPatch(NamedTuple):
    """The square of ``parent`` (in its own pixels) that covers a missing tile."""

    parent: TileKey
    left: float
    top: float
    size: float


def lonlat_to_fraction(lon: float, lat: float) -> tuple[float, float]:
    """A position as a fraction of the Web Mercator world, ``(0, 0)`` at the top-left."""
    px, py = lonlat_to_world(lon, lat, 0)
    return px / TILE_SIZE, py / TILE_SIZE


def fraction_to_lonlat(fx: float, fy: float) -> tuple[float, float]:
    """The position at a fraction of the world (the inverse of ``lonlat_to_fraction``)."""
    return world_to_lonlat(fx * TILE_SIZE, fy * TILE_SIZE, 0)


@dataclass
class Viewport:
    """The visible window onto the map; changed by panning and zooming, read when painting."""

    centre_x: float = 0.5
    centre_y: float = 0.5
    zoom: float = 2.0
    width: int = 256
    height: int = 256

    # -- placement -----------------------------------------------------------------
    @property
    def scale(self) -> float:
        """Screen pixels per whole world at the current zoom."""
        return world_size(self.zoom)

    def centre_lonlat(self) -> tuple[float, float]:
        return fraction_to_lonlat(self.centre_x, self.centre_y)

    def centre_on(self, lon: float, lat: float, zoom: float | None = None) -> None:
        if zoom is not None:
            self.zoom = _clamp(zoom, MIN_VIEW_ZOOM, MAX_VIEW_ZOOM)
        self.centre_x, self.centre_y = lonlat_to_fraction(lon, lat)

    def fraction_to_screen(self, fx: float, fy: float) -> tuple[float, float]:
        scale = self.scale
        return (fx - self.centre_x) * scale + self.width / 2.0, (fy - self.centre_y) * scale + self.height / 2.0

    def screen_to_fraction(self, sx: float, sy: float) -> tuple[float, float]:
        scale = self.scale
        return self.centre_x + (sx - self.width / 2.0) / scale, self.centre_y + (sy - self.height / 2.0) / scale

    def lonlat_to_screen(self, lon: float, lat: float) -> tuple[float, float]:
        """The screen pixel of a position given in the tiles' datum."""
        return self.fraction_to_screen(*lonlat_to_fraction(lon, lat))

    def screen_to_lonlat(self, sx: float, sy: float) -> tuple[float, float]:
        """The position (in the tiles' datum) under a screen pixel."""
        fx, fy = self.screen_to_fraction(sx, sy)
        return fraction_to_lonlat(fx, _clamp(fy, 0.0, 1.0))

    # -- moving ----------------------------------------------------------------------
    def pan_by(self, dx: float, dy: float) -> None:
        """Move the map's picture by ``(dx, dy)`` screen pixels (a drag to the right shows more west)."""
        scale = self.scale
        self.centre_x = _clamp(self.centre_x - dx / scale, 0.0, 1.0)
        self.centre_y = _clamp(self.centre_y - dy / scale, 0.0, 1.0)

    def zoom_about(self, sx: float, sy: float, zoom: float) -> None:
        """Change the zoom keeping the map point under screen pixel ``(sx, sy)`` where it is."""
        fx, fy = self.screen_to_fraction(sx, sy)
        self.zoom = _clamp(zoom, MIN_VIEW_ZOOM, MAX_VIEW_ZOOM)
        scale = self.scale
        self.centre_x = _clamp(fx - (sx - self.width / 2.0) / scale, 0.0, 1.0)
        self.centre_y = _clamp(fy - (sy - self.height / 2.0) / scale, 0.0, 1.0)

    # -- tiles -----------------------------------------------------------------------
    def tile_zoom(self, min_zoom: int = 0, max_zoom: int = MAX_ZOOM) -> int:
        """The zoom of the tiles to draw: the nearest whole zoom, within what the source has."""
        return int(_clamp(math.floor(self.zoom + 0.5), min_zoom, max_zoom))

    def tile_rect(self, key: TileKey) -> tuple[float, float, float]:
        """Where tile ``key`` lands on screen: left, top and side length in pixels."""
        side = self.scale / (1 << key.z)
        left, top = self.fraction_to_screen(key.x / (1 << key.z), key.y / (1 << key.z))
        return left, top, side

    def visible_tiles(self, z: int) -> list[TileKey]:
        """The tiles of zoom ``z`` that touch the view, nearest the centre first."""
        count = 1 << z
        fx0, fy0 = self.screen_to_fraction(0, 0)
        fx1, fy1 = self.screen_to_fraction(self.width, self.height)
        x0, x1 = int(_clamp(math.floor(fx0 * count), 0, count - 1)), int(_clamp(math.floor(fx1 * count), 0, count - 1))
        y0, y1 = int(_clamp(math.floor(fy0 * count), 0, count - 1)), int(_clamp(math.floor(fy1 * count), 0, count - 1))
        cx, cy = self.centre_x * count - 0.5, self.centre_y * count - 0.5
        keys = [TileKey(z, x, y) for y in range(y0, y1 + 1) for x in range(x0, x1 + 1)]
        keys.sort(key=lambda k: (k.x - cx) ** 2 + (k.y - cy) ** 2)
        return keys

    def metres_per_pixel(self) -> float:
        """Ground distance of one screen pixel at the view's centre."""
        return ground_resolution(self.centre_lonlat()[1], self.zoom)


def parent_patch(key: TileKey, parent_zoom: int) -> ParentPatch:
    """The part of the ancestor at ``parent_zoom`` that covers ``key``, scaled up it stands in for it."""
    if not 0 <= parent_zoom <= key.z:
        raise ValueError(f"parent zoom {parent_zoom} must be between 0 and the tile's zoom {key.z}")
    levels = key.z - parent_zoom
    size = TILE_SIZE / (1 << levels)
    within = (1 << levels) - 1
    parent = TileKey(parent_zoom, key.x >> levels, key.y >> levels)
    return ParentPatch(parent, (key.x & within) * size, (key.y & within) * size, size)


def nice_number(limit: float) -> float:
    """The largest 1, 2 or 5 times a power of ten that is at most ``limit`` (``limit`` > 0)."""
    if limit <= 0 or not math.isfinite(limit):
        raise ValueError(f"limit {limit} must be a positive finite number")
    power = 10.0 ** math.floor(math.log10(limit))
    best = power
    for step in _NICE_STEPS:
        if step * power <= limit * (1 + 1e-12):
            best = step * power
    return best


def scale_bar(metres_per_pixel: float, max_pixels: float) -> tuple[float, float, str]:
    """A round ground distance that fits in ``max_pixels``: (metres, its pixel length, its label)."""
    metres = nice_number(metres_per_pixel * max_pixels)
    label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
    return metres, metres / metres_per_pixel, label


def graticule_step(degrees_per_pixel: float, target_pixels: float = 120.0) -> float:
    """A round spacing in degrees for grid lines about ``target_pixels`` apart."""
    return nice_number(degrees_per_pixel * target_pixels)


def format_dms(lon: float, lat: float) -> str:
    """A position as degrees, minutes and seconds with hemispheres: ``30°19′10.2″N 120°09′46.8″E``."""
    return f"{_dms(lat, 'N', 'S', 2)} {_dms(lon, 'E', 'W', 3)}"


def _dms(value: float, positive: str, negative: str, width: int) -> str:
    tenths = round(abs(value) * 36000)  # tenths of an arc-second, rounded once so 59.96″ carries
    degrees, rest = divmod(tenths, 36000)
    minutes, tenths = divmod(rest, 600)
    return f"{degrees:0{width}d}°{minutes:02d}′{tenths / 10:04.1f}″{positive if value >= 0 else negative}"


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))
