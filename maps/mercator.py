"""Web Mercator (EPSG:3857) tile math and distances on the sphere.

Positions are ``(lon, lat)`` in degrees, GeoJSON order. World pixels count from the
top-left corner of the world at a zoom, with 256-pixel tiles, so the world is
``256 * 2**zoom`` pixels wide (zoom may be fractional for smooth zooming). Latitudes
are clamped to ±85.0511°, where the projection squares the world.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

from maps.tile_source import MAX_ZOOM, TileKey

TILE_SIZE = 256
MAX_LATITUDE = math.degrees(math.atan(math.sinh(math.pi)))  # 85.0511287798...
EARTH_RADIUS_M = 6378137.0  # the sphere of Web Mercator (WGS-84 semi-major axis)
MEAN_EARTH_RADIUS_M = 6371008.8  # IUGG mean radius, for distances and areas


class BBox(NamedTuple):
    """A lon/lat box: west, south, east, north in degrees (west < east, south < north)."""

    west: float
    south: float
    east: float
    north: float


def bbox(west: float, south: float, east: float, north: float) -> BBox:
    """A checked ``BBox``; ``ValueError`` says which edge is wrong.

    A box across the antimeridian (west > east) is refused: split it in two.
    """
    values = (west, south, east, north)
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in values):
        raise ValueError(f"bbox {values!r} must be four finite numbers W,S,E,N")
    if not (-180.0 <= west < east <= 180.0):
        raise ValueError(
            f"bbox west {west} and east {east} must satisfy -180 <= W < E <= 180 "
            "(a box across the antimeridian must be split in two)"
        )
    if not (-90.0 <= south < north <= 90.0):
        raise ValueError(f"bbox south {south} and north {north} must satisfy -90 <= S < N <= 90")
    return BBox(float(west), float(south), float(east), float(north))


def parse_bbox(text: str) -> BBox:
    """A ``BBox`` from the command-line form ``W,S,E,N`` (degrees)."""
    parts = text.split(",")
    if len(parts) != 4:
        raise ValueError(f"bbox {text!r} must be four numbers W,S,E,N separated by commas")
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise ValueError(f"bbox {text!r} must be four numbers W,S,E,N separated by commas") from None
    return bbox(west, south, east, north)


def clamp_latitude(lat: float) -> float:
    """``lat`` limited to the latitudes Web Mercator can show."""
    return max(-MAX_LATITUDE, min(MAX_LATITUDE, lat))


def world_size(zoom: float) -> float:
    """The width (and height) of the whole world in pixels at ``zoom``."""
    return TILE_SIZE * 2.0**zoom


def lonlat_to_world(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    """The world pixel ``(px, py)`` of a position at ``zoom``; latitude is clamped."""
    size = world_size(zoom)
    sin_lat = math.sin(math.radians(clamp_latitude(lat)))
    px = (lon + 180.0) / 360.0 * size
    py = (0.5 - math.log((1.0 + sin_lat) / (1.0 - sin_lat)) / (4.0 * math.pi)) * size
    return px, py


def world_to_lonlat(px: float, py: float, zoom: float) -> tuple[float, float]:
    """The position at world pixel ``(px, py)`` at ``zoom`` (the inverse of ``lonlat_to_world``)."""
    size = world_size(zoom)
    lon = px / size * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1.0 - 2.0 * py / size))))
    return lon, lat


def lonlat_to_tile(lon: float, lat: float, z: int) -> TileKey:
    """The tile holding a position at zoom ``z``; the world's edges belong to the edge tiles."""
    px, py = lonlat_to_world(lon, lat, z)
    last = (1 << z) - 1
    x = min(last, max(0, math.floor(px / TILE_SIZE)))
    y = min(last, max(0, math.floor(py / TILE_SIZE)))
    return TileKey(z, x, y)


def tile_bounds(z: int, x: int, y: int) -> BBox:
    """The lon/lat box a tile covers."""
    west, north = world_to_lonlat(x * TILE_SIZE, y * TILE_SIZE, z)
    east, south = world_to_lonlat((x + 1) * TILE_SIZE, (y + 1) * TILE_SIZE, z)
    return BBox(west, south, east, north)


def tile_range(box: BBox, z: int) -> tuple[int, int, int, int]:
    """The inclusive tile columns and rows ``(x0, y0, x1, y1)`` covering ``box`` at zoom ``z``."""
    _, x0, y0 = lonlat_to_tile(box.west, box.north, z)
    _, x1, y1 = lonlat_to_tile(box.east, box.south, z)
    # An east or south edge lying exactly on a tile border does not reach into the next tile.
    px1, py1 = lonlat_to_world(box.east, box.south, z)
    if x1 > x0 and px1 == x1 * TILE_SIZE:
        x1 -= 1
    if y1 > y0 and py1 == y1 * TILE_SIZE:
        y1 -= 1
    return x0, y0, x1, y1


def _check_zooms(min_zoom: int, max_zoom: int) -> None:
    if not (0 <= min_zoom <= max_zoom <= MAX_ZOOM):
        raise ValueError(f"zoom range {min_zoom}-{max_zoom} must satisfy 0 <= min <= max <= {MAX_ZOOM}")


def count_tiles(box: BBox, min_zoom: int, max_zoom: int) -> int:
    """How many tiles cover ``box`` over the zoom range, without listing them."""
    _check_zooms(min_zoom, max_zoom)
    total = 0
    for z in range(min_zoom, max_zoom + 1):
        x0, y0, x1, y1 = tile_range(box, z)
        total += (x1 - x0 + 1) * (y1 - y0 + 1)
    return total


def iter_tiles(box: BBox, min_zoom: int, max_zoom: int) -> Iterator[TileKey]:
    """Every tile covering ``box`` over the zoom range: low zooms first, row by row."""
    _check_zooms(min_zoom, max_zoom)
    for z in range(min_zoom, max_zoom + 1):
        x0, y0, x1, y1 = tile_range(box, z)
        for y in range(y0, y1 + 1):
            for x in range(x0, x1 + 1):
                yield TileKey(z, x, y)


def ground_resolution(lat: float, zoom: float) -> float:
    """Metres on the ground per pixel at a latitude and zoom (for the scale bar)."""
    lat = clamp_latitude(lat)
    return math.cos(math.radians(lat)) * 2.0 * math.pi * EARTH_RADIUS_M / world_size(zoom)


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """The great-circle distance in metres between two positions (mean Earth radius)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlam = math.radians(lon2 - lon1)
    h = math.sin(dphi / 2.0) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2.0) ** 2
    return 2.0 * MEAN_EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def path_length_m(points: Iterable[tuple[float, float]]) -> float:
    """The length in metres of a path through ``(lon, lat)`` points, along great circles."""
    total = 0.0
    previous: tuple[float, float] | None = None
    for point in points:
        if previous is not None:
            total += haversine_m(previous[0], previous[1], point[0], point[1])
        previous = point
    return total


def polygon_area_m2(ring: Sequence[tuple[float, float]]) -> float:
    """The area in square metres of a polygon on the sphere, edges along great circles.

    ``ring`` lists ``(lon, lat)`` vertices; closing it (repeating the first vertex) is
    optional. Each edge adds the signed area of the triangle it makes with the pole
    (exact spherical excess); of the two regions the ring bounds, the smaller is returned.
    Rings that circle a pole are not supported (a measuring tool never draws one).
    """
    points = list(ring)
    if len(points) > 1 and points[0] == points[-1]:
        points.pop()
    if len(points) < 3:
        return 0.0
    excess = 0.0
    for (lon1, lat1), (lon2, lat2) in zip(points, points[1:] + points[:1], strict=True):
        dlam = math.radians(lon2 - lon1)
        dlam = math.atan2(math.sin(dlam), math.cos(dlam))  # shortest way round, in (-pi, pi]
        t1 = math.tan(math.radians(lat1) / 2.0)
        t2 = math.tan(math.radians(lat2) / 2.0)
        excess += 2.0 * math.atan2(math.tan(dlam / 2.0) * (t1 + t2), 1.0 + t1 * t2)
    area = abs(excess) % (4.0 * math.pi)
    return min(area, 4.0 * math.pi - area) * MEAN_EARTH_RADIUS_M**2
