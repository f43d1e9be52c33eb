"""Which renderer draws a console's video tiles, chosen once per process from ``[video] renderer``.

``frames`` (the default) paints the ingest's decoded frames with Qt (``VideoTileWidget``);
``libvlc`` lets libvlc decode and draw the ingest's packets (``VlcTileWidget``). Both are
fed by the same ingest, one network pull per camera, so they can be compared on the same
stream. The composition root opens one ``TileRenderer`` per process (libvlc wants one
instance per process), hands ``make_tile`` to every video wall and closes it after the
last wall has stopped.

libvlc needs the library and an X11 (xcb) session to draw into; where either is missing
the console says why once, in its log, and shows video with the frames renderer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from console.video_tile import VideoTileWidget
from radios.config import VideoConfig
from video.stream_settings import StreamSettings

log = logging.getLogger(__name__)

TileMaker = Callable[[StreamSettings, QWidget], VideoTileWidget]


class TileRenderer:
    """The renderer this process's video tiles use; ``close()`` once, after every wall stopped (GUI thread)."""

    def __init__(self, name: str, make_tile: TileMaker, engine=None) -> None:
        self.name = name  # "frames" or "libvlc": what actually draws, after any fallback
        self.make_tile = make_tile
        self._engine = engine

    def close(self) -> None:
        """Release libvlc (waiting for players still being released); nothing to do for frames."""
        engine, self._engine = self._engine, None
        if engine is not None:
            engine.close()


def frames_renderer() -> TileRenderer:
    """Tiles that paint the ingest's decoded frames."""
    return TileRenderer("frames", VideoTileWidget)


def open_renderer(config: VideoConfig) -> TileRenderer:
    """The renderer ``config`` asks for; the frames renderer, with the reason logged, where libvlc cannot draw."""
    if config.renderer != "libvlc":
        return frames_renderer()
    platform = QGuiApplication.platformName()
    if platform != "xcb":
        log.error("Video: libvlc draws only into X11 windows, and this console runs on Qt's %r platform; "
                  "showing video with the frames renderer (start the console in an X11 session with "
                  "QT_QPA_PLATFORM=xcb, or set [video] renderer = \"frames\")", platform)
        return frames_renderer()
    from console.vlc_tile import VlcTileWidget
    from video.vlc_player import VlcEngine, VlcUnavailable

    try:
        engine = VlcEngine.create()
    except VlcUnavailable as exc:
        log.error("Video: the libvlc renderer cannot start: %s; showing video with the frames renderer", exc)
        return frames_renderer()

    def make_tile(stream: StreamSettings, parent: QWidget) -> VideoTileWidget:
        return VlcTileWidget(stream, engine, parent)

    return TileRenderer("libvlc", make_tile, engine)
