"""The drone seat: the HUD from real MAVLink telemetry (fake drone -> gateway -> mosquitto -> console),
its battery colours and LINK LOST, the focused drone stream, and the drone's trail and footprint on the map."""

from __future__ import annotations

import json
import socket
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor
from support import Recorder, open_seat, wait_until, write_config

from console.drone_hud import (
    BATTERY_COLOURS, DroneHudPainter, DroneHudState, battery_colour, battery_level, format_duration, format_metres,
    readout,
)
from console.video_tile import VideoTileWidget
from maps.footprint import nadir_width_m, offset
from maps.mercator import haversine_m
from radios.config import load_config
from radios.drone_state import CRITICAL_BATTERY_PERCENT, LOST_AFTER_S, LOW_BATTERY_PERCENT
from radios.fake_drone import DEMO_CENTRE, FakeDrone
from radios.gateway import Gateway
from radios.schema import DroneTelemetry, UnitState
from radios.store import Store

VEHICLE_POS = offset(*DEMO_CENTRE, -400.0, 0.0)  # 400 m south of the search area's centre


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def telemetry(**fields) -> DroneTelemetry:
    values = dict(uid="drone-1", sysid=1, armed=True, mode="AUTO", alt_rel=60.0, climb=0.0, yaw=90.0,
                  battery_voltage=15.9, battery_percent=72.0, gps_fix=3, satellites=14, link_quality=100.0)
    return DroneTelemetry.create("test", **(values | fields))


def drone_unit(**fields) -> UnitState:
    values = dict(uid="drone-1", unit_kind="drone", callsign="Drone 1", lat=DEMO_CENTRE[0], lon=DEMO_CENTRE[1],
                  alt=68.0, heading=90.0, speed=8.0)
    return UnitState.create("test", **(values | fields))


def vehicle_unit() -> UnitState:
    return UnitState.create("test", uid="mcv-1", unit_kind="vehicle", callsign="Command 1",
                            lat=VEHICLE_POS[0], lon=VEHICLE_POS[1])


# -- the pure parts -----------------------------------------------------------------

@pytest.mark.parametrize("percent, level", [
    (100.0, "ok"), (LOW_BATTERY_PERCENT + 0.1, "ok"), (LOW_BATTERY_PERCENT, "low"),
    (CRITICAL_BATTERY_PERCENT + 0.1, "low"),
    (CRITICAL_BATTERY_PERCENT, "critical"), (0.0, "critical"), (None, "unknown"), (float("nan"), "unknown"),
])
def test_battery_level_uses_the_gateways_thresholds(percent, level):
    assert battery_level(percent) == level
    assert battery_colour(percent) == BATTERY_COLOURS[level]


def test_battery_colours_are_told_apart():
    assert len({colour.name() for colour in BATTERY_COLOURS.values()}) == 4


def test_readout_of_a_flying_drone():
    state = DroneHudState(uid="drone-1")
    state.take_telemetry(telemetry(armed=False), now=0.0)
    state.take_telemetry(telemetry(), now=10.0)  # armed while this seat watched: flight time is exact
    state.take_units([drone_unit(), vehicle_unit()])
    state.take_telemetry(telemetry(), now=10.0 + 124)
    hud = readout(state, now=10.0 + 125)
    assert hud.alt_rel == "ALT 60 m rel" and hud.alt_msl == "68 m MSL"
    assert hud.battery == "battery 72 % · 15.9 V" and hud.battery_level == "ok"
    assert hud.speed == "GS 8.0 m/s" and hud.heading_text == "HDG 090°"
    assert hud.mode == "AUTO · ARMED" and hud.flight_time == "flight time 02:05"
    assert hud.link == "link 100 %" and hud.gps == "3D fix · 14 sats"
    assert hud.vehicle == "vehicle 400 m at 180°"
    assert not hud.lost and "LINK LOST" not in hud.lines()
    state.take_telemetry(telemetry(armed=False), now=200.0)
    assert readout(state, 201.0).flight_time == "flight time —"


def test_flight_time_is_a_lower_bound_when_the_drone_was_armed_before_the_seat_heard_it():
    state = DroneHudState(uid="drone-1")
    state.take_telemetry(telemetry(), now=50.0)
    assert readout(state, now=50.0 + 3723).flight_time == "flight time ≥ 1:02:03"


def test_unknowns_are_dashes_and_the_vehicle_may_be_unknown():
    state = DroneHudState(uid="drone-1")
    hud = readout(state, now=0.0)
    assert hud.mode == "waiting for telemetry" and hud.alt_rel == "ALT — rel" and hud.heading is None
    assert hud.vehicle == "vehicle position unknown"
    state.take_units([vehicle_unit()])
    assert readout(state, 0.0).vehicle == "drone position unknown"
    state.take_telemetry(telemetry(battery_percent=None, battery_voltage=None, link_quality=None, gps_fix=None,
                                   satellites=None, armed=None, mode=None), now=1.0)
    hud = readout(state, 1.0)
    assert hud.battery == "battery — · —" and hud.battery_level == "unknown"
    assert hud.link == "link —" and hud.gps == "GPS —" and hud.mode == "— · —"


def test_other_drones_do_not_move_the_hud():
    state = DroneHudState(uid="drone-1")
    assert not state.take_telemetry(telemetry(uid="drone-2", sysid=2), now=0.0)
    assert not state.take_units([drone_unit(uid="drone-2")])
    assert state.telemetry is None and state.unit is None


def test_link_lost_from_the_gateway_or_from_silence():
    state = DroneHudState(uid="drone-1")
    assert not state.link_lost(0.0)  # nothing heard yet is not a lost link
    state.take_telemetry(telemetry(lost=True), now=0.0)
    assert readout(state, 0.0).lost and readout(state, 0.0).lines()[0] == "LINK LOST"
    state.take_telemetry(telemetry(), now=1.0)
    assert not state.link_lost(5.0) and state.link_lost(12.0)  # gateway or broker silent for 10 s


@pytest.mark.parametrize("value, text", [(None, "—"), (float("nan"), "—"), (-1.0, "—"), (0.0, "00:00"),
                                         (59.9, "00:59"), (3600.0, "1:00:00"), (1e300, "27:46:39")])
def test_format_duration(value, text):
    assert format_duration(value) == text


def test_format_metres():
    assert format_metres(12.4) == "12 m" and format_metres(12_500.0) == "12.50 km"
    assert format_metres(float("inf")) == "—" and format_metres(None) == "—" and format_metres(True) == "—"
    assert len(format_metres(1e308)) < 12


hostile = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=300))


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None, max_examples=150)
@given(st.dictionaries(st.sampled_from(["armed", "mode", "alt_rel", "climb", "yaw", "battery_voltage",
                                        "battery_percent", "gps_fix", "satellites", "link_quality"]), hostile),
       st.dictionaries(st.sampled_from(["alt", "heading", "speed", "lat", "lon", "callsign"]), hostile))
def test_readout_survives_anything_a_broken_gateway_could_slip_past_the_schema(telemetry_fields, unit_fields):
    """Values the schema would refuse are forced in, as a newer or broken gateway might send them."""
    sent, unit = telemetry(), drone_unit()
    for name, value in telemetry_fields.items():
        object.__setattr__(sent, name, value)
    for name, value in unit_fields.items():
        object.__setattr__(unit, name, value)
    state = DroneHudState(uid="drone-1", vehicle=vehicle_unit())
    state.take_units([unit])
    state.take_telemetry(sent, now=0.0)
    hud = readout(state, now=1.0)
    assert all(isinstance(line, str) for line in hud.lines())
    assert all(len(line) <= 80 and "\n" not in line for line in hud.lines())


# -- painting over a tile (offscreen) ----------------------------------------------------

class StandInBus(QObject):
    """The two BusClient signals the HUD listens to, emitted by the test (the HUD is what is tested)."""

    units_changed = Signal(list)
    drone_changed = Signal(object)


@pytest.fixture
def drone_tile(qtbot):
    stream = SimpleNamespace(id="drone-1-cam", name="Drone 1", kind="drone", url="rtsp://127.0.0.1:1/x",
                             sub_url=None, transport="tcp", latency_ms=200, sysid=1)
    tile = VideoTileWidget(stream)
    qtbot.addWidget(tile)
    tile.resize(960, 540)
    tile.focused = True
    bus = StandInBus()
    hud = DroneHudPainter(bus, tile)
    bus.units_changed.emit([drone_unit(), vehicle_unit()])
    return bus, tile, hud


def colour_count(tile: VideoTileWidget, colour: QColor, tolerance: int = 24) -> int:
    image = tile.grab().toImage()
    count = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            pixel = image.pixelColor(x, y)
            if (abs(pixel.red() - colour.red()) + abs(pixel.green() - colour.green())
                    + abs(pixel.blue() - colour.blue())) <= tolerance:
                count += 1
    return count


@pytest.mark.parametrize("percent, level", [(72.0, "ok"), (28.0, "low"), (12.0, "critical")])
def test_the_battery_is_painted_in_its_levels_colour(drone_tile, percent, level):
    bus, tile, hud = drone_tile
    bus.drone_changed.emit(telemetry(battery_percent=percent))
    assert hud.readout().battery_level == level
    assert colour_count(tile, BATTERY_COLOURS[level]) > 20
    for other in {"ok", "low", "critical"} - {level}:
        assert colour_count(tile, BATTERY_COLOURS[other]) < 5


def test_link_lost_is_painted_large_and_red(drone_tile):
    bus, tile, hud = drone_tile
    bus.drone_changed.emit(telemetry())
    red = QColor("#ff4d4f")
    calm = colour_count(tile, red)
    bus.drone_changed.emit(telemetry(lost=True))
    assert colour_count(tile, red) > calm + 200
    tile.focused = False  # a small tile still says it
    assert colour_count(tile, red) > calm + 50


# -- the whole path, with real peers ---------------------------------------------------

@pytest.fixture
def drone_seat(broker, tmp_path, qtbot):
    """Gateway with a MAVLink link, a fake drone over UDP, a console in the drone seat; all stopped after."""
    port = free_udp_port()
    extra = (f'\n[[links]]\nid = "drones"\ntype = "mavlink"\nurl = "udpin:127.0.0.1:{port}"\n'
             '\n[[streams]]\nid = "mast-1"\nname = "Mast"\nkind = "mast"\nurl = "rtsp://127.0.0.1:9/mast"\n'
             '\n[[streams]]\nid = "drone-1-cam"\nname = "Drone 1"\nkind = "drone"\n'
             'url = "rtsp://127.0.0.1:9/drone-1"\nsysid = 1\n')
    config = load_config(write_config(tmp_path, broker, extra))
    store = Store(config.store_path)
    gateway = Gateway(config, store)
    gateway.start()
    drone = None
    console = None
    try:
        assert gateway.bus.wait_connected(5)
        assert wait_until(lambda: gateway.links["drones"].local_port == port, 5)
        console = open_seat(config, "drone", qtbot)
        drone = FakeDrone(port, sysid=1, video_uri=None).start()
        yield gateway, console, drone
    finally:
        if drone is not None:
            drone.stop()
        if console is not None:
            console.stop()
        gateway.stop()
        store.close()


def test_the_drone_seat_shows_real_telemetry_trail_footprint_and_link_lost(drone_seat, broker, qtbot):
    gateway, console, drone = drone_seat
    window = console.window
    assert window.video_wall.focus_id == "drone-1-cam"  # the drone seat focuses the drone's stream
    with Recorder(broker, "none", client_id="vehicle-gps") as gps:
        gps.bus.publish(gateway.topics.unit("mcv-1"), vehicle_unit().encode(), qos=1, retain=True)
    hud = window.drone_hud
    qtbot.waitUntil(lambda: hud.readout().alt_rel == "ALT 60 m rel", timeout=10_000)
    qtbot.waitUntil(lambda: hud.readout().alt_msl == "68 m MSL", timeout=5000)  # the unit state comes separately
    qtbot.waitUntil(lambda: hud.readout().vehicle.startswith("vehicle "), timeout=5000)
    shown = hud.readout()
    assert shown.alt_msl == "68 m MSL" and shown.mode == "AUTO · ARMED" and shown.title == "Drone 1"
    percent = float(shown.battery.split()[1])
    assert 90 <= percent <= 95 and shown.battery_level == "ok" and shown.battery.endswith(" V")
    assert shown.gps == "3D fix · 14 sats" and shown.link == "link 100 %" and shown.flight_time.startswith(
        "flight time ≥ ")
    distance = float(shown.vehicle.split()[1])
    assert 150 <= distance <= 700  # the lawnmower box is 400 x 300 m round a centre 400 m north
    assert colour_count(window.video_wall.tiles["drone-1-cam"], BATTERY_COLOURS["ok"]) > 20

    layer = window.units.track_layer
    qtbot.waitUntil(lambda: len(layer.trails.get("drone-1", ())) >= 3, timeout=10_000)
    trail = list(layer.trails["drone-1"])
    assert all(haversine_m(a[1], a[0], b[1], b[0]) >= 2.9 for a, b in zip(trail, trail[1:]))
    corners = layer.footprint("drone-1")
    assert corners is not None
    across = haversine_m(corners[0][1], corners[0][0], corners[1][1], corners[1][0])
    assert across == pytest.approx(nadir_width_m(60.0), rel=0.01)

    drone.stop()
    qtbot.waitUntil(lambda: hud.readout().lost, timeout=int((LOST_AFTER_S + 3) * 1000))
    assert "LINK LOST" in hud.readout().lines()
    assert colour_count(window.video_wall.tiles["drone-1-cam"], QColor("#ff4d4f")) > 200
    assert layer.footprint("drone-1") is None  # a lost drone's camera is not where we last saw it


# -- the bus route and the map's track layer ------------------------------------------

def test_the_bus_client_routes_drone_telemetry_and_drops_hostile_payloads(broker, qtbot):
    from console.bus_client import BusClient
    from radios.bus_settings import BusSettings
    from radios.schema import Topics

    topics = Topics("test-1")
    client = BusClient(BusSettings(broker.host, broker.port, "hud-seat"), topics, source="console@test")
    received: list[DroneTelemetry] = []
    client.drone_changed.connect(received.append)
    client.start()
    try:
        qtbot.waitUntil(lambda: client.state == "up", timeout=5000)
        good = telemetry().encode()
        fields = json.loads(good)
        changed = [{"battery_percent": "NaN"}, {"battery_percent": 720.0}, {"mode": 7}, {"sysid": 0},
                   {"uid": "drone/#"}, {"armed": "yes"}, {"extra": 1}, {"yaw": 360.0}, {"gps_fix": 9},
                   {"alt_rel": float("nan")}, {"climb": float("-inf")}]
        hostile = [b"", b"{", b"null", b"[]", b'{"kind": "drone"}', good.replace(b"72.0", b"1e999"),
                   b"\xff\xfe" * 50, b'{"a":' * 5000 + b"1" + b"}" * 5000]
        hostile += [json.dumps(fields | change).encode() for change in changed]
        with Recorder(broker, "none", client_id="hostile-gateway") as sender:
            for payload in hostile:
                sender.bus.publish(topics.drone("drone-1"), payload, qos=1)
            sender.bus.publish(topics.drone("drone-1"), good, qos=1)
            qtbot.waitUntil(lambda: len(received) == 1, timeout=5000)
        # One publisher, QoS 1: the broker keeps the order, so every bad payload was handled before the good one.
        assert len(received) == 1 and received[0].battery_percent == 72.0
        assert client.bad_input.count() == len(hostile) - 1  # the empty payload clears a topic: not an error
    finally:
        client.stop()


def test_the_track_layer_keeps_a_short_trail_per_drone_and_its_footprint(qtbot):
    from console.map_view import MapView
    from console.track_layer import TRAIL_POINTS, TRAIL_STEP_M, TrackLayer

    view = MapView(None, 120)
    qtbot.addWidget(view)
    view.resize(400, 300)
    bus = StandInBus()
    layer = TrackLayer(bus, view)
    for step in range(TRAIL_POINTS + 50):
        lat, lon = offset(*DEMO_CENTRE, 0.0, step * 5.0)
        bus.units_changed.emit([drone_unit(lat=lat, lon=lon), vehicle_unit()])
        bus.units_changed.emit([drone_unit(lat=lat, lon=lon)])  # hovering: no new point
    trail = layer.trails["drone-1"]
    assert len(trail) == TRAIL_POINTS and set(layer.trails) == {"drone-1"}
    assert haversine_m(trail[0][1], trail[0][0], trail[1][1], trail[1][0]) >= TRAIL_STEP_M
    assert layer.footprint("drone-1") is None  # no telemetry yet: altitude above ground unknown
    bus.drone_changed.emit(telemetry(alt_rel=100.0))
    corners = layer.footprint("drone-1")
    across = haversine_m(corners[0][1], corners[0][0], corners[1][1], corners[1][0])
    assert across == pytest.approx(nadir_width_m(100.0), rel=0.01)
    bus.drone_changed.emit(telemetry(alt_rel=-3.0))  # below the take-off point: no footprint, no error
    assert layer.footprint("drone-1") is None
    view.centre_on(DEMO_CENTRE[1], DEMO_CENTRE[0], 15.0)
    image = view.grab().toImage()
    assert not image.isNull()  # the layer painted without raising
