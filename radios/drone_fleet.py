"""Every drone the gateway hears: MAVLink messages folded into drone states, watched, and published.

``DroneFleet`` is fed by the MAVLink links' reader threads. Each drone (a MAVLink
system id, unit ``drone-{sysid}``) appears once it sends a flight controller's
heartbeat, so a ground station or camera on the same network is not taken for a
drone. Its ``UnitState`` (position, altitude above sea level, heading, speed, video)
is stored and retained on ``unit/{uid}``, its ``DroneTelemetry`` retained on
``drone/{uid}``, both at most ``PUBLISH_HZ`` times a second. Found, lost, regained
and battery warnings go to the incident log.

A drone's announced video also goes into the video catalogue, retained on
``video/{uid}`` (``radios/stream_catalogue.py``).

``UnitState.stream`` is the stream URI the drone announced (VIDEO_STREAM_INFORMATION),
or else the id of the ``[[streams]]`` entry configured with the drone's ``sysid``: the
seats resolve that id from their config, so camera credentials never go on the bus.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone

from radios.config import StreamConfig
from radios.drone_state import (
    CRITICAL_BATTERY_PERCENT, DroneModel, DroneState, DroneWatch, DroneWatchPolicy, LOW_BATTERY_PERCENT,
    is_vehicle_heartbeat,
)
from radios.schema import DroneTelemetry, Event, PayloadError, Topics, UnitState, format_ts
from radios.stream_catalogue import announce

log = logging.getLogger(__name__)

PUBLISH_HZ = 5.0
PUBLISH_INTERVAL_S = 1.0 / PUBLISH_HZ
MAX_DRONES = 255  # one per MAVLink system id

Publish = Callable[..., object]   # MqttBus.publish(topic, payload, qos=, retain=)
SubmitUnit = Callable[[UnitState], object]   # UnitPublishWorker.submit: stored now, on the bus once durable
Record = Callable[[Event], None]  # Gateway.record: store the event, then publish it


class _Drone:
    """One drone's model, watch and publishing clock; only touched under the fleet's lock.

    ``model`` changes in place with every message; ``state`` is its frozen snapshot as
    last published (or asked for), so a payload is built from one consistent moment.
    """

    def __init__(self, sysid: int) -> None:
        self.model = DroneModel(sysid)
        self.state = self.model.snapshot()
        self.watch = DroneWatch()
        self.dirty = False
        self.published_at = float("-inf")
        self.last_heartbeat_wall: float | None = None
        self.announced_uri: str | None = None  # the stream URI last put in the video catalogue
        self.retained: dict[str, bytes] = {}   # topic -> the payload last retained there (telemetry, video)


class DroneFleet:
    """Folds MAVLink messages into drone states; publishes, stores and logs what changes.

    ``on_message`` and ``on_tick`` are called on the MAVLink links' reader threads
    (several links may call at once); ``submit_unit``, ``publish`` and ``record`` are called
    on those threads too.
    """

    def __init__(self, topics: Topics, submit_unit: SubmitUnit, publish: Publish, record: Record,
                 streams: Iterable[StreamConfig] = (), src: str = "gateway",
                 policy: DroneWatchPolicy | None = None) -> None:
        self.topics = topics
        self._submit_unit = submit_unit
        self._publish = publish
        self._record = record
        self._src = src
        self._policy = policy or DroneWatchPolicy()
        self._fallback_streams = {s.sysid: s.id for s in streams if s.sysid is not None}
        self._drones: dict[int, _Drone] = {}
        self._lock = threading.Lock()

    def states(self) -> dict[int, DroneState]:
        """The latest state of every drone by system id (any thread)."""
        with self._lock:
            return {sysid: drone.model.snapshot() for sysid, drone in self._drones.items()}

    def retained(self) -> list[tuple[str, bytes]]:
        """(topic, payload) of what the fleet last retained: each drone's telemetry and announced video (any thread).

        The gateway publishes them again when it reconnects, as a broker restarted without
        persistence has forgotten them; a drone that has since gone quiet would be missing.
        """
        with self._lock:
            return [item for drone in self._drones.values() for item in drone.retained.items()]

    def on_message(self, link_id: str, msg) -> None:
        """Reader thread of a MAVLink link: fold one message, then publish and log what it changed."""
        sysid = msg.get_srcSystem()
        if not 1 <= sysid <= 255:
            return  # system id 0 is a broadcast address, never a sender
        now = time.monotonic()
        with self._lock:
            drone = self._drones.get(sysid)
            if drone is None:
                if len(self._drones) >= MAX_DRONES:
                    return
                drone = self._drones[sysid] = _Drone(sysid)
            fields = drone.model.fields
            battery_before = fields["battery_percent"]
            drone.model.apply(msg)
            drone.dirty = True
            changes = []
            if is_vehicle_heartbeat(msg):
                decision = self._policy.decide(drone.watch, "heartbeat", now)
                drone.watch, drone.last_heartbeat_wall = decision.watch, time.time()
                changes.append(decision.change)
            battery = fields["battery_percent"]
            battery_news = battery != battery_before or "found" in changes
            if battery_news and drone.watch.found and battery is not None:
                decision = self._policy.decide(drone.watch, "battery", now, battery)
                drone.watch = decision.watch
                changes.append(decision.change)
            due = drone.watch.found and (any(changes) or now - drone.published_at >= PUBLISH_INTERVAL_S)
            payloads = self._take_payloads(drone, now) if due else None
            stream = self._take_stream(drone)
            if stream is not None:
                video = drone.retained[self.topics.video(stream.stream)] = stream.encode()
        if stream is not None:
            self._publish(self.topics.video(stream.stream), video, qos=1, retain=True)
        self._report(link_id, sysid, payloads, changes)

    def on_tick(self, now: float) -> None:
        """Reader thread of a MAVLink link: notice silent drones and publish what the throttle held back."""
        reports = []
        with self._lock:
            for sysid, drone in self._drones.items():
                decision = self._policy.decide(drone.watch, "tick", now)
                drone.watch = decision.watch
                held_back = drone.dirty and now - drone.published_at >= PUBLISH_INTERVAL_S
                due = drone.watch.found and (decision.change or held_back)
                if due:
                    reports.append((sysid, self._take_payloads(drone, now), [decision.change]))
        for sysid, payloads, changes in reports:
            self._report(None, sysid, payloads, changes)

    def _take_payloads(self, drone: _Drone, now: float) -> tuple[UnitState | None, DroneTelemetry | None]:
        """The bus payloads for one drone's current state; marks it published (under the lock)."""
        drone.dirty, drone.published_at = False, now
        state = drone.state = drone.model.snapshot()
        try:
            unit = None
            if state.has_position:
                unit = UnitState.create(
                    self._src, uid=state.uid, unit_kind="drone", callsign=f"Drone {state.sysid}",
                    lat=state.lat, lon=state.lon, alt=state.alt_msl, heading=state.heading,
                    speed=state.ground_speed, stream=state.stream_uri or self._fallback_streams.get(state.sysid))
            heartbeat = drone.last_heartbeat_wall
            last_heartbeat = None if heartbeat is None else format_ts(datetime.fromtimestamp(heartbeat, timezone.utc))
            telemetry = DroneTelemetry.create(
                self._src, uid=state.uid, sysid=state.sysid, lost=drone.watch.lost, armed=state.armed,
                mode=state.mode, alt_rel=state.alt_rel, climb=state.climb, roll=state.roll, pitch=state.pitch,
                yaw=state.yaw, battery_voltage=state.battery_voltage, battery_percent=state.battery_percent,
                gps_fix=state.gps_fix, satellites=state.satellites, link_quality=state.link_quality,
                packets_lost=state.packets_lost, stream_uri=state.stream_uri,
                last_heartbeat=last_heartbeat,
            )
        except PayloadError as exc:  # a value the schema refuses (a hostile drone): skip this update
            log.warning("drone %s: state not published: %s", state.sysid, exc)
            return None, None
        return unit, telemetry

    def _take_stream(self, drone: _Drone):
        """The catalogue entry for a found drone's newly announced video, or None (under the lock)."""
        uri = drone.model.fields["stream_uri"]
        if not drone.watch.found or uri is None or uri == drone.announced_uri:
            return None
        drone.announced_uri = uri
        uid, sysid = drone.state.uid, drone.state.sysid
        return announce(self._src, uid, f"Drone {sysid}", "drone", uri, "mavlink", unit=uid)

    def _report(self, link_id: str | None, sysid: int, payloads, changes: list[str | None]) -> None:
        """Submit the unit state, publish the telemetry, then log each change (outside the lock: these block)."""
        unit, telemetry = payloads or (None, None)
        if unit is not None:
            self._submit_unit(unit)
        if telemetry is not None:
            topic, payload = self.topics.drone(telemetry.uid), telemetry.encode()
            with self._lock:
                self._drones[sysid].retained[topic] = payload
            self._publish(topic, payload, qos=0, retain=True)
        for change in changes:
            if change:
                self._record(self._event(link_id, sysid, change))

    def _event(self, link_id: str | None, sysid: int, change: str) -> Event:
        with self._lock:
            state = self._drones[sysid].model.snapshot()
        percent = f"{state.battery_percent:g}%" if state.battery_percent is not None else "unknown"
        texts = {
            "found": ("info", f"Drone {sysid} connected" + (f" on link {link_id}" if link_id else "")
                      + (f", mode {state.mode}" if state.mode else "")),
            "lost": ("alarm", f"Drone {sysid} link lost: no heartbeat for {self._policy.lost_after_s:g} s"),
            "regained": ("info", f"Drone {sysid} link regained"),
            "battery_low": ("warning", f"Drone {sysid} battery low: {percent} (warning at {LOW_BATTERY_PERCENT:g}%)"),
            "battery_critical": ("alarm", f"Drone {sysid} battery critical: {percent} "
                                          f"(land now; alarm at {CRITICAL_BATTERY_PERCENT:g}%)"),
            "battery_ok": ("info", f"Drone {sysid} battery back to {percent}"),
        }
        severity, text = texts[change]
        lat, lon = (state.lat, state.lon) if state.has_position else (None, None)
        category = "link" if change in ("found", "lost", "regained") else "drone"
        return Event.create(self._src, category=category, text=text, severity=severity,
                            unit=state.uid, lat=lat, lon=lon)
