"""Snapshots of a video tile: the newest full-size frame saved as PNG under the data folder.

Runs on the GUI thread when a person asks for a snapshot: one RGB conversion (a few
milliseconds for 720p) and one PNG write. The file name comes from ``video.snapshot``,
so no stream id can place it outside ``<data folder>/snapshots/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QImage

from radios.config import default_data_dir
from video.frames import RgbImage, frame_to_rgb
from video.snapshot import snapshot_path

if TYPE_CHECKING:
    import av


def save_png(image: RgbImage, path: Path) -> bool:
    """Write an RGB picture as PNG through QImage; returns whether it was written."""
    picture = QImage(image.data, image.width, image.height, image.stride, QImage.Format.Format_RGB888)
    return picture.save(str(path), "PNG")


def save_frame_snapshot(frame: av.VideoFrame, stream_id: str, data_dir: Path | None = None) -> Path | None:
    """Save ``frame`` at its own size as ``<data_dir>/snapshots/<stream>_<utc>.png``; the path, or None."""
    path = snapshot_path(data_dir or default_data_dir(), stream_id)
    return path if save_png(frame_to_rgb(frame), path) else None
