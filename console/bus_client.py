"""The console's one adapter to the local bus: paho callbacks in, queued Qt signals out.

Widgets never touch ``MqttBus``; they connect to these signals, which Qt delivers on
the GUI thread. Unit states, which can arrive in bursts, are coalesced and released
at most ``UI_RATE_HZ`` times a second.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import deque

from PySide6.QtCore import QObject, QTimer, Signal

from radios.bus_settings import BusSettings
from radios.input_guard import BadInputLog
from radios.schema import (
    Alarm, AlarmAck, BackhaulState, Message, MessageReceipt, DroneTelemetry, Event, GatewayStatus, HistoryReply, HistoryRequest, LinkState,
    PayloadError, StreamAnnouncement, Topics, UnitState, decode,
)
from radios.schema import CommandReply, Payload, Task
from radios.schema import LinkCommand, LinkTraffic, SerialPorts
from radios.schema import DispatchState

log = logging.getLogger(__name__)

UI_RATE_HZ = 10
HISTORY_TIMEOUT_S = 5.0
TRAFFIC_KEPT = 200  # the comms seat's raw traffic monitor shows the last this many
TRAFFIC_KINDS = ("link", "unit", "backhaul", "device")


class BusClient(QObject):
    """Subscribes to the vehicle's topics and re-emits each payload as a typed Qt signal."""

    connection_changed = Signal(str, str)  # state, detail
    event_received = Signal(object)  # Event
    units_changed = Signal(list)  # [UnitState], coalesced
    link_changed = Signal(object)  # LinkState
    backhaul_changed = Signal(object)  # BackhaulState
    gateway_changed = Signal(object)  # GatewayStatus
    history_received = Signal(object)  # HistoryReply, or None when the gateway did not answer
    alarm_changed = Signal(object)  # Alarm: raised, or acknowledged by some seat
    message_changed = Signal(object)  # Message: sent by some seat or HQ, or its delivery state moved
    drone_changed = Signal(object)  # DroneTelemetry (the gateway throttles it to a few per second)
    stream_announced = Signal(object)  # StreamAnnouncement: the video catalogue (configured, drones', TAK devices')
    task_changed = Signal(object)  # Task: created or changed by some seat
    dispatch_changed = Signal(object)  # DispatchState: the streams going up to HQ
    command_answered = Signal(str, object)  # request id, the gateway's CommandReply or None when it did not answer
    serial_ports_changed = Signal(object)  # SerialPorts: the ports the gateway's machine has
    link_traffic_received = Signal(object)  # LinkTraffic: raw frames of a link a seat watches

    # Internal hops from the bus thread to the GUI thread.
    _unit_arrived = Signal(object)

    def __init__(self, settings: BusSettings, topics: Topics, source: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.topics = topics
        self.source = source
        self.bad_input = BadInputLog(log)
        self.state = "connecting"
        self._pending_units: dict[str, UnitState] = {}
        self._flush_timer = QTimer(self, interval=1000 // UI_RATE_HZ, singleShot=True)
        self._flush_timer.timeout.connect(self._flush_units)
        self._unit_arrived.connect(self._on_unit_arrived)
        self.connection_changed.connect(self._remember_state)
        self._settings = settings
        self._bus = None
        # (wall time, topic, bytes) of recent link and unit traffic: appended on the bus thread
        # (deque appends are atomic), read by the comms panel's monitor about once a second.
        self.traffic: deque[tuple[float, str, int]] = deque(maxlen=TRAFFIC_KEPT)

    def start(self) -> None:
        """Connect; called once the window has painted, so the network stack loads after it."""
        self._connection().start()

    def stop(self) -> None:
        if self._bus is not None:
            self._bus.stop()

    def _connection(self):
        if self._bus is None:
            from radios.bus import MqttBus  # paho and its imports cost ~60 ms: load them after the first paint

            self._bus = MqttBus(self._settings, on_message=self._on_bus_message, on_state=self._on_bus_state)
            self._bus.subscribe(self.topics.everything, qos=1)
        return self._bus

    def publish_event(self, event: Event) -> None:
        """Send a log entry; the broker holds it for the gateway, which stores it."""
        self._connection().publish(self.topics.events, event.encode(), qos=1)

    def acknowledge_alarm(self, alarm_id: str, seat: str) -> None:
        """Tell the gateway a person has seen the alarm; every seat then gets ``alarm_changed``."""
        ack = AlarmAck.create(self.source, alarm=alarm_id, seat=seat)
        self._connection().request(self.topics.command("alarm_ack"), ack.encode(), self._on_ack_reply,
                                   HISTORY_TIMEOUT_S)

    def send_message(self, message: Message) -> None:
        """Ask the gateway to store and deliver an order or message; every seat then gets ``message_changed``."""
        self._connection().request(self.topics.command("message"), message.encode(),
                                   lambda raw: self._on_message_reply(message, raw), HISTORY_TIMEOUT_S)

    def send_receipt(self, receipt: MessageReceipt) -> None:
        """Report that a person on this seat has read a message (an order from HQ goes back to HQ as read)."""
        self._connection().publish(self.topics.message_receipts, receipt.encode(), qos=1)

    def send_command(self, name: str, request: Payload) -> str:
        """Ask the gateway's desk on ``cmd/{name}`` (``task``, ``duty``); the answer comes as ``command_answered``."""
        self._connection().request(self.topics.command(name), request.encode(),
                                   lambda raw: self._on_command_reply(request.id, raw), HISTORY_TIMEOUT_S)
        return request.id

    def command_link(self, link: str, action: str, url: str | None = None) -> str:
        """Ask the gateway to enable, disable, reconnect, move (``set_url``) or ``watch`` a link."""
        seat = self.source[:64]
        return self.send_command("link", LinkCommand.create(self.source, link=link, action=action, seat=seat, url=url))

    def _on_command_reply(self, request_id: str, raw: bytes | None) -> None:
        """Bus thread: a desk's answer, or None after the timeout or when it is unreadable."""
        try:
            reply = decode(raw, CommandReply) if raw else None
        except PayloadError as exc:
            self.bad_input.reject("command reply", str(exc))
            reply = None
        self.command_answered.emit(request_id, reply)

    def _on_message_reply(self, sent: Message, raw: bytes | None) -> None:
        """Bus thread: the message as the gateway stored it; ``failed`` if it refused it or did not answer."""
        try:
            self.message_changed.emit(decode(raw or b"", Message))
        except PayloadError:
            self.message_changed.emit(dataclasses.replace(sent, state="failed", by=self.source))

    def _on_ack_reply(self, raw: bytes | None) -> None:
        """Bus thread: the alarm as the gateway now holds it (the retained copy follows too)."""
        if raw:
            try:
                self.alarm_changed.emit(decode(raw, Alarm))
            except PayloadError as exc:
                self.bad_input.reject("alarm ack reply", str(exc))

    def request_history(self, request: HistoryRequest) -> None:
        """Ask the gateway's store; the answer arrives as ``history_received``."""
        self._connection().request(self.topics.command("history"), request.encode(), self._on_history_reply, HISTORY_TIMEOUT_S)

    def request_report(self, request: HistoryRequest, on_reply, timeout_s: float) -> None:
        """Ask the gateway for a report's data; the bus thread calls ``on_reply`` with the raw reply, or None."""
        self._connection().request(self.topics.command("history"), request.encode(), on_reply, timeout_s)

    # -- bus thread ------------------------------------------------------------------

    def _on_bus_state(self, state: str, detail: str) -> None:
        """Bus thread: the connection went up or down."""
        self.connection_changed.emit(state, detail)

    def _on_history_reply(self, raw: bytes | None) -> None:
        """Bus thread: the gateway's answer, or None after the timeout."""
        if raw is None:
            self.history_received.emit(None)
            return
        try:
            self.history_received.emit(decode(raw, HistoryReply))
        except PayloadError as exc:
            self.bad_input.reject("history reply", str(exc))
            self.history_received.emit(None)

    def _on_bus_message(self, topic: str, payload: bytes, retained: bool) -> None:
        """Bus thread: validate one message and hand it to the GUI thread."""
        kind, _ = self.topics.kind_of(topic)
        if kind in TRAFFIC_KINDS:
            self.traffic.append((time.time(), topic, len(payload)))
        route = {
            "event": (Event, self.event_received),
            "unit": (UnitState, self._unit_arrived),
            "link": (LinkState, self.link_changed),
            "backhaul": (BackhaulState, self.backhaul_changed),
            "gateway": (GatewayStatus, self.gateway_changed),
            "alarm": (Alarm, self.alarm_changed),
            "message": (Message, self.message_changed),
            "drone": (DroneTelemetry, self.drone_changed),
            "video": (StreamAnnouncement, self.stream_announced),
            "task": (Task, self.task_changed),
            "serial_ports": (SerialPorts, self.serial_ports_changed),
            "raw": (LinkTraffic, self.link_traffic_received),
            "dispatch": (DispatchState, self.dispatch_changed),
        }.get(kind)
        if route is None or not payload:  # an empty retained message clears a topic
            return
        expected, signal = route
        try:
            item = decode(payload, expected)
        except PayloadError as exc:
            self.bad_input.reject(topic, str(exc))
            return
        signal.emit(item)

    # -- GUI thread ------------------------------------------------------------------

    def _remember_state(self, state: str, detail: str) -> None:
        if state != self.state:
            log.info("local bus %s (%s)", state, detail)
        self.state = state

    def _on_unit_arrived(self, unit: UnitState) -> None:
        self._pending_units[unit.uid] = unit
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def _flush_units(self) -> None:
        units, self._pending_units = list(self._pending_units.values()), {}
        if units:
            self.units_changed.emit(units)
