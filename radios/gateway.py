"""The headless gateway: owns the store and the local bus, and is the composition root of both.

It records every event and unit state published on the vehicle's bus, answers the
consoles' history requests from the store, and keeps its own status retained on the
bus (the broker's will says ``offline`` when the gateway dies). If a console crashes,
nothing is lost and nothing stops.
"""

from __future__ import annotations

import logging
import threading
from importlib import metadata

from radios.bus import BusSettings, MqttBus
from radios.config import Config
from radios.input_guard import BadInputLog
from radios.schema import (
    BackhaulState, Event, GatewayStatus, HistoryReply, HistoryRequest, LinkState, PayloadError,
    Topics, UnitState, decode, utc_now,
)
from radios.store import Store

log = logging.getLogger(__name__)

SRC = "gateway"
HEARTBEAT_S = 2.0
BUS_LINK_ID = "local-bus"


def version() -> str:
    try:
        return metadata.version("mcv-console")
    except metadata.PackageNotFoundError:
        return "0+unknown"


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

    def start(self) -> None:
        """Subscribe to what the gateway records and start the bus thread."""
        self.bus.subscribe(self.topics.events, qos=1)
        self.bus.subscribe(self.topics.all_units, qos=1)
        self.bus.serve(self.topics.command("history"), self._answer_history)
        self.bus.start()
        self.record(Event.create(SRC, category="system", text=f"Gateway {version()} started"))

    def stop(self) -> None:
        """Say ``offline`` on the bus, stop the bus; the store is the caller's to close."""
        if self.bus.is_connected:
            offline = GatewayStatus.create(SRC, state="offline", version=version(), started=self.started)
            self.bus.publish(self.topics.gateway, offline.encode(), retain=True).wait_for_publish(2.0)
        self.bus.stop()

    def record(self, event: Event) -> None:
        """Store an event of the gateway's own, then show it to every seat."""
        self.store.add_event(event).result(timeout=10)
        self.bus.publish(self.topics.events, event.encode(), qos=1)

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
        if self.config.uplink.url is None:
            backhaul = BackhaulState.create(SRC, state="not_configured")
            self.bus.publish(self.topics.backhaul, backhaul.encode(), retain=True)

    def run_until(self, stop: threading.Event) -> None:
        """Heartbeat on the calling thread until ``stop`` is set."""
        while not stop.is_set():
            if self.bus.is_connected:
                self.publish_status()
            stop.wait(HEARTBEAT_S)

    # -- bus callbacks ---------------------------------------------------------------

    def _on_bus_state(self, state: str, detail: str) -> None:
        """Bus thread: log each change of the local bus connection."""
        if state != self._bus_state:
            log.info("local bus %s (%s)", state, detail)
            self._bus_state = state
        if state == "up":
            self.publish_status()

    def _on_bus_message(self, topic: str, payload: bytes, retained: bool) -> None:
        """Bus thread: store events and unit states; bad payloads are counted and dropped."""
        kind, _ = self.topics.kind_of(topic)
        expected = {"event": Event, "unit": UnitState}.get(kind)
        if expected is None:
            return
        try:
            item = decode(payload, expected)
        except PayloadError as exc:
            self.bad_input.reject(topic, str(exc))
            return
        if isinstance(item, Event):
            self.store.add_event(item)
        else:
            self.store.add_unit_state(item)

    def _answer_history(self, raw: bytes) -> bytes:
        """Bus thread: one history request answered from the store."""
        try:
            request = decode(raw, HistoryRequest)
        except PayloadError as exc:
            self.bad_input.reject("cmd/history", str(exc))
            return HistoryReply.create(SRC, request="", ok=False, error=str(exc)).encode()
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

