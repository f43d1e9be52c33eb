"""Streams that cannot play, on one wall with one that can (real GStreamer RTSP servers, real
decoding, offscreen Qt): each bad tile names the cause and the fix, and the good tile keeps
painting new pictures meanwhile."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "video"))  # the RTSP peers live with the video tests

from rtsp_peer import FakeStreamConfig, free_port  # noqa: E402

from video.health import StreamState  # noqa: E402
from video.ingest import OPEN_TIMEOUT_S, READ_TIMEOUT_S  # noqa: E402

FIRST_PICTURE_MS = 8000
FAILED_MS = 8000
MORE_FRAMES_MS = 6000
CREDENTIALS = "operator:s3cret-pw"


@pytest.fixture
def wall_size() -> tuple[int, int]:
    return 1200, 900  # a 3x3 grid with room for each tile's message


@pytest.fixture
def silent_host() -> Iterator[int]:
    """A port whose listener never answers: connections complete in the kernel, then nothing, as to a
    camera behind a dead link. Its port is returned; the socket is closed after the test."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=8)
    yield listener.getsockname()[1]
    listener.close()


def stream(stream_id: str, url: str) -> FakeStreamConfig:
    return FakeStreamConfig(url=url, id=stream_id, name=stream_id.replace("-", " ").capitalize())


def red_pixels(tile) -> int:
    image = tile.grab().toImage()
    return sum(1 for x in range(0, image.width(), 2) for y in range(0, image.height(), 2)
               if (c := image.pixelColor(x, y)).red() > 180 and c.green() < 110 and c.blue() < 110)


def keeps_playing(qtbot, tile, frames: int = 25) -> None:
    """``tile`` paints ``frames`` more pictures from here on, and says it is live."""
    painted = tile.painted_frames
    qtbot.waitUntil(lambda: tile.painted_frames >= painted + frames, timeout=MORE_FRAMES_MS)
    assert tile.health.state is StreamState.PLAYING
    assert tile.centre_text() == ""


def test_each_broken_stream_says_why_and_how_to_fix_it_while_the_good_one_plays(rtsp_server, wall, qtbot):
    open_server = rtsp_server(("cam1",), audio_mounts=("radio",))
    locked = rtsp_server(("secure",), auth=CREDENTIALS)
    expected = {
        "no-video": "has no video stream; check that the URL points at a camera's video",
        "wrong-path": "has no stream at this path; check the path in the stream's URL",
        "no-host": "has no usable camera address; correct it in the config",
        "camera-off": "127.0.0.1 refused the connection; check that the camera is on and the port is right",
        "wrong-password": "127.0.0.1 refused the user name or password; correct them in the stream's url",
        "no-password": "127.0.0.1 asks for a user name and password; give them in the stream's url",
    }
    panel = wall([
        stream("good", open_server.url("cam1")),
        stream("no-video", open_server.url("radio")),
        stream("wrong-path", open_server.url("nosuchcam")),
        stream("no-host", "rtsp://:554/cam1"),
        stream("camera-off", f"rtsp://127.0.0.1:{free_port()}/cam1"),
        stream("wrong-password", locked.url("secure", "operator:wrong-pw")),
        stream("no-password", locked.url("secure")),
    ])
    panel.set_layout("3x3")
    good = panel.tiles["good"]
    qtbot.waitUntil(lambda: good.painted_frames > 0, timeout=FIRST_PICTURE_MS)

    for stream_id, words in expected.items():
        tile = panel.tiles[stream_id]
        qtbot.waitUntil(lambda tile=tile: tile.health.state is StreamState.SIGNAL_LOST, timeout=FAILED_MS)
        assert words in tile.detail_text(), f"{stream_id}: {tile.detail_text()!r}"
        assert words in tile.toolTip()
        assert tile.centre_text() == "NO PICTURE", "it never played: not 'signal lost'"
        assert tile.title_text().endswith(" · no picture")
        assert not tile.has_picture
    keeps_playing(qtbot, good)

    qtbot.waitUntil(lambda: all(red_pixels(panel.tiles[stream_id]) > 20 for stream_id in expected), timeout=2000)
    texts = "\n".join(tile.toolTip() + tile.detail_text() for tile in panel.tiles.values())
    assert "s3cret-pw" not in texts and "wrong-pw" not in texts


def test_a_camera_that_never_answers_does_not_hold_up_the_others(rtsp_server, wall, qtbot, silent_host):
    server = rtsp_server(("cam1",))
    panel = wall([stream("silent", f"rtsp://127.0.0.1:{silent_host}/cam1"), stream("good", server.url("cam1"))])
    silent, good = panel.tiles["silent"], panel.tiles["good"]
    qtbot.waitUntil(lambda: good.painted_frames > 0, timeout=FIRST_PICTURE_MS)
    assert silent.centre_text() == "Connecting…"
    keeps_playing(qtbot, good)  # while the silent one is still waiting for its answer

    qtbot.waitUntil(lambda: bool(silent.health.last_error), timeout=int(OPEN_TIMEOUT_S * 1000) + FAILED_MS)
    limit_s = min(OPEN_TIMEOUT_S, READ_TIMEOUT_S)  # FFmpeg's socket timeout ends the silent handshake
    assert (f"127.0.0.1 did not answer within {limit_s:g} s; check the camera's address and the network "
            "path to it") in silent.detail_text()
    assert silent.centre_text() == "NO PICTURE"
    keeps_playing(qtbot, good)
