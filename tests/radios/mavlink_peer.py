"""A MAVLink peer for tests: frames built by pymavlink as a drone would send them, and a free UDP port."""

from __future__ import annotations

import socket

from pymavlink.dialects.v20 import ardupilotmega as mavlink2

from radios.mavlink_link import new_parser


class _Collect:
    def __init__(self) -> None:
        self.frames: list[bytes] = []

    def write(self, frame: bytes) -> None:
        self.frames.append(frame)


class DroneFrames:
    """Encodes messages as one component of one drone, with real sequence numbers."""

    def __init__(self, sysid: int = 1, compid: int = mavlink2.MAV_COMP_ID_AUTOPILOT1) -> None:
        self._out = _Collect()
        self.mav = mavlink2.MAVLink(self._out, srcSystem=sysid, srcComponent=compid)

    def frame(self, name: str, *args) -> bytes:
        """One frame: ``frame("heartbeat", ...)`` sends ``heartbeat_encode(...)`` through the encoder."""
        self.mav.send(getattr(self.mav, f"{name}_encode")(*args))
        return self._out.frames.pop()

    def message(self, name: str, *args):
        """The message as the gateway sees it: encoded, framed, then parsed back."""
        return parse(self.frame(name, *args))[0]

    def skip(self, count: int) -> None:
        """Lose ``count`` frames on the way (their sequence numbers are used up)."""
        self.mav.seq = (self.mav.seq + count) % 256

    def heartbeat(self, armed: bool = True, custom_mode: int = 3, mav_type: int = mavlink2.MAV_TYPE_QUADROTOR,
                  autopilot: int = mavlink2.MAV_AUTOPILOT_ARDUPILOTMEGA) -> bytes:
        base = mavlink2.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED | (mavlink2.MAV_MODE_FLAG_SAFETY_ARMED if armed else 0)
        return self.frame("heartbeat", mav_type, autopilot, base, custom_mode, mavlink2.MAV_STATE_ACTIVE)

    def position(self, lat: float = 30.3195, lon: float = 120.163, alt_msl: float = 68.0, alt_rel: float = 60.0,
                 vx: int = 300, vy: int = 400, hdg: int = 5313) -> bytes:
        return self.frame("global_position_int", 1000, int(lat * 1e7), int(lon * 1e7), int(alt_msl * 1000),
                          int(alt_rel * 1000), vx, vy, -50, hdg)


def parse(data: bytes) -> list:
    return [m for m in new_parser().parse_buffer(data) or [] if m.get_type() != "BAD_DATA"]


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
