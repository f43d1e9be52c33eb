"""The libvlc renderer on a real X server: moving pictures from a real camera grabbed off the
screen with the tile's title and health bars intact, double-clicks through libvlc's picture
that move the focus, a libvlc snapshot, a hidden tile that
lets its ingest, relay and player go, "SIGNAL LOST" when the camera dies, and a wall that
stops with nothing left running. Also: where libvlc cannot draw, the console says why and
falls back to the frames renderer."""

from __future__ import annotations

import json
import logging
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage
from support import VirtualScreen, reap

from console.video_renderer import open_renderer
from console.video_tile import VideoTileWidget
from radios.config import VideoConfig

CHILD = Path(__file__).with_name("vlc_wall_child.py")
ROOT = Path(__file__).resolve().parents[2]
LOST_RED = QColor("#e5484d")


def read_line(child: subprocess.Popen, word: str, timeout: float = 40.0) -> object:
    """The JSON payload of the child's next line starting with ``word``; fail on ERROR, exit or timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not select.select([child.stdout], [], [], 0.2)[0]:
            continue
        line = child.stdout.readline()
        if not line:
            pytest.fail(f"the wall process ended (exit {child.poll()}) before saying {word}")
        head, _, payload = line.strip().partition(" ")
        if head == "ERROR":
            pytest.fail(f"the wall process failed: {payload}")
        if head == word:
            return json.loads(payload) if payload else None
    pytest.fail(f"the wall process did not say {word} within {timeout:.0f} s")


def tell(child: subprocess.Popen, order: str) -> None:
    child.stdin.write(order + "\n")
    child.stdin.flush()


def pixels(image: QImage, area: list[int], step: int = 4) -> list[QColor]:
    x, y, width, height = area
    return [image.pixelColor(px, py) for px in range(x + 2, x + width - 2, step) for py in range(y + 2, y + height - 2, step)]


def saturated(colour: QColor) -> bool:
    """A test-card colour (yellow, cyan, green, magenta, red, blue), as videotestsrc draws them."""
    channels = sorted((colour.red(), colour.green(), colour.blue()))
    return channels[2] > 150 and channels[0] < 60


def near(colour: QColor, target: QColor, tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour.getRgb()[:3], target.getRgb()[:3], strict=True))


def bars(geometry: dict) -> list[list[int]]:
    """The title bar above the picture and the health bar below it, in screen pixels."""
    tx, ty, tw, th = geometry["tile"]
    px, py, pw, ph = geometry["picture"]
    return [[tx, ty, tw, py - ty], [tx, py + ph, tw, ty + th - py - ph]]


@pytest.mark.xvfb
def test_libvlc_tiles_show_moving_pictures_under_intact_bars_then_signal_lost(rtsp_server, tmp_path):
    server = rtsp_server(("cam1=CAM ONE", "cam2=CAM TWO"))
    with VirtualScreen("1024x768") as screen:
        env = {**os.environ, "DISPLAY": screen.display, "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": str(ROOT)}
        child = subprocess.Popen([sys.executable, str(CHILD), server.url("cam1"), server.url("cam2"), str(tmp_path)],
                                 env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                 text=True)
        try:
            geometry = read_line(child, "PLAYING")
            shots = [QImage(str(screen.grab(tmp_path / f"playing-{n}.png"))) for n in range(2)]
            picture = [pixels(shot, geometry["picture"]) for shot in shots]
            assert sum(map(saturated, picture[0])) > len(picture[0]) // 4, "no test card on the screen"
            changed = sum(a != b for a, b in zip(*picture, strict=True))
            for attempt in range(10):  # the test card's noise patch and clock move between grabs
                if changed:
                    break
                later = QImage(str(screen.grab(tmp_path / f"playing-{attempt + 2}.png")))
                changed = sum(a != b for a, b in zip(picture[0], pixels(later, geometry["picture"]), strict=True))
            assert changed > 0, "the picture on the screen does not move"
            for bar in bars(geometry):
                bar_pixels = pixels(shots[0], bar, step=1)
                assert not any(map(saturated, bar_pixels)), "libvlc's picture covers a bar"
                assert sum(c.lightness() > 200 for c in bar_pixels) >= 10, "a bar has no text"

            # Double-clicks on libvlc's picture reach the tile: the small tile takes the focus, and back.
            x, y, width, height = geometry["second"]["picture"]
            for stream_id in ("cam2", "cam1"):
                subprocess.run(["xdotool", "mousemove", str(x + width // 2), str(y + height // 2),
                                "click", "--repeat", "2", "--delay", "80", "1"], env=env, check=True, timeout=10)
                tell(child, f"wait-focus {stream_id}")
                assert read_line(child, "FOCUS") == {"focus": stream_id}

            tell(child, "snapshot")
            snapshot = read_line(child, "SNAPSHOT")
            assert snapshot and QImage(snapshot).size().toTuple() == (640, 360)

            tell(child, "layout-1")
            hidden = read_line(child, "HIDDEN")
            assert hidden == {"relay": False, "visible": False, "threads": hidden["threads"]}
            assert not any(name.endswith("-cam2") for name in hidden["threads"])

            server.kill()
            tell(child, "wait-lost")
            lost = read_line(child, "LOST")
            assert lost["centre"] == "SIGNAL LOST" and lost["surface"] is False
            shot = QImage(str(screen.grab(tmp_path / "lost.png")))
            middle = pixels(shot, lost["picture"], step=2)
            assert sum(near(c, LOST_RED) for c in middle) > 50, "no SIGNAL LOST on the screen"
            card = [c for c in middle if saturated(c) and max(c.green(), c.blue()) > 150]  # not the red text
            assert not card, "the old picture still shows"

            tell(child, "quit")
            assert read_line(child, "CLEAN") == {"threads": []}
            assert child.wait(10) == 0
        finally:
            reap(child)


def test_without_an_x11_session_libvlc_falls_back_to_frames_and_says_why(qtbot, caplog):
    caplog.set_level(logging.ERROR, logger="console.video_renderer")
    renderer = open_renderer(VideoConfig(renderer="libvlc"))  # the tests' Qt runs offscreen
    try:
        assert renderer.name == "frames" and renderer.make_tile is VideoTileWidget
    finally:
        renderer.close()
    [record] = caplog.records
    assert "libvlc draws only into X11 windows" in record.getMessage() and "offscreen" in record.getMessage()
    assert "QT_QPA_PLATFORM=xcb" in record.getMessage()


def test_frames_is_the_default_and_opens_nothing(qtbot):
    renderer = open_renderer(VideoConfig())
    assert renderer.name == "frames" and renderer.make_tile is VideoTileWidget
    renderer.close()
