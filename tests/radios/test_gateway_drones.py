"""MAVLink drones through the gateway: a pymavlink fake drone over UDP, a real mosquitto, a real store."""

import socket
import sys
import time
from pathlib import Path

import pytest
from support import Recorder, wait_until, write_config

sys.path.insert(0, str(Path(__file__).parent))  # mavlink_peer.py sits beside this file
from mavlink_peer import free_udp_port  # noqa: E402

from radios.config import load_config  # noqa: E402
from radios.drone_state import LOST_AFTER_S  # noqa: E402
from radios.fake_drone import DEMO_CENTRE, FakeDrone  # noqa: E402
from radios.gateway import Gateway  # noqa: E402
from radios.schema import DroneTelemetry, Event, LinkState, UnitState, decode, parse_ts  # noqa: E402
from radios.store import Store  # noqa: E402

LOST_SLACK_S = 0.5  # the watch ticks every 0.2 s; the rest is a busy test machine


@pytest.fixture
def drone_port():
    return free_udp_port()


@pytest.fixture
def gateway(broker, tmp_path, drone_port):
    extra = (f'\n[[links]]\nid = "drones"\ntype = "mavlink"\nurl = "udpin:127.0.0.1:{drone_port}"\n'
             '\n[[streams]]\nid = "drone-2-cam"\nname = "Drone 2"\nkind = "drone"\n'
             'url = "rtsp://192.168.10.32:8554/live"\nsysid = 2\n')
    config = load_config(write_config(tmp_path, broker, extra))
    store = Store(config.store_path)
    running = Gateway(config, store)
    running.start()
    assert running.bus.wait_connected(5)
    assert wait_until(lambda: running.links["drones"].local_port == drone_port, 5)
    yield running
    running.stop()
    store.close()


@pytest.fixture
def drones(drone_port):
    """Start fake drones on the gateway's port; all stopped after the test."""
    started: list[FakeDrone] = []

    def launch(sysid: int = 1, **options) -> FakeDrone:
        drone = FakeDrone(drone_port, sysid=sysid, **options).start()
        started.append(drone)
        return drone

    yield launch
    for drone in started:
        drone.stop()


def events(gateway: Gateway, unit: str) -> list[Event]:
    return [e for e in gateway.store.events_since(None) if e.unit == unit]


def test_a_drone_becomes_a_unit_with_telemetry_and_a_track(gateway, broker, drones):
    drones(1)
    topics = gateway.topics
    with Recorder(broker, f"{topics.root}/#") as seat:
        assert wait_until(lambda: len(gateway.store.track("drone-1", None, None)) >= 3, 10)
        assert wait_until(lambda: seat.on(topics.drone("drone-1")) and seat.on(topics.unit("drone-1")), 5)
        unit = decode(seat.on(topics.unit("drone-1"))[-1], UnitState)
        telemetry = decode(seat.on(topics.drone("drone-1"))[-1], DroneTelemetry)
        link_states = lambda: [decode(raw, LinkState).state for raw in seat.on(topics.link("drones"))]  # noqa: E731
        assert wait_until(lambda: "up" in link_states(), 5)
    assert unit.unit_kind == "drone" and unit.callsign == "Drone 1"
    assert abs(unit.lat - DEMO_CENTRE[0]) < 0.01 and abs(unit.lon - DEMO_CENTRE[1]) < 0.01
    assert unit.alt == pytest.approx(68.0) and unit.speed == pytest.approx(8.0, abs=0.1)
    assert unit.stream == "rtsp://127.0.0.1:8554/drone-1"
    assert telemetry.armed and telemetry.mode == "AUTO" and telemetry.gps_fix == 3
    assert telemetry.alt_rel == pytest.approx(60.0) and 14.0 < telemetry.battery_voltage < 16.8
    assert telemetry.link_quality == 100.0 and not telemetry.lost
    assert [e.severity for e in events(gateway, "drone-1")] == ["info"]  # connected


def test_updates_are_throttled_to_five_per_second(gateway, broker, drones):
    drones(1)
    with Recorder(broker, gateway.topics.unit("drone-1")) as seat:
        assert wait_until(lambda: seat.on(gateway.topics.unit("drone-1")), 10)
        first = time.monotonic()
        time.sleep(2.0)
        count = len(seat.on(gateway.topics.unit("drone-1")))
        elapsed = time.monotonic() - first
    assert 3 <= count <= 5 * elapsed + 2


def test_a_silent_drone_is_lost_within_three_seconds_and_regained(gateway, drones):
    drone = drones(1)
    assert wait_until(lambda: gateway.drones.states().get(1) and events(gateway, "drone-1"), 10)
    drone.stop()
    stopped = time.time()
    assert wait_until(lambda: any(e.severity == "alarm" for e in events(gateway, "drone-1")), LOST_AFTER_S + 3)
    lost = next(e for e in events(gateway, "drone-1") if e.severity == "alarm")
    delay = parse_ts(lost.ts).timestamp() - stopped
    print(f"lost event {delay:.2f} s after the drone fell silent")
    assert "lost" in lost.text and delay <= LOST_AFTER_S + LOST_SLACK_S
    alarm = gateway.store.alarms()[0]  # a person must acknowledge it on every seat
    assert alarm.alarm_kind == "link_lost" and alarm.unit == "drone-1"
    drones(1)
    assert wait_until(lambda: any("regained" in e.text for e in events(gateway, "drone-1")), 5)


def test_two_drones_both_appear_and_a_configured_stream_is_the_fallback(gateway, broker, drones):
    drones(1)
    drones(2, video_uri=None, battery_start=26.0)
    topics = gateway.topics
    with Recorder(broker, f"{topics.root}/unit/+") as seat:
        assert wait_until(lambda: seat.on(topics.unit("drone-1")) and seat.on(topics.unit("drone-2")), 10)
        second = decode(seat.on(topics.unit("drone-2"))[-1], UnitState)
    assert second.stream == "drone-2-cam"  # announced none: the [[streams]] entry with sysid 2
    assert {u.uid for u in gateway.store.units()} >= {"drone-1", "drone-2"}
    assert wait_until(lambda: any("battery low" in e.text and e.severity == "warning"
                                  for e in events(gateway, "drone-2")), 5)


def test_garbage_datagrams_are_counted_and_the_drone_stays_up(gateway, drones, drone_port):
    drones(3)
    assert wait_until(lambda: gateway.drones.states().get(3) is not None, 10)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as noise:
        for i in range(50):
            noise.sendto(b"\xfd\x09\x00\x00" + bytes([i]) * 40, ("127.0.0.1", drone_port))
            noise.sendto(b"not mavlink at all", ("127.0.0.1", drone_port))
    assert wait_until(lambda: gateway.bad_input.count("link/drones") == 100, 5), gateway.bad_input.count()
    received = gateway.drones.states()[3].packets_received
    assert wait_until(lambda: gateway.drones.states()[3].packets_received > received + 10, 5)
    assert gateway.links["drones"].status().state in ("up", "degraded")  # open and delivering, never down
    assert not any(e.severity == "alarm" for e in events(gateway, "drone-3"))
