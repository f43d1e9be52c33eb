"""Snapshots: the newest decoded frame of a running ingest, as RGB, and where to save it.

``LatestFrame.on_frame`` is subscribed to ``RtspIngestWorker(on_frame=...)`` and only keeps
a reference (the decoder hands out a new frame each time, so keeping one is safe); the RGB
conversion happens in ``grab()``, on the caller's thread, only when a snapshot is asked
for. Saving the picture (PNG through QImage) is the console's job.
"""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from video.file_names import timestamped_file
from video.frames import RgbImage, frame_to_rgb

if TYPE_CHECKING:
    import av

SNAPSHOT_FOLDER = "snapshots"
SNAPSHOT_SUFFIX = ".png"


class LatestFrame:
    """Holds the newest decoded frame of one stream; ``grab()`` converts it to RGB."""

    def __init__(self) -> None:
        self._frame: av.VideoFrame | None = None
        self._arrived = threading.Condition()
        self.frames = 0

    def on_frame(self, frame: av.VideoFrame) -> None:
        """Keep ``frame`` as the newest; called on the ingest thread, returns at once."""
        with self._arrived:
            self._frame = frame
            self.frames += 1
            self._arrived.notify_all()

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s for a frame (returns at once if one is held)."""
        with self._arrived:
            return self._arrived.wait_for(lambda: self._frame is not None, timeout)

    def grab(self) -> RgbImage | None:
        """The newest frame as RGB at its own size, or ``None`` before the first (any thread)."""
        with self._arrived:
            frame = self._frame
        return None if frame is None else frame_to_rgb(frame)


def snapshot_path(data_dir: Path, stream_id: str, when: datetime | None = None) -> Path:
    """A new PNG path ``<data_dir>/snapshots/<stream>_<utc>.png`` (folder created), safe for any id."""
    folder = data_dir / SNAPSHOT_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return timestamped_file(folder, stream_id, SNAPSHOT_SUFFIX, when)
