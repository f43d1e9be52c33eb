"""ScreenScaler: decoded frames to the 32-bit screen layout at a tile's size, one swscale context reused.

Frames are real YUV 4:2:0 pictures made by FFmpeg's own converter from known colours, as
a decoder hands them out; the checks read the converted bytes back.
"""

from __future__ import annotations

import sys
import time

import av
import numpy as np
import pytest

from video.frames import SCREEN_PIXEL_FORMAT, ScreenScaler, frame_to_rgb

RED, GREEN, BLUE = (220, 30, 30), (30, 200, 40), (20, 40, 210)


def yuv_frame(width: int, height: int, colours=(RED, GREEN, BLUE)) -> av.VideoFrame:
    """A yuv420p frame of vertical bands in ``colours`` (left to right), as a decoder would give."""
    rgb = np.zeros((height, width, 3), np.uint8)
    for index, colour in enumerate(colours):
        rgb[:, index * width // len(colours):(index + 1) * width // len(colours)] = colour
    return av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")


def pixel(image, x: int, y: int) -> tuple[int, int, int, int]:
    """``(red, green, blue, alpha)`` of one pixel of a ScreenImage, read as the 32-bit word it is."""
    word = int.from_bytes(image.data[y * image.stride + 4 * x: y * image.stride + 4 * x + 4], sys.byteorder)
    return (word >> 16) & 0xFF, (word >> 8) & 0xFF, word & 0xFF, word >> 24


def close_to(found, expected, tolerance: int = 12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(found, expected))


def test_scales_to_the_asked_size_in_native_0xffrrggbb_words():
    image = ScreenScaler().scale(yuv_frame(1280, 720), 640, 360)
    assert (image.width, image.height) == (640, 360)
    assert image.stride >= 640 * 4 and len(image.data) >= image.stride * 360
    assert SCREEN_PIXEL_FORMAT == ("bgra" if sys.byteorder == "little" else "argb")
    for x, colour in ((100, RED), (320, GREEN), (540, BLUE)):
        red, green, blue, alpha = pixel(image, x, 180)
        assert alpha == 0xFF, "Qt's Format_RGB32 wants the top byte set"
        assert close_to((red, green, blue), colour), (x, (red, green, blue), colour)


def test_one_scaler_follows_a_tile_resized_and_a_source_switched():
    scaler = ScreenScaler()
    sizes = [((1280, 720), (426, 240)), ((1280, 720), (1280, 720)), ((640, 360), (1280, 720)), ((640, 360), (2, 2))]
    for (source_w, source_h), (width, height) in sizes:
        frame = yuv_frame(source_w, source_h)
        image = scaler.scale(frame, width, height)
        assert (image.width, image.height) == (width, height)
        reference = frame_to_rgb(frame, width, height)  # the same picture through FFmpeg's RGB path
        for x in (0, width // 2, width - 1):
            offset = (height // 2) * reference.stride + 3 * x
            assert close_to(pixel(image, x, height // 2)[:3], reference.data[offset:offset + 3]), (width, x)


def test_the_picture_outlives_the_frame_and_the_next_conversion():
    """A tile keeps the picture while it paints; later frames must not write into it."""
    scaler = ScreenScaler()
    first = scaler.scale(yuv_frame(640, 360, (RED, RED, RED)), 320, 180)
    copy = bytes(first.data)
    for _ in range(5):
        scaler.scale(yuv_frame(640, 360, (BLUE, BLUE, BLUE)), 320, 180)
    assert bytes(first.data) == copy


def test_odd_and_tiny_frames_convert():
    """Cameras send odd sizes; a tile may be squeezed to almost nothing."""
    scaler = ScreenScaler()
    for (source_w, source_h), (width, height) in (((33, 17), (16, 9)), ((2, 2), (640, 360)), ((1920, 1080), (3, 3))):
        image = scaler.scale(yuv_frame(source_w, source_h, (GREEN,)), width, height)
        assert (image.width, image.height) == (width, height)
        assert close_to(pixel(image, width // 2, height // 2)[:3], GREEN, tolerance=40)


@pytest.mark.parametrize("width, height", [(0, 360), (640, -2)])
def test_an_impossible_size_is_refused_not_crashed(width, height):
    with pytest.raises((ValueError, av.error.FFmpegError, OverflowError)):
        ScreenScaler().scale(yuv_frame(64, 36), width, height)


def test_reusing_the_context_is_cheaper_than_one_per_frame():
    """Why the scaler exists: ``VideoFrame.reformat`` builds a swscale context per call."""
    frames = [yuv_frame(1280, 720) for _ in range(20)]
    scaler = ScreenScaler()
    scaler.scale(frames[0], 640, 360)  # the context is built once, on the first frame

    def cpu_per_frame(convert) -> float:
        started = time.process_time()
        for frame in frames:
            convert(frame)
        return (time.process_time() - started) / len(frames)

    reused = min(cpu_per_frame(lambda f: scaler.scale(f, 640, 360)) for _ in range(3))
    rebuilt = min(cpu_per_frame(lambda f: frame_to_rgb(f, 640, 360)) for _ in range(3))
    print(f"per 720p frame to 640x360: {reused * 1000:.2f} ms reused, {rebuilt * 1000:.2f} ms rebuilt")
    assert reused < rebuilt
