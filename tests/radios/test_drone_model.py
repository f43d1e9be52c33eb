"""The in-place drone model against the pure fold, and the link's frame parsing against pymavlink's."""

import os
import sys
from pathlib import Path

import pytest
from pymavlink.dialects.v20 import ardupilotmega as mavlink2

sys.path.insert(0, str(Path(__file__).parent))  # mavlink_peer.py sits beside this file
from mavlink_peer import DroneFrames, parse  # noqa: E402

from radios.drone_state import SEQ_DECAY, DroneModel, DroneState, fold  # noqa: E402
from radios.mavlink_link import new_parser, parse_frames  # noqa: E402


def flight(drone: DroneFrames, camera: DroneFrames) -> list[bytes]:
    """A few seconds of telemetry from two components, with losses and a sequence restart."""
    frames = [drone.heartbeat(), camera.heartbeat(mav_type=mavlink2.MAV_TYPE_CAMERA,
                                                  autopilot=mavlink2.MAV_AUTOPILOT_INVALID)]
    for i in range(60):
        frames.append(drone.frame("attitude", i, 0.1, -0.05, 0.02 * i, 0, 0, 0))
        frames.append(drone.position(lat=30.3 + i * 1e-4, vx=100 * i, hdg=65535))
        if i % 7 == 3:
            drone.skip(i % 5 + 1)
        if i == 40:
            drone.skip(150)   # a reboot: not loss
        if i % 10 == 0:
            frames.append(drone.frame("sys_status", 0, 0, 0, 0, 15000 - i, 1000, 90 - i, 0, 0, 0, 0, 0, 0))
            frames.append(camera.frame("video_stream_information", 1, 1, 0, 0, 25.0, 1280, 720, 2_000_000, 0,
                                       90, b"cam", b"rtsp://10.0.0.9:8554/main"))
    return frames


def test_the_model_folds_as_the_pure_fold_does():
    frames = flight(DroneFrames(sysid=3), DroneFrames(sysid=3, compid=mavlink2.MAV_COMP_ID_CAMERA))
    state, model = DroneState(3), DroneModel(3)
    for msg in parse(b"".join(frames)):
        state = fold(state, msg)
        model.apply(msg)
        assert model.snapshot() == state
    assert state.packets_lost > 0 and state.stream_uri == "rtsp://10.0.0.9:8554/main"
    assert state.battery_percent == 40.0 and state.last_seq.keys() == {mavlink2.MAV_COMP_ID_AUTOPILOT1,
                                                                       mavlink2.MAV_COMP_ID_CAMERA}


def test_link_quality_weighs_each_packet_by_the_packets_after_it():
    drone = DroneFrames()
    arrived = []   # True for a packet that came, False for one lost, in sequence order
    frames = []
    for i in range(80):
        frames.append(drone.heartbeat())
        arrived.append(True)
        if i % 4 == 1 and i < 79:
            drone.skip(2)
            arrived += [False, False]
    model = DroneModel(1)
    for msg in parse(b"".join(frames)):
        model.apply(msg)
    weights = [SEQ_DECAY ** (len(arrived) - 1 - i) for i in range(len(arrived))]
    expected = 100 * sum(w for w, came in zip(weights, arrived) if came) / sum(weights)
    assert model.snapshot().link_quality == pytest.approx(expected, abs=0.1)
    assert model.snapshot().packets_lost == arrived.count(False)


def test_a_snapshot_does_not_change_with_later_messages():
    drone = DroneFrames()
    model = DroneModel(1)
    for msg in parse(drone.heartbeat() + drone.position(lat=30.0)):
        model.apply(msg)
    before = model.snapshot()
    for msg in parse(drone.position(lat=31.0) + drone.heartbeat()):
        model.apply(msg)
    assert before.lat == pytest.approx(30.0) and before.packets_received == 2 and len(before.last_seq) == 1
    assert model.snapshot().lat == pytest.approx(31.0) and model.snapshot().packets_received == 4
    with pytest.raises(AttributeError):
        before.lat = 0.0   # still a frozen DroneState


@pytest.mark.parametrize("pieces", [
    "one frame", "three frames", "a cut frame", "garbage then a frame", "a frame then garbage", "only garbage",
])
def test_parse_frames_gives_what_parse_buffer_gives(pieces):
    drone = DroneFrames(sysid=7)
    heartbeat, position = drone.heartbeat(), drone.position()
    data = {
        "one frame": heartbeat,
        "three frames": heartbeat + position + drone.heartbeat(),
        "a cut frame": heartbeat + position[:9],
        "garbage then a frame": b"\x00\x01$GPGGA" + heartbeat,
        "a frame then garbage": heartbeat + os.urandom(1) + b"\x00" * 20,
        "only garbage": b"\x11" * 40,
    }[pieces]
    ours, theirs = new_parser(), new_parser()
    for chunk in (data, data[: len(data) // 2], data[len(data) // 2:]):   # also a stream cut in two
        (got, left), expected = parse_frames(ours, chunk), theirs.parse_buffer(chunk) or []
        assert [m.get_msgbuf() if m.get_type() != "BAD_DATA" else m.get_type() for m in got] == \
               [m.get_msgbuf() if m.get_type() != "BAD_DATA" else m.get_type() for m in expected]
        assert left == ours.buf_len() == theirs.buf_len()
