"""The camera's ground footprint and the distance and bearing between two positions."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maps.footprint import (
    DEFAULT_ASPECT, DEFAULT_HFOV_DEG, MAX_RANGE_M, METRES_PER_DEGREE_LAT, camera_footprint, distance_bearing,
    nadir_width_m, offset,
)
from maps.mercator import haversine_m

GONGSHU = (30.3195, 120.1630)  # lat, lon


def local_metres(corner, origin=GONGSHU):
    """(east, north) metres of a corner from the origin."""
    north = (corner[0] - origin[0]) * METRES_PER_DEGREE_LAT
    east = (corner[1] - origin[1]) * METRES_PER_DEGREE_LAT * math.cos(math.radians(origin[0]))
    return east, north


def test_nadir_width_is_twice_altitude_times_tan_half_fov():
    assert nadir_width_m(60.0) == pytest.approx(2 * 60.0 * math.tan(math.radians(40.0)))
    assert nadir_width_m(60.0) == pytest.approx(100.69, abs=0.01)


def test_nadir_footprint_is_a_rectangle_centred_below_the_drone_heading_north():
    corners = camera_footprint(*GONGSHU, height_m=60.0, yaw_deg=0.0)
    assert corners is not None and len(corners) == 4
    (tl_e, tl_n), (tr_e, tr_n), (br_e, br_n), (bl_e, bl_n) = map(local_metres, corners)
    width = 2 * 60.0 * math.tan(math.radians(DEFAULT_HFOV_DEG / 2))
    height = width / DEFAULT_ASPECT
    assert tr_e - tl_e == pytest.approx(width, rel=1e-6)
    assert br_e - bl_e == pytest.approx(width, rel=1e-6)
    assert tl_n - bl_n == pytest.approx(height, rel=1e-6)
    assert tl_n == pytest.approx(tr_n) and tl_n > 0 > bl_n  # the picture's top lies ahead (north)
    assert (tl_e + tr_e + br_e + bl_e) / 4 == pytest.approx(0.0, abs=1e-6)
    assert (tl_n + tr_n + br_n + bl_n) / 4 == pytest.approx(0.0, abs=1e-6)
    assert haversine_m(corners[0][1], corners[0][0], corners[1][1], corners[1][0]) == pytest.approx(width, rel=1e-3)


def test_yaw_turns_the_footprint_with_the_drone():
    corners = camera_footprint(*GONGSHU, height_m=60.0, yaw_deg=90.0)
    (tl_e, tl_n), (tr_e, tr_n), _, (bl_e, _) = map(local_metres, corners)
    assert tl_e > 0 and tl_e == pytest.approx(tr_e)  # the top edge lies east, ahead of a drone flying east
    assert tl_n - tr_n == pytest.approx(nadir_width_m(60.0), rel=1e-6)  # the width now runs north-south
    assert bl_e < 0


def test_footprint_scales_with_height_and_ignores_a_stabilised_gimbals_body_attitude():
    low = camera_footprint(*GONGSHU, height_m=30.0, yaw_deg=45.0)
    high = camera_footprint(*GONGSHU, height_m=120.0, yaw_deg=45.0)
    low_w = math.dist(local_metres(low[0]), local_metres(low[1]))
    high_w = math.dist(local_metres(high[0]), local_metres(high[1]))
    assert high_w == pytest.approx(4 * low_w, rel=1e-6)


def test_an_oblique_camera_sees_farther_ahead_and_the_horizon_has_no_footprint():
    oblique = camera_footprint(*GONGSHU, height_m=60.0, yaw_deg=0.0, pitch_deg=-45.0)
    (tl_e, tl_n), (tr_e, _), (br_e, br_n), (bl_e, _) = map(local_metres, oblique)
    assert tl_n > br_n > 0  # all ahead of the drone
    assert tr_e - tl_e > br_e - bl_e  # the far edge is wider: a trapezoid
    assert camera_footprint(*GONGSHU, height_m=60.0, yaw_deg=0.0, pitch_deg=-10.0) is None
    assert camera_footprint(*GONGSHU, height_m=60.0, yaw_deg=0.0, pitch_deg=0.0) is None


@pytest.mark.parametrize("bad", [
    dict(height_m=0.0), dict(height_m=-5.0), dict(height_m=float("nan")), dict(yaw_deg=float("inf")),
    dict(hfov_deg=0.0), dict(hfov_deg=180.0), dict(aspect=0.0), dict(lat=90.0), dict(lat=float("nan")),
    dict(lon=500.0), dict(yaw_deg="north"), dict(height_m=None),
])
def test_impossible_inputs_give_no_footprint(bad):
    args = dict(lat=GONGSHU[0], lon=GONGSHU[1], height_m=60.0, yaw_deg=0.0) | bad
    assert camera_footprint(**args) is None


finite = st.floats(allow_nan=True, allow_infinity=True, width=64)


@given(lat=finite, lon=finite, height=finite, yaw=finite, pitch=finite, roll=finite, hfov=finite)
def test_any_numbers_give_none_or_four_finite_corners_within_range(lat, lon, height, yaw, pitch, roll, hfov):
    corners = camera_footprint(lat, lon, height, yaw, pitch, roll, hfov)
    if corners is None:
        return
    assert len(corners) == 4
    for corner_lat, corner_lon in corners:
        assert math.isfinite(corner_lat) and math.isfinite(corner_lon)
        assert -180.0 <= corner_lon <= 180.0
        assert abs(corner_lat - lat) * METRES_PER_DEGREE_LAT <= MAX_RANGE_M + 1.0


def test_distance_and_bearing_between_positions():
    north = offset(*GONGSHU, 1000.0, 0.0)
    distance, bearing = distance_bearing(*GONGSHU, *north)
    assert distance == pytest.approx(1000.0, rel=1e-3) and bearing == pytest.approx(0.0, abs=0.01)
    west = offset(*GONGSHU, 0.0, -500.0)
    distance, bearing = distance_bearing(*GONGSHU, *west)
    assert distance == pytest.approx(500.0, rel=1e-3) and bearing == pytest.approx(270.0, abs=0.05)
    south_east = offset(*GONGSHU, -300.0, 300.0)
    assert distance_bearing(*GONGSHU, *south_east)[1] == pytest.approx(135.0, abs=0.1)
    assert distance_bearing(*GONGSHU, *GONGSHU)[0] == 0.0


@given(st.floats(-89, 89), st.floats(-180, 180), st.floats(-89, 89), st.floats(-180, 180))
def test_bearing_is_always_in_range(lat1, lon1, lat2, lon2):
    distance, bearing = distance_bearing(lat1, lon1, lat2, lon2)
    assert 0.0 <= bearing < 360.0 and 0.0 <= distance <= math.pi * 6371008.8 + 1
