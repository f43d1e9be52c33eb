"""Ground geometry around a drone: where its camera sees, and how far and which way the vehicle lies.

``camera_footprint`` casts the four corner rays of the camera's picture onto flat ground
``height_m`` below the camera and returns the quadrilateral they hit, as WGS-84 corners.
The ground is taken as flat at the take-off point's height (MAVLink's relative altitude),
which is what a drone seat can know without a terrain model. Angles follow MAVLink and
aviation: heading/yaw clockwise from true north, pitch positive nose-up (a camera looking
straight down has pitch -90°), roll positive right wing down.
"""

from __future__ import annotations

import math

from maps.mercator import MEAN_EARTH_RADIUS_M, haversine_m

DEFAULT_HFOV_DEG = 80.0  # a typical drone camera's horizontal field of view
DEFAULT_ASPECT = 16 / 9  # picture width over height
NADIR_PITCH_DEG = -90.0  # a gimbal pointing straight down: what we assume when the gimbal does not say
MAX_RANGE_M = 5000.0  # a corner ray meeting the ground farther than this is treated as the horizon
METRES_PER_DEGREE_LAT = math.pi * MEAN_EARTH_RADIUS_M / 180.0

Corner = tuple[float, float]  # (lat, lon) in degrees


def nadir_width_m(height_m: float, hfov_deg: float = DEFAULT_HFOV_DEG) -> float:
    """Across-track width of a straight-down picture: 2 · height · tan(HFOV / 2)."""
    return 2.0 * height_m * math.tan(math.radians(hfov_deg) / 2.0)


def camera_footprint(lat: float, lon: float, height_m: float, yaw_deg: float,
                     pitch_deg: float = NADIR_PITCH_DEG, roll_deg: float = 0.0,
                     hfov_deg: float = DEFAULT_HFOV_DEG, aspect: float = DEFAULT_ASPECT) -> list[Corner] | None:
    """The picture's ground corners (top-left, top-right, bottom-right, bottom-left), or None.

    None when the inputs are not finite or out of range, the camera is not above the
    ground, or a corner ray does not meet the ground within ``MAX_RANGE_M`` (the picture
    shows the horizon, so its footprint is unbounded).
    """
    values = (lat, lon, height_m, yaw_deg, pitch_deg, roll_deg, hfov_deg, aspect)
    if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in values):
        return None
    if not (-90.0 < lat < 90.0 and -180.0 <= lon <= 180.0 and height_m > 0.0
            and 0.0 < hfov_deg < 180.0 and 0.0 < aspect < 100.0):
        return None
    half_w = math.tan(math.radians(hfov_deg) / 2.0)
    half_h = half_w / aspect
    rotate = _body_to_ned(math.radians(yaw_deg), math.radians(pitch_deg), math.radians(roll_deg))
    corners = []
    # Camera frame: x forward (the picture's centre), y right, z down (the picture's bottom).
    for right, down in ((-half_w, -half_h), (half_w, -half_h), (half_w, half_h), (-half_w, half_h)):
        north, east, below = rotate((1.0, right, down))
        if below <= 0.0:
            return None
        scale = height_m / below
        if math.hypot(north * scale, east * scale) > MAX_RANGE_M:
            return None
        corners.append(offset(lat, lon, north * scale, east * scale))
    return corners


def offset(lat: float, lon: float, north_m: float, east_m: float) -> Corner:
    """The position ``north_m`` and ``east_m`` metres from (lat, lon), on a local flat patch."""
    d_lat = north_m / METRES_PER_DEGREE_LAT
    d_lon = east_m / (METRES_PER_DEGREE_LAT * max(1e-9, math.cos(math.radians(lat))))
    return lat + d_lat, (lon + d_lon + 180.0) % 360.0 - 180.0


def distance_bearing(from_lat: float, from_lon: float, to_lat: float, to_lon: float) -> tuple[float, float]:
    """Great-circle distance (m) and initial bearing (degrees true, [0, 360)) from one position to another."""
    distance = haversine_m(from_lon, from_lat, to_lon, to_lat)
    phi1, phi2 = math.radians(from_lat), math.radians(to_lat)
    d_lon = math.radians(to_lon - from_lon)
    y = math.sin(d_lon) * math.cos(phi2)
    x = math.cos(phi1) * math.sin(phi2) - math.sin(phi1) * math.cos(phi2) * math.cos(d_lon)
    bearing = math.degrees(math.atan2(y, x)) % 360.0
    return distance, 0.0 if bearing >= 360.0 else bearing


def _body_to_ned(yaw: float, pitch: float, roll: float):
    """The rotation R = Rz(yaw) · Ry(pitch) · Rx(roll) from a forward-right-down frame to north-east-down."""
    cy, sy = math.cos(yaw), math.sin(yaw)
    cp, sp = math.cos(pitch), math.sin(pitch)
    cr, sr = math.cos(roll), math.sin(roll)
    matrix = (
        (cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr),
        (sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr),
        (-sp, cp * sr, cp * cr),
    )

    def rotate(vector: tuple[float, float, float]) -> tuple[float, float, float]:
        return tuple(sum(row[i] * vector[i] for i in range(3)) for row in matrix)

    return rotate
