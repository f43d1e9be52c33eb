"""What a person does with the map beyond pan and zoom: pick a unit, follow it, see its track, measure.

``MapInteractions`` is installed on a ``MapPanel``; it watches the map view's mouse and
keys through an event filter, so the view's own pan and zoom stay as they are. A press
and release within ``CLICK_SLOP_PX`` is a click: it adds a point while measuring, and
otherwise opens the details of the unit under it. Dragging or arrow keys end Follow.
"""

from __future__ import annotations

import math
import time
from datetime import datetime

from PySide6.QtCore import QEvent, QObject, QPointF, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QToolBar

from console.bus_client import HISTORY_TIMEOUT_S
from console.history_track_layer import HistoryTrackLayer, track_points
from console.measure_tool import MeasureTool
from console.unit_details_panel import UnitDetailsPanel
from console.unit_markers import SPRITE_HALF
from radios.schema import Alarm, HistoryReply, HistoryRequest, UnitState, format_ts

CLICK_SLOP_PX = 4.0
PICK_RADIUS_PX = SPRITE_HALF + 4.0
DETAILS_MARGIN_PX = 8
AGE_REFRESH_MS = 1000
# The latest positions asked for: a reply must fit the bus's 256 KiB payload limit, and a position
# with long names takes ~350 bytes of JSON.
TRACK_LIMIT = 600
_PANS = (Qt.Key_Left, Qt.Key_Right, Qt.Key_Up, Qt.Key_Down)


class MapInteractions(QObject):
    """Unit details, Follow, history tracks, the measuring tool and centring on alarms, for one map panel.

    ``panel`` must have ``map_view`` and an ``open_video_requested(str)`` signal; ``bus`` is
    the ``BusClient``. Everything here runs on the GUI thread.
    """

    def __init__(self, panel, bus, clock=time.time) -> None:
        super().__init__(panel)
        self.panel = panel
        self.view = view = panel.map_view
        self._bus = bus
        self._clock = clock
        self.units: dict[str, UnitState] = {}
        self.following: str | None = None
        self.track = HistoryTrackLayer()
        self.track_status = ""
        self.measure = MeasureTool()
        self._pending: tuple[str, str, float] | None = None  # request id, uid, when sent
        self._press: QPointF | None = None
        self._dragged = False
        view.layers.extend([self.track, self.measure])
        self.details = UnitDetailsPanel(view, clock)
        self.details.open_video_requested.connect(panel.open_video_requested)
        self.details.follow_toggled.connect(self._on_details_follow_toggled)
        self.details.track_requested.connect(self._on_details_track_requested)
        self.details.track_cleared.connect(self.clear_track)
        self.toolbar = QToolBar(panel)
        self.toolbar.setObjectName("mapToolbar")
        self.measure_action = QAction(self.tr("Measure"), self, checkable=True)
        self.measure_action.setShortcut(QKeySequence("Ctrl+M"))
        self.measure_action.setToolTip(self.tr("Measure distance and area: click points on the map; Esc clears "
                                               "(Ctrl+M)"))
        self.measure_action.toggled.connect(self.set_measuring)
        self.toolbar.addAction(self.measure_action)
        panel.layout().insertWidget(0, self.toolbar)
        bus.units_changed.connect(self._on_bus_units_changed)
        bus.history_received.connect(self._on_bus_history_received)
        view.installEventFilter(self)
        self._ages = QTimer(self, interval=AGE_REFRESH_MS)
        self._ages.timeout.connect(self.details.refresh_age)
        self._ages.start()

    # -- public API ------------------------------------------------------------------
    def select(self, uid: str) -> None:
        """Open the details of a known unit."""
        unit = self.units.get(uid)
        if unit is not None:
            self.details.show_unit(unit)
            self._place_details()

    def unit_at(self, point: QPointF) -> str | None:
        """The uid of the unit drawn nearest ``point`` (widget pixels) within reach of a click, or None."""
        best, best_distance = None, PICK_RADIUS_PX
        for uid in self.units:
            where = self.view.unit_screen_pos(uid)
            if where is None:
                continue
            distance = math.hypot(where.x() - point.x(), where.y() - point.y())
            if distance <= best_distance:
                best, best_distance = uid, distance
        return best

    def follow(self, uid: str | None) -> None:
        """Keep ``uid`` in the middle of the map as it moves, until the person pans; None stops."""
        self.following = uid if uid in self.units else None
        if self.details.unit is not None:
            self.details.follow.blockSignals(True)
            self.details.follow.setChecked(self.following is not None and self.following == self.details.unit.uid)
            self.details.follow.blockSignals(False)
        self._centre_on_followed()

    def request_track(self, uid: str, start: datetime, end: datetime) -> str:
        """Ask the gateway for ``uid``'s positions between two times; returns the request id."""
        request = HistoryRequest.create(self._bus.source, what="track", unit=uid, start=format_ts(start),
                                        end=format_ts(end), limit=TRACK_LIMIT)
        self._pending = (request.id, uid, time.monotonic())
        self._set_track_status(self.tr("Asking the gateway for the track…"))
        self._bus.request_history(request)
        QTimer.singleShot(int((HISTORY_TIMEOUT_S + 1) * 1000), self, lambda: self._give_up_on(request.id))
        return request.id

    def _give_up_on(self, request_id: str) -> None:
        """GUI thread (a timer): the answer never came, or came unreadable (too big, malformed)."""
        if self._pending is not None and self._pending[0] == request_id:
            self._pending = None
            self._set_track_status(self.tr("No answer from the gateway; try again."))

    def clear_track(self) -> None:
        self.track.clear()
        self._pending = None
        self._set_track_status("")
        self.view.update()

    def set_measuring(self, on: bool) -> None:
        """Turn the measuring tool on (clicks add points) or off (its points are cleared)."""
        self.measure.active = on
        if not on:
            self.measure.clear()
        if self.measure_action.isChecked() != on:
            self.measure_action.setChecked(on)
        self.view.update()

    def show_alarm(self, alarm: Alarm, open_video: bool = True) -> None:
        """GUI thread (the alarm bar's ``alarm_raised``): centre on the alarm and, if asked, open its unit's video."""
        unit = self.units.get(alarm.unit) if alarm.unit else None
        if alarm.lat is not None and alarm.lon is not None:
            position = (alarm.lon, alarm.lat)
        elif unit is not None:
            position = (unit.lon, unit.lat)
        else:
            return
        self.follow(None)
        self.view.centre_on(*position)
        if unit is not None:
            self.select(unit.uid)
            if unit.stream and open_video:
                self.panel.open_video_requested.emit(unit.stream)

    # -- bus ---------------------------------------------------------------------------
    def _on_bus_units_changed(self, units: list[UnitState]) -> None:
        """GUI thread (the bus client's coalesced ``units_changed``)."""
        for unit in units:
            self.units[unit.uid] = unit
        shown = self.details.unit
        if shown is not None and self.details.isVisible():
            latest = self.units.get(shown.uid)
            if latest is not None and latest is not shown:
                self.details.show_unit(latest)
                self._place_details()  # its width follows the text
        if self.following is not None:
            self._centre_on_followed()

    def _on_bus_history_received(self, reply: HistoryReply | None) -> None:
        """GUI thread (the bus client's ``history_received``); other panels' replies are ignored."""
        if self._pending is None:
            return
        request_id, uid, sent_at = self._pending
        if reply is None:  # some request timed out; ours only if it is as old as the timeout
            if time.monotonic() - sent_at >= HISTORY_TIMEOUT_S * 0.9:
                self._pending = None
                self._set_track_status(self.tr("No answer from the gateway; try again."))
            return
        if reply.request != request_id:
            return
        self._pending = None
        if not reply.ok:
            self._set_track_status(self.tr("The gateway could not give the track: {error}").format(error=reply.error))
            return
        points = track_points(reply.items, uid)
        self.track.set_track(uid, points)
        status = self.tr("Track: {count} positions").format(count=len(points))
        if len(reply.items) >= TRACK_LIMIT:
            status += self.tr(" (the latest only; choose a shorter time for older ones)")
        self._set_track_status(status)
        self.view.update()

    # -- input -------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """GUI thread (Qt, before the map view sees the event): clicks, drags, Esc and arrows; never consumes
        an event the view needs, only Esc while measuring."""
        if watched is not self.view:
            return False
        kind = event.type()
        if kind == QEvent.MouseButtonPress and event.button() == Qt.LeftButton:
            self._press, self._dragged = event.position(), False
        elif kind == QEvent.MouseMove and self._press is not None and event.buttons() & Qt.LeftButton:
            moved = event.position() - self._press
            if not self._dragged and math.hypot(moved.x(), moved.y()) > CLICK_SLOP_PX:
                self._dragged = True
                self.follow(None)
        elif kind == QEvent.MouseButtonRelease and event.button() == Qt.LeftButton and self._press is not None:
            clicked = not self._dragged
            self._press = None
            if clicked:
                self._on_view_clicked(event.position())
        elif kind == QEvent.KeyPress:
            if event.key() == Qt.Key_Escape and (self.measure.active or self.measure.points):
                self.measure.clear()
                self.view.update()
                return True
            if event.key() in _PANS:
                self.follow(None)
        elif kind == QEvent.Resize:
            self._place_details()
        return False

    def _on_view_clicked(self, point: QPointF) -> None:
        if self.measure.active:
            self.measure.add(*self.view.screen_to_position(point))
            self.view.update()
            return
        uid = self.unit_at(point)
        if uid is not None:
            self.select(uid)

    def _on_details_follow_toggled(self, on: bool) -> None:
        self.follow(self.details.unit.uid if on and self.details.unit is not None else None)

    def _on_details_track_requested(self, start: datetime, end: datetime) -> None:
        if self.details.unit is not None:
            self.request_track(self.details.unit.uid, start, end)

    # -- helpers -----------------------------------------------------------------------
    def _centre_on_followed(self) -> None:
        unit = self.units.get(self.following) if self.following else None
        if unit is not None:
            self.view.centre_on(unit.lon, unit.lat)

    def _place_details(self) -> None:
        self.details.adjustSize()
        self.details.move(max(0, self.view.width() - self.details.width() - DETAILS_MARGIN_PX), DETAILS_MARGIN_PX + 30)

    def _set_track_status(self, text: str) -> None:
        self.track_status = text
        self.details.track_status.setText(text)

