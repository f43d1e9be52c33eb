"""A simulated TAK peer for the demo and the tests: a partner agency's team sending CoT SA over UDP.

Three ATAK users of a partner search-and-rescue team walk slow circles near a centre and
send their position (``a-f-G-U-C``, built by ``radios.cot.build_unit``) as CoT XML
datagrams every ``send_every_s`` to a gateway's CoT link. The peer listens on its own
loopback port, the link's ``peer``, and counts the vehicle's SA it hears back.

    python -m radios.fake_tak --port 4242 [--listen 4243]
"""

from __future__ import annotations

import argparse
import math
import signal
import socket
import threading
import time
from dataclasses import dataclass

from radios.cot import GROUND_UNIT, build_unit
from radios.fake_drone import DEMO_CENTRE, METRES_PER_DEGREE_LAT

SEND_EVERY_S = 2.0
STALE_S = 60.0          # a TAK client drops a contact it has not heard for a minute
WALKING_MPS = 1.3
RECEIVE_BYTES = 65_536


@dataclass(frozen=True)
class TakContact:
    """One simulated ATAK user walking a circle of ``radius_m`` around (``east_m``, ``north_m``) from the centre."""

    uid: str
    callsign: str
    east_m: float
    north_m: float
    radius_m: float = 60.0
    video_url: str | None = None

    def position(self, t: float) -> tuple[float, float, float]:
        """(east m, north m, course °) at ``t`` seconds: anticlockwise at walking pace."""
        angle = t * WALKING_MPS / self.radius_m
        east = self.east_m + self.radius_m * math.cos(angle)
        north = self.north_m + self.radius_m * math.sin(angle)
        course = math.degrees(math.atan2(-math.sin(angle), math.cos(angle))) % 360.0  # the tangent's bearing
        return east, north, course


PARTNER_TEAM = (
    TakContact("ANDROID-demo-sar-1", "SAR-Alpha", east_m=-250.0, north_m=180.0),
    TakContact("ANDROID-demo-sar-2", "SAR-Bravo", east_m=-180.0, north_m=230.0, radius_m=45.0),
    TakContact("ANDROID-demo-sar-3", "SAR-Medic", east_m=-300.0, north_m=120.0, radius_m=30.0),
)


class FakeTakPeer:
    """Sends the team's SA to ``host:port`` from its own thread ("fake-tak"); ``heard`` counts CoT sent back."""

    def __init__(self, port: int, host: str = "127.0.0.1", listen_port: int = 0,
                 contacts: tuple[TakContact, ...] = PARTNER_TEAM, centre: tuple[float, float] = DEMO_CENTRE,
                 send_every_s: float = SEND_EVERY_S) -> None:
        self.address = (host, port)
        self.contacts = contacts
        self.centre = centre
        self.send_every_s = send_every_s
        self.heard = 0
        self.sent = 0
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind((host, listen_port))
        self.listen_port = self._sock.getsockname()[1]
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> FakeTakPeer:
        if self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="fake-tak", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop sending, join the thread and close the socket."""
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(2.0)
        self._sock.close()

    def events(self, t: float) -> list[bytes]:
        """The team's SA at ``t`` seconds into the walk, one CoT XML event per contact."""
        out = []
        for contact in self.contacts:
            east, north, course = contact.position(t)
            lat = self.centre[0] + north / METRES_PER_DEGREE_LAT
            lon = self.centre[1] + east / (METRES_PER_DEGREE_LAT * math.cos(math.radians(self.centre[0])))
            out.append(build_unit(contact.uid, contact.callsign, lat, lon, cot_type=GROUND_UNIT, hae=10.0,
                                  speed=WALKING_MPS, course=course, video_url=contact.video_url, stale_s=STALE_S))
        return out

    def _run(self) -> None:
        started = time.monotonic()
        next_send = started
        self._sock.settimeout(0.1)
        while not self._stopping.is_set():
            now = time.monotonic()
            if now >= next_send:
                for event in self.events(now - started):
                    self._sock.sendto(event, self.address)
                    self.sent += 1
                next_send += self.send_every_s
            try:
                self._sock.recv(RECEIVE_BYTES)
                self.heard += 1
            except (TimeoutError, OSError):
                continue


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m radios.fake_tak",
                                     description="A simulated partner team of ATAK users sending CoT SA over UDP.")
    parser.add_argument("--port", type=int, default=4242, help="UDP port of the gateway's CoT link (4242)")
    parser.add_argument("--host", default="127.0.0.1", help="address of the gateway (127.0.0.1)")
    parser.add_argument("--listen", type=int, default=0, help="UDP port this peer listens on (any free one)")
    args = parser.parse_args(argv)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    peer = FakeTakPeer(args.port, args.host, args.listen).start()
    print(f"fake TAK team sending CoT to {args.host}:{args.port}, listening on {peer.listen_port}", flush=True)
    try:
        stop.wait()
    finally:
        peer.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
