"""Tasks on the map: search areas as polygons, evacuation points and checkpoints as symbols, and picking a place.

``TaskLayer`` paints every task the bus has shown this seat, coloured by status (red
open, orange assigned, blue in progress, grey done; cancelled ones are not drawn) and
labelled with its title, status and units. ``TaskPlacePicker`` takes clicks on the map
while a person picks a task's place: one click for a point, corners for an area (Enter
or a double click closes it, Backspace takes the last corner back, Esc cancels); when
not picking, a click on a task says which one (``task_clicked``). It watches the view's
events through a filter and never takes a mouse event from it, so pan and zoom keep
working while picking. Everything here runs on the GUI thread.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPolygonF

from radios.schema import MAX_AREA_POINTS, Task

STATUS_COLOURS = {"open": QColor("#e53935"), "assigned": QColor("#fb8c00"), "in_progress": QColor("#1e88e5"),
                  "done": QColor("#757575")}
AREA_FILL_ALPHA = 90
SYMBOL_PX = 11.0
SELECTED_PX = 4.0  # the selected task's edge is this much thicker
DRAFT_COLOUR = QColor("#d500f9")
CLICK_SLOP_PX = 4.0
_HALO = QColor(0, 0, 0, 170)


def task_kind_label(kind: str) -> str:
    return {
        "search_area": QCoreApplication.translate("TaskLayer", "Search area"),
        "evacuation_point": QCoreApplication.translate("TaskLayer", "Evacuation point"),
        "checkpoint": QCoreApplication.translate("TaskLayer", "Checkpoint"),
    }.get(kind, kind)


def task_status_label(status: str) -> str:
    return {
        "open": QCoreApplication.translate("TaskLayer", "open"),
        "assigned": QCoreApplication.translate("TaskLayer", "assigned"),
        "in_progress": QCoreApplication.translate("TaskLayer", "in progress"),
        "done": QCoreApplication.translate("TaskLayer", "done"),
        "cancelled": QCoreApplication.translate("TaskLayer", "cancelled"),
    }.get(status, status)


class TaskLayer:
    """The tasks this seat knows, drawn on a ``MapView`` under the units; GUI thread only.

    ``drawn`` holds the ids painted last time, so a test can tell a task reached the screen.
    """

    def __init__(self, view) -> None:
        self.view = view
        self.tasks: dict[str, Task] = {}
        self.selected: str | None = None
        self.draft: list[tuple[float, float]] = []  # (lon, lat) corners being picked
        self.hint = ""  # what to do next, shown at the top of the map while picking
        self.drawn: list[str] = []
        view.layers.append(self)

    def set_task(self, task: Task) -> None:
        """Show ``task`` as it now stands (a lower revision than the one shown is ignored)."""
        shown = self.tasks.get(task.id)
        if shown is None or task.revision >= shown.revision:
            self.tasks[task.id] = task
            self.view.update()

    def task_at(self, point: QPointF) -> str | None:
        """The id of the drawn task under ``point`` (widget pixels): a point task near it, else an area around it."""
        shown = [t for t in self.tasks.values() if t.status in STATUS_COLOURS]
        for task in shown:
            if task.task_kind != "search_area":
                at = self.view.position_to_screen(task.lon, task.lat)
                if math.hypot(at.x() - point.x(), at.y() - point.y()) <= SYMBOL_PX + 4:
                    return task.id
        for task in shown:
            if task.task_kind == "search_area":
                outline = QPolygonF([self.view.position_to_screen(lon, lat) for lon, lat in task.area])
                if outline.containsPoint(point, Qt.OddEvenFill):
                    return task.id
        return None

    def paint(self, painter: QPainter, view) -> None:
        """Called from the map view's paint event: areas, then points, then labels, then the draft."""
        shown = [t for t in self.tasks.values() if t.status in STATUS_COLOURS]
        painter.save()
        painter.setRenderHint(QPainter.Antialiasing)
        for task in sorted(shown, key=lambda t: t.task_kind != "search_area"):
            colour = STATUS_COLOURS[task.status]
            width = 2.5 + (SELECTED_PX if task.id == self.selected else 0.0)
            style = Qt.DashLine if task.status == "done" else Qt.SolidLine
            if task.task_kind == "search_area":
                fill = QColor(colour)
                fill.setAlpha(AREA_FILL_ALPHA)
                painter.setBrush(fill)
                painter.setPen(QPen(colour, width, style))
                painter.drawPolygon(QPolygonF([view.position_to_screen(lon, lat) for lon, lat in task.area]))
            else:
                painter.setBrush(colour)
                painter.setPen(QPen(Qt.white, 2.0 + (SELECTED_PX if task.id == self.selected else 0.0) / 2))
                painter.drawPolygon(_symbol(task.task_kind, view.position_to_screen(task.lon, task.lat)))
        painter.setFont(QFont(painter.font().family(), 9, QFont.Bold))
        for task in shown:
            _paint_label(painter, view.position_to_screen(task.lon, task.lat), task)
        self._paint_draft(painter, view)
        if self.hint:
            _paint_hint(painter, view, self.hint)
        painter.restore()
        self.drawn = [t.id for t in shown]

    def _paint_draft(self, painter: QPainter, view) -> None:
        if not self.draft:
            return
        corners = QPolygonF([view.position_to_screen(lon, lat) for lon, lat in self.draft])
        painter.setBrush(Qt.NoBrush)
        painter.setPen(QPen(DRAFT_COLOUR, 2.0, Qt.DashLine))
        if len(self.draft) >= 3:
            painter.drawPolygon(corners)
        else:
            painter.drawPolyline(corners)
        painter.setPen(QPen(Qt.white, 1.5))
        painter.setBrush(DRAFT_COLOUR)
        for corner in corners:
            painter.drawEllipse(QPointF(corner), 4.0, 4.0)


def _symbol(kind: str, at: QPointF) -> QPolygonF:
    """An evacuation point is a triangle pointing up (the way out); a checkpoint a diamond."""
    r, x, y = SYMBOL_PX, at.x(), at.y()
    if kind == "evacuation_point":
        return QPolygonF([QPointF(x, y - r), QPointF(x + r, y + r * 0.8), QPointF(x - r, y + r * 0.8)])
    return QPolygonF([QPointF(x, y - r), QPointF(x + r, y), QPointF(x, y + r), QPointF(x - r, y)])


def _paint_label(painter: QPainter, at: QPointF, task: Task) -> None:
    lines = [f"{task.title} · {task_status_label(task.status)}"]
    if task.units:
        lines.append(", ".join(task.units))
    metrics = painter.fontMetrics()
    y = at.y() + SYMBOL_PX + metrics.ascent() + 2
    for line in lines:
        x = at.x() - metrics.horizontalAdvance(line) / 2
        painter.setPen(_HALO)
        for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1)):
            painter.drawText(QPointF(x + dx, y + dy), line)
        painter.setPen(Qt.white)
        painter.drawText(QPointF(x, y), line)
        y += metrics.height()


class TaskPlacePicker(QObject):
    """Takes a task's place from clicks on a ``MapView``; the corners show in ``layer.draft`` meanwhile."""

    picked = Signal(list)  # [[lon, lat], ...]: one point, or an area's corners
    cancelled = Signal()
    task_clicked = Signal(str)  # task id: a click on a task while not picking

    def __init__(self, layer: TaskLayer) -> None:
        super().__init__(layer.view)
        self.layer = layer
        self.view = layer.view
        self.kind: str | None = None  # the task kind being picked; None when not picking
        self._press: QPointF | None = None
        self._dragged = False
        self.view.installEventFilter(self)

    @property
    def active(self) -> bool:
        return self.kind is not None

    def start(self, kind: str) -> None:
        """Begin picking the place of a task of ``kind``."""
        self.kind = kind
        self.layer.draft = []
        self.layer.hint = self.hint()
        self.view.setCursor(Qt.CrossCursor)
        self.view.update()

    def cancel(self) -> None:
        if self.active:
            self._stop()
            self.cancelled.emit()

    def hint(self) -> str:
        if self.kind == "search_area":
            return self.tr("Click the corners of the search area; Enter or a double click closes it, Esc cancels")
        return self.tr("Click the place of the task on the map; Esc cancels")

    def add(self, lon: float, lat: float) -> None:
        """One click at ``(lon, lat)``: a point ends the picking, a corner is added to the area."""
        if self.kind is None:
            return
        if self.kind != "search_area":
            self._finish([[lon, lat]])
            return
        if len(self.layer.draft) < MAX_AREA_POINTS:
            self.layer.draft.append((lon, lat))
        self.view.update()

    def close_area(self) -> bool:
        """Finish an area of three corners or more; False (and keep picking) with fewer."""
        if self.kind != "search_area" or len(self.layer.draft) < 3:
            return False
        self._finish([[lon, lat] for lon, lat in self.layer.draft])
        return True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """GUI thread (Qt, before the view): clicks add points or pick a task, keys finish or cancel;
        mouse events always pass on to the view."""
        if watched is not self.view:
            return False
        kind = event.type()
        if kind == QEvent.MouseButtonPress and event.button() == Qt.LeftButton:
            self._press, self._dragged = event.position(), False
        elif kind == QEvent.MouseMove and self._press is not None:
            moved = event.position() - self._press
            self._dragged = self._dragged or math.hypot(moved.x(), moved.y()) > CLICK_SLOP_PX
        elif kind == QEvent.MouseButtonRelease and event.button() == Qt.LeftButton and self._press is not None:
            if not self._dragged:
                self._on_view_clicked(event.position())
            self._press = None
        elif kind == QEvent.MouseButtonDblClick and self.kind is not None:
            self.close_area()
        elif kind == QEvent.KeyPress and self.kind is not None:
            if event.key() == Qt.Key_Escape:
                self.cancel()
                return True
            if event.key() in (Qt.Key_Return, Qt.Key_Enter):
                self.close_area()
                return True
            if event.key() == Qt.Key_Backspace and self.layer.draft:
                self.layer.draft.pop()
                self.view.update()
                return True
        return False

    def _on_view_clicked(self, point: QPointF) -> None:
        if self.kind is not None:
            self.add(*self.view.screen_to_position(point))
            return
        clicked = self.layer.task_at(point)
        if clicked is not None:
            self.task_clicked.emit(clicked)

    def _finish(self, place: list) -> None:
        self._stop()
        self.picked.emit(place)

    def _stop(self) -> None:
        self.kind = None
        self.layer.draft = []
        self.layer.hint = ""
        self.view.unsetCursor()
        self.view.update()


def _paint_hint(painter: QPainter, view, text: str) -> None:
    """A dark box at the top of the map with what to do next."""
    metrics = painter.fontMetrics()
    box = QRectF(0, 0, metrics.horizontalAdvance(text) + 14, metrics.height() + 8)
    box.moveCenter(QPointF(view.width() / 2, box.height() / 2 + 6))
    painter.fillRect(box, QColor(0, 0, 0, 170))
    painter.setPen(Qt.white)
    painter.drawText(box, Qt.AlignCenter, text)
