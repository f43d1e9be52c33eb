"""WGS-84 / GCJ-02 conversion against published reference points."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maps.datum import Datum, convert, gcj02_to_wgs84, in_china, wgs84_to_gcj02
from maps.mercator import haversine_m

# (wgs lon, wgs lat, gcj lon, gcj lat), the test points published with eviltransform (MIT)
REFERENCE = [
    (121.5272106, 31.1774276, 121.531541859215, 31.17530398364597),  # Shanghai
    (113.912316, 22.543847, 113.9171764808363, 22.540796131694766),  # Shenzhen
    (116.377817, 39.911954, 116.38404722455657, 39.91334545536069),  # Beijing
]
HANGZHOU_WEST_LAKE = (120.1485, 30.2427)


@pytest.mark.parametrize(("lon", "lat", "glon", "glat"), REFERENCE)
def test_forward_matches_reference_points(lon: float, lat: float, glon: float, glat: float) -> None:
    assert wgs84_to_gcj02(lon, lat) == pytest.approx((glon, glat), abs=1e-9)


@pytest.mark.parametrize(("lon", "lat", "glon", "glat"), REFERENCE)
def test_inverse_recovers_reference_points(lon: float, lat: float, glon: float, glat: float) -> None:
    back = gcj02_to_wgs84(glon, glat)
    assert haversine_m(*back, lon, lat) < 0.01


def test_hangzhou_is_offset_by_hundreds_of_metres_and_round_trips() -> None:
    gcj = wgs84_to_gcj02(*HANGZHOU_WEST_LAKE)
    offset = haversine_m(*HANGZHOU_WEST_LAKE, *gcj)
    assert 300 < offset < 800
    assert gcj[0] > HANGZHOU_WEST_LAKE[0]  # shifted east, as GCJ maps are in Hangzhou
    assert haversine_m(*gcj02_to_wgs84(*gcj), *HANGZHOU_WEST_LAKE) < 0.5


@pytest.mark.parametrize("point", [(2.3522, 48.8566), (-74.006, 40.7128), (151.2093, -33.8688), (0.0, 0.0)])
def test_no_offset_outside_china(point: tuple[float, float]) -> None:
    assert not in_china(*point)
    assert wgs84_to_gcj02(*point) == point
    assert gcj02_to_wgs84(*point) == point


@settings(max_examples=80, deadline=None)
@given(st.floats(73.0, 135.0), st.floats(18.0, 53.0))
def test_round_trip_inside_china_is_under_half_a_metre(lon: float, lat: float) -> None:
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert haversine_m(*back, lon, lat) < 0.5


def test_convert_between_datums() -> None:
    p = HANGZHOU_WEST_LAKE
    assert convert(*p, Datum.WGS84, Datum.GCJ02) == wgs84_to_gcj02(*p)
    assert convert(*p, Datum.GCJ02, Datum.WGS84) == gcj02_to_wgs84(*p)
    assert convert(*p, Datum.CGCS2000, Datum.WGS84) == p  # within centimetres by definition
    assert convert(*p, Datum.CGCS2000, Datum.GCJ02) == wgs84_to_gcj02(*p)
    assert convert(*p, "GCJ-02", "GCJ-02") == p  # type: ignore[arg-type]


def test_unknown_datum_is_refused() -> None:
    with pytest.raises(ValueError):
        convert(0, 0, "BD-09", Datum.WGS84)  # type: ignore[arg-type]


def test_nan_passes_through_unchanged() -> None:
    lon, lat = wgs84_to_gcj02(float("nan"), 30.0)
    assert lon != lon and lat == 30.0
