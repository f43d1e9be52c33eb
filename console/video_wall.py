"""The video wall: one tile per configured stream, one of them large (the focus tile).

Streams announced on the bus's video catalogue (drones, TAK devices) that this seat has
no config entry for get a tile too (``add_stream``); a configured entry of the same id
wins, since only the config holds the camera's credentials. A drone that announces its
video and has a configured stream for its system id gets one tile, the configured one;
the announced id and url focus it (``video/stream_merge.py`` says why).

Layouts (chosen on the wall's toolbar): ``1`` (the focus tile alone), ``1+5`` (the focus
tile over a row of up to five small tiles) and equal grids ``2x2``, ``3x3``, ``4x4``.
Each visible tile has its own ``RtspIngestWorker``; a tile that is not visible (left out
of the layout, its dock or the wall hidden) has none, so it costs no decoding. The focus
tile plays the main stream; the others play the sub-stream where one is configured.
Double-click a tile or press 1–9 to focus the Nth stream. The stream catalogue (the
*Streams* button) lists every stream; drag one from it, or a tile, onto a tile to show
it there (``place_stream``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from console.stream_catalogue_panel import StreamCataloguePanel
from console.video_tile import VideoTileWidget
from console.wall_drag_drop import TileDragDropFilter
from radios.schema import StreamAnnouncement
from video.stream_merge import StreamMergePolicy
from video.stream_settings import AnnouncedStream, StreamSettings

if TYPE_CHECKING:
    from console.video_renderer import TileMaker
    from video.ingest import RtspIngestWorker

log = logging.getLogger(__name__)

LAYOUTS = {"1": "1", "2x2": "2×2", "3x3": "3×3", "4x4": "4×4", "1+5": "1 + 5"}
"""Layout name → the label on the wall's layout box."""
DEFAULT_LAYOUT = "1+5"
SMALL_TILES_IN_ROW = 5
FOCUS_STRETCH = 3
"""The focus tile's height against one row of small tiles."""

STOP_TIMEOUT_S = 6.0  # the ingest's open timeout (5 s) and a margin
"""Longest wait for a worker at shutdown: FFmpeg's blocking calls end at their timeouts."""


class VideoWallPanel(QWidget):
    """Lays out the tiles and owns one ingest worker per stream (GUI thread only)."""

    snapshot_saved = Signal(str, str)  # stream name, path of the PNG a tile wrote
    arranged = Signal()  # the tiles' order, the layout, the focus or the set of streams changed

    def __init__(self, streams: Sequence[StreamSettings], parent: QWidget | None = None,
                 make_tile: TileMaker | None = None) -> None:
        super().__init__(parent)
        self._make_tile = make_tile or VideoTileWidget  # the console's renderer (console.video_renderer)
        self._streams = {stream.id: stream for stream in streams}
        self._workers: dict[str, RtspIngestWorker] = {}
        self._retired: list[RtspIngestWorker] = []  # told to stop; joined by stop()
        self._running = False  # the wall wants pictures: shown once and not stopped
        self.tiles: dict[str, VideoTileWidget] = {}
        self._aliases: dict[str, str] = {}  # an announced stream's id or url -> the tile showing that video
        self.focus_id: str | None = next(iter(self._streams), None)
        self.layout_name = DEFAULT_LAYOUT
        self._empty: QLabel | None = None
        # Tiles report visibility one by one while a dock or the wall changes; sync once after.
        self._sync_timer = QTimer(self, singleShot=True, interval=0)
        self._sync_timer.timeout.connect(self._sync_workers)
        self.setFocusPolicy(Qt.StrongFocus)  # number keys focus a tile
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        toolbar = QHBoxLayout()
        toolbar.setContentsMargins(2, 2, 2, 0)
        self.layout_box = QComboBox(self)
        self.layout_box.setToolTip(self.tr("Wall layout"))
        self.layout_box.setAccessibleName(self.tr("Wall layout"))
        for name, label in LAYOUTS.items():
            self.layout_box.addItem(label, name)
        self.layout_box.setCurrentIndex(list(LAYOUTS).index(self.layout_name))
        self.layout_box.currentIndexChanged.connect(self._on_layout_box_changed)
        toolbar.addWidget(self.layout_box)
        self.catalogue_button = QToolButton(self, text=self.tr("Streams"), checkable=True)
        self.catalogue_button.setToolTip(self.tr("Every stream this seat knows, to drag onto a tile"))
        toolbar.addWidget(self.catalogue_button)
        toolbar.addStretch(1)
        outer.addLayout(toolbar)
        self._drops = TileDragDropFilter(self.place_stream, lambda: self.tiles.keys(), self)
        self._body = QHBoxLayout()
        self._body.setSpacing(2)
        self.catalogue: StreamCataloguePanel | None = None  # made when first asked for; the width goes to pictures
        self.catalogue_button.toggled.connect(self._on_catalogue_button_toggled)
        self._grid = QGridLayout()
        self._grid.setSpacing(2)
        self._body.addLayout(self._grid, 1)
        outer.addLayout(self._body)
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
        tile = self._make_tile(stream, self)
        tile.double_clicked.connect(self._on_tile_double_clicked)
        tile.shown.connect(self._on_tile_visibility_changed)
        tile.hidden.connect(self._on_tile_visibility_changed)
        tile.snapshot_saved.connect(lambda path, name=stream.name: self.snapshot_saved.emit(name, path))
        self._drops.watch(tile)
        self.tiles[stream.id] = tile

    def add_stream(self, stream: StreamSettings) -> bool:
        """A tile and a worker for a stream announced on the bus; False if the wall already shows its video."""
        decision = StreamMergePolicy.decide(self._streams, stream)
        if decision.action in ("known", "alias"):
            if decision.action == "alias":
                self._aliases.update({stream.id: decision.target, stream.url: decision.target})
            return False
        if decision.action == "replace":   # the configured entry takes the announced one's place
            self._remove_tile(decision.target)
            self._aliases = {key: stream.id if value == decision.target else value
                             for key, value in self._aliases.items()}
            self._aliases[decision.target] = stream.id
            self.focus_id = stream.id if self.focus_id == decision.target else self.focus_id
        if self._empty is not None:
            self._empty.hide()
            self._empty.deleteLater()
            self._empty = None
        self._streams[stream.id] = stream
        self._add_tile(stream)
        self._aliases.setdefault(stream.url, stream.id)   # a unit's ``stream`` may be its url
        self.focus_id = self.focus_id or stream.id
        self._arrange()
        if self.isVisible():
            self.start()
        return True

    def _remove_tile(self, stream_id: str) -> None:
        """Take a tile off the wall: its worker winds down, the widget goes."""
        self._retire_worker(stream_id)
        tile = self.tiles.pop(stream_id)
        del self._streams[stream_id]
        self._grid.removeWidget(tile)
        tile.hide()
        tile.deleteLater()

    # -- workers ---------------------------------------------------------------------

    def start(self) -> None:
        """Pull every visible tile's stream that is not being pulled; returns at once."""
        self._running = True
        self._sync_workers()

    def _sync_workers(self) -> None:
        """A worker for each visible tile, none for the others (hidden tiles stop decoding)."""
        for stream_id, tile in self.tiles.items():
            wanted = self._running and tile.isVisible()
            if wanted and stream_id not in self._workers:
                self._start_worker(stream_id)
            elif not wanted and stream_id in self._workers:
                self._retire_worker(stream_id)

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
        for tile in self.tiles.values():
            tile.detach()  # a libvlc tile lets its relay and player go

    def _start_worker(self, stream_id: str) -> None:
        stream = self._streams[stream_id]
        sub_stream = stream_id != self.focus_id and bool(stream.sub_url)
        feed = self.tiles[stream_id].attach(sub_stream)
        from video.ingest import RtspIngestWorker  # PyAV/FFmpeg load with the first stream, not at start-up

        worker = RtspIngestWorker(stream, sub_stream=sub_stream, **feed.ingest_options())
        self._workers[stream_id] = worker
        worker.start()

    def _retire_worker(self, stream_id: str) -> None:
        """Stop a tile's worker; it winds down without blocking the GUI and is joined by ``stop()``."""
        old = self._workers.pop(stream_id, None)
        if old is not None:
            self.tiles[stream_id].detach()
            old.stop(timeout=0)
            self._retired = [worker for worker in self._retired if not worker.stop(timeout=0)] + [old]

    # -- focus and layout -------------------------------------------------------------

    def focus_stream(self, stream_id: str) -> None:
        """Make ``stream_id`` the large tile; tiles whose URL changes get a new worker."""
        stream_id = stream_id if stream_id in self.tiles else self._aliases.get(stream_id, stream_id)
        if stream_id == self.focus_id or stream_id not in self.tiles:
            return
        previous, self.focus_id = self.focus_id, stream_id
        self._arrange()
        for changed in (previous, stream_id):
            if changed is not None and self._streams[changed].sub_url:
                self._retire_worker(changed)  # its URL changes; the sync below starts the other
        self._sync_workers()

    def place_stream(self, stream_id: str, target_id: str) -> None:
        """Show ``stream_id`` where ``target_id`` is shown (a drop on its tile); ``target_id`` takes the
        place ``stream_id`` had, which may be off the layout. The focus stays with its place."""
        if stream_id == target_id or stream_id not in self.tiles or target_id not in self.tiles:
            return
        order = list(self.tiles)
        first, second = order.index(stream_id), order.index(target_id)
        order[first], order[second] = target_id, stream_id
        self.tiles = {key: self.tiles[key] for key in order}
        if self.focus_id in (stream_id, target_id):
            self.focus_stream(target_id if self.focus_id == stream_id else stream_id)
        else:
            self._arrange()
            self._sync_workers()

    def set_recording(self, stream_id: str, recording: bool) -> None:
        """Show or hide a stream's REC dot, as the gateway's video catalogue says."""
        tile = self.tiles.get(stream_id)
        if tile is not None and tile.recording != recording:
            tile.set_recording(recording)
            self.arranged.emit()

    def set_layout(self, name: str) -> None:
        """Arrange the tiles as ``name`` (a key of ``LAYOUTS``); tiles left out stop decoding."""
        if name not in LAYOUTS:
            raise ValueError(f"unknown wall layout {name!r}; choose one of {', '.join(LAYOUTS)}")
        self.layout_name = name
        self.layout_box.setCurrentIndex(list(LAYOUTS).index(name))
        if self.tiles:
            self._arrange()
            self._sync_workers()

    def shown_tiles(self) -> list[VideoTileWidget]:
        """The tiles the current layout shows, in their order on the wall."""
        return [self.tiles[stream_id] for stream_id in self._layout_order()]

    def focus_kind(self, kind: str) -> str | None:
        """Focus the first stream of ``kind`` (the drone seat's drone); its id, or None when there is none."""
        stream_id = next((stream.id for stream in self._streams.values() if stream.kind == kind), None)
        if stream_id is not None:
            self.focus_stream(stream_id)
        return stream_id

    def _on_tile_double_clicked(self, stream_id: str) -> None:
        self.focus_stream(stream_id)

    def _on_catalogue_button_toggled(self, checked: bool) -> None:
        if self.catalogue is None:
            self.catalogue = StreamCataloguePanel(self, self)
            self.catalogue.focus_requested.connect(self.focus_stream)
            self._body.insertWidget(0, self.catalogue)
        self.catalogue.setVisible(checked)

    def _on_layout_box_changed(self, index: int) -> None:
        self.set_layout(self.layout_box.itemData(index))

    def _on_tile_visibility_changed(self, _stream_id: str) -> None:
        self._sync_timer.start()

    def _layout_order(self) -> list[str]:
        """Stream ids the current layout shows: the focus first in ``1``/``1+5``, stream order in grids."""
        if self.focus_id is None:
            return []
        others = [stream_id for stream_id in self.tiles if stream_id != self.focus_id]
        if self.layout_name == "1":
            return [self.focus_id]
        if self.layout_name == "1+5":
            return [self.focus_id, *others[:SMALL_TILES_IN_ROW]]
        side = int(self.layout_name[0])
        order = list(self.tiles)[:side * side]
        if self.focus_id not in order:
            order[-1] = self.focus_id  # the focus tile is always on the wall
        return order

    def _arrange(self) -> None:
        order = self._layout_order()
        for tile in self.tiles.values():
            self._grid.removeWidget(tile)
        for row in range(self._grid.rowCount()):
            self._grid.setRowStretch(row, 0)
        for column in range(self._grid.columnCount()):
            self._grid.setColumnStretch(column, 0)
        if self.layout_name in ("1", "1+5"):
            columns = max(1, len(order) - 1)
            self._grid.addWidget(self.tiles[order[0]], 0, 0, 1, columns)
            self._grid.setRowStretch(0, FOCUS_STRETCH)
            for column, stream_id in enumerate(order[1:]):
                self._grid.addWidget(self.tiles[stream_id], 1, column)
            if len(order) > 1:
                self._grid.setRowStretch(1, 1)
        else:
            columns = int(self.layout_name[0])
            for index, stream_id in enumerate(order):
                self._grid.addWidget(self.tiles[stream_id], index // columns, index % columns)
            for row in range((len(order) + columns - 1) // columns):
                self._grid.setRowStretch(row, 1)
        for column in range(columns):
            self._grid.setColumnStretch(column, 1)
        for stream_id, tile in self.tiles.items():
            tile.focused = stream_id == self.focus_id
            tile.setVisible(stream_id in order)
            tile.update()
        self.arranged.emit()

    # -- Qt events --------------------------------------------------------------------

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.tiles:
            self.start()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self._sync_timer.start()

    def keyPressEvent(self, event) -> None:
        number = event.key() - Qt.Key_0
        if 1 <= number <= 9 and not event.modifiers() & ~Qt.KeypadModifier:
            ids = list(self.tiles)
            if number <= len(ids):
                self.focus_stream(ids[number - 1])
                return
        super().keyPressEvent(event)

    def closeEvent(self, event) -> None:
        self.stop()
        super().closeEvent(event)


def announced_settings(announcement: StreamAnnouncement) -> AnnouncedStream:
    """The settings snapshot a tile and its worker take for a stream from the bus's video catalogue."""
    return AnnouncedStream(id=announcement.stream, name=announcement.name, kind=announcement.stream_kind,
                           url=announcement.url, unit=announcement.unit, source=announcement.source)
