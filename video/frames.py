"""Decoded frames turned into plain pixel buffers that any thread may keep.

An ``av.VideoFrame`` handed out by the ingest worker belongs to the decoder's world; a
subscriber that wants to paint it later converts it here, on the worker thread, and
keeps the result:

- ``ScreenScaler.scale`` (a tile's pictures, 25 times a second): scaled to the tile's
  size straight into the 32-bit layout a screen's raster backing store uses
  (``0xffRRGGBB`` words in native byte order: ``QImage.Format_RGB32``), so painting it at
  that size is a plain copy; one swscale context per stream, reused for every frame;
- ``frame_to_rgb`` (snapshots, now and then): packed 8-bit RGB, rows of ``stride``
  bytes, as ``QImage(data, width, height, stride, Format_RGB888)`` and
  ``numpy.frombuffer(...).reshape(height, stride)[:, :width * 3]`` expect.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # PyAV loads FFmpeg (~50 ms); only the ingest needs it at run time
    import av

SCREEN_PIXEL_FORMAT = "bgra" if sys.byteorder == "little" else "argb"
"""FFmpeg's name for ``0xffRRGGBB`` words in this machine's byte order (alpha set to 255)."""

SCALER_THREADS = 1
"""swscale threads per stream: a tile's conversion costs well under a millisecond, and a
thread pool per stream would only add threads contending for the same few cores."""


@dataclass(frozen=True)
class RgbImage:
    """A packed 8-bit RGB picture: ``height`` rows of ``stride`` bytes each."""

    width: int
    height: int
    stride: int
    data: bytes


@dataclass(frozen=True)
class ScreenImage:
    """A picture of ``height`` rows of ``stride`` bytes, 32 bits a pixel (``0xffRRGGBB``, native order).

    ``data`` is a buffer over the converted frame's own memory, which ``owner`` keeps
    alive: keep the ``ScreenImage`` as long as anything (a ``QImage``) looks at ``data``.
    """

    width: int
    height: int
    stride: int
    data: memoryview
    owner: object


class ScreenScaler:
    """Scales and converts one stream's frames for the screen, reusing one swscale context.

    Building a swscale context costs more than using it (about 3 ms against 0.3–0.6 ms a
    720p frame here), and ``VideoFrame.reformat`` builds one per frame. Use one scaler
    per stream from one thread at a time (the ingest thread); PyAV releases the GIL
    while swscale works.
    """

    def __init__(self) -> None:
        from av.video.reformatter import VideoReformatter  # PyAV only once frames flow

        self._reformatter = VideoReformatter()

    def scale(self, frame: av.VideoFrame, width: int, height: int) -> ScreenImage:
        """``frame`` at ``width`` × ``height`` in the screen's 32-bit layout."""
        converted = self._reformatter.reformat(frame, width, height, SCREEN_PIXEL_FORMAT, threads=SCALER_THREADS)
        plane = converted.planes[0]
        return ScreenImage(width=converted.width, height=converted.height, stride=plane.line_size,
                           data=memoryview(plane), owner=converted)


def frame_to_rgb(frame: av.VideoFrame, width: int | None = None, height: int | None = None) -> RgbImage:
    """Scale and convert ``frame`` to RGB (its own size where a dimension is not given).

    Builds a swscale context on every call (a few milliseconds per 720p frame): for
    single pictures such as snapshots; a stream's pictures go through ``ScreenScaler``.
    """
    rgb = frame.reformat(width=width, height=height, format="rgb24")
    plane = rgb.planes[0]
    return RgbImage(width=rgb.width, height=rgb.height, stride=plane.line_size, data=bytes(plane))
