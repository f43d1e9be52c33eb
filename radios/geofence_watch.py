"""The gateway's geofence watch: unit positions against the overlays' keep-out and keep-in polygons.

The gateway hands it every unit state it stores. A unit entering a ``keep_out`` zone
is logged as a warning (category ``geofence``) and raised as an alarm to acknowledge
(``alarm_kind`` ``geofence``); a unit leaving a ``keep_in`` zone is logged as a
warning; the opposite crossings are logged for information. Retained states (known
before the gateway started) only seed who is where, so a restart raises nothing
twice. An overlay that cannot be read is logged once as a warning and the gateway
runs on without it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from maps.geofence import Crossing, GeofenceMonitor, Zone, zones_of
from maps.overlays import OverlayError, load_overlay
from radios.config import OverlayConfig
from radios.schema import Alarm, Event, PayloadError, UnitState, parse_ts

log = logging.getLogger(__name__)

SRC = "gateway"
CATEGORY = "geofence"


class GeofenceWatch:
    """Turns unit states into geofence events and alarms.

    ``on_unit`` is called on the gateway's bus thread (seats' units) and on its
    unit-publisher thread (its own); one unit's states come in on one of them.
    """

    def __init__(self, overlays: tuple[OverlayConfig, ...], record: Callable[[Event], None],
                 raise_alarm: Callable[[Alarm], object]) -> None:
        self.record = record
        self.raise_alarm = raise_alarm
        self.problems: list[str] = []
        zones: list[Zone] = []
        for overlay in overlays:
            try:
                zones += zones_of(load_overlay(overlay.path, overlay.id, overlay.name or None))
            except OverlayError as error:
                self.problems.append(f"Overlay {overlay.id} is not watched: {error.reason} ({overlay.path})")
        self.monitor = GeofenceMonitor(zones)
        self._lock = threading.Lock()   # guards the monitor: who is where

    def start(self) -> None:
        """Log what is watched and which overlays could not be read (after the bus is up)."""
        for problem in self.problems:
            log.warning("%s", problem)
            self.record(Event.create(SRC, category=CATEGORY, severity="warning", text=problem))
        if self.monitor.zones:
            self.record(Event.create(SRC, category=CATEGORY, text=f"Watching {len(self.monitor.zones)} geofence "
                                     f"zone(s): {', '.join(zone.name for zone in self.monitor.zones)}"))

    def on_unit(self, state: UnitState, retained: bool) -> None:
        """Bus or unit-publisher thread: one stored unit state; crossings become events, keep-out entries alarms."""
        if not self.monitor.zones:
            return
        try:
            at = parse_ts(state.ts).timestamp()
        except PayloadError:
            at = None
        with self._lock:
            crossings = self.monitor.update(state.uid, state.lon, state.lat, at, seed=retained)
        for crossing in crossings:  # outside the lock: recording waits for the store
            self._report(crossing, state)

    def _report(self, crossing: Crossing, state: UnitState) -> None:
        zone = crossing.zone
        rule = zone.rule.replace("_", "-")
        text = f"{state.callsign} {'entered' if crossing.entered else 'left'} {rule} zone {zone.name}"
        if zone.overlay and zone.overlay != zone.name:
            text += f" ({zone.overlay})"
        severity = "warning" if crossing.breach else "info"
        self.record(Event.create(SRC, category=CATEGORY, severity=severity, text=text, unit=state.uid,
                                 lat=state.lat, lon=state.lon))
        if crossing.breach and zone.rule == "keep_out":
            self.raise_alarm(Alarm.create(SRC, alarm_kind="geofence", text=text, unit=state.uid,
                                          lat=state.lat, lon=state.lon))
