"""A tile's Snapshot action: the newest full-size frame saved as PNG under snapshots/."""

from __future__ import annotations

from dataclasses import dataclass

import av
from PySide6.QtGui import QImage

from console.video_tile import VideoTileWidget


@dataclass(frozen=True)
class Stream:
    id: str = "../../drone 1"
    name: str = "Drone 1"
    kind: str = "drone"
    url: str = "rtsp://admin:pw@127.0.0.1/x"
    sub_url: str | None = None
    transport: str = "tcp"
    latency_ms: int = 200


def frame(width: int = 320, height: int = 180) -> av.VideoFrame:
    picture = av.VideoFrame(width, height, "yuv420p")
    for plane, value in zip(picture.planes, (90, 128, 128)):
        plane.update(bytes([value]) * plane.buffer_size)
    return picture


def test_snapshot_saves_the_full_size_frame_under_the_data_folder(qtbot, tmp_path):
    tile = VideoTileWidget(Stream())
    qtbot.addWidget(tile)
    assert tile.take_snapshot(tmp_path) is None  # nothing decoded yet
    tile.attach().on_frame(frame())
    with qtbot.waitSignal(tile.snapshot_saved, timeout=2000) as saved:
        path = tile.take_snapshot(tmp_path)
    assert path is not None and saved.args == [str(path)]
    assert path.parent == tmp_path / "snapshots" and path.name.startswith("_.._drone_1_")
    image = QImage(str(path))
    assert (image.width(), image.height()) == (320, 180)  # full size, not the tile's
