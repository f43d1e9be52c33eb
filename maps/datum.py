"""Datums of map tiles and positions, and conversion between WGS-84 and GCJ-02.

GPS positions are WGS-84. Some Chinese web map providers draw their tiles in GCJ-02,
an obfuscated datum offset by a few hundred metres inside China (and identical to
WGS-84 outside it). Tianditu's CGCS2000 differs from WGS-84 by centimetres, so it is
treated as WGS-84 here. Coordinates are ``(lon, lat)`` in degrees, GeoJSON order.

The WGS-84 → GCJ-02 formula is the widely published public one (Krasovsky ellipsoid
plus a fixed trigonometric perturbation); GCJ-02 → WGS-84 has no closed form and is
found by fixed-point iteration to better than 1e-7 degrees (about a centimetre).
"""

from __future__ import annotations

import math
from enum import StrEnum


class Datum(StrEnum):
    """The datum a tile source draws in or a position is given in."""

    WGS84 = "WGS-84"
    GCJ02 = "GCJ-02"
    CGCS2000 = "CGCS2000"  # within centimetres of WGS-84; converted as WGS-84


# Constants of the published GCJ-02 algorithm (Krasovsky 1940 ellipsoid).
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323

# The rough box in which GCJ-02 applies an offset; outside it GCJ-02 == WGS-84.
_CHINA_LON = (72.004, 137.8347)
_CHINA_LAT = (0.8293, 55.8271)

_INVERSE_TOLERANCE_DEG = 1e-9
_INVERSE_MAX_STEPS = 30


def in_china(lon: float, lat: float) -> bool:
    """True where GCJ-02 differs from WGS-84 (the published bounding box of China)."""
    return _CHINA_LON[0] <= lon <= _CHINA_LON[1] and _CHINA_LAT[0] <= lat <= _CHINA_LAT[1]


def _perturb_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _perturb_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _gcj_offset(lon: float, lat: float) -> tuple[float, float]:
    """The GCJ-02 offset (dlon, dlat) in degrees at a WGS-84 point inside China."""
    dlat = _perturb_lat(lon - 105.0, lat - 35.0)
    dlon = _perturb_lon(lon - 105.0, lat - 35.0)
    rad_lat = math.radians(lat)
    magic = 1.0 - _KRASOVSKY_EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_KRASOVSKY_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """A WGS-84 position as GCJ-02; unchanged outside China."""
    if not in_china(lon, lat):
        return lon, lat
    dlon, dlat = _gcj_offset(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """A GCJ-02 position as WGS-84, by iteration; unchanged outside China.

    Each step moves the guess by the error of its forward transform; the offset
    varies slowly, so this converges to far below a centimetre in a few steps.
    """
    if not in_china(lon, lat):
        return lon, lat
    dlon, dlat = _gcj_offset(lon, lat)
    guess_lon, guess_lat = lon - dlon, lat - dlat
    for _ in range(_INVERSE_MAX_STEPS):
        fwd_lon, fwd_lat = wgs84_to_gcj02(guess_lon, guess_lat)
        err_lon, err_lat = fwd_lon - lon, fwd_lat - lat
        guess_lon -= err_lon
        guess_lat -= err_lat
        if abs(err_lon) < _INVERSE_TOLERANCE_DEG and abs(err_lat) < _INVERSE_TOLERANCE_DEG:
            break
    return guess_lon, guess_lat


def _is_wgs84_like(datum: Datum) -> bool:
    return datum in (Datum.WGS84, Datum.CGCS2000)


def convert(lon: float, lat: float, source: Datum, target: Datum) -> tuple[float, float]:
    """A position given in ``source`` datum, expressed in ``target`` datum."""
    source, target = Datum(source), Datum(target)
    if _is_wgs84_like(source) == _is_wgs84_like(target):
        return lon, lat
    if _is_wgs84_like(source):
        return wgs84_to_gcj02(lon, lat)
    return gcj02_to_wgs84(lon, lat)
