"""Simulated responders for the demo: body-camera wearers walking loops, reporting over MQTT.

They speak the same bus payloads a field device adapter produces, to the real broker,
so the gateway and consoles take the real code path; those named in ``device_uids`` report
as body cameras do instead, in the device format of docs/devices.md, and reach the bus
through the gateway's MQTT field-device link. Positions are computed from the
clock, not random, so a run can be reproduced.
"""

from __future__ import annotations

import json
import math
import threading
import time
from dataclasses import dataclass

import paho.mqtt.client as mqtt

from radios.bus import MqttBus
from radios.field_inbox import ResponderInbox
from radios.schema import Alarm, Event, Topics, UnitState, utc_now

# Gongshu District, Hangzhou: the streets the demo is set in.
DEMO_CENTRE = (30.3195, 120.1630)
METRES_PER_DEGREE_LAT = 111_320.0
SOS_AFTER_S = 30.0  # into the demo, Rescue 2 raises an SOS


@dataclass(frozen=True)
class PatrolLoop:
    """A circular walk: centre offset (m), radius (m) and time per lap (s)."""

    east_m: float
    north_m: float
    radius_m: float
    lap_s: float

    def position(self, centre: tuple[float, float], t: float) -> tuple[float, float, float, float]:
        """(lat, lon, heading °, speed m/s) at ``t`` seconds into the walk."""
        angle = 2 * math.pi * (t % self.lap_s) / self.lap_s
        east = self.east_m + self.radius_m * math.cos(angle)
        north = self.north_m + self.radius_m * math.sin(angle)
        lat = centre[0] + north / METRES_PER_DEGREE_LAT
        lon = centre[1] + east / (METRES_PER_DEGREE_LAT * math.cos(math.radians(centre[0])))
        heading = (math.degrees(math.atan2(math.cos(angle), -math.sin(angle)))) % 360.0
        speed = 2 * math.pi * self.radius_m / self.lap_s
        return lat, lon, heading, speed


RESPONDERS = (
    ("r1", "Rescue 1", PatrolLoop(-300, 200, 120, 240)),
    ("r2", "Rescue 2", PatrolLoop(250, 150, 90, 180)),
    ("r3", "Medic 1", PatrolLoop(100, -250, 60, 150)),
    ("r4", "Pump team", PatrolLoop(-150, -120, 150, 300)),
)


class SimulatedResponders:
    """Publishes each responder's state every ``period_s`` on its own thread ("field-sim")."""

    def __init__(self, bus: MqttBus, topics: Topics, period_s: float = 1.0,
                 centre: tuple[float, float] = DEMO_CENTRE, sos_after_s: float = SOS_AFTER_S,
                 bodycams: dict[str, str] | None = None, device_uids: tuple[str, ...] = ()) -> None:
        self.bus = bus
        self.topics = topics
        self.period_s = period_s
        self.centre = centre
        self.sos_after_s = sos_after_s
        self.bodycams = bodycams or {}  # responder uid -> the id of the stream its body camera sends
        self.device_uids = frozenset(device_uids)  # responders whose body camera reports in the device format
        self.sent = 0
        self._acknowledged = 0
        self._in_flight: list[mqtt.MQTTMessageInfo] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = time.monotonic()
        # Their body cameras take orders too; the bus's owner hands messages to on_bus_message.
        self.inbox = ResponderInbox(lambda topic, payload: bus.publish(topic, payload, qos=1), topics,
                                    [uid for uid, _, _ in RESPONDERS])

    def on_bus_message(self, topic: str, payload: bytes, retained: bool) -> None:
        """Bus thread: a message for the responders is answered with receipts, delivered then read."""
        self.inbox.on_message(topic, payload, retained)

    def start(self) -> None:
        for pattern in self.inbox.topics_to_watch():
            self.bus.subscribe(pattern, qos=1)
        self.inbox.start()
        self.bus.publish(self.topics.events, Event.create(
            "field-sim", category="system",
            text=f"Demo field started: {len(RESPONDERS)} simulated responders").encode())
        self._thread = threading.Thread(target=self._run, name="field-sim", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.inbox.stop()
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    @property
    def acknowledged(self) -> int:
        """How many unit reports the broker has acknowledged (QoS 1 PUBACK)."""
        self._settle()
        return self._acknowledged

    def _settle(self) -> None:
        done = [info for info in self._in_flight if info.is_published()]
        self._acknowledged += len(done)
        self._in_flight = [info for info in self._in_flight if not info.is_published()]

    def _run(self) -> None:
        sos_raised = False
        while not self._stop.is_set():
            t = time.monotonic() - self._started
            if self.bus.is_connected:
                self.publish_all(t)
                if not sos_raised and t >= self.sos_after_s:
                    self.raise_sos(t)
                    sos_raised = True
            self._stop.wait(self.period_s)

    def raise_sos(self, t: float) -> None:
        """Rescue 2 presses the SOS button on its body camera: an alarm on the bus, as a device sends it."""
        uid, callsign, loop = RESPONDERS[1]
        lat, lon, _, _ = loop.position(self.centre, t)
        alarm = Alarm.create(f"bodycam-{uid}", alarm_kind="sos", unit=uid, lat=lat, lon=lon,
                             text=f"{callsign}: SOS pressed — trapped by rising water")
        self.bus.publish(self.topics.sos, alarm.encode())

    def publish_all(self, t: float) -> None:
        for uid, callsign, loop in RESPONDERS:
            lat, lon, heading, speed = loop.position(self.centre, t)
            if uid in self.device_uids:
                report = {"lat": lat, "lon": lon, "heading": heading, "speed": speed, "ts": utc_now(),
                          "callsign": callsign}
                topic = f"{self.topics.root}/device/{uid}/position"
                self._in_flight.append(self.bus.publish(topic, json.dumps(report).encode()))
                self.sent += 1
                continue
            state = UnitState.create("field-sim", uid=uid, unit_kind="responder", callsign=callsign,
                                     lat=lat, lon=lon, heading=heading, speed=speed, stream=self.bodycams.get(uid))
            self._in_flight.append(self.bus.publish(self.topics.unit(uid), state.encode(), retain=True))
            self.sent += 1
        self._settle()
