"""The map: cached tiles, every unit by kind, a scale bar, the cursor's position and the tiles' credit.

Painted with QPainter on a plain QWidget rather than a QGraphicsScene: thousands of
units that each move once a second would mean thousands of scene items to move,
while a paint that culls to the screen touches only what is visible. Tiles come from
one ``TileLoadWorker``; a tile not yet loaded (or not in the source) is drawn from the
nearest cached parent scaled up, so no hole shows while any parent exists. Positions
arrive in WGS-84 and are converted to the tiles' datum before they are projected.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QWidget

from console.tile_worker import (
    DEFAULT_CACHE_TILES, SourceInfo, TileImageCache, TileLoadWorker, describe_source, open_source,
)
from console.unit_markers import MarkerPainter, Sprite
from maps.datum import Datum, convert
from maps.tile_source import TileKey
from maps.viewport import Viewport, format_dms, graticule_step, lonlat_to_fraction, parent_patch, scale_bar
from radios.config import MapSourceConfig
from radios.schema import PayloadError, UnitState, parse_ts

PAN_STEP_PX = 80.0
WHEEL_ZOOM_STEP = 0.5  # zoom levels per wheel notch
KEY_ZOOM_STEP = 1.0
UNIT_ZOOM = 15.0  # the zoom the view jumps to for the first units when it has nothing better
SCALE_BAR_MAX_PX = 150.0
AGE_REPAINT_MS = 1000
MAX_UNDERZOOM = 2.0  # zoom levels below the source's lowest at which its tiles are still drawn (shrunk)
LABEL_LIMIT = 400  # with more units on screen than this, callsigns would only hide each other
MARGIN_PX = 60.0  # markers this far off screen still get drawn, so labels do not pop at the edge
_BACKGROUND = QColor("#dcdcd4")
_GRID = QColor("#b8b8ae")
_BOX = QColor(0, 0, 0, 150)


@dataclass(slots=True)
class _Marker:
    unit: UnitState
    fx: float  # position as a fraction of the world, in the tiles' datum
    fy: float
    seen_at: float  # the report's time, seconds since the epoch
    heading_step: int | None  # which heading sprite draws it
    sprite: Sprite | None = None  # the sprite last drawn, kept while stale and the pixel ratio stay the same
    sprite_stale: bool = False


class MapView(QWidget):
    """Shows tiles and units; pans by drag and arrow keys, zooms by wheel (about the cursor) and +/-."""

    view_changed = Signal()
    source_state_changed = Signal(str)  # "none", "opening", "ready" or "failed"

    def __init__(self, source: MapSourceConfig | None, stale_after_s: float, parent: QWidget | None = None,
                 cache_tiles: int = DEFAULT_CACHE_TILES, clock=time.time) -> None:
        super().__init__(parent)
        self.setObjectName("mapView")
        self.setFocusPolicy(Qt.StrongFocus)
        self.setMouseTracking(True)
        self.setMinimumSize(200, 150)
        self.stale_after_s = stale_after_s
        self.viewport = Viewport(width=max(1, self.width()), height=max(1, self.height()))
        self.cache = TileImageCache(cache_tiles)
        self.info: SourceInfo | None = None
        self.source_state = "none"
        self.notice = ""
        self._clock = clock
        self._source = source
        self._missing: set[TileKey] = set()
        self._markers: dict[str, _Marker] = {}
        self._painter = MarkerPainter()
        self._sprite_ratio = 0.0  # the device pixel ratio the markers' kept sprites were drawn for
        self.layers: list = []  # extra painters drawn under the units, e.g. the drones' TrackLayer (GUI thread)
        self._drag_from: QPointF | None = None
        self._cursor: QPointF | None = None
        self._user_moved = False
        self._worker: TileLoadWorker | None = None
        self._ages = QTimer(self, interval=AGE_REPAINT_MS)
        self._ages.timeout.connect(self.update)
        self._ages.start()
        if source is None:
            self._set_state("none", self.tr("No map source configured — add [[map.sources]] (id, kind = \"mbtiles\", "
                                            "path) to the config file to draw tiles. Units are shown on a plain grid."))
        elif source.path is not None and not source.path.exists():
            self._set_state("failed", self.tr("Map source '{id}': the file {path} is missing — check path in "
                                              "[[map.sources]] or seed it with `mcv maps seed`. Units are shown on "
                                              "a plain grid.").format(id=source.id, path=source.path))
        else:
            self._set_state("opening", "")
            self._start_worker(source)
        stopper = self._stop_worker_of(self._worker)
        self.destroyed.connect(stopper)
        QCoreApplication.instance().aboutToQuit.connect(stopper)

    # -- public API ------------------------------------------------------------------
    @property
    def datum(self) -> Datum:
        """The datum positions are shifted to before drawing: the tiles', or WGS-84 without tiles."""
        return self.info.datum if self.info else Datum.WGS84

    def stop(self) -> None:
        """Stop the tile worker and wait for its thread; the view keeps what it has cached."""
        if self._worker is not None:
            self._worker.stop()

    def centre_on(self, lon: float, lat: float, zoom: float | None = None) -> None:
        """Centre the view on a WGS-84 position, optionally at ``zoom``; the view stops fitting itself."""
        self._user_moved = True
        self.viewport.centre_on(*convert(lon, lat, Datum.WGS84, self.datum), zoom=zoom)
        self._view_changed()

    def position_to_screen(self, lon: float, lat: float) -> QPointF:
        """The widget pixel where a WGS-84 position is drawn (after the datum shift)."""
        return QPointF(*self.viewport.lonlat_to_screen(*convert(lon, lat, Datum.WGS84, self.datum)))

    def screen_to_position(self, point: QPointF) -> tuple[float, float]:
        """The WGS-84 ``(lon, lat)`` under a widget pixel."""
        return convert(*self.viewport.screen_to_lonlat(point.x(), point.y()), self.datum, Datum.WGS84)

    def unit_screen_pos(self, uid: str) -> QPointF | None:
        marker = self._markers.get(uid)
        return None if marker is None else QPointF(*self.viewport.fraction_to_screen(marker.fx, marker.fy))

    def update_units(self, units: list[UnitState]) -> None:
        """GUI thread (the bus client's coalesced ``units_changed``): take the latest state of each unit."""
        for unit in units:
            try:
                seen_at = parse_ts(unit.ts).timestamp()
            except PayloadError:
                seen_at = self._clock()
            self._markers[unit.uid] = self._marker(unit, seen_at)
        if self._markers and not self._user_moved and (self.info is None or self.info.center is None):
            self._fit_units()
        self.update()

    # -- tiles -----------------------------------------------------------------------
    def _start_worker(self, source: MapSourceConfig) -> None:
        # Not parented to the view: the worker must outlive the view's C++ object until its thread is joined.
        self._worker = TileLoadWorker(lambda: open_source(source), lambda opened: describe_source(opened, source))
        self._worker.source_opened.connect(self._on_worker_source_opened)
        self._worker.source_failed.connect(self._on_worker_source_failed)
        self._worker.tile_loaded.connect(self._on_worker_tile_loaded)
        self._worker.tile_missing.connect(self._on_worker_tile_missing)
        self._worker.start()

    @staticmethod
    def _stop_worker_of(worker: TileLoadWorker | None):
        """A slot that stops ``worker`` without touching the (by then deleted) view."""
        return (lambda *_: worker.stop()) if worker is not None else (lambda *_: None)

    def _on_worker_source_opened(self, info: SourceInfo) -> None:
        self.info = info
        self._set_state("ready", "")
        self._markers = {uid: self._marker(m.unit, m.seen_at) for uid, m in self._markers.items()}  # new datum
        if not self._user_moved:
            if info.center is not None:
                lon, lat, zoom = info.center
                self.viewport.centre_on(lon, lat, zoom)
            elif info.bounds is not None:
                west, south, east, north = info.bounds
                self.viewport.centre_on((west + east) / 2, (south + north) / 2, info.max_zoom - 2)
            elif self._markers:
                self._fit_units()
        self._view_changed()

    def _on_worker_source_failed(self, message: str) -> None:
        if self.info is None:
            self._set_state("failed", self.tr("Map source '{id}' cannot be used: {reason} Units are shown on a "
                                              "plain grid.").format(id=self._source.id, reason=message))
        else:
            self.notice = message
        self.update()

    def _on_worker_tile_loaded(self, key: TileKey, image: QImage) -> None:
        self.cache.put(key, image)
        self._missing.discard(key)
        self.update()

    def _on_worker_tile_missing(self, key: TileKey) -> None:
        self._missing.add(key)
        self._request_tiles()  # the next ancestor up may have it
        self.update()

    def _request_tiles(self) -> None:
        """Ask for the visible tiles not cached, then the nearest unknown parent of each."""
        if self._worker is None or not self._tiles_shown():
            return
        z = self.viewport.tile_zoom(self.info.min_zoom, self.info.max_zoom)
        visible = self.viewport.visible_tiles(z)
        wanted = [key for key in visible if key not in self.cache and key not in self._missing]
        parents: list[TileKey] = []
        for key in visible:
            if key in self.cache:
                continue
            for parent_z in range(key.z - 1, self.info.min_zoom - 1, -1):
                parent = parent_patch(key, parent_z).parent
                if parent in self.cache:
                    break
                if parent not in self._missing:
                    if parent not in parents:
                        parents.append(parent)
                    break
        self._worker.request(wanted + parents)

    def _tiles_shown(self) -> bool:
        """Tiles are drawn when the source is open and the view is not zoomed far out past its lowest zoom.

        Far out, the source's coarsest tiles would be thousands per screen; the grid shows instead.
        """
        return (self.source_state == "ready" and self.info is not None
                and self.viewport.zoom >= self.info.min_zoom - MAX_UNDERZOOM)

    def _tile_for(self, key: TileKey) -> tuple[QImage, QRectF] | None:
        """The cached picture for ``key`` and the part of it to draw: the tile, else its nearest parent."""
        for parent_z in range(key.z, self.info.min_zoom - 1, -1):
            patch = parent_patch(key, parent_z)
            image = self.cache.get(patch.parent)
            if image is not None:
                return image, QRectF(patch.left, patch.top, patch.size, patch.size)
        return None

    # -- painting --------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), _BACKGROUND)
        if self._tiles_shown():
            self._paint_tiles(painter)
        else:
            self._paint_grid(painter)
        self._paint_notice(painter)  # under the units: a unit in the middle stays visible
        painter.setRenderHint(QPainter.Antialiasing)
        for layer in self.layers:
            layer.paint(painter, self)
        self._paint_units(painter)
        self._paint_scale_bar(painter)
        self._paint_cursor_position(painter)
        self._paint_attribution(painter)
        painter.end()

    def _paint_tiles(self, painter: QPainter) -> None:
        painter.setRenderHint(QPainter.SmoothPixmapTransform)
        z = self.viewport.tile_zoom(self.info.min_zoom, self.info.max_zoom)
        for key in self.viewport.visible_tiles(z):
            found = self._tile_for(key)
            if found is not None:
                left, top, side = self.viewport.tile_rect(key)
                # Whole pixels on both edges, so neighbouring tiles meet without a hairline gap.
                target = QRectF(math.floor(left), math.floor(top),
                                math.floor(left + side) - math.floor(left), math.floor(top + side) - math.floor(top))
                painter.drawImage(target, found[0], found[1])

    def _paint_grid(self, painter: QPainter) -> None:
        """Lines of latitude and longitude at a round spacing: real positions, no invented map."""
        view = self.viewport
        west, north = view.screen_to_lonlat(0, 0)
        east, south = view.screen_to_lonlat(view.width, view.height)
        step = graticule_step(max(1e-9, (east - west) / max(1, view.width)))
        painter.setPen(QPen(_GRID, 1.0))
        painter.setFont(QFont(painter.font().family(), 8))
        decimals = max(0, -math.floor(math.log10(step)))
        lon = math.floor(west / step) * step
        while lon <= east:
            x = view.lonlat_to_screen(lon, 0)[0]
            painter.drawLine(QPointF(x, 0), QPointF(x, view.height))
            painter.drawText(QPointF(x + 3, 12), f"{lon:.{decimals}f}°")
            lon += step
        lat = math.floor(south / step) * step
        while lat <= north:
            y = view.lonlat_to_screen(0, lat)[1]
            painter.drawLine(QPointF(0, y), QPointF(view.width, y))
            painter.drawText(QPointF(3, y - 3), f"{lat:.{decimals}f}°")
            lat += step

    def _paint_units(self, painter: QPainter) -> None:
        # The hot loop of a busy map: plain arithmetic, cached sprites drawn at whole pixels (a plain blit, no
        # resampling) and no per-unit Qt objects.
        now, stale_after = self._clock(), self.stale_after_s
        scale = self.viewport.scale
        off_x = self.width() / 2.0 - self.viewport.centre_x * scale
        off_y = self.height() / 2.0 - self.viewport.centre_y * scale
        right, bottom = self.width() + MARGIN_PX, self.height() + MARGIN_PX
        ratio = self.devicePixelRatioF()
        if ratio != self._sprite_ratio:  # moved to a screen of another density
            self._sprite_ratio = ratio
            for marker in self._markers.values():
                marker.sprite = None
        sprite_of, draw = self._painter.sprite, painter.drawImage
        visible = []
        for marker in self._markers.values():
            x = marker.fx * scale + off_x
            if x < -MARGIN_PX or x > right:
                continue
            y = marker.fy * scale + off_y
            if y < -MARGIN_PX or y > bottom:
                continue
            x, y = round(x), round(y)
            stale = now - marker.seen_at > stale_after
            sprite = marker.sprite
            if sprite is None or marker.sprite_stale is not stale:
                sprite = marker.sprite = sprite_of(marker.unit.unit_kind, marker.heading_step, stale, ratio)
                marker.sprite_stale = stale
            draw(x + sprite.dx, y + sprite.dy, sprite.image)
            visible.append((marker, x, y))
        if len(visible) > LABEL_LIMIT:
            return
        dx, dy = self._painter.label_offset()
        dx, dy = round(dx), round(dy)
        for marker, x, y in visible:
            age = now - marker.seen_at
            stale = age > stale_after
            text = marker.unit.callsign + (f" · {_age_text(age)}" if stale else "")
            draw(x + dx, y + dy, self._painter.label(text, stale, ratio))

    def _paint_box(self, painter: QPainter, text: str, anchor: Qt.AlignmentFlag) -> None:
        metrics = painter.fontMetrics()
        width, height = metrics.horizontalAdvance(text) + 12, metrics.height() + 6
        x = 6 if anchor & Qt.AlignLeft else self.width() - width - 6
        y = 6 if anchor & Qt.AlignTop else self.height() - height - 6
        painter.fillRect(QRectF(x, y, width, height), _BOX)
        painter.setPen(Qt.white)
        painter.drawText(QRectF(x, y, width, height), Qt.AlignCenter, text)

    def _paint_scale_bar(self, painter: QPainter) -> None:
        _, pixels, label = scale_bar(self.viewport.metres_per_pixel(), SCALE_BAR_MAX_PX)
        x0, y = 12.0, self.height() - 14.0
        painter.setPen(QPen(QColor(0, 0, 0), 5.0, Qt.SolidLine, Qt.FlatCap))
        painter.drawLine(QPointF(x0, y), QPointF(x0 + pixels, y))
        painter.setPen(QPen(QColor(255, 255, 255), 3.0, Qt.SolidLine, Qt.FlatCap))
        painter.drawLine(QPointF(x0, y), QPointF(x0 + pixels, y))
        painter.setPen(QColor(0, 0, 0))
        painter.drawText(QPointF(x0, y - 6), label)

    def _paint_cursor_position(self, painter: QPainter) -> None:
        if self._cursor is None:
            return
        lon, lat = self.screen_to_position(self._cursor)
        text = f"{lat:.5f}, {lon:.5f}   {format_dms(lon, lat)}   WGS-84   z{self.viewport.zoom:.1f}"
        self._paint_box(painter, text, Qt.AlignTop | Qt.AlignLeft)

    def _paint_attribution(self, painter: QPainter) -> None:
        if self.info is not None and self.info.attribution:
            self._paint_box(painter, self.info.attribution, Qt.AlignBottom | Qt.AlignRight)

    def _paint_notice(self, painter: QPainter) -> None:
        if not self.notice:
            return
        box = QRectF(self.rect()).adjusted(40, 0, -40, 0)
        text_rect = painter.fontMetrics().boundingRect(box.toRect(), Qt.TextWordWrap | Qt.AlignCenter, self.notice)
        frame = QRectF(text_rect).adjusted(-12, -8, 12, 8)
        frame.moveCenter(QPointF(self.width() / 2, self.height() / 2))
        painter.fillRect(frame, QColor(0, 0, 0, 180))
        painter.setPen(Qt.white)
        painter.drawText(frame, Qt.TextWordWrap | Qt.AlignCenter, self.notice)

    # -- input -----------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.LeftButton:
            self._drag_from = event.position()
            self.setCursor(Qt.ClosedHandCursor)

    def mouseMoveEvent(self, event) -> None:
        self._cursor = event.position()
        if self._drag_from is not None:
            delta = event.position() - self._drag_from
            self._drag_from = event.position()
            self._move(lambda: self.viewport.pan_by(delta.x(), delta.y()))
        else:
            self.update()

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.LeftButton:
            self._drag_from = None
            self.unsetCursor()

    def leaveEvent(self, event) -> None:
        self._cursor = None
        self.update()

    def wheelEvent(self, event) -> None:
        notches = event.angleDelta().y() / 120.0
        if notches:
            at = event.position()
            self._move(lambda: self.viewport.zoom_about(at.x(), at.y(), self.viewport.zoom + notches * WHEEL_ZOOM_STEP))
        event.accept()

    def keyPressEvent(self, event) -> None:
        key = event.key()
        pans = {Qt.Key_Left: (PAN_STEP_PX, 0), Qt.Key_Right: (-PAN_STEP_PX, 0),
                Qt.Key_Up: (0, PAN_STEP_PX), Qt.Key_Down: (0, -PAN_STEP_PX)}
        centre = (self.width() / 2, self.height() / 2)
        if key in pans:
            self._move(lambda: self.viewport.pan_by(*pans[key]))
        elif key in (Qt.Key_Plus, Qt.Key_Equal):
            self._move(lambda: self.viewport.zoom_about(*centre, self.viewport.zoom + KEY_ZOOM_STEP))
        elif key in (Qt.Key_Minus, Qt.Key_Underscore):
            self._move(lambda: self.viewport.zoom_about(*centre, self.viewport.zoom - KEY_ZOOM_STEP))
        else:
            super().keyPressEvent(event)

    def resizeEvent(self, event) -> None:
        self.viewport.width, self.viewport.height = max(1, self.width()), max(1, self.height())
        self._view_changed()

    # -- helpers ---------------------------------------------------------------------
    def _move(self, change) -> None:
        self._user_moved = True
        change()
        self._view_changed()

    def _view_changed(self) -> None:
        self._request_tiles()
        self.update()
        self.view_changed.emit()

    def _set_state(self, state: str, notice: str) -> None:
        self.source_state, self.notice = state, notice
        self.source_state_changed.emit(state)

    def _marker(self, unit: UnitState, seen_at: float) -> _Marker:
        fx, fy = lonlat_to_fraction(*convert(unit.lon, unit.lat, Datum.WGS84, self.datum))
        return _Marker(unit, fx, fy, seen_at, MarkerPainter.heading_step(unit.heading))

    def _fit_units(self) -> None:
        """Centre on the units' middle, at a street zoom, until the person moves the map."""
        xs = [m.fx for m in self._markers.values()]
        ys = [m.fy for m in self._markers.values()]
        self.viewport.centre_x, self.viewport.centre_y = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
        spread = max(max(xs) - min(xs), max(ys) - min(ys), 1e-12)
        fit = math.log2(0.8 * min(self.width(), self.height()) / (256 * spread))
        self.viewport.zoom = max(2.0, min(UNIT_ZOOM, fit))
        self._view_changed()


def _age_text(seconds: float) -> str:
    if seconds < 120:
        return f"{int(seconds)} s"
    if seconds < 7200:
        return f"{int(seconds // 60)} min"
    return f"{int(seconds // 3600)} h"
