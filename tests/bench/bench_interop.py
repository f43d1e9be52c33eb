"""Benchmark: CoT events and MAVLink messages through mcv's code against the raw libraries.

Run by hand: ``.venv/bin/python tests/bench/bench_interop.py``.

- CoT: ``radios.cot.parse`` (defusedxml with every refusal on, then the CoT model:
  times, point, contact, track, ``__video``, chat) against a bare
  ``defusedxml.ElementTree.fromstring`` of the same events. Goal: ratio >= 0.6.
- MAVLink: ``MavlinkLink``'s datagram handling (checks, pymavlink parsing, link counters
  and state policy) with every message folded into the drone's state by a
  ``radios.drone_state.DroneModel`` as the gateway's drone fleet does (a frozen
  ``DroneState`` taken at the publishing rate, 5 Hz of flight time), against a bare
  pymavlink ``parse_buffer`` of the same datagrams. Goal: ratio >= 0.7.

The traffic is what the fake drone and ATAK send: one MAVLink frame per datagram at the
fake drone's mix (attitude 10 Hz, position 5 Hz, heartbeat, status, GPS 1 Hz, video
every 5 s), and SA events from three contacts, some with video, with a chat now and then.
The best of a few rounds is kept (more for MAVLink: a round takes a tenth of a second, and
on a shared machine five were too few to find a quiet one for both sides). The last line
printed is one JSON object with the figures.
"""

from __future__ import annotations

import gc
import json
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import defusedxml.ElementTree as SafeET  # noqa: E402
from pymavlink.dialects.v20 import ardupilotmega as mavlink2  # noqa: E402

from radios.config import LinkConfig  # noqa: E402
from radios.cot import build_chat, parse  # noqa: E402
from radios.drone_state import DroneModel  # noqa: E402
from radios.fake_drone import FakeDrone  # noqa: E402
from radios.fake_tak import PARTNER_TEAM, TakContact, FakeTakPeer  # noqa: E402
from radios.mavlink_link import MavlinkLink  # noqa: E402

COT_EVENTS = 20_000
MAVLINK_SECONDS = 400     # of the fake drone's flight: 7,680 messages
ROUNDS = 5
MAVLINK_ROUNDS = 20
COT_GOAL = 0.6
MAVLINK_GOAL = 0.7
PUBLISH_HZ = 5        # DroneFleet publishes each drone's state at most this often


class _Datagrams:
    def __init__(self) -> None:
        self.frames: list[bytes] = []

    def write(self, frame: bytes) -> None:
        self.frames.append(frame)


def cot_events(n: int) -> list[bytes]:
    team = PARTNER_TEAM + (TakContact("ANDROID-bench-4", "SAR-Cam", 50.0, 50.0,
                                      video_url="rtsp://192.168.10.40:8554/cam"),)
    peer = FakeTakPeer(9, contacts=team)
    try:
        events: list[bytes] = []
        t = 0.0
        while len(events) < n:
            events += peer.events(t)
            if len(events) % 40 < len(team):
                events.append(build_chat("ANDROID-demo-sar-1", "SAR-Alpha", f"at the east gate {t:.0f}",
                                         message_id=f"bench-{len(events)}"))
            t += 2.0
    finally:
        peer.stop()
    return events[:n]


def mavlink_datagrams(seconds: int) -> list[bytes]:
    drone = FakeDrone(9, video_uri="rtsp://127.0.0.1:8554/drone-1")
    out = _Datagrams()
    autopilot = mavlink2.MAVLink(out, srcSystem=1, srcComponent=mavlink2.MAV_COMP_ID_AUTOPILOT1)
    camera = mavlink2.MAVLink(out, srcSystem=1, srcComponent=mavlink2.MAV_COMP_ID_CAMERA)
    for tick in range(seconds * 10):
        drone._send(autopilot, camera, tick, tick / 10)
    return out.frames


def timed(run, items) -> float:
    gc.collect()
    start = time.perf_counter()
    run(items)
    return len(items) / (time.perf_counter() - start)


def cot_ours(events: list[bytes]) -> None:
    for raw in events:
        parse(raw)


def cot_raw(events: list[bytes]) -> None:
    for raw in events:
        SafeET.fromstring(raw)


def mavlink_ours(datagrams: list[bytes]) -> None:
    models: dict[int, DroneModel] = {}
    snapshots = []
    publish_every = len(datagrams) // (MAVLINK_SECONDS * PUBLISH_HZ)   # messages between two publications

    def on_message(link_id: str, msg) -> None:
        sysid = msg.get_srcSystem()
        model = models.get(sysid)
        if model is None:
            model = models[sysid] = DroneModel(sysid)
        model.apply(msg)
        if model.fields["packets_received"] % publish_every == 0:
            snapshots.append(model.snapshot())

    link = MavlinkLink(LinkConfig(id="bench", type="mavlink", url="udpin:127.0.0.1:9"), on_message=on_message)
    link._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # the datagram path, never read from
    link._feed("opened", "bench")   # as the reader thread does once the port is open
    try:
        handle = link._handle
        for data in datagrams:
            handle(("127.0.0.1", 14550), data)
    finally:
        link._close_transport()
    state = models[1].snapshot()
    assert state.packets_received == len(datagrams) and state.stream_uri and state.link_quality == 100.0
    assert len(snapshots) >= MAVLINK_SECONDS * PUBLISH_HZ


def mavlink_raw(datagrams: list[bytes]) -> None:
    parser = mavlink2.MAVLink(None, srcSystem=255, srcComponent=190)
    parser.robust_parsing = True
    count = 0
    for data in datagrams:
        count += len(parser.parse_buffer(data) or ())
    assert count == len(datagrams)


def best(name: str, ours, raw, items, rounds: int = ROUNDS) -> tuple[float, float]:
    best_ours = best_raw = 0.0
    for round_number in range(1, rounds + 1):
        raw_rate, ours_rate = timed(raw, items), timed(ours, items)
        best_ours, best_raw = max(best_ours, ours_rate), max(best_raw, raw_rate)
        print(f"{name} round {round_number}: mcv {ours_rate:,.0f}/s  raw {raw_rate:,.0f}/s  "
              f"ratio {ours_rate / raw_rate:.2f}")
    return best_ours, best_raw


def main() -> None:
    events, datagrams = cot_events(COT_EVENTS), mavlink_datagrams(MAVLINK_SECONDS)
    cot, cot_bare = best("CoT", cot_ours, cot_raw, events)
    mav, mav_bare = best("MAVLink", mavlink_ours, mavlink_raw, datagrams, MAVLINK_ROUNDS)
    cot_ratio, mav_ratio = cot / cot_bare, mav / mav_bare
    print(f"best CoT: radios.cot {cot:,.0f} events/s, raw defusedxml {cot_bare:,.0f} events/s, "
          f"ratio {cot_ratio:.2f} (goal {COT_GOAL})")
    print(f"best MAVLink: link + drone model {mav:,.0f} msg/s, raw pymavlink {mav_bare:,.0f} msg/s, "
          f"ratio {mav_ratio:.2f} (goal {MAVLINK_GOAL})")
    print(json.dumps({"bench": "interop", "cot_events": len(events), "cot_per_s": round(cot),
                      "cot_raw_per_s": round(cot_bare), "cot_ratio": round(cot_ratio, 3), "cot_goal": COT_GOAL,
                      "mavlink_messages": len(datagrams), "mavlink_per_s": round(mav),
                      "mavlink_raw_per_s": round(mav_bare), "mavlink_ratio": round(mav_ratio, 3),
                      "mavlink_goal": MAVLINK_GOAL}))


if __name__ == "__main__":
    main()
