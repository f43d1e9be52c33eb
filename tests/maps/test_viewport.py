"""The map view's geometry without Qt: placement, pan, zoom about a point, tiles, parents, scale and DMS."""

import math

import pytest

from maps.mercator import TILE_SIZE, lonlat_to_tile
from maps.tile_source import TileKey
from maps.viewport import (
    Viewport,
    format_dms,
    fraction_to_lonlat,
    graticule_step,
    lonlat_to_fraction,
    nice_number,
    parent_patch,
    scale_bar,
)

GONGSHU = (120.1630, 30.3195)


def test_fraction_round_trip_and_corners():
    assert lonlat_to_fraction(0.0, 0.0) == pytest.approx((0.5, 0.5))
    assert lonlat_to_fraction(-180.0, 85.0511287798) == pytest.approx((0.0, 0.0), abs=1e-9)
    lon, lat = fraction_to_lonlat(*lonlat_to_fraction(*GONGSHU))
    assert (lon, lat) == pytest.approx(GONGSHU, abs=1e-9)


def test_centre_is_in_the_middle_of_the_screen_and_round_trips():
    view = Viewport(width=800, height=600)
    view.centre_on(*GONGSHU, zoom=15)
    assert view.lonlat_to_screen(*GONGSHU) == pytest.approx((400, 300))
    assert view.screen_to_lonlat(123, 456) == pytest.approx(
        fraction_to_lonlat(*view.screen_to_fraction(123, 456)), abs=1e-12)
    lon, lat = view.screen_to_lonlat(*view.lonlat_to_screen(120.17, 30.31))
    assert (lon, lat) == pytest.approx((120.17, 30.31), abs=1e-9)


def test_one_zoom_level_doubles_screen_distances():
    view = Viewport(width=800, height=600)
    view.centre_on(*GONGSHU, zoom=14)
    x14, y14 = view.lonlat_to_screen(120.17, 30.31)
    view.zoom = 15
    x15, y15 = view.lonlat_to_screen(120.17, 30.31)
    assert x15 - 400 == pytest.approx(2 * (x14 - 400))
    assert y15 - 300 == pytest.approx(2 * (y14 - 300))


def test_pan_moves_the_picture_with_the_drag():
    view = Viewport(width=800, height=600)
    view.centre_on(*GONGSHU, zoom=15)
    before = view.lonlat_to_screen(120.17, 30.31)
    view.pan_by(40, -25)
    after = view.lonlat_to_screen(120.17, 30.31)
    assert after == pytest.approx((before[0] + 40, before[1] - 25))


def test_zoom_about_keeps_the_point_under_the_cursor():
    view = Viewport(width=800, height=600)
    view.centre_on(*GONGSHU, zoom=14)
    under = view.screen_to_lonlat(650, 120)
    view.zoom_about(650, 120, 15.5)
    assert view.zoom == 15.5
    assert view.lonlat_to_screen(*under) == pytest.approx((650, 120), abs=1e-6)


def test_visible_tiles_cover_the_screen_centre_first():
    view = Viewport(width=600, height=400)
    view.centre_on(*GONGSHU, zoom=15)
    keys = view.visible_tiles(15)
    assert keys[0] == lonlat_to_tile(*GONGSHU, 15)
    xs = {k.x for k in keys}
    ys = {k.y for k in keys}
    assert len(keys) == len(xs) * len(ys)
    assert len(xs) in (3, 4) and len(ys) in (2, 3)
    for key in keys:
        left, top, side = view.tile_rect(key)
        assert side == pytest.approx(TILE_SIZE)
        assert left < 600 and top < 400 and left + side > 0 and top + side > 0


def test_tile_zoom_rounds_and_stays_within_the_source():
    view = Viewport(zoom=14.4)
    assert view.tile_zoom() == 14
    view.zoom = 14.6
    assert view.tile_zoom() == 15
    assert view.tile_zoom(12, 14) == 14
    view.zoom = 3
    assert view.tile_zoom(12, 16) == 12


def test_parent_patch_names_the_quarter_of_the_parent():
    assert parent_patch(TileKey(15, 27000, 13000), 15) == (TileKey(15, 27000, 13000), 0, 0, 256)
    assert parent_patch(TileKey(15, 27001, 13000), 14) == (TileKey(14, 13500, 6500), 128, 0, 128)
    assert parent_patch(TileKey(15, 27003, 13002), 13) == (TileKey(13, 6750, 3250), 192, 128, 64)
    with pytest.raises(ValueError):
        parent_patch(TileKey(3, 1, 1), 4)


def test_nice_numbers_and_scale_bar():
    assert nice_number(7.3) == 5
    assert nice_number(199) == 100
    assert nice_number(200) == 200
    assert nice_number(0.03) == pytest.approx(0.02)
    metres, pixels, label = scale_bar(2.0, 150)
    assert (metres, pixels, label) == (200, 100, "200 m")
    metres, pixels, label = scale_bar(30.0, 120)
    assert (metres, label) == (2000, "2 km")
    assert graticule_step(0.0001, 120) == pytest.approx(0.01)


def test_scale_bar_matches_ground_resolution():
    view = Viewport(width=800, height=600)
    view.centre_on(*GONGSHU, zoom=16)
    expected = math.cos(math.radians(GONGSHU[1])) * 2 * math.pi * 6378137 / (256 * 2**16)
    assert view.metres_per_pixel() == pytest.approx(expected)


def test_format_dms():
    assert format_dms(120.1630, 30.3195) == "30°19′10.2″N 120°09′46.8″E"
    assert format_dms(-0.5, -33.99999) == "34°00′00.0″S 000°30′00.0″W"  # 59.96″ carries into the degree
