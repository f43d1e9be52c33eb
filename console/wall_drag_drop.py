"""Dragging streams onto the wall's tiles: the drag's payload and the tiles' drop handling.

A drag carries one stream id under ``STREAM_MIME_TYPE``; it starts in the stream catalogue
or on a tile (press and move). Dropping it on a tile asks the wall to show that stream
there. What a drop carries comes from outside the program as far as this module knows (any
application can drag onto a window), so ``stream_id_from`` accepts only an id the wall has.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from PySide6.QtCore import QEvent, QMimeData, QObject, QPoint, QRect, Qt
from PySide6.QtGui import QColor, QDrag, QPainter, QPen
from PySide6.QtWidgets import QApplication

from console.video_tile import VideoTileWidget

STREAM_MIME_TYPE = "application/x-mcv-stream"
MAX_ID_BYTES = 256
"""Longer than any stream id the config or the bus accepts; a larger drop is refused unread."""
DRAG_PICTURE_WIDTH = 160

_DROP_GREEN = QColor("#30a46c")


def stream_mime_data(stream_id: str) -> QMimeData:
    """The payload of a drag that carries ``stream_id``."""
    mime = QMimeData()
    mime.setData(STREAM_MIME_TYPE, stream_id.encode("utf-8"))
    return mime


def stream_id_from(mime: QMimeData | None, known: Collection[str]) -> str | None:
    """The stream id a drop carries if it is one of ``known``; None for anything else."""
    if mime is None or not mime.hasFormat(STREAM_MIME_TYPE):
        return None
    raw = bytes(mime.data(STREAM_MIME_TYPE).data())
    if not raw or len(raw) > MAX_ID_BYTES:
        return None
    try:
        stream_id = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return stream_id if stream_id in known else None


class TileDragDropFilter(QObject):
    """Makes tiles drop targets and drag sources; a drop calls ``place(dragged_id, target_id)``.

    An event filter on every watched tile (GUI thread). While a drag hovers over a tile
    the tile draws a green frame, so the operator sees where the stream will go.
    """

    def __init__(self, place: Callable[[str, str], None], known: Callable[[], Collection[str]],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._place = place
        self._known = known
        self._target: VideoTileWidget | None = None
        self._pressed_at: QPoint | None = None

    def watch(self, tile: VideoTileWidget) -> None:
        """Let ``tile`` take drops and start drags."""
        tile.setAcceptDrops(True)
        tile.installEventFilter(self)
        tile.overlays.append(lambda painter, area, tile=tile: self._paint_target(tile, painter))

    @property
    def target(self) -> VideoTileWidget | None:
        """The tile a drag hovers over right now, if any."""
        return self._target

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(watched, VideoTileWidget):
            return False
        kind = event.type()
        if kind in (QEvent.DragEnter, QEvent.DragMove):
            if stream_id_from(event.mimeData(), self._known()) is None:
                event.ignore()
                return True
            event.acceptProposedAction()
            self._set_target(watched)
            return True
        if kind == QEvent.DragLeave:
            self._set_target(None)
            return True
        if kind == QEvent.Drop:
            self._set_target(None)
            stream_id = stream_id_from(event.mimeData(), self._known())
            if stream_id is None:
                event.ignore()
                return True
            event.acceptProposedAction()
            self._place(stream_id, watched.stream_id)
            return True
        if kind == QEvent.MouseButtonPress and event.button() == Qt.LeftButton:
            self._pressed_at = event.position().toPoint()
        elif kind == QEvent.MouseButtonRelease:
            self._pressed_at = None
        elif kind == QEvent.MouseMove and self._pressed_at is not None and event.buttons() & Qt.LeftButton:
            if (event.position().toPoint() - self._pressed_at).manhattanLength() >= QApplication.startDragDistance():
                self._pressed_at = None
                self._drag_from(watched)
                return True
        return False

    def _drag_from(self, tile: VideoTileWidget) -> None:
        """Start dragging the tile's stream (a nested event loop until the drop; pictures keep coming)."""
        drag = QDrag(tile)
        drag.setMimeData(stream_mime_data(tile.stream_id))
        picture = tile.grab()
        if not picture.isNull() and picture.width() > DRAG_PICTURE_WIDTH:
            picture = picture.scaledToWidth(DRAG_PICTURE_WIDTH, Qt.SmoothTransformation)
        drag.setPixmap(picture)
        drag.setHotSpot(QPoint(picture.width() // 2, picture.height() // 2))
        drag.exec(Qt.MoveAction)
        self._set_target(None)

    def _set_target(self, tile: VideoTileWidget | None) -> None:
        if tile is self._target:
            return
        previous, self._target = self._target, tile
        for changed in (previous, tile):
            if changed is not None:
                changed.update()

    def _paint_target(self, tile: VideoTileWidget, painter: QPainter) -> None:
        """Tile overlay (GUI thread): a thick green frame round the tile a drag hovers over."""
        if tile is not self._target:
            return
        painter.save()
        painter.setPen(QPen(_DROP_GREEN, 4))
        painter.setBrush(Qt.NoBrush)
        painter.drawRect(QRect(2, 2, tile.width() - 4, tile.height() - 4))
        painter.restore()
