"""The drone model folded from pymavlink-built messages, and the watch policy, without sockets."""

import math
import sys
from pathlib import Path

import pytest
from pymavlink.dialects.v20 import ardupilotmega as mavlink2

sys.path.insert(0, str(Path(__file__).parent))  # mavlink_peer.py sits beside this file
from mavlink_peer import DroneFrames, parse  # noqa: E402

from radios.drone_state import (  # noqa: E402
    CRITICAL_BATTERY_PERCENT, LOST_AFTER_S, LOW_BATTERY_PERCENT, DroneState, DroneWatch, DroneWatchPolicy,
    clean_stream_uri, fold, is_vehicle_heartbeat,
)


def folded(*frames: bytes, sysid: int = 1) -> DroneState:
    state = DroneState(sysid)
    for msg in parse(b"".join(frames)):
        state = fold(state, msg)
    return state


def test_position_altitudes_speed_and_heading():
    drone = DroneFrames()
    state = folded(drone.position(lat=30.3195, lon=120.163, alt_msl=68.5, alt_rel=60.25, vx=300, vy=400, hdg=5313))
    assert state.lat == pytest.approx(30.3195) and state.lon == pytest.approx(120.163)
    assert (state.alt_msl, state.alt_rel) == (68.5, 60.25)
    assert state.ground_speed == 5.0 and state.climb == 0.5 and state.heading == 53.13
    assert state.has_position and state.uid == "drone-1"


def test_unknown_compass_heading_falls_back_to_the_track_then_the_yaw():
    drone = DroneFrames()
    moving = folded(drone.position(vx=0, vy=-500, hdg=65535))
    assert moving.heading == 270.0
    hovering = folded(drone.frame("attitude", 0, 0.0, 0.0, math.radians(-90), 0, 0, 0),
                      drone.position(vx=0, vy=0, hdg=65535))
    assert hovering.heading == 270.0 == hovering.yaw


def test_no_fix_position_is_no_position():
    assert not folded(DroneFrames().position(lat=0, lon=0)).has_position


def test_attitude_in_degrees():
    state = folded(DroneFrames().frame("attitude", 0, math.radians(10), math.radians(-5), math.radians(-30), 0, 0, 0))
    assert (state.roll, state.pitch, state.yaw) == (10.0, -5.0, 330.0)


def test_heartbeat_gives_armed_and_mode_names():
    drone = DroneFrames()
    assert (lambda s: (s.armed, s.mode))(folded(drone.heartbeat(armed=True, custom_mode=6))) == (True, "RTL")
    assert (lambda s: (s.armed, s.mode))(folded(drone.heartbeat(armed=False, custom_mode=5))) == (False, "LOITER")


def test_camera_and_ground_station_heartbeats_are_not_the_vehicle():
    camera = DroneFrames(compid=mavlink2.MAV_COMP_ID_CAMERA)
    msg = parse(camera.heartbeat(mav_type=mavlink2.MAV_TYPE_CAMERA, autopilot=mavlink2.MAV_AUTOPILOT_INVALID))[0]
    gcs = parse(DroneFrames(sysid=255).heartbeat(mav_type=mavlink2.MAV_TYPE_GCS))[0]
    assert not is_vehicle_heartbeat(msg) and not is_vehicle_heartbeat(gcs)
    assert folded(camera.heartbeat(mav_type=mavlink2.MAV_TYPE_CAMERA,
                                   autopilot=mavlink2.MAV_AUTOPILOT_INVALID)).armed is None


def test_battery_from_sys_status_and_battery_status():
    drone = DroneFrames()
    state = folded(drone.frame("sys_status", 0, 0, 0, 0, 15200, 1000, 42, 0, 0, 0, 0, 0, 0))
    assert (state.battery_voltage, state.battery_percent) == (15.2, 42.0)
    cells = [3900, 3900, 3900, 3900] + [65535] * 6
    state = folded(drone.frame("battery_status", 0, 0, 0, 2500, cells, 1000, 0, 0, 35))
    assert (state.battery_voltage, state.battery_percent) == (15.6, 35.0)
    unknown = folded(drone.frame("sys_status", 0, 0, 0, 0, 65535, -1, -1, 0, 0, 0, 0, 0, 0))
    assert (unknown.battery_voltage, unknown.battery_percent) == (None, None)


def test_gps_fix_and_satellites():
    drone = DroneFrames()
    state = folded(drone.frame("gps_raw_int", 0, 3, 0, 0, 0, 80, 120, 0, 0, 11))
    assert (state.gps_fix, state.satellites) == (3, 11)


def test_video_stream_uri_is_taken_when_it_is_a_video_url():
    camera = DroneFrames(compid=mavlink2.MAV_COMP_ID_CAMERA)

    def announce(uri: bytes, stream_id: int = 1):
        return camera.frame("video_stream_information", stream_id, 1, 0, 1, 30.0, 1280, 720, 2000000, 0, 90,
                            b"cam", uri)

    assert folded(announce(b"rtsp://10.0.0.5:8554/live")).stream_uri == "rtsp://10.0.0.5:8554/live"
    assert folded(announce(b"rtsp://a/main"), announce(b"rtsp://a/thermal", 2)).stream_uri == "rtsp://a/main"
    assert folded(announce(b"file:///etc/passwd")).stream_uri is None
    assert clean_stream_uri("rtsp://a/b\x00junk") == "rtsp://a/b"
    assert clean_stream_uri("rtsp://a b") is None and clean_stream_uri("rtsp://\x1b[2J") is None


def test_link_quality_from_sequence_gaps_per_component():
    autopilot, camera = DroneFrames(), DroneFrames(compid=mavlink2.MAV_COMP_ID_CAMERA)
    frames = []
    for i in range(40):
        frames.append(autopilot.heartbeat())
        frames.append(camera.heartbeat(mav_type=mavlink2.MAV_TYPE_CAMERA, autopilot=mavlink2.MAV_AUTOPILOT_INVALID))
    clean = folded(*frames)
    assert clean.link_quality == 100.0 and clean.packets_lost == 0
    for i in range(40):
        frames.append(autopilot.heartbeat())
        autopilot.skip(1)  # every other packet lost
    lossy = folded(*frames)
    assert lossy.packets_lost == 39  # the last skip is seen only when a packet follows it
    assert 40 < lossy.link_quality < 70


def test_a_sequence_restart_is_not_counted_as_loss():
    drone = DroneFrames()
    frames = [drone.heartbeat() for _ in range(10)]
    drone.skip(200)  # a reboot or a long outage, not 200 lost packets
    frames.append(drone.heartbeat())
    assert folded(*frames).packets_lost == 0


def test_unknown_messages_only_count():
    state = folded(DroneFrames().frame("system_time", 0, 0))
    assert state.packets_received == 1 and state.lat is None


# -- the watch policy -------------------------------------------------------------------


def test_found_lost_after_three_silent_seconds_and_regained():
    policy = DroneWatchPolicy()
    watch = DroneWatch()
    assert policy.decide(watch, "tick", 100.0).change is None  # never heard: nothing to lose
    decision = policy.decide(watch, "heartbeat", 100.0)
    assert decision.change == "found"
    watch = decision.watch
    for now in (101.0, 102.0, 100.0 + LOST_AFTER_S - 0.01):
        assert policy.decide(watch, "tick", now).change is None
    decision = policy.decide(watch, "tick", 100.0 + LOST_AFTER_S)
    assert decision.change == "lost" and decision.watch.lost
    assert policy.decide(decision.watch, "tick", 200.0).change is None  # lost once, logged once
    back = policy.decide(decision.watch, "heartbeat", 201.0)
    assert back.change == "regained" and not back.watch.lost
    assert policy.decide(back.watch, "heartbeat", 202.0).change is None


def test_battery_warnings_step_down_with_hysteresis():
    policy = DroneWatchPolicy()
    watch = DroneWatch(found=True)
    changes = []
    for percent in (80, 40, LOW_BATTERY_PERCENT, 29, 31, 25, CRITICAL_BATTERY_PERCENT, 16, 10, None):
        decision = policy.decide(watch, "battery", 0.0, percent)
        watch = decision.watch
        changes.append(decision.change)
    assert changes == [None, None, "battery_low", None, None, None, "battery_critical", None, None, None]
    assert policy.decide(watch, "battery", 0.0, 100.0).change == "battery_ok"  # a fresh pack


def test_unknown_watch_event_is_a_programming_error():
    with pytest.raises(ValueError):
        DroneWatchPolicy().decide(DroneWatch(), "explode", 0.0)
