"""Decoded frames turned into plain RGB buffers that any thread may keep.

An ``av.VideoFrame`` handed out by the ingest worker belongs to the decoder's world; a
subscriber that wants to paint it later converts it here, on the worker thread, and
keeps the ``RgbImage``. The buffer layout (rows of ``stride`` bytes, 3 bytes a pixel)
is what ``QImage(data, width, height, stride, Format_RGB888)`` and
``numpy.frombuffer(...).reshape(height, stride)[:, :width * 3]`` expect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # PyAV loads FFmpeg (~50 ms); only the ingest needs it at run time
    import av


@dataclass(frozen=True)
class RgbImage:
    """A packed 8-bit RGB picture: ``height`` rows of ``stride`` bytes each."""

    width: int
    height: int
    stride: int
    data: bytes


def frame_to_rgb(frame: av.VideoFrame, width: int | None = None, height: int | None = None) -> RgbImage:
    """Scale and convert ``frame`` to RGB (its own size where a dimension is not given).

    Costs a few milliseconds per 720p frame; call it only for frames that will be shown,
    at the size they will be shown.
    """
    rgb = frame.reformat(width=width, height=height, format="rgb24")
    plane = rgb.planes[0]
    return RgbImage(width=rgb.width, height=rgb.height, stride=plane.line_size, data=bytes(plane))
