"""The fake drone: its search pattern, and the command line sending real MAVLink."""

import math
import socket
import subprocess
import sys
import time

from support import reap, wait_for_line

from radios.drone_state import DroneState, fold
from radios.fake_drone import LawnmowerPattern
from radios.mavlink_link import new_parser


def test_lawnmower_covers_the_box_in_parallel_legs_and_comes_back():
    pattern = LawnmowerPattern(width_m=200, height_m=100, spacing_m=50, speed_mps=10)
    points = [pattern.position(t) for t in range(0, 400)]
    assert all(abs(e) <= 100.001 and abs(n) <= 50.001 for e, n, _ in points)
    assert {round(n) for _, n, _ in points if abs(n) in (50.0, 0.0)} == {-50, 0, 50}
    assert {round(h) for _, _, h in points} <= {0, 90, 180, 270}
    loop = sum(math.dist(a, b) for a, b in zip(pattern.waypoints(), pattern.waypoints()[1:] + pattern.waypoints()[:1]))
    start, again = pattern.position(0), pattern.position(loop / pattern.speed_mps)
    assert math.dist(start[:2], again[:2]) < 1e-6


def test_command_line_drone_sends_mavlink_until_terminated():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as ground:
        ground.bind(("127.0.0.1", 0))
        ground.settimeout(5)
        process = subprocess.Popen(
            [sys.executable, "-m", "radios.fake_drone", "--port", str(ground.getsockname()[1]), "--sysid", "9"],
            stdout=subprocess.PIPE, text=True)
        try:
            wait_for_line(process.stdout, "sending MAVLink")
            state, parser, deadline = DroneState(9), new_parser(), time.monotonic() + 5
            while (state.mode is None or not state.has_position) and time.monotonic() < deadline:
                for msg in parser.parse_buffer(ground.recvfrom(4096)[0]) or []:
                    assert msg.get_srcSystem() == 9
                    state = fold(state, msg)
            assert state.mode == "AUTO" and state.armed and state.has_position
            process.terminate()
            assert process.wait(5) == 0
        finally:
            reap(process)
