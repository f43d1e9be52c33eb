"""The drone seat's head-up display: one drone's telemetry painted over its video tile.

``DroneHudState`` folds what the bus says about one drone (its ``UnitState``, its
``DroneTelemetry``, the vehicle's position) and ``readout`` turns it into the texts the
HUD shows; both are plain Python, so tests check them without painting. ``DroneHudPainter``
hooks into the drone stream's ``VideoTileWidget`` (its ``overlays`` list) and paints
the readout on translucent dark plates, so it stays readable over any picture.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QObject, QPointF, QRect, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen, QPolygonF

from maps.footprint import distance_bearing
from radios.drone_limits import CRITICAL_BATTERY_PERCENT, LOW_BATTERY_PERCENT
from radios.schema import DroneTelemetry, UnitState

TELEMETRY_SILENT_S = 10.0  # no telemetry at all for this long (gateway or broker gone) reads as a lost link
REFRESH_MS = 1000  # flight time and silence are re-read once a second
MAX_SHOWN = 99_999.0  # figures beyond this are nonsense from the field, not something to lay out
MAX_MODE_CHARS = 20

BATTERY_COLOURS = {"ok": QColor("#4cc38a"), "low": QColor("#ffb224"), "critical": QColor("#ff5c5c"),
                   "unknown": QColor("#c8ccd0")}
_PLATE = QColor(0, 0, 0, 170)  # white text on it stays readable over a white picture
_TEXT = QColor(255, 255, 255)
_LOST = QColor("#ff4d4f")
TAPE_SPAN_DEG = 90.0  # the compass tape shows this much of the horizon
translate = QCoreApplication.translate  # under this name pyside6-lupdate finds the strings


def battery_level(percent: float | None) -> str:
    """``ok``, ``low`` (at or below 30 %), ``critical`` (at or below 15 %) or ``unknown``: the gateway's thresholds."""
    if percent is None or not math.isfinite(percent):
        return "unknown"
    if percent <= CRITICAL_BATTERY_PERCENT:
        return "critical"
    if percent <= LOW_BATTERY_PERCENT:
        return "low"
    return "ok"


def battery_colour(percent: float | None) -> QColor:
    """The colour the battery figure is painted in."""
    return BATTERY_COLOURS[battery_level(percent)]


def _shown(value: float | None) -> float | None:
    """The value if it is a number worth showing, else None (shown as a dash)."""
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return max(-MAX_SHOWN, min(MAX_SHOWN, float(value)))


def _text(value: object, limit: int = 40) -> str:
    """A name from the field as a short single line, or a dash."""
    if not isinstance(value, str) or not value.strip():
        return "—"
    return " ".join(value.split())[:limit]


def format_duration(seconds: float | None) -> str:
    """``12:34`` or ``1:02:03``; a dash when unknown."""
    seconds = _shown(seconds)
    if seconds is None or seconds < 0:
        return "—"
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"


def format_metres(value: float | None) -> str:
    value = _shown(value)
    if value is None:
        return "—"
    if abs(value) >= 10_000:
        return translate("DroneHud", "{km:.2f} km").format(km=value / 1000)
    return translate("DroneHud", "{m:.0f} m").format(m=value)


@dataclass
class DroneHudState:
    """What the HUD knows about the one drone it follows, and about the vehicle (GUI thread only)."""

    uid: str | None = None
    unit: UnitState | None = None
    telemetry: DroneTelemetry | None = None
    vehicle: UnitState | None = None
    telemetry_at: float | None = None  # monotonic time the last telemetry arrived
    armed_at: float | None = None  # monotonic time it was first seen armed in this flight
    armed_unseen: bool = False  # already armed when this seat first heard it: flight time is a lower bound

    def take_units(self, units: list[UnitState]) -> bool:
        """Keep the followed drone's and the vehicle's latest state; True when either changed."""
        changed = False
        for unit in units:
            if unit.unit_kind == "vehicle":
                self.vehicle, changed = unit, True
            elif unit.uid == self.uid:
                self.unit, changed = unit, True
        return changed

    def take_telemetry(self, telemetry: DroneTelemetry, now: float) -> bool:
        """Keep the followed drone's telemetry and track when it armed; True when it is the followed drone."""
        if telemetry.uid != self.uid:
            return False
        previous, self.telemetry, self.telemetry_at = self.telemetry, telemetry, now
        if telemetry.armed is True:
            if self.armed_at is None:
                self.armed_at = now
                self.armed_unseen = previous is None or previous.armed is not False
        elif telemetry.armed is False:
            self.armed_at, self.armed_unseen = None, False
        return True

    def link_lost(self, now: float) -> bool:
        """The gateway says the drone is lost, or no telemetry came for ``TELEMETRY_SILENT_S``."""
        if self.telemetry is None:
            return False
        silent = self.telemetry_at is not None and now - self.telemetry_at > TELEMETRY_SILENT_S
        return self.telemetry.lost is True or silent


@dataclass(frozen=True)
class HudReadout:
    """Every text the HUD paints, already formatted; ``battery_level`` picks the battery's colour."""

    title: str
    mode: str
    flight_time: str
    alt_rel: str
    alt_msl: str
    climb: str
    speed: str
    heading: float | None
    heading_text: str
    battery: str
    battery_level: str
    link: str
    gps: str
    vehicle: str
    lost: bool

    def lines(self) -> list[str]:
        """All texts in reading order (for tests, screen readers and the tile's accessible name)."""
        lost = [translate("DroneHud", "LINK LOST")] if self.lost else []
        return [*lost, self.title, self.mode, self.flight_time, self.alt_rel, self.alt_msl, self.climb, self.speed,
                self.heading_text, self.battery, self.link, self.gps, self.vehicle]


def readout(state: DroneHudState, now: float) -> HudReadout:
    """The HUD's texts for ``state`` at monotonic time ``now``."""
    unit, telemetry = state.unit, state.telemetry
    title = _text(unit.callsign) if unit is not None else (state.uid or translate("DroneHud", "no drone"))
    mode = translate("DroneHud", "waiting for telemetry")
    battery, link = translate("DroneHud", "battery —"), translate("DroneHud", "link —")
    gps, percent, alt_rel, climb = translate("DroneHud", "GPS —"), None, None, None
    if telemetry is not None:
        armed = {True: translate("DroneHud", "ARMED"), False: translate("DroneHud", "disarmed")}
        mode = f"{_text(telemetry.mode)[:MAX_MODE_CHARS]} · {armed.get(_flag(telemetry.armed), '—')}"
        alt_rel, climb, percent = telemetry.alt_rel, telemetry.climb, _shown(telemetry.battery_percent)
        volts = _shown(telemetry.battery_voltage)
        battery = translate("DroneHud", "battery {percent} · {volts}").format(
            percent=_figure(percent, "{:.0f} %"), volts=_figure(volts, "{:.1f} V"))
        link = translate("DroneHud", "link {quality}").format(
            quality=_figure(_shown(telemetry.link_quality), "{:.0f} %"))
        gps = _gps_text(telemetry.gps_fix, telemetry.satellites)
    if state.armed_at is None:
        flight = translate("DroneHud", "flight time —")
    else:
        shown = format_duration(now - state.armed_at)
        flight = translate("DroneHud", "flight time {time}").format(
            time=("≥ " + shown) if state.armed_unseen else shown)
    heading = _shown(unit.heading) if unit is not None else None
    if heading is None and telemetry is not None:
        heading = _shown(telemetry.yaw)
    heading = None if heading is None else heading % 360.0
    return HudReadout(
        title=title,
        mode=mode,
        flight_time=flight,
        alt_rel=translate("DroneHud", "ALT {alt} rel").format(alt=format_metres(alt_rel)),
        alt_msl=translate("DroneHud", "{alt} MSL").format(alt=format_metres(unit.alt if unit is not None else None)),
        climb=translate("DroneHud", "climb {rate} m/s").format(rate=_figure(_shown(climb), "{:+.1f}")),
        speed=translate("DroneHud", "GS {speed} m/s").format(
            speed=_figure(_shown(unit.speed) if unit is not None else None, "{:.1f}")),
        heading=heading,
        heading_text=translate("DroneHud", "HDG {heading}").format(
            heading="—" if heading is None else f"{round(heading) % 360:03d}°"),
        battery=battery,
        battery_level=battery_level(percent),
        link=link,
        gps=gps,
        vehicle=_vehicle_text(unit, state.vehicle),
        lost=state.link_lost(now),
    )


def _flag(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _figure(value: float | None, pattern: str) -> str:
    return "—" if value is None else pattern.format(value)


def _gps_text(fix: int | None, satellites: int | None) -> str:
    names = {
        0: translate("DroneHud", "no GPS"), 1: translate("DroneHud", "no fix"), 2: translate("DroneHud", "2D fix"),
        3: translate("DroneHud", "3D fix"), 4: translate("DroneHud", "DGPS"), 5: translate("DroneHud", "RTK float"),
        6: translate("DroneHud", "RTK fixed"), 7: translate("DroneHud", "static"), 8: translate("DroneHud", "PPP"),
    }
    known = isinstance(fix, int) and not isinstance(fix, bool)
    text = names.get(fix, translate("DroneHud", "GPS —")) if known else translate("DroneHud", "GPS —")
    if isinstance(satellites, int) and not isinstance(satellites, bool) and 0 <= satellites < 1000:
        text += " · " + translate("DroneHud", "{count} sats").format(count=satellites)
    return text


def _vehicle_text(drone: UnitState | None, vehicle: UnitState | None) -> str:
    """Distance and bearing from the drone to the vehicle: the way home."""
    if vehicle is None:
        return translate("DroneHud", "vehicle position unknown")
    positions = [_shown(value) for value in (drone.lat, drone.lon)] if drone is not None else [None]
    if None in positions or None in (_shown(vehicle.lat), _shown(vehicle.lon)):
        return translate("DroneHud", "drone position unknown")
    distance, bearing = distance_bearing(drone.lat, drone.lon, vehicle.lat, vehicle.lon)
    return translate("DroneHud", "vehicle {distance} at {bearing}°").format(distance=format_metres(distance),
                                                         bearing=f"{round(bearing) % 360:03d}")


class DroneHudPainter(QObject):
    """Follows one drone on the bus and paints its HUD over the drone stream's tile (GUI thread only).

    The tile calls ``paint`` from its own paint event; bus updates and a once-a-second
    timer ask the tile to repaint, so the HUD costs nothing when telemetry is quiet.
    """

    def __init__(self, bus, tile, clock=time.monotonic) -> None:
        super().__init__(tile)  # lives and dies with its tile
        self.tile = tile
        stream = tile.stream
        sysid = getattr(stream, "sysid", None)
        self.state = DroneHudState(uid=f"drone-{sysid}" if sysid is not None else None)
        self._stream_names = {stream.id, stream.url}
        self._clock = clock
        self._cached: QImage | None = None  # the HUD as last drawn; None when its data changed
        self._cached_key: tuple = ()
        tile.overlays.append(self.paint)
        bus.units_changed.connect(self._on_bus_units_changed)
        bus.drone_changed.connect(self._on_bus_drone_changed)
        self._timer = QTimer(self, interval=REFRESH_MS)
        self._timer.timeout.connect(self._refresh)
        self._timer.start()

    def readout(self) -> HudReadout:
        return readout(self.state, self._clock())

    def _on_bus_units_changed(self, units: list[UnitState]) -> None:
        """GUI thread (the bus client's coalesced ``units_changed``)."""
        if self.state.uid is None:  # no configured sysid: the drone that says this is its video, else the first
            drones = [u for u in units if u.unit_kind == "drone"]
            chosen = next((u for u in drones if u.stream in self._stream_names), drones[0] if drones else None)
            if chosen is not None:
                self.state.uid = chosen.uid
        if self.state.take_units(units):
            self._changed()

    def _on_bus_drone_changed(self, telemetry: DroneTelemetry) -> None:
        """GUI thread (the bus client's ``drone_changed``)."""
        if self.state.take_telemetry(telemetry, self._clock()):
            self._changed()

    def _refresh(self) -> None:
        if self.tile.isVisible() and self.state.telemetry is not None:
            self._changed()  # flight time and silence move on with the clock

    def _changed(self) -> None:
        self._cached = None
        self.tile.update()

    # -- painting (called by the tile's paint event) ----------------------------------

    def paint(self, painter: QPainter, area: QRect) -> None:
        """Paint the HUD into ``area`` (the tile between its title and health bars).

        The tile repaints for every video frame; the HUD is drawn into an image only when
        its data, the clock's second or the tile's size changes, and copied otherwise.
        """
        if self.state.uid is None or area.height() < 40:
            return
        ratio = painter.device().devicePixelRatioF()
        key = (area.width(), area.height(), self.tile.focused, ratio)
        if self._cached is None or self._cached_key != key:
            self._cached, self._cached_key = self._render(area.width(), area.height(), ratio), key
        painter.drawImage(area.topLeft(), self._cached)

    def _render(self, width: int, height: int, ratio: float) -> QImage:
        image = QImage(max(1, round(width * ratio)), max(1, round(height * ratio)), QImage.Format_ARGB32_Premultiplied)
        image.setDevicePixelRatio(ratio)
        image.fill(Qt.transparent)
        area = QRect(0, 0, width, height)
        hud = self.readout()
        painter = QPainter(image)
        painter.setRenderHint(QPainter.Antialiasing)
        base = QFont(self.tile.font())
        base.setPixelSize(max(11, min(16, height // 22)))
        base.setBold(True)
        painter.setFont(base)
        if self.tile.focused:
            self._paint_full(painter, area, hud)
        else:
            self._paint_plate(painter, QPointF(area.left() + 6, area.bottom() - 6),
                              [(hud.alt_rel, _TEXT), (hud.battery, BATTERY_COLOURS[hud.battery_level])], "bottom-left")
        if hud.lost:
            self._paint_lost(painter, area)
        painter.end()
        return image

    def _paint_full(self, painter: QPainter, area: QRect, hud: HudReadout) -> None:
        margin = 8
        tape = QRectF(0, 0, min(420.0, area.width() * 0.45), 40.0)
        tape.moveCenter(QPointF(area.center().x(), area.top() + margin + tape.height() / 2))
        self._paint_compass(painter, tape, hud.heading)
        left = [(hud.title, _TEXT), (hud.mode, _TEXT), (hud.flight_time, _TEXT), (hud.alt_rel, _TEXT),
                (hud.alt_msl, _TEXT), (hud.climb, _TEXT), (hud.speed, _TEXT), (hud.heading_text, _TEXT)]
        right = [(hud.battery, BATTERY_COLOURS[hud.battery_level]), (hud.link, _TEXT), (hud.gps, _TEXT)]
        self._paint_plate(painter, QPointF(area.left() + margin, area.top() + margin), left, "top-left")
        self._paint_plate(painter, QPointF(area.right() - margin, area.top() + margin), right, "top-right")
        self._paint_plate(painter, QPointF(area.left() + margin, area.bottom() - margin), [(hud.vehicle, _TEXT)],
                          "bottom-left")

    def _paint_plate(self, painter: QPainter, corner: QPointF, lines: list[tuple[str, QColor]], anchor: str) -> None:
        """Lines of text on one rounded translucent plate, placed by the given corner."""
        metrics = painter.fontMetrics()
        height = metrics.height()
        width = max(metrics.horizontalAdvance(text) for text, _ in lines) + 16
        plate = QRectF(0, 0, width, height * len(lines) + 10)
        right, bottom = anchor.endswith("right"), anchor.startswith("bottom")
        plate.moveLeft(corner.x() - width if right else corner.x())
        plate.moveTop(corner.y() - plate.height() if bottom else corner.y())
        painter.setPen(Qt.NoPen)
        painter.setBrush(_PLATE)
        painter.drawRoundedRect(plate, 6, 6)
        for row, (text, colour) in enumerate(lines):
            painter.setPen(colour)
            line = QRectF(plate.left() + 8, plate.top() + 5 + row * height, width - 16, height)
            painter.drawText(line, (Qt.AlignRight if right else Qt.AlignLeft) | Qt.AlignVCenter, text)

    def _paint_compass(self, painter: QPainter, tape: QRectF, heading: float | None) -> None:
        """A heading tape: ticks every 5°, labels every 30°, the heading boxed in the middle."""
        painter.setPen(Qt.NoPen)
        painter.setBrush(_PLATE)
        painter.drawRoundedRect(tape, 6, 6)
        painter.setPen(QPen(_TEXT, 1.5))
        centre_x = tape.center().x()
        if heading is None:
            painter.drawText(tape, Qt.AlignCenter, translate("DroneHud", "heading unknown"))
            return
        per_deg = tape.width() / TAPE_SPAN_DEG
        painter.setClipRect(tape)
        small = QFont(painter.font())
        small.setPixelSize(max(9, painter.font().pixelSize() - 3))
        painter.setFont(small)
        first = math.floor((heading - TAPE_SPAN_DEG / 2) / 5) * 5
        for degree in range(first, first + int(TAPE_SPAN_DEG) + 10, 5):
            x = centre_x + (degree - heading) * per_deg
            tick = 10 if degree % 10 == 0 else 5
            painter.drawLine(QPointF(x, tape.bottom() - tick - 2), QPointF(x, tape.bottom() - 2))
            if degree % 30 == 0:
                label = {0: "N", 90: "E", 180: "S", 270: "W"}.get(degree % 360, str(degree % 360))
                painter.drawText(QRectF(x - 20, tape.top() + 2, 40, 14), Qt.AlignCenter, label)
        painter.setClipping(False)
        box = QRectF(0, 0, 52, 18)
        box.moveCenter(QPointF(centre_x, tape.top() + 11))
        painter.setBrush(QColor(0, 0, 0, 220))
        painter.drawRect(box)
        painter.drawText(box, Qt.AlignCenter, f"{round(heading) % 360:03d}°")
        painter.setBrush(_TEXT)
        painter.drawPolygon(QPolygonF([QPointF(centre_x, tape.bottom() - 12), QPointF(centre_x - 5, tape.bottom()),
                                       QPointF(centre_x + 5, tape.bottom())]))

    def _paint_lost(self, painter: QPainter, area: QRect) -> None:
        """``LINK LOST`` large in the upper third, clear of the tile's own centre message."""
        big = QFont(painter.font())
        big.setPixelSize(max(16, min(area.height() // 7, area.width() // 9)))
        big.setBold(True)
        painter.setFont(big)
        text = translate("DroneHud", "LINK LOST")
        metrics = painter.fontMetrics()
        plate = QRectF(0, 0, metrics.horizontalAdvance(text) + 32, metrics.height() + 12)
        plate.moveCenter(QPointF(area.center().x(), area.top() + area.height() * 0.33))
        painter.setPen(QPen(_LOST, 3))
        painter.setBrush(QColor(0, 0, 0, 190))
        painter.drawRoundedRect(plate, 8, 8)
        painter.drawText(plate, Qt.AlignCenter, text)


def install_drone_hud(bus, wall) -> DroneHudPainter | None:
    """A HUD on the wall's first drone stream (the one the drone seat focuses), or None without one."""
    tile = next((tile for tile in wall.tiles.values() if tile.stream.kind == "drone"), None)
    return None if tile is None else DroneHudPainter(bus, tile)
