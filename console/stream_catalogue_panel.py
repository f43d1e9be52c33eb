"""The stream catalogue beside the wall: every stream the wall knows, where it comes from and
how it is doing, to drag onto a tile or double-click to focus.

Rows follow the wall's order, numbered as the number keys focus them. Each says the
stream's name, its kind, who told this seat about it (the config, a drone, a TAK device)
and its state: live, connecting, signal lost, or not shown (left out of the layout, so not
decoded). The panel reads the wall's tiles; it never touches a stream itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QDrag, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QLabel, QListWidget, QListWidgetItem, QMenu, QVBoxLayout, QWidget

from console.wall_drag_drop import stream_mime_data
from video.health import StreamState

if TYPE_CHECKING:
    from console.video_tile import VideoTileWidget
    from console.video_wall import VideoWallPanel

REFRESH_MS = 1000
"""States change with the streams; once a second is enough for a list (the tiles show it live)."""
ICON_SIZE = 12
PANEL_WIDTH = 220

_ID_ROLE = Qt.UserRole
_STATE_COLOURS = {
    "live": QColor("#30a46c"),
    "connecting": QColor("#f5a524"),
    "lost": QColor("#e5484d"),
    "failed": QColor("#e5484d"),
    "hidden": QColor("#8b8d98"),
}


def source_label(source: str) -> str:
    """Who told this seat about a stream, in words."""
    return {
        "config": QCoreApplication.translate("StreamCatalogue", "config"),
        "mavlink": QCoreApplication.translate("StreamCatalogue", "drone"),
        "cot": QCoreApplication.translate("StreamCatalogue", "TAK"),
    }.get(source, source)


def stream_state(tile: VideoTileWidget, shown: bool) -> str:
    """``live``, ``connecting``, ``lost``, ``failed`` (never played) or ``hidden`` (not in the layout,
    so not decoded)."""
    if not shown:
        return "hidden"
    state = tile.health.state
    if state is StreamState.PLAYING:
        return "live"
    if state is StreamState.SIGNAL_LOST:
        return "lost" if tile.has_picture else "failed"
    return "connecting"


def state_label(state: str) -> str:
    return {
        "live": QCoreApplication.translate("StreamCatalogue", "live"),
        "connecting": QCoreApplication.translate("StreamCatalogue", "connecting"),
        "lost": QCoreApplication.translate("StreamCatalogue", "signal lost"),
        "failed": QCoreApplication.translate("StreamCatalogue", "no picture"),
        "hidden": QCoreApplication.translate("StreamCatalogue", "not shown"),
    }[state]


def _dot(colour: QColor) -> QIcon:
    pixmap = QPixmap(ICON_SIZE, ICON_SIZE)
    pixmap.fill(Qt.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.Antialiasing)
    painter.setPen(Qt.NoPen)
    painter.setBrush(colour)
    painter.drawEllipse(1, 1, ICON_SIZE - 2, ICON_SIZE - 2)
    painter.end()
    return QIcon(pixmap)


class _StreamListView(QListWidget):
    """The rows; a drag out of it carries the row's stream id (``console.wall_drag_drop``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragOnly)
        self.setDefaultDropAction(Qt.CopyAction)
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.setIconSize(QSize(ICON_SIZE, ICON_SIZE))
        self.setWordWrap(True)
        self.setSpacing(3)  # rows of two lines each; a little air tells one stream from the next

    def mimeTypes(self) -> list[str]:
        return []  # nothing may be dropped here

    def mimeData(self, items) -> object:
        return stream_mime_data(items[0].data(_ID_ROLE)) if items else None

    def startDrag(self, supported_actions) -> None:
        """Drag the current row's stream id, as a copy: the stream stays listed.

        The drag is made here, where ``QDrag.setMimeData`` hands the payload to the drag;
        QListWidget's own startDrag would take it from the Python ``mimeData`` override,
        across the binding, with no owner stated.
        """
        item = self.currentItem()
        if item is None:
            return
        drag = QDrag(self)
        drag.setMimeData(self.mimeData([item]))
        drag.exec(Qt.CopyAction)


class StreamCataloguePanel(QWidget):
    """Lists the wall's streams (GUI thread); a double-click asks for the stream's focus."""

    focus_requested = Signal(str)  # stream id

    def __init__(self, wall: VideoWallPanel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._wall = wall
        self.setFixedWidth(PANEL_WIDTH)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        hint = QLabel(self.tr("Drag a stream onto a tile to show it there; double-click to make it the large tile."),
                      self)
        hint.setWordWrap(True)
        hint.setProperty("role", "hint")
        layout.addWidget(hint)
        self.list = _StreamListView(self)
        self.list.setAccessibleName(self.tr("Video streams"))
        self.list.itemDoubleClicked.connect(self._on_list_double_clicked)
        self.list.setContextMenuPolicy(Qt.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._on_list_menu_requested)
        layout.addWidget(self.list, 1)
        self._icons = {state: _dot(colour) for state, colour in _STATE_COLOURS.items()}
        self._timer = QTimer(self, interval=REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        wall.arranged.connect(self.refresh)

    def rows(self) -> list[tuple[str, str, str]]:
        """(stream id, first line, second line) per stream in the wall's order: what the list shows."""
        shown = {tile.stream_id for tile in self._wall.shown_tiles()}
        rows = []
        for number, (stream_id, tile) in enumerate(self._wall.tiles.items(), start=1):
            prefix = f"{number}  " if number <= 9 else ""
            state = stream_state(tile, stream_id in shown)
            details = [tile.kind_label(), source_label(getattr(tile.stream, "source", "config")), state_label(state)]
            if tile.recording:
                details.append(self.tr("REC"))
            if tile.sending_to_hq:
                details.append(self.tr("▲ HQ"))
            rows.append((stream_id, prefix + tile.stream.name, " · ".join(details)))
        return rows

    def refresh(self) -> None:
        """Bring the rows up to date with the wall, keeping the selection."""
        if not self.isVisible():
            return
        selected = self.list.currentItem().data(_ID_ROLE) if self.list.currentItem() else None
        shown = {tile.stream_id for tile in self._wall.shown_tiles()}
        rows = self.rows()
        while self.list.count() > len(rows):
            self.list.takeItem(self.list.count() - 1)
        for index, (stream_id, first, second) in enumerate(rows):
            item = self.list.item(index)
            if item is None:
                item = QListWidgetItem(self.list)
            tile = self._wall.tiles[stream_id]
            item.setData(_ID_ROLE, stream_id)
            item.setText(f"{first}\n{second}")
            item.setIcon(self._icons[stream_state(tile, stream_id in shown)])
            item.setToolTip(tile.toolTip())
            if stream_id == selected:
                self.list.setCurrentItem(item)

    def _on_list_double_clicked(self, item: QListWidgetItem) -> None:
        self.focus_requested.emit(item.data(_ID_ROLE))

    def stream_menu(self, stream_id: str) -> QMenu:
        """A row's context menu: what the stream's tile adds to its own (Send to HQ…, console/dispatch_actions.py)."""
        menu = QMenu(self)
        self._wall.tiles[stream_id].extend_menu(menu)
        return menu

    def _on_list_menu_requested(self, pos) -> None:
        item = self.list.itemAt(pos)
        if item is None or item.data(_ID_ROLE) not in self._wall.tiles:
            return
        menu = self.stream_menu(item.data(_ID_ROLE))
        if not menu.isEmpty():
            menu.exec(self.list.viewport().mapToGlobal(pos))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()
        self._timer.start()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self._timer.stop()
