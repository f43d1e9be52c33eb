"""The video benchmark's clock barcode: drawn here and by FFmpeg's filter, read back, and refused when damaged."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from clock_barcode import (  # noqa: E402
    BITS,
    BOX,
    BOX_TOP,
    CELLS,
    FRAME_HEIGHT,
    FRAME_WIDTH,
    LEFT,
    PITCH,
    STRIP_HEIGHT,
    STRIP_TOP,
    WRAP,
    PictureRect,
    binary_to_gray,
    burnt_time,
    drawbox_filters,
    gray_to_binary,
    read_ticks,
)

FULL = PictureRect(0, 0, FRAME_WIDTH, FRAME_HEIGHT)


def draw(ticks: int) -> np.ndarray:
    """A 1280x720 RGB frame of mid-grey noise carrying ``ticks`` the way the filter draws it."""
    rng = np.random.default_rng(ticks)
    frame = rng.integers(0, 256, (FRAME_HEIGHT, FRAME_WIDTH, 3), dtype=np.uint8)
    frame[STRIP_TOP:STRIP_TOP + STRIP_HEIGHT] = 0
    gray = binary_to_gray(ticks)
    for cell in range(CELLS):
        lit = cell in (0, CELLS - 1) or gray >> (cell - 1) & 1
        if lit:
            left = LEFT + cell * PITCH
            frame[BOX_TOP:BOX_TOP + BOX, left:left + BOX] = 255
    return frame


def shrink(frame: np.ndarray, factor: int) -> np.ndarray:
    """``frame`` scaled down by an integer factor with box averaging, as a player's scaler blurs it."""
    h, w = frame.shape[0] // factor * factor, frame.shape[1] // factor * factor
    return frame[:h, :w].reshape(h // factor, factor, w // factor, factor, -1).mean(axis=(1, 3)).astype(np.uint8)


@pytest.mark.parametrize("ticks", [0, 1, 0b1011_0110_0101, WRAP - 1, 12_345_678])
def test_a_drawn_frame_reads_back(ticks):
    assert read_ticks(draw(ticks), FULL) == ticks


def test_a_scaled_letterboxed_grab_of_a_region_reads_back():
    """A small tile: the frame shrunk 3x, shown letterboxed in a taller cell, grabbed from its strip only."""
    small = shrink(draw(4_242_424), 3)
    screen = np.zeros((400, small.shape[1], 3), np.uint8)
    top_bar = (400 - small.shape[0]) // 2
    screen[top_bar:top_bar + small.shape[0]] = small
    rect = PictureRect.fitted(0, 0, small.shape[1], 400)
    left, top, width, height = rect.strip()
    region = screen[top:top + height, left:left + width]
    assert read_ticks(region, rect, origin=(left, top)) == 4_242_424


def test_damaged_pictures_are_refused_not_misread():
    frame = draw(777)
    half_drawn = frame.copy()
    left = LEFT + 5 * PITCH
    half_drawn[BOX_TOP:BOX_TOP + BOX, left:left + BOX] = 128  # a box caught between black and white
    no_guard = frame.copy()
    no_guard[BOX_TOP:BOX_TOP + BOX, LEFT:LEFT + BOX] = 0
    covered = frame.copy()
    covered[STRIP_TOP:STRIP_TOP + STRIP_HEIGHT] = 255  # another window on top
    noise = np.random.default_rng(1).integers(0, 256, frame.shape, dtype=np.uint8)
    for damaged in (half_drawn, no_guard, covered, noise, frame[:STRIP_TOP + 10], frame[:, :600],
                    np.zeros((0, 0, 3), np.uint8), np.zeros(5, np.uint8)):
        assert read_ticks(damaged, FULL) is None
    assert read_ticks(frame, PictureRect(0, 0, 0, 0)) is None


def test_gray_code_round_trips_and_neighbours_differ_in_one_bit():
    for value in [0, 1, 2, 3, 1000, WRAP - 2]:
        assert gray_to_binary(binary_to_gray(value)) == value
        assert bin(binary_to_gray(value) ^ binary_to_gray(value + 1)).count("1") == 1


def test_burnt_time_unwraps_to_the_nearest_period():
    now = 1_800_000_000.0
    ticks = int(now * 100) % WRAP
    assert burnt_time(ticks, now + 0.08) == pytest.approx(now, abs=0.011)
    assert burnt_time((ticks - 5) % WRAP, now) == pytest.approx(now - 0.05, abs=0.011)


def test_ffmpegs_filter_burns_a_clock_the_reader_reads():
    """The drawbox chain the camera uses, run by FFmpeg on a few frames, reads back as the time they were made."""
    before = time.time()
    result = subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
         f"testsrc2=size={FRAME_WIDTH}x{FRAME_HEIGHT}:rate=25", "-vf", drawbox_filters(), "-frames:v", "3",
         "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True, timeout=60, check=True)
    after = time.time()
    frames = np.frombuffer(result.stdout, np.uint8).reshape(-1, FRAME_HEIGHT, FRAME_WIDTH, 3)
    assert len(frames) == 3
    for frame in frames:
        ticks = read_ticks(frame, FULL)
        assert ticks is not None
        assert before - 0.01 <= burnt_time(ticks, after) <= after + 0.01
    assert BITS == 24
