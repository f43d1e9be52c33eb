"""Geofences: containment with holes, hysteresis on the edge, crossings per unit and zone."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maps.geofence import HYSTERESIS_M, GeofenceMonitor, Zone, zones_of
from maps.overlays import Feature, Overlay

M_PER_DEG_LAT = 111_195.0  # on the sphere of EARTH_RADIUS_M
LON0, LAT0 = 120.16, 30.32
M_PER_DEG_LON = M_PER_DEG_LAT * math.cos(math.radians(LAT0))


def at(east_m: float, north_m: float) -> tuple[float, float]:
    return LON0 + east_m / M_PER_DEG_LON, LAT0 + north_m / M_PER_DEG_LAT


def square(half_m: float, cx: float = 0.0, cy: float = 0.0):
    corners = [(cx - half_m, cy - half_m), (cx + half_m, cy - half_m), (cx + half_m, cy + half_m),
               (cx - half_m, cy + half_m), (cx - half_m, cy - half_m)]
    return tuple(at(*c) for c in corners)


def zone(rule: str = "keep_out", holes=()) -> Zone:
    return Zone("z/0", "Underpass", rule, (square(100), *holes))


def test_containment_and_depth_with_a_hole():
    donut = zone(holes=(square(30),))
    assert donut.contains(*at(60, 0)) and donut.depth_m(*at(60, 0)) == pytest.approx(30, abs=0.5)
    assert not donut.contains(*at(0, 0)) and donut.depth_m(*at(0, 0)) == pytest.approx(-30, abs=0.5)
    assert not donut.contains(*at(150, 0)) and donut.depth_m(*at(150, 0)) == pytest.approx(-50, abs=0.5)
    assert donut.depth_m(*at(99, 0)) == pytest.approx(1, abs=0.1)


def test_concave_polygon():
    u_shape = Zone("u", "U", "keep_in", (tuple(at(*c) for c in
                   [(0, 0), (30, 0), (30, 30), (20, 30), (20, 10), (10, 10), (10, 30), (0, 30), (0, 0)]),))
    assert u_shape.contains(*at(5, 20)) and u_shape.contains(*at(25, 20)) and not u_shape.contains(*at(15, 20))


def test_bad_zones_are_refused():
    with pytest.raises(ValueError, match="rule"):
        Zone("a", "A", "avoid", (square(10),))
    with pytest.raises(ValueError, match="three corners"):
        Zone("a", "A", "keep_out", ((at(0, 0), at(1, 1)),))


def test_monitor_enter_leave_with_hysteresis():
    monitor = GeofenceMonitor([zone()])
    assert monitor.update("r1", *at(-150, 0)) == []
    [entered] = monitor.update("r1", *at(-90, 0))
    assert entered.entered and entered.breach and entered.zone.name == "Underpass"
    assert monitor.update("r1", *at(-50, 0)) == []
    assert monitor.update("r1", *at(-100 - HYSTERESIS_M / 2, 0)) == []  # jitter on the edge: still inside
    assert monitor.inside("r1") == {"z/0"}
    assert monitor.update("r1", *at(-99, 0)) == []
    [left] = monitor.update("r1", *at(-120, 0))
    assert not left.entered and not left.breach and monitor.inside("r1") == set()


def test_first_sighting_inside_is_an_entry_unless_seeded():
    monitor = GeofenceMonitor([zone()])
    assert [c.entered for c in monitor.update("new", *at(0, 0))] == [True]
    assert monitor.update("known-before", *at(0, 0), seed=True) == []
    assert monitor.inside("known-before") == {"z/0"}
    assert monitor.update("outside", *at(500, 0)) == []


def test_keep_in_breach_is_leaving_and_old_reports_are_ignored():
    monitor = GeofenceMonitor([zone("keep_in")])
    [entered] = monitor.update("r2", *at(0, 0), at=10.0)
    assert not entered.breach
    assert monitor.update("r2", *at(300, 0), at=5.0) == []  # older than what we know
    [left] = monitor.update("r2", *at(300, 0), at=11.0)
    assert left.breach


def test_zones_of_an_overlay():
    features = (Feature("Flood", "risk_zone", "polygon", (square(50),), geofence="keep_out"),
                Feature("Shelter", "shelter", "point", ((at(0, 0),),)),
                Feature("", "risk_zone", "polygon", (square(20),)))
    zones = zones_of(Overlay("demo", "Demo", "demo.geojson", features))
    assert [(z.id, z.name, z.rule, z.overlay) for z in zones] == [("demo/0", "Flood", "keep_out", "Demo")]


@settings(max_examples=300, deadline=None)
@given(st.floats(-400, 400), st.floats(-400, 400))
def test_depth_agrees_with_a_square_computed_by_hand(east, north):
    depth = zone().depth_m(*at(east, north))
    inside = abs(east) < 100 and abs(north) < 100
    expected = (100 - max(abs(east), abs(north)) if inside
                else -math.hypot(max(abs(east) - 100, 0), max(abs(north) - 100, 0)))
    if abs(expected) > 0.5:
        assert (depth > 0) == inside
    if inside or (abs(east) <= 100 or abs(north) <= 100):  # outside the box, depth is only a bound
        assert depth == pytest.approx(expected, abs=0.5)
    else:
        assert depth <= 0 and abs(depth) <= abs(expected) + 0.5


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(-300, 300), st.floats(-300, 300)), max_size=30))
def test_crossings_alternate_per_unit_and_zone(path):
    monitor = GeofenceMonitor([zone(), Zone("z/1", "Other", "keep_in", (square(60, 80, 80),))])
    state: dict[str, bool] = {}
    for east, north in path:
        for crossing in monitor.update("u", *at(east, north)):
            assert state.get(crossing.zone.id, False) != crossing.entered
            state[crossing.zone.id] = crossing.entered
    assert {zid for zid, inside in state.items() if inside} == monitor.inside("u")


def test_a_fast_unit_passing_through_between_reports_entered_and_left():
    monitor = GeofenceMonitor([zone()])
    assert monitor.update("drone", *at(-300, 0)) == []
    through = monitor.update("drone", *at(300, 20))
    assert [c.entered for c in through] == [True, False] and monitor.inside("drone") == set()
    assert monitor.update("drone", *at(300, 300)) == []  # a path beside the zone touches nothing
    assert monitor.update("drone", *at(0, 300)) == []
    [entered] = monitor.update("drone", *at(0, -100 - HYSTERESIS_M / 2))  # through, ending within the margin
    assert entered.entered and monitor.inside("drone") == {"z/0"}
    [left] = monitor.update("drone", *at(0, -150))
    assert not left.entered
