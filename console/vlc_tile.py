"""A video tile drawn by libvlc: the ingest's packets go through a ``TsRelayWorker`` to a
``VlcPlayer`` that draws into a native child window between the tile's title and health bars.

libvlc draws into an X window of its own; Qt cannot paint over it (there is no
compositing to rely on in a vehicle PC's X session), so the overlay stays outside the
picture: the title bar above, the health bar below, both painted by ``VideoTileWidget``.
While the stream is not playing (connecting, signal lost, stopped) the native window is
hidden, so the tile's big message ("SIGNAL LOST", with the reason) shows on black where
the picture was. Liveness comes from the ingest's health, never from libvlc, which keeps
showing its last picture when the input stalls.

Everything here runs on the GUI thread except ``VlcTileFeed``'s calls, which the ingest
worker makes on its threads: packets go straight into the relay's queue, health is
queued to the GUI thread as for every tile.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPalette
from PySide6.QtWidgets import QMenu, QWidget

from console.video_tile import VideoTileWidget
from radios.config import default_data_dir
from video.health import StreamHealth, StreamState
from video.snapshot import snapshot_path
from video.stream_settings import StreamSettings
from video.ts_relay import TsRelayWorker

if TYPE_CHECKING:
    import av

    from video.vlc_player import VlcEngine, VlcPlayer


class VlcTileFeed:
    """The callbacks one ingest worker feeds a libvlc tile with; bound to one relay and one tile."""

    def __init__(self, tile: VlcTileWidget, generation: int, relay: TsRelayWorker) -> None:
        self._tile = tile
        self._generation = generation
        self._relay = relay

    def on_packet(self, packet: av.Packet) -> None:
        """Called on the ingest thread: copy the packet into the relay's queue (never waits)."""
        self._relay.on_packet(packet)

    def on_health(self, health: StreamHealth) -> None:
        """Called on the ingest or watchdog thread: queue the snapshot to the GUI thread."""
        self._tile._health_arrived.emit(self._generation, health)

    def ingest_options(self) -> dict[str, object]:
        """The ``RtspIngestWorker`` keyword arguments: packets and health, no decoding (libvlc decodes)."""
        return {"on_packet": self.on_packet, "on_health": self.on_health, "decode_video": False}


class VlcTileWidget(VideoTileWidget):
    """Shows one stream through libvlc, with the same title, health and messages as every tile.

    Owns, while attached, one relay and one player; ``detach`` hands them back without
    waiting on libvlc. The drone HUD and other painted overlays are not drawn over a
    libvlc picture (only over the black shown while there is none).
    """

    def __init__(self, stream: StreamSettings, engine: VlcEngine, parent: QWidget | None = None) -> None:
        super().__init__(stream, parent)
        self._engine = engine
        self._relay: TsRelayWorker | None = None
        self._player: VlcPlayer | None = None
        self._played = False  # the ingest reported this session playing: libvlc has pictures to show
        # libvlc draws into an X window of its own (the surface). The tile is native too: Qt
        # moves a native window with its native parent only, and the wall moves tiles around.
        # Its ancestors stay as they are.
        self.setAttribute(Qt.WA_DontCreateNativeAncestors)
        self.setAttribute(Qt.WA_NativeWindow)
        self.surface = QWidget(self)
        self.surface.setObjectName("vlcSurface")
        self.surface.setAttribute(Qt.WA_NativeWindow)
        # Black where libvlc's picture does not reach (it draws only the picture's own rectangle).
        palette = self.surface.palette()
        palette.setColor(QPalette.Window, QColor(Qt.black))
        self.surface.setPalette(palette)
        self.surface.setAutoFillBackground(True)
        self.surface.hide()

    # -- the source ------------------------------------------------------------------

    def attach(self, sub_stream: bool = False) -> VlcTileFeed:
        """A relay and a player for a new worker on the main (or sub) stream; the old ones are let go."""
        self._release()
        super().attach(sub_stream)
        relay = TsRelayWorker(self.stream_id)
        relay.start()
        player = self._engine.player(self.stream_id, relay.read_fd, int(self.surface.winId()))
        player.play()
        self._relay, self._player, self._played = relay, player, False
        self._sync_surface()
        return VlcTileFeed(self, self._generation, relay)

    def detach(self) -> None:
        """Ignore what the current feed still delivers and let its relay and player go (returns at once)."""
        super().detach()
        self._release()
        self._sync_surface()

    def _release(self) -> None:
        relay, player, self._relay, self._player = self._relay, self._player, None, None
        if player is not None:
            player.close()
        if relay is not None:
            relay.stop(timeout=0)  # its thread closes the pipe as it ends, within a write wait

    @property
    def has_picture(self) -> bool:
        return self._played

    @property
    def relay(self) -> TsRelayWorker | None:
        return self._relay

    def displayed_pictures(self) -> int:
        """Pictures libvlc has shown since the current feed was attached (0 when detached)."""
        return 0 if self._player is None else self._player.displayed_pictures()

    # -- the GUI thread ---------------------------------------------------------------

    def _on_feed_health(self, generation: int, health: StreamHealth) -> None:
        super()._on_feed_health(generation, health)
        if generation == self._generation:
            self._sync_surface()

    def _sync_surface(self) -> None:
        """Show libvlc's window only while the ingest says the stream plays; else the tile's message shows."""
        playing = self._player is not None and self.health.state is StreamState.PLAYING
        self._played = self._played or playing
        if playing != self.surface.isVisible():
            self.surface.setVisible(playing)
        self.update()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.surface.setGeometry(self.picture_rect())

    def picture_rect(self) -> QRect:
        """Where libvlc draws: between the title and health bars, 1 px in so the focus frame shows."""
        font = QFont(self.font())
        font.setPixelSize(max(11, min(14, self.height() // 16)))  # as VideoTileWidget sizes its bars
        bar = QFontMetrics(font).height() + 4
        return QRect(1, bar, max(1, self.width() - 2), max(1, self.height() - 2 * bar))

    def contextMenuEvent(self, event) -> None:
        menu = QMenu(self)
        menu.addAction(self.tr("Snapshot"), self.take_snapshot).setEnabled(self._player is not None and self._played)
        self.extend_menu(menu)
        menu.exec(event.globalPos())

    def take_snapshot(self, data_dir=None) -> Path | None:
        """Save the picture libvlc shows, at the stream's size, under ``<data folder>/snapshots/``; its path, or None."""
        if self._player is None:
            return None
        path = snapshot_path(data_dir or default_data_dir(), self.stream_id)
        if not self._player.take_snapshot(path):
            return None
        self.snapshot_saved.emit(str(path))
        return path
