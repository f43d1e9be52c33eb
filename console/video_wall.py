"""The video wall: one tile per configured stream, one of them large (the focus tile).

Streams announced on the bus's video catalogue (drones, TAK devices) that this seat has
no config entry for get a tile too (``add_stream``); a configured entry of the same id
wins, since only the config holds the camera's credentials. Each stream gets its own ``RtspIngestWorker``, started when the wall is first shown and
stopped by ``stop()``. The focus tile plays the main stream; small tiles play the
sub-stream where one is configured. Double-click a small tile to focus it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from console.video_tile import VideoTileWidget
from radios.schema import StreamAnnouncement
from video.stream_settings import AnnouncedStream, StreamSettings

log = logging.getLogger(__name__)

SMALL_TILES_PER_ROW = 4
FOCUS_STRETCH = 3
"""The focus tile's height against one row of small tiles."""

STOP_TIMEOUT_S = 6.0  # the ingest's open timeout (5 s) and a margin
"""Longest wait for a worker at shutdown: FFmpeg's blocking calls end at their timeouts."""


class VideoWallPanel(QWidget):
    """Lays out the tiles and owns one ingest worker per stream (GUI thread only)."""

    snapshot_saved = Signal(str, str)  # stream name, path of the PNG a tile wrote

    def __init__(self, streams: Sequence[StreamSettings], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._streams = {stream.id: stream for stream in streams}
        self._workers: dict[str, RtspIngestWorker] = {}
        self._retired: list[RtspIngestWorker] = []  # told to stop; joined by stop()
        self._running = False
        self.tiles: dict[str, VideoTileWidget] = {}
        self.focus_id: str | None = next(iter(self._streams), None)
        self._empty: QLabel | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self._grid = QGridLayout()
        self._grid.setSpacing(2)
        outer.addLayout(self._grid)
        if not self._streams:
            self._empty = QLabel(self.tr("No video streams configured."), self)
            self._empty.setProperty("role", "empty")
            self._empty.setWordWrap(True)
            self._empty.setAlignment(Qt.AlignCenter)
            outer.addWidget(self._empty)
            return
        for stream in self._streams.values():
            self._add_tile(stream)
        self._arrange()

    def _add_tile(self, stream: StreamSettings) -> None:
        tile = VideoTileWidget(stream, self)
        tile.double_clicked.connect(self._on_tile_double_clicked)
        tile.snapshot_saved.connect(lambda path, name=stream.name: self.snapshot_saved.emit(name, path))
        self.tiles[stream.id] = tile

    def add_stream(self, stream: StreamSettings) -> bool:
        """A tile and a worker for a stream announced on the bus; False if the wall already has its id."""
        if stream.id in self._streams:
            return False
        if self._empty is not None:
            self._empty.hide()
            self._empty.deleteLater()
            self._empty = None
        self._streams[stream.id] = stream
        self._add_tile(stream)
        self.focus_id = self.focus_id or stream.id
        self._arrange()
        if self._running:
            self._start_worker(stream.id)
        elif self.isVisible():
            self.start()
        return True

    # -- workers ---------------------------------------------------------------------

    def start(self) -> None:
        """Start pulling every stream that is not being pulled; returns at once."""
        self._running = True
        for stream_id in self.tiles:
            if stream_id not in self._workers:
                self._start_worker(stream_id)

    def stop(self) -> None:
        """Stop every worker and wait for them (at most ``STOP_TIMEOUT_S`` in all)."""
        self._running = False
        workers = [*self._workers.values(), *self._retired]
        self._workers.clear()
        self._retired.clear()
        for worker in workers:
            worker.stop(timeout=0)  # ask all first, so they wind down side by side
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for worker in workers:
            if not worker.stop(timeout=max(0.0, deadline - time.monotonic())):
                log.warning("Video wall: ingest of %s did not stop in time", worker.shown_url)

    def _start_worker(self, stream_id: str) -> None:
        stream = self._streams[stream_id]
        sub_stream = stream_id != self.focus_id and bool(stream.sub_url)
        feed = self.tiles[stream_id].attach(sub_stream)
        from video.ingest import RtspIngestWorker  # PyAV/FFmpeg load with the first stream, not at start-up

        worker = RtspIngestWorker(stream, sub_stream=sub_stream, on_frame=feed.on_frame,
                                      on_health=feed.on_health)
        self._workers[stream_id] = worker
        worker.start()

    def _restart_worker(self, stream_id: str) -> None:
        """Swap in a worker on the other URL; the old one winds down without blocking the GUI."""
        old = self._workers.pop(stream_id, None)
        if old is not None:
            self.tiles[stream_id].detach()
            old.stop(timeout=0)
            self._retired = [worker for worker in self._retired if not worker.stop(timeout=0)] + [old]
        self._start_worker(stream_id)

    # -- focus and layout -------------------------------------------------------------

    def focus_stream(self, stream_id: str) -> None:
        """Make ``stream_id`` the large tile; tiles whose URL changes get a new worker."""
        if stream_id == self.focus_id or stream_id not in self.tiles:
            return
        previous, self.focus_id = self.focus_id, stream_id
        self._arrange()
        if self._running:
            for changed in (previous, stream_id):
                if changed is not None and self._streams[changed].sub_url:
                    self._restart_worker(changed)

    def focus_kind(self, kind: str) -> str | None:
        """Focus the first stream of ``kind`` (the drone seat's drone); its id, or None when there is none."""
        stream_id = next((stream.id for stream in self._streams.values() if stream.kind == kind), None)
        if stream_id is not None:
            self.focus_stream(stream_id)
        return stream_id

    def _on_tile_double_clicked(self, stream_id: str) -> None:
        self.focus_stream(stream_id)

    def _arrange(self) -> None:
        for tile in self.tiles.values():
            self._grid.removeWidget(tile)
        small = [tile for stream_id, tile in self.tiles.items() if stream_id != self.focus_id]
        columns = max(1, min(SMALL_TILES_PER_ROW, len(small)))
        focus = self.tiles[self.focus_id]
        focus.focused = True
        self._grid.addWidget(focus, 0, 0, 1, columns)
        self._grid.setRowStretch(0, FOCUS_STRETCH)
        rows = 0
        for index, tile in enumerate(small):
            tile.focused = False
            row, column = 1 + index // columns, index % columns
            self._grid.addWidget(tile, row, column)
            rows = row
        for row in range(1, rows + 1):
            self._grid.setRowStretch(row, 1)
        for column in range(columns):
            self._grid.setColumnStretch(column, 1)
        for tile in self.tiles.values():
            tile.update()

    # -- Qt events --------------------------------------------------------------------

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.tiles and not self._running:
            self.start()

    def closeEvent(self, event) -> None:
        self.stop()
        super().closeEvent(event)


def announced_settings(announcement: StreamAnnouncement) -> AnnouncedStream:
    """The settings snapshot a tile and its worker take for a stream from the bus's video catalogue."""
    return AnnouncedStream(id=announcement.stream, name=announcement.name, kind=announcement.stream_kind,
                           url=announcement.url, unit=announcement.unit)
