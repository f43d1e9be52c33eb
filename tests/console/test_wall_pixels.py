"""Under Xvfb, the real wall window on a real X server (``QT_QPA_PLATFORM=xcb``) with four streams
from the GStreamer RTSP test server (whose test pictures scroll):

- two grabs of the screen a second apart show a moving picture in every tile of a 2x2 wall;
- a real mouse (xdotool) drags a tile onto another and a catalogue row onto a tile, through
  X's drag and drop as an operator would;
- SIGTERM during a drop, or while a drag is held, ends the window cleanly (``console.quit_signals``).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from support import VirtualScreen, reap

pytestmark = pytest.mark.xvfb

WINDOW = Path(__file__).with_name("wall_pixels_window.py")
READY_S = 30.0  # four first pictures on a loaded two-core machine
ARRANGED_S = 10.0
GRAB_APART_S = 1.0
STEP = 3  # sample every third pixel both ways
CHANGED = 40  # a channel that moves this much is a changed pixel, not encoder noise
MOVED = 0.005
"""Share of changed pixels that makes a moving picture: a frozen one changes none; the
smallest mover here (a ball on black, and the burnt-in clock) changes about 1 %."""
MOUSE_STEPS = 12
MOUSE_STEP_S = 0.05  # the pace of the hand moving the mouse; X delivers the motion in between
HAND_PAUSE_S = 0.3  # a hand rests on the target before pressing, and after


class WallWindow:
    """``wall_pixels_window.py`` on a virtual screen, and what it prints."""

    def __init__(self, screen: VirtualScreen, process: subprocess.Popen) -> None:
        self.screen = screen
        self.process = process
        self.lines: list[str] = []
        self._partial = b""  # read straight from the pipe: a buffered reader would hide lines from select

    def _read_lines(self) -> list[str]:
        """Whole lines the window printed since the last call (waits up to 0.2 s for some)."""
        ready, _, _ = select.select([self.process.stdout], [], [], 0.2)
        if not ready:
            return []
        chunk = os.read(self.process.stdout.fileno(), 65536)
        if not chunk:
            raise EOFError
        *lines, self._partial = (self._partial + chunk).split(b"\n")
        return [line.decode() for line in lines]

    def wait_for(self, prefix: str, accept: Callable[[object], bool] = lambda value: True,
                 timeout_s: float = READY_S) -> object:
        """The first value printed so far after ``prefix`` (JSON) that ``accept`` takes; waits for it up to
        ``timeout_s``, then fails."""
        deadline = time.monotonic() + timeout_s
        while True:
            for line in self.lines:
                if line.startswith(prefix + " ") and accept(value := json.loads(line.removeprefix(prefix + " "))):
                    return value
            if time.monotonic() > deadline:
                break
            try:
                self.lines += self._read_lines()
            except EOFError:
                break
        pytest.fail(f"the wall window did not print an expected {prefix} within {timeout_s:g} s; it printed "
                    f"{self.lines[-5:]}")

    def printed(self, prefix: str) -> list[object]:
        """Every value printed after ``prefix``, once the window has exited and its output is all read."""
        while True:
            try:
                self.lines += self._read_lines()
            except EOFError:
                break
        return [json.loads(line.removeprefix(prefix + " ")) for line in self.lines if line.startswith(prefix + " ")]

    def latest(self, prefix: str) -> object:
        """The last value printed after ``prefix`` so far."""
        return json.loads([line for line in self.lines if line.startswith(prefix + " ")][-1].removeprefix(prefix + " "))

    def drag(self, start: tuple[int, int], end: tuple[int, int]) -> None:
        """Press the left button at ``start``, move to ``end`` in steps, release: a real X drag."""
        self.hold_drag(start, end)
        time.sleep(HAND_PAUSE_S)
        self._xdotool("mouseup", "1")

    def hold_drag(self, start: tuple[int, int], end: tuple[int, int]) -> None:
        """Press the left button at ``start`` and move to ``end`` in steps, the button still held."""
        self._xdotool("mousemove", *map(str, start))
        time.sleep(HAND_PAUSE_S)
        self._xdotool("mousedown", "1")
        time.sleep(HAND_PAUSE_S)
        for step in range(1, MOUSE_STEPS + 1):
            x = start[0] + (end[0] - start[0]) * step // MOUSE_STEPS
            y = start[1] + (end[1] - start[1]) * step // MOUSE_STEPS
            self._xdotool("mousemove", str(x), str(y))
            time.sleep(MOUSE_STEP_S)

    def _xdotool(self, *arguments: str) -> None:
        env = {**os.environ, "DISPLAY": self.screen.display}
        subprocess.run(["xdotool", *arguments], env=env, check=True, timeout=10)


@pytest.fixture
def wall_window(rtsp_server) -> Iterator[Callable[..., WallWindow]]:
    """Factory: the wall window for four streams on its own Xvfb; ended by PID after the test."""
    server = rtsp_server(("cam1=ONE", "cam2=TWO", "cam3=THREE", "cam4=FOUR"))
    urls = [server.url(f"cam{n}") for n in range(1, 5)]
    opened: list[tuple[VirtualScreen, subprocess.Popen]] = []

    def start(*options: str) -> WallWindow:
        screen = VirtualScreen().__enter__()
        env = {**os.environ, "DISPLAY": screen.display, "QT_QPA_PLATFORM": "xcb"}
        process = subprocess.Popen([sys.executable, str(WINDOW), "2x2", *options, *urls], env=env,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        opened.append((screen, process))
        return WallWindow(screen, process)

    yield start
    for screen, process in opened:
        try:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    assert process.wait(15) == 0, process.stderr.read()[-2000:].decode(errors="replace")
                finally:
                    reap(process)
            else:
                reap(process)
        finally:
            screen.__exit__()  # a failed window must not leave its X server behind


def picture_area(place: list[int]) -> tuple[int, int, int, int]:
    """The part of a tile between its title and health bars: pixels only the stream changes."""
    x, y, width, height, bar = place
    return x + 4, y + bar + 4, x + width - 4, y + height - bar - 4


def centre(place: list[int]) -> tuple[int, int]:
    return place[0] + place[2] // 2, place[1] + place[3] // 2


def changed_share(before: QImage, after: QImage, area: tuple[int, int, int, int]) -> float:
    left, top, right, bottom = area
    changed = total = 0
    for x in range(left, right, STEP):
        for y in range(top, bottom, STEP):
            a, b = before.pixelColor(x, y), after.pixelColor(x, y)
            total += 1
            if max(abs(a.red() - b.red()), abs(a.green() - b.green()), abs(a.blue() - b.blue())) > CHANGED:
                changed += 1
    return changed / total


def colours(image: QImage, area: tuple[int, int, int, int]) -> int:
    left, top, right, bottom = area
    return len({image.pixel(x, y) for x in range(left, right, 8) for y in range(top, bottom, 8)})


def test_every_tile_of_a_2x2_wall_shows_a_moving_picture(wall_window, tmp_path):
    window = wall_window()
    tiles = window.wait_for("TILES")
    first = window.screen.grab(tmp_path / "first.png")
    time.sleep(GRAB_APART_S)  # the interval between the two pictures, not a wait for something
    second = window.screen.grab(tmp_path / "second.png")
    before, after = QImage(str(first)), QImage(str(second))
    assert sorted(tiles) == ["cam1", "cam2", "cam3", "cam4"]
    for stream_id, place in tiles.items():
        area = picture_area(place)
        assert colours(before, area) > 20 and colours(after, area) > 20, f"{stream_id} shows no picture"
        share = changed_share(before, after, area)
        assert share > MOVED, f"{stream_id}: only {share:.2%} of its picture changed in {GRAB_APART_S:g} s"


@pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed: run installer/setup.sh --dev")
def test_a_real_mouse_drags_a_tile_and_a_catalogue_row_onto_tiles(wall_window):
    window = wall_window("--catalogue")
    tiles = window.wait_for("TILES")
    assert window.wait_for("ORDER") == {"shown": ["cam1", "cam2", "cam3", "cam4"], "focus": "cam1"}

    window.drag(centre(tiles["cam2"]), centre(tiles["cam3"]))  # a small tile onto another: they swap
    window.wait_for("ORDER", lambda order: order["shown"] == ["cam1", "cam3", "cam2", "cam4"], ARRANGED_S)

    rows = window.latest("ROWS")  # where the rows are now
    window.drag(centre(rows["cam4"]), centre(tiles["cam1"]))  # a catalogue row onto the focus tile
    order = window.wait_for("ORDER", lambda order: order["focus"] == "cam4", ARRANGED_S)
    assert order["shown"] == ["cam4", "cam3", "cam2", "cam1"], "the old focus went where cam4 was"


@pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed: run installer/setup.sh --dev")
def test_a_sigterm_that_arrives_during_a_drop_ends_the_window_cleanly(wall_window):
    """Quitting inside the drop's handling destroyed the X window Qt still answers the drop from (SIGSEGV)."""
    window = wall_window("--terminate-in-drop")
    tiles = window.wait_for("TILES")
    window.drag(centre(tiles["cam2"]), centre(tiles["cam3"]))
    window.wait_for("ORDER", lambda order: order["shown"] == ["cam1", "cam3", "cam2", "cam4"], ARRANGED_S)
    code = window.process.wait(ARRANGED_S)
    assert code == 0, window.process.stderr.read()[-2000:].decode(errors="replace")


@pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed: run installer/setup.sh --dev")
def test_a_sigterm_that_arrives_while_a_drag_is_held_ends_the_window_cleanly(wall_window):
    """The quit runs inside the drag's own event loop; it ends the drag and the window, and drops nothing."""
    window = wall_window()
    tiles = window.wait_for("TILES")
    window.hold_drag(centre(tiles["cam2"]), centre(tiles["cam3"]))
    window.process.send_signal(signal.SIGTERM)
    code = window.process.wait(ARRANGED_S)
    assert code == 0, window.process.stderr.read()[-2000:].decode(errors="replace")
    assert [order["shown"] for order in window.printed("ORDER")] == [["cam1", "cam2", "cam3", "cam4"]], \
        "nothing was dropped"
