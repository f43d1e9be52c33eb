"""Geofences: which units are inside which zones, and the moments they enter or leave.

A zone is an overlay polygon (holes allowed) marked ``keep_out`` or ``keep_in``. At
district scale a local equirectangular projection about the zone's centre is planar to
well under a metre, so containment is the even-odd rule over all rings in metres.
``GeofenceMonitor`` is pure: feed it positions, it returns crossings. A unit is inside
as soon as its position is; it leaves only once it is ``HYSTERESIS_M`` outside the
edge, so GPS jitter on a boundary does not flap. A unit's first position inside a zone
counts as entering it (it appeared there), unless it is a ``seed`` (a state known
before, such as a retained position after a restart). A fast unit (a drone) whose
straight path between two reports cuts through a zone has entered and left it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from maps.overlays import GEOFENCE_RULES, Overlay

EARTH_RADIUS_M = 6_371_008.8
HYSTERESIS_M = 5.0

Ring = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Zone:
    """One geofence polygon in WGS-84 ``(lon, lat)``: outer ring first, then holes."""

    id: str
    name: str
    rule: str  # one of maps.overlays.GEOFENCE_RULES
    rings: tuple[Ring, ...]
    overlay: str = ""  # the name of the overlay it came from
    _local: tuple[tuple[tuple[float, float], ...], ...] = field(init=False, repr=False, compare=False)
    _origin: tuple[float, float, float] = field(init=False, repr=False, compare=False)
    _box: tuple[float, float, float, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.rule not in GEOFENCE_RULES:
            raise ValueError(f"zone {self.id}: rule {self.rule!r} is not one of {', '.join(GEOFENCE_RULES)}")
        if not self.rings or len(self.rings[0]) < 3:
            raise ValueError(f"zone {self.id}: a polygon needs an outer ring of at least three corners")
        lons = [lon for lon, _ in self.rings[0]]
        lats = [lat for _, lat in self.rings[0]]
        lon0, lat0 = (min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2
        origin = (lon0, lat0, math.cos(math.radians(lat0)))
        object.__setattr__(self, "_origin", origin)
        local = tuple(tuple(self._project(lon, lat) for lon, lat in ring) for ring in self.rings)
        object.__setattr__(self, "_local", local)
        xs = [x for x, _ in local[0]]
        ys = [y for _, y in local[0]]
        object.__setattr__(self, "_box", (min(xs), min(ys), max(xs), max(ys)))

    def _project(self, lon: float, lat: float) -> tuple[float, float]:
        lon0, lat0, cos0 = self._origin
        dlon = (lon - lon0 + 180.0) % 360.0 - 180.0  # zones across the antimeridian stay whole
        return (math.radians(dlon) * cos0 * EARTH_RADIUS_M, math.radians(lat - lat0) * EARTH_RADIUS_M)

    def depth_m(self, lon: float, lat: float) -> float:
        """Distance to the nearest edge in metres: positive inside, negative outside."""
        x, y = self._project(lon, lat)
        west, south, east, north = self._box
        outside_box = max(west - x, x - east, south - y, y - north)
        if outside_box > 0:
            return -outside_box  # a lower bound is enough far away, and cheap
        inside = False
        nearest = math.inf
        for ring in self._local:
            for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
                if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                    inside = not inside
                nearest = min(nearest, _segment_distance(x, y, x1, y1, x2, y2))
        return nearest if inside else -nearest

    def contains(self, lon: float, lat: float) -> bool:
        return self.depth_m(lon, lat) > 0

    def crossed_by(self, start: tuple[float, float], end: tuple[float, float]) -> bool:
        """Whether the straight path from ``start`` to ``end`` (lon, lat) touches an edge of the zone."""
        (ax, ay), (bx, by) = self._project(*start), self._project(*end)
        west, south, east, north = self._box
        if max(ax, bx) < west or min(ax, bx) > east or max(ay, by) < south or min(ay, by) > north:
            return False
        return any(_segments_meet(ax, ay, bx, by, *p, *q) for ring in self._local for p, q in zip(ring, ring[1:]))


def _segment_distance(px: float, py: float, x1: float, y1: float, x2: float, y2: float) -> float:
    dx, dy = x2 - x1, y2 - y1
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - x1) * dx + (py - y1) * dy) / length2))
    return math.hypot(px - (x1 + t * dx), py - (y1 + t * dy))


def _segments_meet(ax, ay, bx, by, cx, cy, dx, dy) -> bool:
    def side(px, py, qx, qy, rx, ry):
        return (qx - px) * (ry - py) - (qy - py) * (rx - px)

    d1, d2 = side(cx, cy, dx, dy, ax, ay), side(cx, cy, dx, dy, bx, by)
    d3, d4 = side(ax, ay, bx, by, cx, cy), side(ax, ay, bx, by, dx, dy)
    return (d1 * d2 <= 0) and (d3 * d4 <= 0) and (d1, d2, d3, d4) != (0, 0, 0, 0)


def zones_of(overlay: Overlay) -> list[Zone]:
    """The geofence polygons of one overlay, with ids ``{overlay id}/{index}``."""
    return [Zone(f"{overlay.id}/{index}", feature.name or overlay.name, feature.geofence, feature.rings, overlay.name)
            for index, feature in enumerate(overlay.features)
            if feature.geometry == "polygon" and feature.geofence in GEOFENCE_RULES]


@dataclass(frozen=True)
class Crossing:
    """A unit entered (``entered`` True) or left a zone."""

    uid: str
    zone: Zone
    entered: bool

    @property
    def breach(self) -> bool:
        """Entering a keep-out zone or leaving a keep-in zone: what a person must be told."""
        return self.entered == (self.zone.rule == "keep_out")


class GeofenceMonitor:
    """Per unit and zone, inside or outside; ``update`` returns the crossings one position makes.

    Pure and single-threaded: the caller serialises calls (the gateway calls it from its bus thread).
    """

    def __init__(self, zones: list[Zone], hysteresis_m: float = HYSTERESIS_M) -> None:
        self.zones = list(zones)
        self.hysteresis_m = hysteresis_m
        self._inside: dict[str, set[str]] = {}  # uid -> ids of the zones it is in
        self._last_at: dict[str, float] = {}
        self._last_position: dict[str, tuple[float, float]] = {}

    def inside(self, uid: str) -> set[str]:
        """Ids of the zones ``uid`` is in now."""
        return set(self._inside.get(uid, ()))

    def update(self, uid: str, lon: float, lat: float, at: float | None = None, seed: bool = False) -> list[Crossing]:
        """One position of ``uid`` (``at``: seconds, to drop reports older than the last); its crossings."""
        if at is not None:
            if at < self._last_at.get(uid, -math.inf):
                return []
            self._last_at[uid] = at
        known = uid in self._inside
        was_in = self._inside.setdefault(uid, set())
        last = self._last_position.get(uid)
        self._last_position[uid] = (lon, lat)
        crossings = []
        for zone in self.zones:
            depth = zone.depth_m(lon, lat)
            if zone.id in was_in:
                if depth < -self.hysteresis_m:
                    was_in.discard(zone.id)
                    crossings.append(Crossing(uid, zone, entered=False))
            elif depth > 0:
                was_in.add(zone.id)
                if known or not seed:
                    crossings.append(Crossing(uid, zone, entered=True))
            elif last is not None and zone.crossed_by(last, (lon, lat)):
                crossings.append(Crossing(uid, zone, entered=True))  # passed through between two reports
                if depth < -self.hysteresis_m:
                    crossings.append(Crossing(uid, zone, entered=False))
                else:
                    was_in.add(zone.id)
        return crossings
