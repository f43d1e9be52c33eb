"""Map tiles off the GUI thread: one worker thread owns the tile source and decodes tiles to QImages.

Tile sources are single-thread objects (``maps.tile_source``), so the source is opened,
read and closed on the worker's thread only. The GUI thread says which tiles it wants
(the newest list replaces the old, so a fast pan never queues up stale reads) and gets
each decoded picture back through a queued signal.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from maps.datum import Datum
from maps.mbtiles import MbtilesStore, metadata_numbers
from maps.tile_source import TileError, TileKey, TileSource
from maps.xyz_folder import XyzFolderSource
from radios.config import MapSourceConfig

log = logging.getLogger(__name__)

STOP_TIMEOUT_S = 5.0
DEFAULT_CACHE_TILES = 512  # 512 decoded 256 px tiles are 128 MiB: several screens of tiles and their parents


@dataclass(frozen=True)
class SourceInfo:
    """What the view needs to know about an opened source, read once on the worker thread."""

    id: str
    datum: Datum
    attribution: str
    min_zoom: int
    max_zoom: int
    center: tuple[float, float, float] | None = None  # lon, lat, zoom
    bounds: tuple[float, float, float, float] | None = None  # W, S, E, N


def open_source(config: MapSourceConfig) -> TileSource:
    """The tile source a config entry names; ``TileError`` says plainly why it cannot be used."""
    datum = Datum(config.datum)
    if config.kind == "mbtiles":
        return MbtilesStore(Path(config.path), source_id=config.id, datum=datum)
    if config.kind == "xyz":
        return XyzFolderSource(Path(config.path), source_id=config.id, datum=datum,
                               attribution=config.attribution or None)
    raise TileError(f"map source '{config.id}' is of kind '{config.kind}', which the map view cannot draw yet; "
                    "seed it into an MBTiles file with `mcv maps seed` and configure that file")


def describe_source(source: TileSource, config: MapSourceConfig) -> SourceInfo:
    """A ``SourceInfo`` for an open source; the config's attribution wins over the file's."""
    center = bounds = None
    if isinstance(source, MbtilesStore):
        metadata = source.metadata()
        numbers = metadata_numbers(metadata.get("center"), 3)
        center = tuple(numbers) if numbers else None
        numbers = metadata_numbers(metadata.get("bounds"), 4)
        bounds = tuple(numbers) if numbers else None
    return SourceInfo(id=source.id, datum=source.datum, attribution=config.attribution or source.attribution,
                      min_zoom=source.min_zoom, max_zoom=source.max_zoom, center=center, bounds=bounds)


class TileImageCache:
    """Decoded tile pictures, least recently used dropped first; GUI thread only."""

    def __init__(self, capacity: int = DEFAULT_CACHE_TILES) -> None:
        self.capacity = capacity
        self._images: OrderedDict[TileKey, QImage] = OrderedDict()

    def get(self, key: TileKey) -> QImage | None:
        image = self._images.get(key)
        if image is not None:
            self._images.move_to_end(key)
        return image

    def __contains__(self, key: TileKey) -> bool:
        return key in self._images

    def __len__(self) -> int:
        return len(self._images)

    def put(self, key: TileKey, image: QImage) -> None:
        self._images[key] = image
        self._images.move_to_end(key)
        while len(self._images) > self.capacity:
            self._images.popitem(last=False)

    def clear(self) -> None:
        self._images.clear()


class TileLoadWorker(QObject):
    """Owns the tile source on its own thread ("map-tiles") and hands back decoded tiles.

    Signals are emitted on the worker thread and reach GUI-thread slots queued.
    """

    source_opened = Signal(object)  # SourceInfo
    source_failed = Signal(str)  # a sentence for the person at the console
    tile_loaded = Signal(object, QImage)  # TileKey, picture in premultiplied ARGB
    tile_missing = Signal(object)  # TileKey the source does not have (or holds garbage for)

    def __init__(self, opener: Callable[[], TileSource], describe: Callable[[TileSource], SourceInfo],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._opener = opener
        self._describe = describe
        self._wanted: list[TileKey] = []
        self._wake = threading.Condition()
        self._stopping = False
        self._undecodable = 0
        self._thread = threading.Thread(target=self._run, name="map-tiles", daemon=True)

    def start(self) -> None:
        """GUI thread: open the source and begin serving requests."""
        self._thread.start()

    def request(self, keys: list[TileKey]) -> None:
        """GUI thread: the tiles wanted now, most wanted first; replaces the previous list."""
        with self._wake:
            self._wanted = list(keys)
            self._wake.notify()

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        """GUI thread: finish the tile in hand, close the source and end the thread; safe to call twice."""
        with self._wake:
            self._stopping = True
            self._wake.notify()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    # -- worker thread -----------------------------------------------------------------
    def _run(self) -> None:
        try:
            source = self._opener()
            info = self._describe(source)
        except (TileError, OSError, ValueError) as exc:
            self.source_failed.emit(str(exc))
            return
        try:
            self.source_opened.emit(info)
            while True:
                with self._wake:
                    while not self._wanted and not self._stopping:
                        self._wake.wait()
                    if self._stopping:
                        return
                    key = self._wanted.pop(0)
                self._load(source, key)
        finally:
            source.close()

    def _load(self, source: TileSource, key: TileKey) -> None:
        try:
            data = source.get(*key)
        except TileError as exc:
            self.source_failed.emit(str(exc))
            data = None
        image = QImage.fromData(data) if data else QImage()
        if image.isNull():
            if data:
                self._undecodable += 1
                if self._undecodable == 1:
                    log.warning("map source %s: tile %d/%d/%d is not a picture Qt can decode; such tiles are "
                                "drawn from their parent", source.id, *key)
            self.tile_missing.emit(key)
            return
        self.tile_loaded.emit(key, image.convertToFormat(QImage.Format_ARGB32_Premultiplied))
