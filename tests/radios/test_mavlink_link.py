"""MavlinkLink against real peers: pymavlink frames over UDP loopback and over a pty."""

import os
import socket
import sys
import threading
import time
from pathlib import Path

import pytest
from support import wait_until

sys.path.insert(0, str(Path(__file__).parent))  # mavlink_peer.py sits beside this file
from mavlink_peer import DroneFrames, free_udp_port  # noqa: E402

from radios.config import LinkConfig  # noqa: E402
from radios.input_guard import BadInputLog  # noqa: E402
from radios.mavlink_link import MavlinkAddress, MavlinkLink, parse_mavlink_url  # noqa: E402


class Probe:
    """Collects what a link hands out (reader thread appends)."""

    def __init__(self) -> None:
        self.messages: list[tuple[int, str]] = []
        self.states: list[str] = []
        self.ticks = 0
        self.threads: set[str] = set()
        self._lock = threading.Lock()

    def on_message(self, link_id: str, msg) -> None:
        with self._lock:
            self.messages.append((msg.get_srcSystem(), msg.get_type()))
            self.threads.add(threading.current_thread().name)

    def on_status(self, status) -> None:
        self.states.append(status.state)

    def on_tick(self, now: float) -> None:
        self.ticks += 1

    def systems(self) -> set[int]:
        with self._lock:
            return {sysid for sysid, _ in self.messages}


@pytest.fixture
def udp_link():
    probe, bad = Probe(), BadInputLog()
    port = free_udp_port()
    link = MavlinkLink(LinkConfig(id="air", type="mavlink", url=f"udpin:127.0.0.1:{port}"),
                       on_message=probe.on_message, on_status=probe.on_status, on_tick=probe.on_tick, bad_input=bad)
    link.start()
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    assert wait_until(lambda: link.local_port == port, 5)
    yield link, probe, bad, lambda data: sender.sendto(data, ("127.0.0.1", port))
    link.stop()
    sender.close()


@pytest.mark.parametrize("url, address", [
    ("udpin:0.0.0.0:14550", MavlinkAddress("udp", "0.0.0.0", 14550)),
    ("udp://127.0.0.1:14551", MavlinkAddress("udp", "127.0.0.1", 14551)),
    ("udp::14550", MavlinkAddress("udp", "0.0.0.0", 14550)),
    ("/dev/ttyUSB0", MavlinkAddress("serial", "/dev/ttyUSB0", baud=57600)),
    ("/dev/ttyACM0,115200", MavlinkAddress("serial", "/dev/ttyACM0", baud=115200)),
    ("socket://10.0.0.9:5760", MavlinkAddress("serial", "socket://10.0.0.9:5760", baud=57600)),
])
def test_urls_as_mavutil_writes_them(url, address):
    assert parse_mavlink_url(url) == address


@pytest.mark.parametrize("url, words", [("udpin:0.0.0.0:x", "no valid port"), ("udpout:1.2.3.4:14550", "not supported"),
                                        ("/dev/ttyUSB0,fast", "bad baud rate")])
def test_bad_urls_say_how_to_write_them(url, words):
    with pytest.raises(ValueError, match=words):
        parse_mavlink_url(url)


def test_two_drones_on_one_udp_port_told_apart_by_system_id(udp_link):
    link, probe, bad, send = udp_link
    one, two = DroneFrames(sysid=1), DroneFrames(sysid=2)
    for _ in range(3):
        send(one.heartbeat())
        send(two.heartbeat() + two.position())  # several frames in one datagram
    assert wait_until(lambda: len(probe.messages) == 9, 5)
    assert probe.systems() == {1, 2}
    assert probe.threads == {"mavlink-air"}
    assert wait_until(lambda: link.status().state == "up", 5)
    assert link.status().messages_in == 9 and bad.count() == 0
    assert wait_until(lambda: probe.ticks > 0, 5)


def test_garbage_and_broken_frames_are_counted_and_the_link_stays_up(udp_link):
    link, probe, bad, send = udp_link
    drone = DroneFrames(sysid=4)
    send(drone.heartbeat())
    assert wait_until(lambda: len(probe.messages) == 1, 5)
    corrupt = bytearray(drone.heartbeat())
    corrupt[-3] ^= 0xFF  # payload byte: the checksum no longer matches
    for garbage in (b"\x00" * 300, os.urandom(2000), b"$GPGGA,not,mavlink*00\r\n", bytes(corrupt),
                    b"\xfd" + os.urandom(60), b"\xfd\x09", os.urandom(60000)):
        send(garbage)
    for _ in range(5):
        send(drone.heartbeat())
    assert wait_until(lambda: len(probe.messages) == 6, 5)
    assert wait_until(lambda: bad.count("link/air") == 7, 5), bad.count("link/air")
    assert link.status().errors == 7
    assert link.status().state in ("up", "degraded")
    for _ in range(20):  # good traffic outweighs the burst again
        send(drone.heartbeat())
    assert wait_until(lambda: link.status().state == "up", 5)


def test_stop_returns_quickly_and_frees_the_port(udp_link):
    link, probe, bad, send = udp_link
    port = link.local_port
    started = time.monotonic()
    link.stop()
    assert time.monotonic() - started < 0.6
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as again:
        again.bind(("127.0.0.1", port))


def test_a_busy_port_is_reported_and_retried():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as squatter:
        squatter.bind(("127.0.0.1", 0))
        port = squatter.getsockname()[1]
        link = MavlinkLink(LinkConfig(id="busy", type="mavlink", url=f"udpin:127.0.0.1:{port}"), on_message=print)
        link.start()
        try:
            assert wait_until(lambda: link.status().state == "down", 5)
            assert "cannot open" in link.status().detail and "port is free" in link.status().detail
            squatter.close()
            assert wait_until(lambda: link.local_port == port, 5)
        finally:
            link.stop()


def test_an_unsupported_url_is_down_with_a_fix():
    link = MavlinkLink(LinkConfig(id="odd", type="mavlink", url="tcp:10.0.0.1:5760"), on_message=print)
    link.start()
    try:
        assert wait_until(lambda: link.status().state == "down", 5)
        assert "udpin:HOST:PORT" in link.status().detail
    finally:
        link.stop()


def test_serial_link_over_a_pty():
    far, near = os.openpty()
    probe = Probe()
    link = MavlinkLink(LinkConfig(id="radio", type="mavlink", url=f"{os.ttyname(near)},57600"),
                       on_message=probe.on_message, on_status=probe.on_status, bad_input=BadInputLog())
    link.start()
    try:
        assert wait_until(lambda: "open at 57600" in link.status().detail, 5)  # raw mode is set
        drone = DroneFrames(sysid=7)
        stream = b"line noise" + drone.heartbeat() + drone.position()
        for i in range(0, len(stream), 7):  # a serial port hands out arbitrary pieces
            os.write(far, stream[i:i + 7])
        assert wait_until(lambda: [t for _, t in probe.messages] == ["HEARTBEAT", "GLOBAL_POSITION_INT"], 5)
        assert probe.systems() == {7}
        assert wait_until(lambda: link.status().errors >= 1, 5)
    finally:
        link.stop()
        os.close(far)
        os.close(near)
