"""The video wall against the real GStreamer RTSP test server: pictures, signal lost,
masked credentials and the empty state, with real PyAV decoding on offscreen Qt."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

sys.path.insert(0, str(Path(__file__).parents[1] / "video"))  # the RTSP peers live with the video tests

from rtsp_peer import FakeStreamConfig  # noqa: E402

from console.video_tile import VideoTileWidget  # noqa: E402
from video.health import StreamState  # noqa: E402

FIRST_PICTURE_MS = 6000
SIGNAL_LOST_MS = 4000


def distinct_colours(tile: QWidget, step: int = 4) -> int:
    image = tile.grab().toImage()
    return len({image.pixel(x, y) for x in range(0, image.width(), step) for y in range(0, image.height(), step)})


def shows_picture(tile: VideoTileWidget) -> bool:
    """The tile painted a decoded frame and its pixels are far from uniform (test bars)."""
    return tile.painted_frames > 0 and distinct_colours(tile) > 20


def all_texts(root: QWidget) -> list[str]:
    """Every label text, tooltip and accessible name in ``root``, plus the tiles' overlays."""
    texts = []
    for widget in [root, *root.findChildren(QWidget)]:
        texts += [widget.toolTip(), widget.accessibleName(), widget.windowTitle()]
        if isinstance(widget, QLabel):
            texts.append(widget.text())
        if isinstance(widget, VideoTileWidget):
            texts += [widget.title_text(), widget.health_text(), widget.centre_text(), widget.detail_text()]
    return texts


def test_tiles_show_decoded_pictures(rtsp_server, wall, qtbot):
    server = rtsp_server(("cam1", "cam2"))
    panel = wall([FakeStreamConfig(url=server.url("cam1"), id="cam1", name="Mast"),
                  FakeStreamConfig(url=server.url("cam2"), id="cam2", name="Drone 1", kind="drone")])
    for tile in panel.tiles.values():
        assert tile.centre_text() == "Connecting…"
    qtbot.waitUntil(lambda: all(shows_picture(tile) for tile in panel.tiles.values()), timeout=FIRST_PICTURE_MS)
    focus, small = panel.tiles["cam1"], panel.tiles["cam2"]
    assert focus.height() > small.height(), "the focus tile is the large one"
    qtbot.waitUntil(lambda: focus.health.state is StreamState.PLAYING and focus.health.fps > 0, timeout=3000)
    assert "640x360" in focus.health_text()
    assert focus.centre_text() == ""

    qtbot.mouseDClick(small, Qt.LeftButton)
    assert panel.focus_id == "cam2"
    qtbot.waitUntil(lambda: small.height() > focus.height(), timeout=2000)


def test_killed_server_shows_signal_lost_over_the_last_picture(rtsp_server, wall, qtbot):
    server = rtsp_server()
    panel = wall([FakeStreamConfig(url=server.url())])
    tile = panel.tiles["cam1"]
    qtbot.waitUntil(lambda: shows_picture(tile), timeout=FIRST_PICTURE_MS)

    server.kill()
    qtbot.waitUntil(lambda: tile.health.state is StreamState.SIGNAL_LOST, timeout=SIGNAL_LOST_MS)
    assert tile.centre_text() == "SIGNAL LOST"
    assert tile.has_picture, "the last picture stays, dimmed, under the message"
    qtbot.wait(50)
    image = tile.grab().toImage()
    reds = sum(1 for x in range(0, image.width(), 2) for y in range(0, image.height(), 2)
               if (c := image.pixelColor(x, y)).red() > 180 and c.green() < 110 and c.blue() < 110)
    assert reds > 20, "SIGNAL LOST is painted large and red"


def test_credentials_never_appear_in_any_text(rtsp_server, wall, qtbot):
    server = rtsp_server(("cam1", "cam2"), auth="operator:s3cret-pw")
    panel = wall([FakeStreamConfig(url=server.url("cam1", "operator:s3cret-pw")),
                  FakeStreamConfig(url=server.url("cam1", "operator:wrong-pw"), id="cam2", name="Bad login",
                                   sub_url=server.url("cam2", "operator:other-pw"))])
    good, bad = panel.tiles["cam1"], panel.tiles["cam2"]
    assert "operator:****@" in good.toolTip()
    assert "/cam2" in bad.toolTip(), "a small tile plays the sub-stream"
    qtbot.waitUntil(lambda: shows_picture(good), timeout=FIRST_PICTURE_MS)
    qtbot.waitUntil(lambda: bool(bad.health.last_error), timeout=FIRST_PICTURE_MS)
    assert "refused the user name or password" in bad.detail_text()
    texts = all_texts(panel)

    panel.focus_stream("cam2")  # the focus plays the main stream: a new worker, a new URL
    assert "/cam1" in bad.toolTip()
    qtbot.waitUntil(lambda: bool(bad.health.last_error), timeout=FIRST_PICTURE_MS)
    texts = "\n".join(texts + all_texts(panel))
    for secret in ("s3cret-pw", "wrong-pw", "other-pw"):
        assert secret not in texts


def test_no_streams_shows_the_empty_state(wall):
    panel = wall([])
    labels = [label.text() for label in panel.findChildren(QLabel)]
    assert labels == ["No video streams configured."]
    assert panel.tiles == {}
