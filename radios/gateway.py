"""The headless gateway: owns the store and the local bus, and is the composition root of both.

It records every event and unit state published on the vehicle's bus, answers the
consoles' history requests from the store, and keeps its own status retained on the
bus (the broker's will says ``offline`` when the gateway dies). It also owns the field
links from the config: serial radios and the vehicle's GPS speaking NMEA become unit
states in the store and on the bus, MAVLink drones become drone units with telemetry
(``DroneFleet``), TAK devices speaking Cursor-on-Target become tak units, messages
and alarms while our units go out to them (``TakBridge``, docs/tak.md), and every
link's state is retained on ``link/{id}``
with each change written to the incident log. If a console crashes, nothing is lost
and nothing stops. With an ``[uplink] url``, every live event and unit state on the bus
also goes into the outbox, and an ``UplinkWorker`` sends it to HQ (docs/backhaul.md).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time

from radios.alarm_desk import AlarmDesk
from radios.at_modem import AtModem
from radios.at_modem import PROFILES as MODEM_PROFILES
from radios.bus import BusSettings, MqttBus
from radios.config import Config, LinkConfig
from radios.dispatch_desk import DispatchDesk
from radios.cot_link import CotLink
from radios.drone_fleet import DroneFleet
from radios.duty_desk import DutyDesk
from radios.field_devices import FieldDeviceLink
from radios.geofence_watch import GeofenceWatch
from radios.input_guard import BadInputLog
from radios.link import LinkStatus
from radios.link_control import LinkControl
from radios.mavlink_link import MavlinkLink
from radios.message_desk import MessageDesk
from radios.nmea import NmeaError, NmeaProfile
from radios.nmea import PROFILES as NMEA_PROFILES
from radios.satellite_fallback import satellite_fallback_for
from radios.schema import (
    Alarm, BackhaulState, Event, GatewayStatus, HistoryReply, HistoryRequest, LinkState, PayloadError,
    Topics, UnitState, decode, utc_now,
)
from radios.report_wire import answer_report
from radios.retained_state import republish_retained
from radios.serial_link import SerialLink
from radios.store import Store
from radios.stream_catalogue import catalogue_due, configured as configured_streams
from radios.tak_bridge import TakBridge
from radios.task_desk import TaskDesk
from radios.unit_publisher import UnitPublishWorker
from radios.write_receipt import WriteReceipt
from radios.uplink import UplinkSettings, UplinkWorker
from radios.version import version

log = logging.getLogger(__name__)

SRC = "gateway"
HEARTBEAT_S = 1.0  # link states are retained every second
BUS_LINK_ID = "local-bus"
DEFAULT_SERIAL_PROFILE = "nmea"


class Gateway:
    """Records what the seats publish, answers history, and reports its own state."""

    def __init__(self, config: Config, store: Store) -> None:
        if config.broker.url is None:
            raise ValueError("the gateway needs [broker] url")
        self.config = config
        self.topics = Topics(config.vehicle.id)
        self.store = store
        self.bad_input = BadInputLog(log)
        self.started = utc_now()
        offline = GatewayStatus.create(SRC, state="offline", version=version(), started=self.started)
        self.bus = MqttBus(
            BusSettings.from_broker(
                config.broker, client_id=f"mcv-gateway-{config.vehicle.id}",
                persistent_session=True, will=(self.topics.gateway, offline.encode()),
            ),
            on_message=self._on_bus_message,
            on_state=self._on_bus_state,
        )
        self._bus_state = "connecting"
        store.on_settled(self._on_writes_settled)
        self.alarm_desk = AlarmDesk(self.bus, store, self.topics, self.record, self.bad_input)
        self.geofences = GeofenceWatch(config.map.overlays, self.record, self.alarm_desk.raise_alarm)
        self.message_desk = MessageDesk(self.bus, store, self.topics, self.record, self.bad_input)
        self.task_desk = TaskDesk(self.bus, store, self.topics, self.record, self.bad_input)
        self.duty_desk = DutyDesk(self.bus, store, self.topics, self.record, self.bad_input)
        self._profiles: dict[str, NmeaProfile] = {}
        self._idle_links: dict[str, LinkStatus] = {}
        self.links: dict[str, SerialLink | MavlinkLink] = {}
        self.unit_publisher = UnitPublishWorker(store, self.topics, self.bus.publish, on_published=self._on_own_unit)
        self.link_control = LinkControl(self, SRC)  # the comms seat's enable, disable, reconnect, port, tap
        self.drones = DroneFleet(self.topics, self.unit_publisher.submit, self.bus.publish, self._record_or_raise,
                                 config.streams, src=SRC)
        self.tak = TakBridge(config.vehicle, self.topics, store, self.unit_publisher.submit, self.bus.publish,
                             self.record,
                             self.alarm_desk.raise_alarm, subscribe=self.bus.subscribe, bad_input=self.bad_input,
                             src=SRC, on_carried=self.message_desk.carried)
        self.message_desk.relayed = self.tak.carries   # a TAK contact's message is sent once on a CoT link
        for link in config.links:
            self._add_link(link)
        self.dispatch = DispatchDesk(self.bus, self.topics, config, self.record, self.bad_input,
                                     on_other_order=self.message_desk.on_hq_order, store=store)  # video to HQ
        self.uplink = (UplinkWorker(UplinkSettings.from_config(config), store, self.topics,
                                    on_state=self._on_uplink_state, on_event=self.record,
                                    on_order=self.dispatch.on_hq_order)
                       if config.uplink.url else None)
        self.message_desk.uplink = self.uplink
        self.satellite = satellite_fallback_for(store, self.links.values(), self.uplink, on_event=self.record)
        from video.recording_service import RecordingService  # PyAV loads only where a gateway runs

        self.recordings = RecordingService.beside(config.store_path, config.streams)
        self._catalogue_recording: frozenset[str] = frozenset()  # what the retained catalogue says is recorded
        self._catalogue_at = 0.0  # when it was last retained (monotonic)

    def _add_link(self, link: LinkConfig) -> None:
        """A SerialLink for each enabled serial link with a profile this gateway speaks; a MavlinkLink for drones."""
        if link.type == "mavlink" and link.enabled:  # drones, told apart by system id
            self.links[link.id] = MavlinkLink(link, on_message=self.drones.on_message, on_status=self._on_link_status,
                                              on_tick=self.drones.on_tick, bad_input=self.bad_input)
            return
        if link.type == "cot" and link.enabled:  # TAK devices and servers: contacts, chat, emergencies in; our units out
            self.links[link.id] = CotLink(link, on_event=self.tak.on_event, on_status=self._on_link_status,
                                          outgoing=self.tak.outgoing, bad_input=self.bad_input)
            self.tak.add_link(self.links[link.id])
            return
        if link.type == "mqtt" and link.enabled:  # body cameras and other field devices
            self.links[link.id] = FieldDeviceLink(link, self.topics, on_position=self._on_device_position,
                                                  on_status=self._on_link_status, bad_input=self.bad_input, src=SRC)
            return
        if link.type == "modem" and link.enabled:  # a satellite (SBD) or cellular modem, spoken to in AT commands
            if (link.profile or "sbd") in MODEM_PROFILES:
                self.links[link.id] = AtModem(link, on_status=self._on_link_status, bad_input=self.bad_input)
            else:
                self._idle_links[link.id] = LinkStatus(link=link.id, link_type=link.type, state="disabled", detail=(
                    f"profile {link.profile!r} is not supported; use one of {', '.join(MODEM_PROFILES)}"))
            return
        if link.type != "serial":
            return  # the modem comes with its own link
        profile = link.profile or DEFAULT_SERIAL_PROFILE
        if not link.enabled or profile not in NMEA_PROFILES:
            detail = "disabled in the config" if not link.enabled else (
                f"profile {profile!r} is not supported; use one of {', '.join(NMEA_PROFILES)}")
            if link.enabled:
                log.warning("link %s: %s", link.id, detail)
            self._idle_links[link.id] = LinkStatus(link=link.id, link_type=link.type, state="disabled", detail=detail)
            return
        if profile == "gps":
            uid, callsign = link.unit or self.config.vehicle.id, self.config.vehicle.name
        else:
            uid = callsign = link.unit or link.id
        self._profiles[link.id] = NmeaProfile(uid, NMEA_PROFILES[profile], callsign, src=f"{SRC}/{link.id}")
        self.links[link.id] = SerialLink(link, on_line=self._on_link_line, on_status=self._on_link_status,
                                         bad_input=self.bad_input)

    def start(self) -> None:
        """Subscribe to what the gateway records, start the bus thread, then open the links."""
        self.bus.subscribe(self.topics.events, qos=1)
        self.bus.subscribe(self.topics.all_units, qos=1, own=False)  # our own go out through unit_publisher
        self.bus.serve(self.topics.command("history"), self._answer_history)
        self.bus.serve(self.topics.command("link"), self.link_control.answer)
        self.alarm_desk.start()
        self.message_desk.start()
        self.task_desk.start()
        self.duty_desk.start()
        self.dispatch.start()
        self.tak.start()
        self.bus.start()
        self.record(Event.create(SRC, category="system", text=f"Gateway {version()} started"))
        self.geofences.start()
        for unit in self.store.units():  # where every unit was when the gateway stopped: no crossing twice
            self.geofences.on_unit(unit, retained=True)
        self.recordings.start()
        if self.uplink is not None:
            self.uplink.start()
        self.unit_publisher.start()
        for link in self.links.values():
            link.start()
        if self.satellite is not None:
            self.satellite.start()

    def stop(self) -> None:
        """Close the links, say ``offline`` on the bus, stop the bus; the store is the caller's to close."""
        self.recordings.stop()
        self.dispatch.stop()
        if self.satellite is not None:
            self.satellite.stop()
        if self.uplink is not None:
            self.uplink.stop()
        for link in self.links.values():
            link.stop()
        self.unit_publisher.stop()  # what the links stored still goes out before the bus stops
        if self.bus.is_connected:
            for link in self.links.values():
                stopped = dataclasses.replace(link.status(), state="down", detail="gateway stopped")
                self.bus.publish(self.topics.link(link.id), stopped.to_link_state(SRC).encode(), retain=True)
            self._publish_catalogue()  # the recorders have stopped: no stream says it is recorded
            offline = GatewayStatus.create(SRC, state="offline", version=version(), started=self.started)
            self.bus.publish(self.topics.gateway, offline.encode(), retain=True).wait_for_publish(2.0)
        self.bus.stop()

    def record(self, event: Event) -> None:
        """Store an event of the gateway's own, then show it to every seat."""
        self.store.add_event(event).result(timeout=10)
        if self.uplink is not None and not self.bus.is_connected:
            # Not subscribed yet (start-up, local bus down): the copy that queues it for HQ may never come back.
            self.uplink.enqueue(event)
        self.bus.publish(self.topics.events, event.encode(), qos=1)

    def _record_or_raise(self, event: Event) -> None:
        """A drone's change: one of alarm severity (link lost, battery critical) becomes an alarm to acknowledge."""
        if event.severity != "alarm":
            self.record(event)
            return
        kind = "link_lost" if event.category == "link" else "battery"
        self.alarm_desk.raise_alarm(Alarm.create(event.src, alarm_kind=kind, text=event.text, unit=event.unit,
                                                 lat=event.lat, lon=event.lon))

    def publish_status(self) -> None:
        """Retain the heartbeat, the bus link's state and the backhaul's state (any thread)."""
        status = GatewayStatus.create(
            SRC, state="online", version=version(), started=self.started,
            events_stored=self.store.count("events"), units=self.store.count("units"),
        )
        self.bus.publish(self.topics.gateway, status.encode(), retain=True)
        link = LinkState.create(SRC, link=BUS_LINK_ID, link_type="mqtt", state="up" if self.bus.is_connected else "down",
                                detail=f"local broker {self.bus.settings.host}:{self.bus.settings.port}",
                                errors=self.bad_input.count(), last_seen=utc_now())
        self.bus.publish(self.topics.link(BUS_LINK_ID), link.encode(), retain=True)
        for status in [link.status() for link in list(self.links.values())] + list(self._idle_links.values()):
            self.bus.publish(self.topics.link(status.link), status.to_link_state(SRC).encode(), retain=True)
        if self.config.uplink.url is None:
            backhaul = BackhaulState.create(SRC, state="not_configured")
            self.bus.publish(self.topics.backhaul, backhaul.encode(), retain=True)
        elif self.uplink is not None:
            self._on_uplink_state(self.uplink.backhaul_state())
        if catalogue_due(self.recordings.recording_ids(), self._catalogue_recording, self._catalogue_at,
                         time.monotonic()):
            self._publish_catalogue()
        self.link_control.publish_ports()  # when they changed, looked at every few seconds
        self.link_control.tap.flush()  # raw frames a watched link read since its last batch

    def _publish_catalogue(self) -> None:
        """Retain the configured streams' video catalogue (without credentials), each saying whether it is recorded."""
        self._catalogue_recording = recording = self.recordings.recording_ids()
        self._catalogue_at = time.monotonic()
        for stream in configured_streams(self.config.streams, SRC, recording):
            self.bus.publish(self.topics.video(stream.stream), stream.encode(), qos=1, retain=True)

    def run_until(self, stop: threading.Event) -> None:
        """Heartbeat on the calling thread until ``stop`` is set."""
        while not stop.is_set():
            if self.bus.is_connected:
                self.publish_status()
            stop.wait(HEARTBEAT_S)

    # -- link callbacks --------------------------------------------------------------

    def _on_link_line(self, link_id: str, line: bytes) -> bool:
        """Reader thread of the link: one NMEA line into the store and onto the bus; False if bad."""
        self.link_control.tap.frame(link_id, line)
        try:
            state = self._profiles[link_id].decode(line)
        except NmeaError as exc:
            self.bad_input.reject(f"link/{link_id}", str(exc))
            return False
        if state is not None:
            self.unit_publisher.submit(state)
        return True

    def _on_writes_settled(self) -> None:
        """Store-writer thread: the acknowledgements held for the writes just committed can go now."""
        self.bus.wake_for_acks()
        for link in list(self.links.values()):  # list() copies in one step; links change on the main thread
            if isinstance(link, FieldDeviceLink):
                link.bus.wake_for_acks()

    def _on_device_position(self, state: UnitState) -> WriteReceipt:
        """Bus thread of a field-device link: a device's position into the store and onto the bus.

        The receipt goes back to the link's bus, which acknowledges the message once it is stored.
        """
        return self.unit_publisher.submit(state)

    def _on_own_unit(self, state: UnitState) -> None:
        """Unit-publisher thread: a state of one of our own units has gone on the bus; watch it, send it to HQ."""
        self.geofences.on_unit(state, retained=False)
        if self.uplink is not None:
            self.uplink.enqueue(state)

    def _on_link_status(self, status: LinkStatus) -> None:
        """Reader thread of the link: retain its new state and log the change."""
        self.bus.publish(self.topics.link(status.link), status.to_link_state(SRC).encode(), retain=True)
        self.record(Event.create(SRC, category="link", severity="warning" if status.state == "down" else "info",
                                 text=f"Link {status.link} {status.state}: {status.detail}"))

    # -- bus callbacks ---------------------------------------------------------------

    def _on_bus_state(self, state: str, detail: str) -> None:
        """Bus thread: log each change of the local bus connection."""
        if state != self._bus_state:
            log.info("local bus %s (%s)", state, detail)
            self._bus_state = state
        if state == "up":
            self.publish_status()
            self.link_control.publish_ports(force=True)
            self.alarm_desk.republish_open()
            self.message_desk.republish_recent()
            self.task_desk.republish()
            self.dispatch.publish()
            self._publish_catalogue()
            republish_retained(self.bus.publish, self.topics, self.store, SRC, (self.drones, self.tak))

    def _on_bus_message(self, topic: str, payload: bytes, retained: bool) -> WriteReceipt | None:
        """Bus thread: store events and unit states; bad payloads are counted and dropped.

        Returns the store's receipt for what it stored: the bus acknowledges the message once
        that write has committed, so a gateway killed before then is sent it again.
        """
        kind, _ = self.topics.kind_of(topic)
        if kind == "sos":
            self.alarm_desk.on_sos(payload)
            return None
        if topic == self.topics.message_receipts:
            self.message_desk.on_receipt(payload)
            return None
        if kind == "msg":  # a seat's message; the TAK bridge takes those for TAK users
            self.tak.on_message(topic, payload)
            return None
        if kind == "video":  # the catalogue: announced streams can be sent to HQ
            self.dispatch.on_video(topic, payload)
            return None
        expected = {"event": Event, "unit": UnitState}.get(kind)
        if expected is None:
            return None
        try:
            item = decode(payload, expected)
        except PayloadError as exc:
            self.bad_input.reject(topic, str(exc))
            return None
        if isinstance(item, Event):
            receipt = self.store.add_event(item)
        else:  # a seat's unit (our own are not sent back, but a 3.1.1 broker would: stored once by id)
            receipt = self.store.add_unit_state(item)
            self.geofences.on_unit(item, retained)
        if self.uplink is not None and not retained:  # every live event, the gateway's own too, and seats' units
            self.uplink.enqueue(item)
        return receipt

    def _on_uplink_state(self, backhaul: BackhaulState) -> None:
        """Uplink or heartbeat thread: retain the backhaul's state for every seat."""
        self.bus.publish(self.topics.backhaul, backhaul.encode(), retain=True)
        self.dispatch.on_backhaul(backhaul.state)

    def _answer_history(self, raw: bytes) -> bytes:
        """Bus thread: one history request answered from the store."""
        try:
            request = decode(raw, HistoryRequest)
        except PayloadError as exc:
            self.bad_input.reject("cmd/history", str(exc))
            return HistoryReply.create(SRC, request="", ok=False, error=str(exc)).encode()
        if request.what == "report":  # an after-action report's data, fitted into one reply
            return answer_report(request, self.config.store_path, self.config.vehicle.id,
                                 self.config.vehicle.name, SRC).encode()
        if request.what == "events":
            items = self.store.events_since(request.start, limit=request.limit)
        elif request.what == "search":
            items = self.store.search_events(request.query or "", category=request.category,
                                             severity=request.severity, limit=request.limit)
        else:
            items = self.store.track(request.unit, request.start, request.end, limit=request.limit)
        return HistoryReply.create(SRC, request=request.id, ok=True, items=[i.to_dict() for i in items]).encode()


def run_gateway(config: Config, stop: threading.Event) -> int:
    """Run the gateway until ``stop`` is set; the store is opened and closed here."""
    store = Store(config.store_path)
    gateway = Gateway(config, store)
    try:
        gateway.start()
        log.info("gateway for vehicle %s, store %s", config.vehicle.id, config.store_path)
        gateway.run_until(stop)
    finally:
        gateway.stop()
        store.close()
    return 0

