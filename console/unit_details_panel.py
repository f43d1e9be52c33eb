"""A unit's details over the map: who, where, how fast, how old, and what can be done with it."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox, QDateTimeEdit, QFormLayout, QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout,
    QWidget,
)

from maps.viewport import format_dms
from radios.schema import PayloadError, UnitState, parse_ts

TRACK_RANGES_MIN = (15, 60, 360, 1440)
CUSTOM_RANGE = 0
"""The track range's entry for a free from/to, picked in local time."""


def age_text(seconds: float) -> str:
    """``12 s``, ``5 min`` or ``3 h``; a time ahead of this seat's clock reads ``0 s``."""
    seconds = max(0.0, seconds)
    if seconds < 120:
        return f"{int(seconds)} s"
    if seconds < 7200:
        return f"{int(seconds // 60)} min"
    return f"{int(seconds // 3600)} h"


class UnitDetailsPanel(QFrame):
    """Shows one unit's state and offers Open video, Follow and its track; a child of the map view."""

    open_video_requested = Signal(str)  # stream id
    follow_toggled = Signal(bool)
    track_requested = Signal(object, object)  # start, end: aware UTC datetimes
    track_cleared = Signal()
    closed = Signal()

    def __init__(self, parent: QWidget | None = None, clock=time.time) -> None:
        super().__init__(parent)
        self.setObjectName("unitDetails")
        self.setFrameShape(QFrame.StyledPanel)
        self.setAutoFillBackground(True)
        self.unit: UnitState | None = None
        self._clock = clock
        self.callsign = QLabel(self)
        self.callsign.setObjectName("unitDetailsCallsign")
        self.callsign.setTextFormat(Qt.PlainText)
        font = self.callsign.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.callsign.setFont(font)
        close = QToolButton(self)
        close.setText("×")
        close.setToolTip(self.tr("Close"))
        close.clicked.connect(self._on_close_clicked)
        self.fields: dict[str, QLabel] = {}
        form = QFormLayout()
        for name, label in (("kind", self.tr("Kind")), ("position", self.tr("Position")), ("dms", self.tr("DMS")),
                            ("heading", self.tr("Heading")), ("speed", self.tr("Speed")),
                            ("battery", self.tr("Battery")), ("age", self.tr("Age")),
                            ("source", self.tr("Source"))):
            value = QLabel(self)
            value.setTextFormat(Qt.PlainText)
            value.setTextInteractionFlags(Qt.TextSelectableByMouse)
            self.fields[name] = value
            form.addRow(label, value)
        self.open_video = QPushButton(self.tr("Open video"), self)
        self.open_video.clicked.connect(self._on_open_video_clicked)
        self.follow = QPushButton(self.tr("Follow"), self, checkable=True)
        self.follow.toggled.connect(self.follow_toggled)
        self.track_range = QComboBox(self)
        for minutes in TRACK_RANGES_MIN:
            text = (self.tr("Last {n} min").format(n=minutes) if minutes < 60
                    else self.tr("Last {n} h").format(n=minutes // 60))
            self.track_range.addItem(text, minutes)
        self.track_range.addItem(self.tr("From … to …"), CUSTOM_RANGE)
        self.track_range.setCurrentIndex(1)
        self.track_range.currentIndexChanged.connect(self._on_track_range_changed)
        self.track_from = self._time_edit(self.tr("Track from (local time)"))
        self.track_to = self._time_edit(self.tr("Track to (local time)"))
        self.show_track = QPushButton(self.tr("Show track"), self)
        self.show_track.clicked.connect(self._on_show_track_clicked)
        self.clear_track = QPushButton(self.tr("Clear track"), self)
        self.clear_track.clicked.connect(self.track_cleared)
        self.track_status = QLabel(self)
        self.track_status.setTextFormat(Qt.PlainText)
        title = QHBoxLayout()
        title.addWidget(self.callsign, 1)
        title.addWidget(close)
        actions = QHBoxLayout()
        actions.addWidget(self.open_video)
        actions.addWidget(self.follow)
        track = QHBoxLayout()
        track.addWidget(self.track_range)
        track.addWidget(self.show_track)
        track.addWidget(self.clear_track)
        self.custom_range = QWidget(self)
        custom = QHBoxLayout(self.custom_range)
        custom.setContentsMargins(0, 0, 0, 0)
        custom.addWidget(self.track_from, 1)
        custom.addWidget(QLabel("–", self.custom_range))
        custom.addWidget(self.track_to, 1)
        self.custom_range.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addLayout(title)
        layout.addLayout(form)
        layout.addLayout(actions)
        layout.addLayout(track)
        layout.addWidget(self.custom_range)
        layout.addWidget(self.track_status)
        self.hide()

    def show_unit(self, unit: UnitState) -> None:
        """Fill the panel with ``unit`` (a new unit resets Follow and the track status) and show it."""
        if self.unit is None or self.unit.uid != unit.uid:
            self.follow.setChecked(False)
            self.track_status.clear()
        self.unit = unit
        self.callsign.setText(unit.callsign)
        self.fields["kind"].setText(unit.unit_kind)
        self.fields["position"].setText(f"{unit.lat:.6f}, {unit.lon:.6f}")
        self.fields["dms"].setText(format_dms(unit.lon, unit.lat))
        self.fields["heading"].setText(f"{unit.heading:.0f}°" if unit.heading is not None else "—")
        self.fields["speed"].setText(self.tr("{ms:.1f} m/s ({kmh:.0f} km/h)").format(ms=unit.speed, kmh=unit.speed * 3.6)
                                     if unit.speed is not None else "—")
        self.fields["battery"].setText(f"{unit.battery:.0f} %" if unit.battery is not None else "—")
        self.fields["source"].setText(unit.src)
        self.open_video.setVisible(bool(unit.stream))
        self.refresh_age()
        self.adjustSize()
        self.show()
        self.raise_()

    def refresh_age(self) -> None:
        """Rewrite the age from the unit's report time and this seat's clock."""
        if self.unit is None:
            return
        try:
            seen = parse_ts(self.unit.ts).timestamp()
        except PayloadError:
            self.fields["age"].setText("—")
            return
        self.fields["age"].setText(age_text(self._clock() - seen))

    def mousePressEvent(self, event) -> None:
        event.accept()  # a press on the panel is not a press on the map below it

    def mouseReleaseEvent(self, event) -> None:
        event.accept()

    def wheelEvent(self, event) -> None:
        event.accept()  # nor does the wheel over it zoom the map

    def _on_open_video_clicked(self) -> None:
        if self.unit is not None and self.unit.stream:
            self.open_video_requested.emit(self.unit.stream)

    def track_period(self) -> tuple[datetime, datetime] | None:
        """The chosen period as aware UTC datetimes, or None when a free range ends before it starts."""
        minutes = int(self.track_range.currentData())
        if minutes != CUSTOM_RANGE:
            end = datetime.fromtimestamp(self._clock(), timezone.utc)
            return end - timedelta(minutes=minutes), end
        start = self.track_from.dateTime().toSecsSinceEpoch()
        end = self.track_to.dateTime().toSecsSinceEpoch()
        if end <= start:
            return None
        return datetime.fromtimestamp(start, timezone.utc), datetime.fromtimestamp(end, timezone.utc)

    def _time_edit(self, name: str) -> QDateTimeEdit:
        edit = QDateTimeEdit(self)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        edit.setToolTip(name)
        edit.setAccessibleName(name)
        return edit

    def _on_track_range_changed(self, _index: int) -> None:
        custom = self.track_range.currentData() == CUSTOM_RANGE
        if custom and not self.custom_range.isVisible():
            end = QDateTime.fromSecsSinceEpoch(int(self._clock()))  # the last hour, to start from
            self.track_to.setDateTime(end)
            self.track_from.setDateTime(end.addSecs(-3600))
        self.custom_range.setVisible(custom)
        self.adjustSize()

    def _on_show_track_clicked(self) -> None:
        period = self.track_period()
        if period is None:
            self.track_status.setText(self.tr("The track's end must come after its start."))
            return
        self.track_requested.emit(*period)

    def _on_close_clicked(self) -> None:
        self.follow.setChecked(False)
        self.hide()
        self.closed.emit()
