"""A simulated drone for the demo and the tests: real MAVLink 2 from pymavlink, over UDP.

It flies a search pattern (a lawnmower: parallel legs across a rectangle, then back)
around a centre, drains its battery, and sends what an ArduCopter with a camera
sends: HEARTBEAT (1 Hz), GLOBAL_POSITION_INT (5 Hz), ATTITUDE (10 Hz), SYS_STATUS and
GPS_RAW_INT (1 Hz) from the autopilot, and HEARTBEAT plus VIDEO_STREAM_INFORMATION
(every 5 s) from its camera component. Frames are built by pymavlink's MAVLink 2
dialect directly, so no ``MAVLINK20`` environment variable is needed.

    python -m radios.fake_drone --port 14550 [--sysid 2] [--video-uri rtsp://...]
"""

from __future__ import annotations

import argparse
import math
import signal
import socket
import threading
import time
from dataclasses import dataclass

from pymavlink.dialects.v20 import ardupilotmega as mavlink2

DEMO_CENTRE = (30.3195, 120.1630)   # Gongshu District, Hangzhou
METRES_PER_DEGREE_LAT = 111_320.0
GROUND_MSL_M = 8.0                  # Hangzhou lies a few metres above sea level
CAMERA_COMPONENT = mavlink2.MAV_COMP_ID_CAMERA
COPTER_MODE_AUTO = 3                # ArduCopter custom_mode for AUTO (a mission)
FULL_VOLTS, EMPTY_VOLTS = 16.8, 14.0  # a 4S LiPo
TICK_HZ = 10


@dataclass(frozen=True)
class LawnmowerPattern:
    """Parallel legs ``spacing_m`` apart across a ``width_m`` x ``height_m`` box, flown there and back."""

    width_m: float = 400.0
    height_m: float = 300.0
    spacing_m: float = 50.0
    speed_mps: float = 8.0
    altitude_m: float = 60.0

    def waypoints(self) -> list[tuple[float, float]]:
        """(east, north) corners relative to the centre, out and back so the loop is closed."""
        legs = int(self.height_m // self.spacing_m) + 1
        half_w, half_h = self.width_m / 2, self.height_m / 2
        out = []
        for leg in range(legs):
            north = -half_h + leg * self.spacing_m
            row = [(-half_w, north), (half_w, north)]
            out += row if leg % 2 == 0 else row[::-1]
        return out + out[-2:0:-1]

    def position(self, t: float) -> tuple[float, float, float]:
        """(east m, north m, heading °) at ``t`` seconds into the flight."""
        points = self.waypoints()
        segments = list(zip(points, points[1:] + points[:1]))
        lengths = [math.dist(a, b) for a, b in segments]
        distance = (t * self.speed_mps) % sum(lengths)
        for (a, b), length in zip(segments, lengths):
            if distance <= length and length > 0:
                f = distance / length
                east, north = a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1])
                heading = math.degrees(math.atan2(b[0] - a[0], b[1] - a[1])) % 360.0
                return east, north, heading
            distance -= length
        return points[0][0], points[0][1], 0.0


class _Datagrams:
    """The file pymavlink writes frames to: each frame goes out as one UDP datagram."""

    def __init__(self, sock: socket.socket, address: tuple[str, int]) -> None:
        self.sock, self.address = sock, address

    def write(self, frame: bytes) -> None:
        try:
            self.sock.sendto(frame, self.address)
        except OSError:
            pass  # nobody listening yet: UDP telemetry is simply lost, as over the air


class FakeDrone:
    """One simulated drone sending MAVLink to ``host:port`` from its own thread ("fake-drone-<sysid>")."""

    def __init__(self, port: int, host: str = "127.0.0.1", sysid: int = 1,
                 centre: tuple[float, float] = DEMO_CENTRE, pattern: LawnmowerPattern | None = None,
                 video_uri: str | None = "", battery_start: float = 95.0, drain_per_s: float = 0.05) -> None:
        self.address = (host, port)
        self.sysid = sysid
        self.centre = centre
        self.pattern = pattern or LawnmowerPattern()
        # "" means the default RTSP address; None means the drone announces no video.
        self.video_uri = f"rtsp://{host}:8554/drone-{sysid}" if video_uri == "" else video_uri
        self.battery_start = battery_start
        self.drain_per_s = drain_per_s
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> FakeDrone:
        if self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name=f"fake-drone-{self.sysid}", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop sending (the drone falls silent at once) and join the thread."""
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(2.0)

    def battery(self, t: float) -> float:
        return max(0.0, self.battery_start - self.drain_per_s * t)

    def _run(self) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            out = _Datagrams(sock, self.address)
            autopilot = mavlink2.MAVLink(out, srcSystem=self.sysid, srcComponent=mavlink2.MAV_COMP_ID_AUTOPILOT1)
            camera = mavlink2.MAVLink(out, srcSystem=self.sysid, srcComponent=CAMERA_COMPONENT)
            started = time.monotonic()
            tick = 0
            while not self._stopping.is_set():
                t = time.monotonic() - started
                self._send(autopilot, camera, tick, t)
                tick += 1
                self._stopping.wait(max(0.0, started + tick / TICK_HZ - time.monotonic()))

    def _send(self, autopilot: mavlink2.MAVLink, camera: mavlink2.MAVLink, tick: int, t: float) -> None:
        east, north, heading = self.pattern.position(t)
        _, _, ahead = self.pattern.position(t + 1.0)
        turn = ((ahead - heading + 180) % 360) - 180
        if tick % TICK_HZ == 0:
            autopilot.heartbeat_send(
                mavlink2.MAV_TYPE_QUADROTOR, mavlink2.MAV_AUTOPILOT_ARDUPILOTMEGA,
                mavlink2.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED | mavlink2.MAV_MODE_FLAG_SAFETY_ARMED
                | mavlink2.MAV_MODE_FLAG_STABILIZE_ENABLED, COPTER_MODE_AUTO, mavlink2.MAV_STATE_ACTIVE)
            camera.heartbeat_send(mavlink2.MAV_TYPE_CAMERA, mavlink2.MAV_AUTOPILOT_INVALID, 0, 0,
                                  mavlink2.MAV_STATE_ACTIVE)
            percent = self.battery(t)
            volts = EMPTY_VOLTS + (FULL_VOLTS - EMPTY_VOLTS) * percent / 100.0
            autopilot.sys_status_send(0, 0, 0, 250, int(volts * 1000), 1800, int(percent), 0, 0, 0, 0, 0, 0)
            autopilot.gps_raw_int_send(int(t * 1e6), mavlink2.GPS_FIX_TYPE_3D_FIX, *self._lat_lon_e7(east, north),
                                       int((GROUND_MSL_M + self.pattern.altitude_m) * 1000), 80, 120,
                                       int(self.pattern.speed_mps * 100), int(heading * 100), 14)
        if tick % (TICK_HZ * 5) == 0 and self.video_uri:
            camera.video_stream_information_send(
                1, 1, mavlink2.VIDEO_STREAM_TYPE_RTSP, mavlink2.VIDEO_STREAM_STATUS_FLAGS_RUNNING, 30.0,
                1280, 720, 2_000_000, 0, 90, f"drone-{self.sysid}".encode(), self.video_uri.encode())
        if tick % 2 == 0:
            lat, lon = self._lat_lon_e7(east, north)
            rad = math.radians(heading)
            speed_cm = self.pattern.speed_mps * 100
            autopilot.global_position_int_send(
                int(t * 1000), lat, lon, int((GROUND_MSL_M + self.pattern.altitude_m) * 1000),
                int(self.pattern.altitude_m * 1000), int(speed_cm * math.cos(rad)), int(speed_cm * math.sin(rad)),
                0, int(heading * 100) % 36000)
        yaw = math.radians(heading if heading <= 180 else heading - 360)
        autopilot.attitude_send(int(t * 1000), math.radians(max(-20, min(20, turn / 4))), math.radians(-6.0),
                                yaw, 0.0, 0.0, 0.0)

    def _lat_lon_e7(self, east: float, north: float) -> tuple[int, int]:
        lat = self.centre[0] + north / METRES_PER_DEGREE_LAT
        lon = self.centre[1] + east / (METRES_PER_DEGREE_LAT * math.cos(math.radians(self.centre[0])))
        return int(round(lat * 1e7)), int(round(lon * 1e7))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m radios.fake_drone",
                                     description="A simulated MAVLink drone flying a search pattern.")
    parser.add_argument("--port", type=int, default=14550, help="UDP port the gateway listens on (14550)")
    parser.add_argument("--host", default="127.0.0.1", help="address of the gateway (127.0.0.1)")
    parser.add_argument("--sysid", type=int, default=1, choices=range(1, 256), metavar="1..255",
                        help="MAVLink system id (1)")
    parser.add_argument("--lat", type=float, default=DEMO_CENTRE[0], help="centre of the search area")
    parser.add_argument("--lon", type=float, default=DEMO_CENTRE[1], help="centre of the search area")
    parser.add_argument("--video-uri", default="", help="stream URI it announces (default rtsp://HOST:8554/drone-N)")
    args = parser.parse_args(argv)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    drone = FakeDrone(args.port, args.host, args.sysid, (args.lat, args.lon), video_uri=args.video_uri).start()
    print(f"fake drone {args.sysid} sending MAVLink to {args.host}:{args.port}", flush=True)
    try:
        stop.wait()
    finally:
        drone.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
