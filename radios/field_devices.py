"""A live MQTT field-device link: body cameras and other devices reporting positions to a broker.

``FieldDeviceLink`` keeps one ``MqttBus`` session with the broker named by a ``[[links]]``
entry of type ``mqtt`` (the vehicle's own broker or a separate field broker): MQTT 5 with
a 3.1.1 fallback, TLS with a CA and a client certificate, a login from a password file,
a persistent session, resubscription after every reconnect, a bounded send queue and a
will that marks the link down when the gateway dies. Each message that one of the
link's ``DeviceFormat``s understands becomes a ``UnitState`` handed to ``on_position``;
anything else is counted, logged once and dropped. The link's state comes from
``LinkStatePolicy``, as every other link's does.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from radios.bus import MqttBus
from radios.bus_settings import MQTT_311, BusSettings
from radios.config import SERVER_PORTS, LinkConfig
from radios.device_format import DeviceError, DeviceFormat, own_format
from radios.input_guard import BadInputLog
from radios.link import LinkDecision, LinkPolicyState, LinkStatePolicy, LinkStatus
from radios.schema import LinkState, PayloadError, Topics, UnitState

log = logging.getLogger(__name__)

# Body cameras report every few seconds; a minute of silence from all of them is worth a look.
DEVICE_QUIET_S = 60.0

PositionCallback = Callable[[UnitState], object]   # may return the store's receipt: acknowledged once durable
StatusCallback = Callable[[LinkStatus], None]


def field_bus_settings(config: LinkConfig, topics: Topics, src: str) -> BusSettings:
    """How to reach the link's broker: url, login, TLS files, and a will saying the link is down."""
    parts = urlsplit(config.url)
    scheme = parts.scheme.lower()
    will = LinkState.create(src, link=config.id, link_type="mqtt", state="down", detail="gateway gone")
    return BusSettings(
        host=parts.hostname or "", port=parts.port or SERVER_PORTS.get(scheme, 1883),
        client_id=f"mcv-field-{topics.vehicle}-{config.id}", username=config.username,
        password=config.password, tls=scheme == "mqtts",
        ca_file=str(config.ca_file) if config.ca_file else None,
        cert_file=str(config.cert_file) if config.cert_file else None,
        key_file=str(config.key_file) if config.key_file else None,
        persistent_session=True, will=(topics.link(config.id), will.encode()),
        # Nothing here needs MQTT 5, and 3.1.1 spares paho decoding properties on every
        # message: 14 % less gateway CPU per position (tests/bench/bench_links.py).
        protocol=MQTT_311,
    )


def explain_refusal(detail: str) -> str:
    """The bus's reason for being down, in words that say what to fix."""
    lowered = detail.lower()
    if "not authorized" in lowered or "bad user name or password" in lowered:
        return f"{detail}; check username and password_file"
    if "certificate verify failed" in lowered:
        return f"{detail}; check ca_file (it must have signed the broker's certificate)"
    if "certificate" in lowered or "ssl" in lowered or "tls" in lowered:
        return f"{detail}; check the TLS files (ca_file, cert_file, key_file)"
    return detail


class FieldDeviceLink:
    """One broker session carrying field devices' positions; its network thread is the bus's.

    ``on_position(state)`` gets each decoded unit state and ``on_status(status)`` each
    change of the link's state; both are called on the bus thread ("bus-mcv-field-…").
    """

    def __init__(
        self,
        config: LinkConfig,
        topics: Topics,
        on_position: PositionCallback,
        on_status: StatusCallback | None = None,
        bad_input: BadInputLog | None = None,
        src: str = "gateway",
        policy: LinkStatePolicy | None = None,
    ) -> None:
        self.config = config
        self.topics = topics
        self._on_position = on_position
        self._on_status = on_status or (lambda status: None)
        self._bad_input = bad_input or BadInputLog(log)
        self._src = f"{src}/{config.id}"
        self._source = f"link/{config.id}"
        self.formats = [DeviceFormat(m) for m in config.mapping] + [DeviceFormat(own_format(topics))]
        self._policy = policy or LinkStatePolicy(quiet_s=DEVICE_QUIET_S)
        self._lock = threading.Lock()   # guards counters, phase and detail for status() on other threads
        self._phase: LinkPolicyState = self._policy.initial(time.monotonic())
        self._detail = f"connecting to {urlsplit(config.url).hostname}"
        self._bus_detail = ""
        self._counts = {"bytes_in": 0, "bytes_out": 0, "messages_in": 0, "messages_out": 0, "errors": 0}
        self._last_seen: float | None = None
        self._devices: set[str] = set()
        self.bus = MqttBus(field_bus_settings(config, topics, src), on_message=self._on_bus_message,
                           on_state=self._on_bus_state)
        for device_format in self.formats:
            self.bus.subscribe(device_format.filter, qos=1)

    @property
    def id(self) -> str:
        return self.config.id

    def start(self) -> None:
        """Start the bus thread; it connects, subscribes, and reconnects until ``stop``."""
        self.bus.start()

    def stop(self) -> None:
        """Say ``down`` on the link's broker (a clean stop sends no will), then end the session."""
        if self.bus.is_connected:
            down = LinkState.create(self._src, link=self.config.id, link_type="mqtt", state="down",
                                    detail="gateway stopped")
            try:
                self.bus.publish(self.topics.link(self.config.id), down.encode(), retain=True).wait_for_publish(1.0)
            except (RuntimeError, ValueError):  # the session dropped meanwhile; the will covers it
                pass
        self.bus.stop()

    def status(self) -> LinkStatus:
        """A snapshot for the bus (any thread); a quiet spell is judged here, once a heartbeat."""
        self._feed("tick")
        return self._snapshot()

    # -- bus thread ------------------------------------------------------------------

    def _on_bus_state(self, state: str, detail: str) -> None:
        """Bus thread: the broker session went up or down."""
        if state == "up":
            self._feed("opened")
            up = LinkState.create(self._src, link=self.config.id, link_type="mqtt", state="up",
                                  detail=f"{self.config.url} connected")
            self.bus.publish(self.topics.link(self.config.id), up.encode(), retain=True)  # clears our will
        elif state == "down":
            self._bus_detail = explain_refusal(detail)
            self._feed("closed")

    def _on_bus_message(self, topic: str, payload: bytes, retained: bool) -> object:
        """Bus thread: one device message into a unit state, or counted and dropped.

        Returns what ``on_position`` returned (the store's receipt): the bus acknowledges
        the message to the broker once that write has committed.
        """
        with self._lock:
            self._counts["bytes_in"] += len(payload)
        device_format = next((f for f in self.formats if f.matches(topic)), None)
        if device_format is None:
            return None
        try:
            position = device_format.decode(topic, payload)
            state = position.to_unit_state(self._src)
        except (DeviceError, PayloadError) as exc:
            self._bad_input.reject(self._source, f"{topic[:80]}: {exc}")
            with self._lock:
                self._counts["errors"] += 1
            self._feed("bad_data")
            return None
        with self._lock:
            self._counts["messages_in"] += 1
            self._last_seen = time.time()
            self._devices.add(position.device)
        self._feed("data")
        return self._on_position(state)

    # -- state -----------------------------------------------------------------------

    def _feed(self, event: str) -> None:
        """Run the policy on one event; tell ``on_status`` when the state changed."""
        with self._lock:
            decision: LinkDecision = self._policy.decide(self._phase, event, time.monotonic())
            self._phase = decision.state
            before, self._detail = self._detail, self._describe(decision.state)
        if decision.changed or (decision.state.state == "down" and self._detail != before):
            self._on_status(self._snapshot())

    def _snapshot(self) -> LinkStatus:
        with self._lock:
            return LinkStatus(link=self.config.id, link_type="mqtt", state=self._phase.state, detail=self._detail,
                              last_seen=self._last_seen, **self._counts)

    def _describe(self, phase: LinkPolicyState) -> str:
        """Caller holds the lock: why the link is in its state, for the comms technician."""
        where = self.config.url
        if phase.state == "down":
            return f"{where}: {self._bus_detail or 'connection lost'}"
        if phase.reason == "waiting":
            return f"{where} connected; no device has reported yet"
        if phase.reason == "quiet":
            return f"{where} connected; no device has reported for {self._policy.quiet_s:g} s"
        if phase.reason == "bad_data":
            return f"{where}: most device messages are malformed"
        if phase.state == "up":
            return f"{where}: {len(self._devices)} device(s) seen"
        return f"connecting to {where}"
