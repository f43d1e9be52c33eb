"""Snapshots: the newest frame of a stream as RGB, saved under snapshots/ with a safe name."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import av
import pytest

from video.snapshot import SNAPSHOT_FOLDER, LatestFrame, snapshot_path


def test_grab_converts_the_newest_frame_only_when_asked():
    latest = LatestFrame()
    assert latest.grab() is None and not latest.wait(0.01)
    for shade in (10, 200):
        frame = av.VideoFrame(64, 48, "yuv420p")
        for plane, value in zip(frame.planes, (shade, 128, 128)):
            plane.update(bytes([value]) * plane.buffer_size)
        ingest = threading.Thread(target=latest.on_frame, args=(frame,), name="test-ingest")
        ingest.start()
        ingest.join(5)
        assert latest.wait(0)
    assert latest.frames == 2
    image = latest.grab()
    assert image is not None and (image.width, image.height) == (64, 48)
    assert len(image.data) == image.stride * 48 and image.data[0] > 150  # the second, brighter frame


@pytest.mark.parametrize("stream_id", ["../../etc", "a/b", "x\x00y", "", "摄像头"])
def test_snapshot_paths_stay_in_the_snapshots_folder(tmp_path, stream_id):
    when = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
    first = snapshot_path(tmp_path, stream_id, when)
    first.write_bytes(b"png")
    second = snapshot_path(tmp_path, stream_id, when)
    assert first.parent == second.parent == tmp_path / SNAPSHOT_FOLDER
    assert first != second and first.suffix == ".png" and "20261129T100000" in first.name
