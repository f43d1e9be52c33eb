"""A tile's frames path: real YUV frames handed to its feed on another thread, as the ingest
does, come out painted in the right colours at the tile's size, newest only (offscreen Qt)."""

from __future__ import annotations

import threading

import av
import numpy as np
import pytest
from PySide6.QtGui import QImage

from console.video_tile import VideoTileWidget
from radios.config import StreamConfig

RED, GREEN, BLUE = (220, 30, 30), (30, 200, 40), (20, 40, 210)
TILE_W, TILE_H = 640, 360


def yuv_frame(colours, width: int = 1280, height: int = 720) -> av.VideoFrame:
    """A yuv420p frame of vertical bands in ``colours``, as a decoder hands it out."""
    rgb = np.zeros((height, width, 3), np.uint8)
    for index, colour in enumerate(colours):
        rgb[:, index * width // len(colours):(index + 1) * width // len(colours)] = colour
    return av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")


def on_ingest_thread(action) -> None:
    """Run ``action`` on a thread of its own, as the ingest worker calls the feed, and wait for it."""
    thread = threading.Thread(target=action, name="test-ingest")
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive()


def colour_at(tile, x: int, y: int) -> tuple[int, int, int]:
    colour = tile.grab().toImage().pixelColor(x, y)
    return colour.red(), colour.green(), colour.blue()


def close_to(found, expected, tolerance: int = 14) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(found, expected))


@pytest.fixture
def tile(qtbot):
    tile = VideoTileWidget(StreamConfig(id="cam1", name="Gate camera", kind="fixed", url="rtsp://127.0.0.1:1/cam1"))
    qtbot.addWidget(tile)
    tile.resize(TILE_W, TILE_H)
    tile.show()
    qtbot.waitExposed(tile)
    return tile


def test_a_frame_is_painted_in_its_colours_at_the_tiles_size(tile, qtbot):
    feed = tile.attach()
    on_ingest_thread(lambda: feed.on_frame(yuv_frame((RED, GREEN, BLUE))))
    qtbot.waitUntil(lambda: tile.painted_frames >= 1, timeout=5000)
    middle = TILE_H // 2
    for x, colour in ((TILE_W // 6, RED), (TILE_W // 2, GREEN), (5 * TILE_W // 6, BLUE)):
        assert close_to(colour_at(tile, x, middle), colour), (x, colour_at(tile, x, middle), colour)
    image = tile._image
    assert image.format() == QImage.Format_RGB32, "painted without converting"
    assert (image.width(), image.height()) == (TILE_W, TILE_H), "converted at the tile's size: painted unscaled"


def test_frames_faster_than_paints_leave_only_the_newest(tile, qtbot):
    feed = tile.attach()

    def burst() -> None:
        for colour in (RED, GREEN, RED, GREEN, BLUE):
            feed.on_frame(yuv_frame((colour,)))

    on_ingest_thread(burst)  # the GUI thread paints nothing meanwhile
    qtbot.waitUntil(lambda: tile.painted_frames >= 1, timeout=5000)
    qtbot.wait(50)
    assert tile.painted_frames == 1, "one wake-up for the whole burst"
    assert close_to(colour_at(tile, TILE_W // 2, TILE_H // 2), BLUE)


def test_a_resized_tile_gets_pictures_at_its_new_size(tile, qtbot):
    feed = tile.attach()
    on_ingest_thread(lambda: feed.on_frame(yuv_frame((GREEN,))))
    qtbot.waitUntil(lambda: tile.painted_frames >= 1, timeout=5000)
    tile.resize(426, 240)
    qtbot.waitUntil(lambda: tile.width() == 426, timeout=2000)
    on_ingest_thread(lambda: feed.on_frame(yuv_frame((BLUE,))))
    qtbot.waitUntil(lambda: tile.painted_frames >= 2, timeout=5000)
    assert (tile._image.width(), tile._image.height()) == (426, 240)
    assert close_to(colour_at(tile, 213, 120), BLUE)


def test_an_old_feed_and_a_sub_stream_switch_do_not_mix(tile, qtbot):
    old = tile.attach()
    new = tile.attach(sub_stream=True)
    on_ingest_thread(lambda: old.on_frame(yuv_frame((RED,))))
    on_ingest_thread(lambda: new.on_frame(yuv_frame((GREEN,), 640, 360)))  # a sub-stream is smaller
    qtbot.waitUntil(lambda: tile.painted_frames >= 1, timeout=5000)
    qtbot.wait(50)
    assert close_to(colour_at(tile, TILE_W // 2, TILE_H // 2), GREEN)
    tile.detach()
    on_ingest_thread(lambda: new.on_frame(yuv_frame((BLUE,), 640, 360)))
    qtbot.wait(100)
    assert close_to(colour_at(tile, TILE_W // 2, TILE_H // 2), GREEN), "a detached feed paints nothing"


@pytest.mark.parametrize("size", [(640, 420), (760, 360)])
def test_a_tile_of_another_shape_shows_the_picture_letterboxed_in_black(tile, qtbot, size):
    width, height = size
    tile.resize(width, height)
    qtbot.waitUntil(lambda: (tile.width(), tile.height()) == size, timeout=2000)
    feed = tile.attach()
    on_ingest_thread(lambda: feed.on_frame(yuv_frame((GREEN,))))
    qtbot.waitUntil(lambda: tile.painted_frames >= 1, timeout=5000)
    shown_w, shown_h = tile._image.width(), tile._image.height()
    assert (shown_w, shown_h) == (640, 360), "the 16:9 picture at the largest size that fits"
    assert close_to(colour_at(tile, width // 2, height // 2), GREEN)
    if height > shown_h:  # strips above and below, clear of the title and health bars' text
        assert colour_at(tile, width - 3, (height - shown_h) // 2 - 1)[1] < 40
        assert colour_at(tile, 3, height - (height - shown_h) // 2)[1] < 40
    else:  # strips left and right
        assert colour_at(tile, (width - shown_w) // 2 - 2, height // 2) == (0, 0, 0)
        assert colour_at(tile, width - (width - shown_w) // 2 + 1, height // 2) == (0, 0, 0)
