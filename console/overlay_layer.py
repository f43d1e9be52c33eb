"""Overlays on the map: shelters as symbols, risk zones as translucent polygons, routes as lines.

``OverlayLayer`` reads the configured overlay files once (maps/overlays.py refuses
hostile ones; the reason shows in the layer list) and paints the visible ones from
the map view's paint event, under the unit markers. Geofence polygons get a dashed
edge, so the commander can tell a zone the gateway watches from one that is only
drawn; a geofence zone with a unit inside gets a thick solid edge and the count
(the gateway raises the alarm; this is what the commander sees on the map).
``OverlayListWidget`` is the layer list in the map's top-right corner: one check
box per overlay. Everything here runs on the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from maps.datum import Datum, convert
from maps.geofence import GeofenceMonitor, zones_of
from maps.overlays import Feature, Overlay, OverlayError, Style, load_overlay
from maps.viewport import lonlat_to_fraction
from radios.config import OverlayConfig
from radios.schema import UnitState

LABEL_MIN_ZOOM = 14.0  # below this zoom, names would only crowd the map
SYMBOL_PX = 9.0
LIST_WIDTH_PX = 260
LIST_MARGIN_PX = 8
_HALO = QColor(0, 0, 0, 160)
_SHELTER = QColor("#1a7f37")
_OCCUPIED = QColor("#ff1744")


@dataclass
class _Shape:
    """One feature projected to world fractions in the tiles' datum, with its bounding box."""

    feature: Feature
    zone_id: str  # "{overlay id}/{feature index}", as maps.geofence names zones
    rings: list[list[tuple[float, float]]]
    box: tuple[float, float, float, float]  # min fx, min fy, max fx, max fy


class OverlayLayer(QObject):
    """The configured overlays, which of them are shown, and their painting (GUI thread only)."""

    visibility_changed = Signal()

    def __init__(self, configs: tuple[OverlayConfig, ...], view) -> None:
        super().__init__(view)
        self.view = view
        self.overlays: list[Overlay] = []
        self.failures: dict[str, str] = {}  # overlay id -> why it is not drawn
        self.hidden: set[str] = set()
        for config in configs:
            try:
                self.overlays.append(load_overlay(config.path, config.id, config.name or None))
            except OverlayError as error:
                self.failures[config.id] = error.reason
        self._shapes: dict[str, list[_Shape]] = {}
        self._datum: Datum | None = None
        self.list_widget: OverlayListWidget | None = None
        self.monitor = GeofenceMonitor([zone for overlay in self.overlays for zone in zones_of(overlay)])
        self.occupants: dict[str, set[str]] = {}  # zone id -> uids inside
        view.layers.insert(0, self)  # under tracks and units

    def set_visible(self, overlay_id: str, visible: bool) -> None:
        (self.hidden.discard if visible else self.hidden.add)(overlay_id)
        self.view.update()
        self.visibility_changed.emit()

    def update_units(self, units: list[UnitState]) -> None:
        """GUI thread (the bus client's coalesced ``units_changed``): who is inside which geofence zone."""
        if not self.monitor.zones:
            return
        before = {zone: set(uids) for zone, uids in self.occupants.items()}
        for unit in units:
            for zone in self.monitor.zones:
                self.occupants.setdefault(zone.id, set()).discard(unit.uid)
            self.monitor.update(unit.uid, unit.lon, unit.lat, seed=True)
            for zone_id in self.monitor.inside(unit.uid):
                self.occupants.setdefault(zone_id, set()).add(unit.uid)
        if self.occupants != before:
            self.view.update()

    def _project(self) -> dict[str, list[_Shape]]:
        """Shapes in the view's datum, recomputed only when the datum changes (a new tile source)."""
        datum = self.view.datum
        if datum != self._datum:
            self._datum = datum
            self._shapes = {overlay.id: [_shape(feature, f"{overlay.id}/{index}", datum)
                                         for index, feature in enumerate(overlay.features)]
                            for overlay in self.overlays}
        return self._shapes

    def paint(self, painter: QPainter, view) -> None:
        """Called from the map view's paint event: polygons, then lines, then symbols and names."""
        shapes = self._project()
        viewport = view.viewport
        scale = viewport.scale
        off_x, off_y = view.width() / 2.0 - viewport.centre_x * scale, view.height() / 2.0 - viewport.centre_y * scale
        half_w, half_h = (view.width() / 2.0 + SYMBOL_PX * 4) / scale, (view.height() / 2.0 + SYMBOL_PX * 4) / scale
        left, right = viewport.centre_x - half_w, viewport.centre_x + half_w
        top, bottom = viewport.centre_y - half_h, viewport.centre_y + half_h
        visible = [shape for overlay in self.overlays if overlay.id not in self.hidden
                   for shape in shapes[overlay.id]
                   if shape.box[2] >= left and shape.box[0] <= right and shape.box[3] >= top and shape.box[1] <= bottom]
        labels = viewport.zoom >= LABEL_MIN_ZOOM

        def screen(ring):
            return QPolygonF([QPointF(fx * scale + off_x, fy * scale + off_y) for fx, fy in ring])

        painter.save()
        painter.setRenderHint(QPainter.Antialiasing)
        for order in ("polygon", "line", "point"):
            for shape in (s for s in visible if s.feature.geometry == order):
                style = shape.feature.style
                pen = QPen(QColor(style.stroke), style.width)
                if order == "polygon":
                    path = QPainterPath()
                    path.setFillRule(Qt.OddEvenFill)  # holes stay clear
                    for ring in shape.rings:
                        path.addPolygon(screen(ring))
                    fill = QColor(style.fill or style.stroke)
                    fill.setAlphaF(style.fill_opacity)
                    if self.occupants.get(shape.zone_id):
                        pen = QPen(_OCCUPIED, style.width + 2)
                    elif shape.feature.geofence:
                        pen.setStyle(Qt.DashLine)
                    painter.setPen(pen)
                    painter.setBrush(QBrush(fill))
                    painter.drawPath(path)
                elif order == "line":
                    painter.setBrush(Qt.NoBrush)
                    painter.setPen(QPen(_HALO, style.width + 2, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
                    painter.drawPolyline(screen(shape.rings[0]))
                    pen.setCapStyle(Qt.RoundCap)
                    pen.setJoinStyle(Qt.RoundJoin)
                    painter.setPen(pen)
                    painter.drawPolyline(screen(shape.rings[0]))
                else:
                    fx, fy = shape.rings[0][0]
                    _paint_symbol(painter, QPointF(fx * scale + off_x, fy * scale + off_y), shape.feature)
        if labels:
            painter.setFont(QFont(painter.font().family(), 8))
            for shape in visible:
                if shape.feature.name and shape.feature.geometry != "line":
                    inside = len(self.occupants.get(shape.zone_id, ()))
                    text = self.tr("{name} — {count} inside").format(name=shape.feature.name, count=inside) \
                        if inside else shape.feature.name
                    _paint_label(painter, shape, text, scale, off_x, off_y)
        painter.restore()


def _shape(feature: Feature, zone_id: str, datum: Datum) -> _Shape:
    rings = [[lonlat_to_fraction(*convert(lon, lat, Datum.WGS84, datum)) for lon, lat in ring]
             for ring in feature.rings]
    xs = [fx for ring in rings for fx, _ in ring]
    ys = [fy for ring in rings for _, fy in ring]
    return _Shape(feature, zone_id, rings, (min(xs), min(ys), max(xs), max(ys)))


def _paint_symbol(painter: QPainter, at: QPointF, feature: Feature) -> None:
    """A shelter is a green house with a white edge; any other point a dot in its stroke colour."""
    r = SYMBOL_PX
    painter.setPen(QPen(Qt.white, 1.5))
    if feature.kind == "shelter":
        painter.setBrush(_SHELTER if feature.style.stroke == Style().stroke else QColor(feature.style.stroke))
        house = QPolygonF([QPointF(at.x(), at.y() - r), QPointF(at.x() + r, at.y() - r * 0.1),
                           QPointF(at.x() + r * 0.7, at.y() - r * 0.1), QPointF(at.x() + r * 0.7, at.y() + r * 0.8),
                           QPointF(at.x() - r * 0.7, at.y() + r * 0.8), QPointF(at.x() - r * 0.7, at.y() - r * 0.1),
                           QPointF(at.x() - r, at.y() - r * 0.1)])
        painter.drawPolygon(house)
    else:
        painter.setBrush(QColor(feature.style.stroke))
        painter.drawEllipse(at, r * 0.6, r * 0.6)


def _paint_label(painter: QPainter, shape: _Shape, text: str, scale: float, off_x: float, off_y: float) -> None:
    if shape.feature.geometry == "point":
        fx, fy = shape.rings[0][0]
        x, y = fx * scale + off_x + SYMBOL_PX + 3, fy * scale + off_y + 4
    else:
        metrics = painter.fontMetrics()
        x = (shape.box[0] + shape.box[2]) / 2 * scale + off_x - metrics.horizontalAdvance(text) / 2
        y = (shape.box[1] + shape.box[3]) / 2 * scale + off_y
    painter.setPen(_HALO)
    for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        painter.drawText(QPointF(x + dx, y + dy), text)
    painter.setPen(Qt.white)
    painter.drawText(QPointF(x, y), text)


class OverlayListWidget(QListWidget):
    """The layer list: one check box per overlay, kept in the map's top-right corner (GUI thread)."""

    def __init__(self, layer: OverlayLayer, view: QWidget) -> None:
        super().__init__(view)
        self.setObjectName("overlayList")
        self.layer = layer
        for overlay in layer.overlays:
            item = QListWidgetItem(self.tr("{name} ({count} features)").format(
                name=overlay.name, count=len(overlay.features)), self)
            item.setData(Qt.UserRole, overlay.id)
            item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Unchecked if overlay.id in layer.hidden else Qt.Checked)
        for overlay_id, reason in layer.failures.items():
            item = QListWidgetItem(self.tr("{id}: not shown").format(id=overlay_id), self)
            item.setToolTip(self.tr("Overlay '{id}' cannot be drawn: {reason}").format(id=overlay_id, reason=reason))
            item.setFlags(Qt.ItemIsEnabled)
            item.setForeground(QColor("#c62828"))
        self.itemChanged.connect(self._on_list_item_changed)
        self.setToolTip(self.tr("Map overlays: tick to show, untick to hide"))
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.ElideRight)
        view.installEventFilter(self)
        self._place(view)

    def _on_list_item_changed(self, item: QListWidgetItem) -> None:
        overlay_id = item.data(Qt.UserRole)
        if overlay_id is not None:
            self.layer.set_visible(overlay_id, item.checkState() == Qt.Checked)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is not self.parentWidget():  # the list's own scroll area filters its parts here too
            return super().eventFilter(watched, event)
        if event.type() == QEvent.Resize:
            self._place(watched)
        return False

    def _place(self, view: QWidget) -> None:
        row = max(self.sizeHintForRow(0), self.fontMetrics().height() + 6)
        height = min(max(1, self.count()) * row + 2 * self.frameWidth() + 2, max(40, view.height() // 3))
        width = min(LIST_WIDTH_PX, view.width() // 2 - LIST_MARGIN_PX)
        self.setGeometry(QRectF(view.width() - width - LIST_MARGIN_PX, LIST_MARGIN_PX, width, height).toRect())


def install_overlays(map_view, configs: tuple[OverlayConfig, ...], bus=None) -> OverlayLayer | None:
    """Draw ``configs`` on ``map_view`` with a layer list, units from ``bus`` lighting up geofence zones.

    Nothing at all is installed when no overlay is configured.
    """
    if not configs:
        return None
    layer = OverlayLayer(configs, map_view)
    if bus is not None:
        bus.units_changed.connect(layer.update_units)
    layer.list_widget = OverlayListWidget(layer, map_view)
    layer.list_widget.show()  # a child added after its parent was shown stays hidden until told
    return layer
