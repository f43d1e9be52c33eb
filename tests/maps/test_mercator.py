"""Web Mercator math against independent formulas and known values."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maps import mercator
from maps.mercator import BBox
from maps.tile_source import TileKey

HANGZHOU = (120.1551, 30.2741)
FAST = settings(max_examples=60, deadline=None)

lons = st.floats(-180.0, 180.0, allow_nan=False)
lats = st.floats(-mercator.MAX_LATITUDE, mercator.MAX_LATITUDE, allow_nan=False)


def osm_wiki_tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The tile formula as the OpenStreetMap wiki writes it (asinh/tan form)."""
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y


def test_hangzhou_tile_matches_the_osm_wiki_formula() -> None:
    for z in range(0, 19):
        assert mercator.lonlat_to_tile(*HANGZHOU, z) == TileKey(z, *osm_wiki_tile(*HANGZHOU, z))
    assert mercator.lonlat_to_tile(*HANGZHOU, 12) == TileKey(12, 3415, 1686)  # worked by hand


@FAST
@given(lons, lats, st.integers(0, 20))
def test_tile_formula_agrees_with_osm_wiki(lon: float, lat: float, z: int) -> None:
    key = mercator.lonlat_to_tile(lon, lat, z)
    wx, wy = osm_wiki_tile(lon, lat, z)
    last = 2**z - 1
    # the two formulas may round differently on an exact tile border
    assert abs(key.x - min(wx, last)) <= 1 and abs(key.y - min(wy, last)) <= 1


@FAST
@given(lons, lats, st.floats(0, 22))
def test_world_pixels_round_trip(lon: float, lat: float, zoom: float) -> None:
    px, py = mercator.lonlat_to_world(lon, lat, zoom)
    back_lon, back_lat = mercator.world_to_lonlat(px, py, zoom)
    assert back_lon == pytest.approx(lon, abs=1e-9)
    assert back_lat == pytest.approx(lat, abs=1e-9)


def test_latitude_is_clamped_at_the_projection_limit() -> None:
    assert mercator.MAX_LATITUDE == pytest.approx(85.0511287798)
    assert mercator.lonlat_to_world(0, 90, 0) == pytest.approx((128, 0))
    assert mercator.lonlat_to_world(0, -90, 0) == pytest.approx((128, 256))
    assert mercator.clamp_latitude(89) == mercator.MAX_LATITUDE
    assert mercator.lonlat_to_tile(180, -90, 3) == TileKey(3, 7, 7)


def test_tile_bounds_of_the_world_and_containment() -> None:
    assert mercator.tile_bounds(0, 0, 0) == pytest.approx((-180, -mercator.MAX_LATITUDE, 180, mercator.MAX_LATITUDE))
    key = mercator.lonlat_to_tile(*HANGZHOU, 15)
    b = mercator.tile_bounds(*key)
    assert b.west <= HANGZHOU[0] < b.east and b.south < HANGZHOU[1] <= b.north


def test_count_without_listing_matches_the_listing() -> None:
    box = BBox(120.0, 30.1, 120.3, 30.4)
    assert mercator.count_tiles(box, 10, 14) == len(list(mercator.iter_tiles(box, 10, 14)))
    world = mercator.bbox(-180, -90, 180, 90)
    assert [mercator.count_tiles(world, z, z) for z in range(5)] == [1, 4, 16, 64, 256]


@FAST
@given(lons, lons, lats, lats, st.integers(0, 9))
def test_count_and_listing_agree_for_any_box(a: float, b: float, c: float, d: float, z: int) -> None:
    if a == b or c == d:
        return
    box = mercator.bbox(min(a, b), min(c, d), max(a, b), max(c, d))
    listed = list(mercator.iter_tiles(box, z, z))
    assert mercator.count_tiles(box, z, z) == len(listed) == len(set(listed)) >= 1


def test_box_edges_on_tile_borders_take_no_extra_tiles() -> None:
    north_east_quarter = mercator.bbox(0, 0, 180, 90)
    assert list(mercator.iter_tiles(north_east_quarter, 1, 1)) == [TileKey(1, 1, 0)]


@pytest.mark.parametrize(
    "text",
    ["1,2,3", "a,b,c,d", "", "10,20,5,30", "10,20,30,10", "nan,1,2,3", "1,2,inf,4", "-200,0,10,10", "1,2,3,4,5"],
)
def test_bad_bbox_is_refused_with_a_reason(text: str) -> None:
    with pytest.raises(ValueError, match="bbox"):
        mercator.parse_bbox(text)


def test_parse_bbox_reads_w_s_e_n() -> None:
    assert mercator.parse_bbox("120.0, 30.1,120.3,30.4") == BBox(120.0, 30.1, 120.3, 30.4)


def test_bad_zoom_range_is_refused() -> None:
    box = BBox(0, 0, 1, 1)
    for low, high in ((5, 4), (-1, 3), (0, 25)):
        with pytest.raises(ValueError, match="zoom"):
            mercator.count_tiles(box, low, high)


def test_ground_resolution() -> None:
    assert mercator.ground_resolution(0, 0) == pytest.approx(156543.03392804097)
    assert mercator.ground_resolution(60, 10) == pytest.approx(156543.03392804097 / 2 / 1024)


def test_haversine_known_distances() -> None:
    degree = mercator.MEAN_EARTH_RADIUS_M * math.pi / 180
    assert mercator.haversine_m(0, 0, 1, 0) == pytest.approx(degree)
    assert mercator.haversine_m(0, 0, 0, 90) == pytest.approx(90 * degree)
    assert mercator.haversine_m(*HANGZHOU, *HANGZHOU) == 0
    assert mercator.haversine_m(179.5, 0, -179.5, 0) == pytest.approx(degree)
    assert mercator.path_length_m([(0, 0), (1, 0), (1, 1)]) == pytest.approx(2 * degree, rel=1e-4)


def test_polygon_area_octant_and_small_square() -> None:
    r = mercator.MEAN_EARTH_RADIUS_M
    assert mercator.polygon_area_m2([(0, 0), (90, 0), (0, 90)]) == pytest.approx(math.pi * r * r / 2)
    side = 0.01 * r * math.pi / 180
    square = [(0, 0), (0.01, 0), (0.01, 0.01), (0, 0.01)]
    assert mercator.polygon_area_m2(square) == pytest.approx(side * side, rel=1e-4)
    assert mercator.polygon_area_m2(square + [square[0]]) == pytest.approx(side * side, rel=1e-4)
    assert mercator.polygon_area_m2(list(reversed(square))) == pytest.approx(side * side, rel=1e-4)
    assert mercator.polygon_area_m2(square[:2]) == 0


def test_polygon_area_across_the_antimeridian() -> None:
    a = mercator.polygon_area_m2([(179.99, 0), (-179.99, 0), (-179.99, 0.02), (179.99, 0.02)])
    b = mercator.polygon_area_m2([(0, 0), (0.02, 0), (0.02, 0.02), (0, 0.02)])
    assert a == pytest.approx(b, rel=1e-6)


@FAST
@given(st.lists(st.tuples(lons, st.floats(-80, 80)), min_size=3, max_size=8))
def test_polygon_area_is_never_negative_or_over_half_the_sphere(ring: list[tuple[float, float]]) -> None:
    area = mercator.polygon_area_m2(ring)
    assert 0 <= area <= 2 * math.pi * mercator.MEAN_EARTH_RADIUS_M**2 * 1.000001
