"""Cut polygons and lines down to a lon/lat box, so large map data can be kept for one area.

``clip_ring`` keeps the part of a closed ring inside the box (Sutherland–Hodgman): the
result fills the same area inside the box as the ring, also for concave rings such as a
coastline, though it may run along the box's edge where the ring left and came back.
``clip_line`` splits a polyline into the runs that lie inside the box. Points are
``(lon, lat)`` pairs; edges are straight in lon/lat, which at district scale is as exact
as the data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from maps.mercator import BBox

Point = tuple[float, float]


def clip_ring(ring: Sequence[Point], box: BBox) -> list[Point]:
    """The ring cut to the box, at least three points; empty if no area of it is inside."""
    points = _open(ring)
    edges: tuple[tuple[Callable[[Point], bool], Callable[[Point, Point], Point]], ...] = (
        (lambda p: p[0] >= box.west, lambda a, b: _at_lon(a, b, box.west)),
        (lambda p: p[0] <= box.east, lambda a, b: _at_lon(a, b, box.east)),
        (lambda p: p[1] >= box.south, lambda a, b: _at_lat(a, b, box.south)),
        (lambda p: p[1] <= box.north, lambda a, b: _at_lat(a, b, box.north)),
    )
    for inside, cross in edges:
        if not points:
            break
        kept: list[Point] = []
        previous = points[-1]
        previous_in = inside(previous)
        for point in points:
            point_in = inside(point)
            if point_in != previous_in:
                kept.append(cross(previous, point))
            if point_in:
                kept.append(point)
            previous, previous_in = point, point_in
        points = kept
    points = _drop_repeats(points)
    return points if len(points) >= 3 else []  # a ring that only touches the box leaves nothing


def clip_line(line: Sequence[Point], box: BBox) -> list[list[Point]]:
    """The runs of a polyline inside the box, each cut exactly at the box's edge."""
    runs: list[list[Point]] = []
    current: list[Point] = []
    for start, end in zip(line, line[1:]):
        piece = _clip_segment(start, end, box)
        if piece is None:
            if len(current) >= 2:
                runs.append(current)
            current = []
            continue
        a, b = piece
        if not current or current[-1] != a:
            if len(current) >= 2:
                runs.append(current)
            current = [a]
        current.append(b)
    if len(current) >= 2:
        runs.append(current)
    return runs


def _clip_segment(a: Point, b: Point, box: BBox) -> tuple[Point, Point] | None:
    """Liang–Barsky: the part of segment a-b inside the box, or None."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    low, high = 0.0, 1.0
    for p, q in ((-dx, a[0] - box.west), (dx, box.east - a[0]), (-dy, a[1] - box.south), (dy, box.north - a[1])):
        if p == 0:
            if q < 0:
                return None
            continue
        t = q / p
        if p < 0:
            low = max(low, t)
        else:
            high = min(high, t)
        if low > high:
            return None
    start = a if low == 0.0 else (a[0] + low * dx, a[1] + low * dy)
    end = b if high == 1.0 else (a[0] + high * dx, a[1] + high * dy)
    return start, end


def _open(ring: Sequence[Point]) -> list[Point]:
    points = [(float(lon), float(lat)) for lon, lat in ring]
    if len(points) > 1 and points[0] == points[-1]:
        points.pop()
    return points


def _drop_repeats(points: list[Point]) -> list[Point]:
    kept = [point for index, point in enumerate(points) if index == 0 or point != points[index - 1]]
    while len(kept) > 1 and kept[0] == kept[-1]:
        kept.pop()
    return kept


def _at_lon(a: Point, b: Point, lon: float) -> Point:
    t = (lon - a[0]) / (b[0] - a[0])
    return lon, a[1] + t * (b[1] - a[1])


def _at_lat(a: Point, b: Point, lat: float) -> Point:
    t = (lat - a[1]) / (b[1] - a[1])
    return a[0] + t * (b[0] - a[0]), lat
