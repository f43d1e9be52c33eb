"""The bus schema: topic names and JSON payloads, shared by the gateway and every console.

Every payload carries ``id`` (unique, for dedup), ``ts`` (UTC, ISO 8601) and ``src``
(who produced it). Payloads are frozen dataclasses; ``decode`` validates untrusted
bytes from the bus into one of them or raises ``PayloadError`` with a readable reason.
This module holds the topics and the payloads that make up the vehicle's picture
(events, units, drones, links, alarms, messages, streams); what every payload is comes
from ``radios.payload``, the seats' commands from ``radios.command_payloads``. All of
them are importable from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from radios.command_payloads import (  # noqa: F401  (re-exported: the schema is one place to import from)
    DISPATCH_ACTIONS, DISPATCH_STATES, DUTY_ACTIONS, LINK_ACTIONS, MAX_AREA_POINTS, MAX_DISPATCHED,
    MAX_FRAME_HEX_CHARS, MAX_TASK_TITLE_CHARS, MAX_TASK_UNITS, TASK_CLOSED_STATES, TASK_KINDS, TASK_STATES,
    CommandReply, DispatchRequest, DispatchState, DutyEntry, LinkCommand, LinkTraffic, SerialPorts, Task,
    TaskUpdate,
)
from radios.payload import (  # noqa: F401  (re-exported, as above)
    BACKHAUL_STATES, MAX_PAYLOAD_BYTES, MAX_TEXT_CHARS, PAYLOAD_KINDS, Payload, PayloadError, _check_choice,
    _check_position, _check_topic_level, decode, format_ts, new_id, parse_ts, utc_now,
)

SCHEMA_VERSION = 1
TOPIC_ROOT = f"mcv/v{SCHEMA_VERSION}"

SEVERITIES = ("info", "warning", "alarm")
UNIT_KINDS = ("vehicle", "responder", "drone", "tak", "radio")
LINK_STATES = ("disabled", "connecting", "up", "degraded", "down")
GATEWAY_STATES = ("online", "offline")
ALARM_KINDS = ("sos", "battery", "link_lost", "geofence", "other")
ALARM_STATES = ("active", "acknowledged", "cancelled")
MESSAGE_STATES = ("queued", "sent", "delivered", "read", "failed")
MESSAGE_CATEGORIES = ("order", "message")
MESSAGE_VIAS = ("mqtt", "cot", "radio", "hq")
RECEIPT_STATES = ("delivered", "read")
MAX_RECEIPTS = 500  # per message: a district's responders, with room to spare
STREAM_KINDS = ("drone", "bodycam", "mast", "fixed", "tak")
STREAM_SOURCES = ("config", "mavlink", "cot")
RESERVED_RECIPIENTS = ("receipt",)  # msg/receipt carries receipts, never a message


@dataclass(frozen=True)
class Topics:
    """Topic names for one vehicle (``mcv/v1/{vehicle}/...``)."""

    vehicle: str

    def __post_init__(self) -> None:
        _check_topic_level("vehicle", self.vehicle)

    @property
    def root(self) -> str:
        return f"{TOPIC_ROOT}/{self.vehicle}"

    @property
    def everything(self) -> str:
        return f"{self.root}/#"

    @property
    def events(self) -> str:
        return f"{self.root}/event"

    @property
    def gateway(self) -> str:
        return f"{self.root}/gateway"

    @property
    def backhaul(self) -> str:
        return f"{self.root}/backhaul"

    @property
    def all_units(self) -> str:
        return f"{self.root}/unit/+"

    def unit(self, uid: str) -> str:
        _check_topic_level("unit id", uid)
        return f"{self.root}/unit/{uid}"

    def drone(self, uid: str) -> str:
        _check_topic_level("drone id", uid)
        return f"{self.root}/drone/{uid}"

    def link(self, link_id: str) -> str:
        _check_topic_level("link id", link_id)
        return f"{self.root}/link/{link_id}"

    def link_traffic(self, link_id: str) -> str:
        """A link's raw frames while a seat's traffic monitor watches it (``link_traffic``, not retained)."""
        _check_topic_level("link id", link_id)
        return f"{self.root}/raw/{link_id}"

    @property
    def serial_ports(self) -> str:
        """The serial ports the gateway's machine has (``serial_ports``, retained)."""
        return f"{self.root}/serial_ports"

    @property
    def dispatch(self) -> str:
        """What goes up to HQ's media server, retained by the gateway (``dispatch`` payload)."""
        return f"{self.root}/dispatch"

    def video(self, stream_id: str) -> str:
        _check_topic_level("stream id", stream_id)
        return f"{self.root}/video/{stream_id}"

    def message(self, to: str) -> str:
        _check_topic_level("recipient", to)
        return f"{self.root}/msg/{to}"

    def command(self, name: str) -> str:
        return f"{self.root}/cmd/{name}"

    @property
    def message_receipts(self) -> str:
        """Where devices and seats report a message delivered or read (not retained)."""
        return f"{self.root}/msg/receipt"

    def message_state(self, message_id: str) -> str:
        """A message's delivery state, retained by the gateway for every seat."""
        _check_topic_level("message id", message_id)
        return f"{self.root}/message/{message_id}"

    @property
    def hq_orders(self) -> str:
        """On HQ's broker: orders and messages for this vehicle (the uplink subscribes, QoS 1)."""
        return f"{self.root}/hq/orders"

    @property
    def hq_acks(self) -> str:
        """On HQ's broker: receipts for HQ's orders, once a person on the vehicle has read them."""
        return f"{self.root}/hq/acks"

    @property
    def sos(self) -> str:
        """Where field devices raise alarms (not retained); the gateway answers on ``alarm/{id}``."""
        return f"{self.root}/sos"

    @property
    def all_alarms(self) -> str:
        return f"{self.root}/alarm/+"

    def alarm(self, alarm_id: str) -> str:
        _check_topic_level("alarm id", alarm_id)
        return f"{self.root}/alarm/{alarm_id}"

    @property
    def all_tasks(self) -> str:
        return f"{self.root}/task/+"

    def task(self, task_id: str) -> str:
        """A task as it now stands, retained by the gateway's task desk for every seat."""
        _check_topic_level("task id", task_id)
        return f"{self.root}/task/{task_id}"

    def kind_of(self, topic: str) -> tuple[str, str]:
        """Split one of this vehicle's topics into (kind, key): ``unit/u1`` -> ("unit", "u1")."""
        prefix = self.root + "/"
        if not topic.startswith(prefix):
            return "", ""
        kind, _, key = topic[len(prefix):].partition("/")
        return kind, key



@dataclass(frozen=True)
class Event(Payload):
    """One entry in the incident log: automatic (links, alarms) or written by a person."""

    KIND = "event"
    category: str
    text: str
    severity: str = "info"
    seat: str | None = None
    unit: str | None = None
    lat: float | None = None
    lon: float | None = None
    corrects: str | None = None  # id of the entry this one corrects; the log itself is append-only

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_choice("severity", self.severity, SEVERITIES)
        if not self.text.strip():
            raise PayloadError("an event needs text")
        _check_position(self.lat, self.lon, optional=True)


@dataclass(frozen=True)
class UnitState(Payload):
    """The latest known state of one unit (retained on ``unit/{uid}``)."""

    KIND = "unit"
    uid: str
    unit_kind: str
    callsign: str
    lat: float
    lon: float
    alt: float | None = None
    heading: float | None = None
    speed: float | None = None
    stream: str | None = None
    battery: float | None = None  # percent, where the device reports it (docs/devices.md)

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_topic_level("uid", self.uid)
        _check_choice("unit_kind", self.unit_kind, UNIT_KINDS)
        _check_position(self.lat, self.lon, optional=False)
        if self.heading is not None and not 0 <= self.heading < 360:
            raise PayloadError("heading must be in [0, 360) degrees")
        if self.battery is not None and not 0 <= self.battery <= 100:
            raise PayloadError("battery must be a percentage, 0 to 100")


@dataclass(frozen=True)
class DroneTelemetry(Payload):
    """A drone's telemetry beyond its ``UnitState`` (retained on ``drone/{uid}``).

    Position, altitude above sea level, heading and speed are in the unit state; this
    adds what the drone seat shows. None means the drone has not reported it.
    """

    KIND = "drone"
    uid: str
    sysid: int
    lost: bool = False
    armed: bool | None = None
    mode: str | None = None
    alt_rel: float | None = None
    climb: float | None = None
    roll: float | None = None
    pitch: float | None = None
    yaw: float | None = None
    battery_voltage: float | None = None
    battery_percent: float | None = None
    gps_fix: int | None = None
    satellites: int | None = None
    link_quality: float | None = None
    packets_lost: int = 0
    stream_uri: str | None = None
    last_heartbeat: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_topic_level("uid", self.uid)
        if not 1 <= self.sysid <= 255:
            raise PayloadError("sysid must be a MAVLink system id, 1 to 255")
        for name in ("battery_percent", "link_quality"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= 100:
                raise PayloadError(f"{name} must be in [0, 100] percent")
        if self.yaw is not None and not 0 <= self.yaw < 360:
            raise PayloadError("yaw must be in [0, 360) degrees")
        if self.gps_fix is not None and not 0 <= self.gps_fix <= 8:
            raise PayloadError("gps_fix must be a MAVLink GPS_FIX_TYPE, 0 to 8")
        if self.last_heartbeat is not None:
            parse_ts(self.last_heartbeat)


@dataclass(frozen=True)
class LinkState(Payload):
    """State and counters of one link the gateway owns (retained on ``link/{link}``)."""

    KIND = "link"
    link: str
    link_type: str
    state: str
    detail: str = ""
    messages_in: int = 0
    messages_out: int = 0
    errors: int = 0
    last_seen: str | None = None
    signal: int | None = None     # device-reported quality where it has one (AT+CSQ: 0-5 SBD, 0-31 cellular)
    rtt_ms: float | None = None   # round trip where the link measures one

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_choice("state", self.state, LINK_STATES)
        if self.last_seen is not None:
            parse_ts(self.last_seen)
        if self.rtt_ms is not None and self.rtt_ms < 0:
            raise PayloadError("rtt_ms must not be negative")


@dataclass(frozen=True)
class BackhaulState(Payload):
    """Whether the uplink to district HQ is up (retained on ``backhaul``)."""

    KIND = "backhaul"
    state: str
    since: str | None = None
    backlog: int = 0
    # [[priority name, count], ...] in priority order, e.g. [["alarm", 2], ["position", 310]].
    backlog_by_priority: list = field(default_factory=list)
    rtt_ms: float | None = None  # the last application ping's round trip to HQ
    draining: bool = False  # back up after an outage and still sending what queued meanwhile
    delivered: int = 0  # items HQ acknowledged since the backhaul last came up
    detail: str = ""  # why it is down, for people (no secrets)

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_choice("state", self.state, BACKHAUL_STATES)
        for entry in self.backlog_by_priority:
            if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)
                    and isinstance(entry[1], int) and not isinstance(entry[1], bool) and entry[1] >= 0):
                raise PayloadError("backlog_by_priority holds [priority name, count] pairs")


@dataclass(frozen=True)
class GatewayStatus(Payload):
    """The gateway's heartbeat (retained on ``gateway``; the will says ``offline``)."""

    KIND = "gateway"
    state: str
    version: str = ""
    started: str | None = None
    events_stored: int = 0
    units: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_choice("state", self.state, GATEWAY_STATES)


@dataclass(frozen=True)
class HistoryRequest(Payload):
    """A console's question to the gateway's store, sent to ``cmd/history``.

    ``what`` is ``events`` (entries since ``start``), ``track`` (positions of ``unit``
    between ``start`` and ``end``), ``search`` (log entries matching ``query``,
    ``category`` and ``severity``) or ``report`` (an after-action report's data for
    ``start`` to ``end``, see radios/report_wire.py).
    """

    KIND = "history_request"
    what: str
    start: str | None = None
    end: str | None = None
    unit: str | None = None
    limit: int = 1000
    query: str | None = None
    category: str | None = None
    severity: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_choice("what", self.what, ("events", "track", "search", "report"))
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None:
                parse_ts(value)
        if not 1 <= self.limit <= 10000:
            raise PayloadError("limit must be between 1 and 10000")
        if self.what == "track" and not self.unit:
            raise PayloadError("a track request names its unit")
        if self.what == "report" and not (self.start and self.end and parse_ts(self.start) < parse_ts(self.end)):
            raise PayloadError("a report request gives a start before its end")


@dataclass(frozen=True)
class HistoryReply(Payload):
    """The gateway's answer to a ``HistoryRequest``: payload dicts, oldest first."""

    KIND = "history_reply"
    request: str
    ok: bool
    items: list = field(default_factory=list)
    error: str = ""


@dataclass(frozen=True)
class Alarm(Payload):
    """An alarm a person must acknowledge: an SOS, a critical battery, a lost link.

    Raised on ``sos`` by any source; the gateway stores it and keeps its state
    retained on ``alarm/{id}`` so a seat that opens later still sees it.
    """

    KIND = "alarm"
    alarm_kind: str
    text: str
    unit: str | None = None
    lat: float | None = None
    lon: float | None = None
    state: str = "active"
    acknowledged_by: str | None = None
    acknowledged_at: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_choice("alarm_kind", self.alarm_kind, ALARM_KINDS)
        _check_choice("state", self.state, ALARM_STATES)
        if not self.text.strip():
            raise PayloadError("an alarm needs text")
        _check_position(self.lat, self.lon, optional=True)
        if self.acknowledged_at is not None:
            parse_ts(self.acknowledged_at)


@dataclass(frozen=True)
class AlarmAck(Payload):
    """A seat's acknowledgement of an alarm, sent to ``cmd/alarm_ack``; answered with the new ``Alarm``."""

    KIND = "alarm_ack"
    alarm: str
    seat: str


@dataclass(frozen=True)
class Message(Payload):
    """An order or message: sent by a seat on ``cmd/message``, delivered on ``msg/{to}``.

    ``to`` is a unit uid, ``group:{name}``, ``all`` or ``hq``. The gateway keeps its
    delivery state retained on ``message/{id}``; ``by`` names who last moved it on
    (the unit or seat that reported it delivered or read).
    """

    KIND = "message"
    to: str
    text: str
    category: str = "message"
    template: str | None = None
    reply_to: str | None = None
    state: str = "queued"
    via: str = "mqtt"
    seat: str | None = None
    by: str | None = None
    updated: str | None = None
    # [recipient, "delivered" | "read"] per unit or seat that sent a receipt: who has the
    # message, when it went to a group or everyone. Filled by the gateway.
    receipts: list = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_topic_level("to", self.to)
        if len(self.receipts) > MAX_RECEIPTS:
            raise PayloadError(f"a message carries at most {MAX_RECEIPTS} receipts")
        for entry in self.receipts:
            if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)):
                raise PayloadError('each receipt is ["recipient", "delivered" or "read"]')
            _check_topic_level("receipt's recipient", entry[0])
            _check_choice("receipt's state", entry[1], RECEIPT_STATES)
        if self.to in RESERVED_RECIPIENTS or self.to == "group:":
            raise PayloadError(f"to {self.to!r} is not a recipient")
        _check_choice("category", self.category, MESSAGE_CATEGORIES)
        _check_choice("state", self.state, MESSAGE_STATES)
        _check_choice("via", self.via, MESSAGE_VIAS)
        if not self.text.strip():
            raise PayloadError("a message needs text")
        if self.updated is not None:
            parse_ts(self.updated)


@dataclass(frozen=True)
class MessageReceipt(Payload):
    """A device or seat reports a message delivered or read, on ``msg/receipt``."""

    KIND = "message_receipt"
    message: str
    state: str
    by: str

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_choice("state", self.state, RECEIPT_STATES)
        if not (1 <= len(self.message) <= 64) or not self.by.strip():
            raise PayloadError("a receipt names its message and who reports it")


@dataclass(frozen=True)
class StreamAnnouncement(Payload):
    """One video stream in the catalogue (retained on ``video/{stream}``).

    ``url`` never carries ``user:password@``: the gateway strips it (``strip_credentials``)
    and the schema refuses it. A seat that needs a camera's credentials plays the stream
    from its own ``[[streams]]`` entry of the same id. ``source`` says who told us:
    the config, a drone (MAVLink VIDEO_STREAM_INFORMATION) or a TAK device (``__video``).
    ``recording`` is true while the gateway writes the stream's evidence recording.
    """

    KIND = "stream"
    stream: str
    name: str
    stream_kind: str
    url: str
    source: str
    unit: str | None = None
    recording: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_topic_level("stream", self.stream)
        _check_choice("stream_kind", self.stream_kind, STREAM_KINDS)
        _check_choice("source", self.source, STREAM_SOURCES)
        if self.unit is not None:
            _check_topic_level("unit", self.unit)
        if not self.name.strip():
            raise PayloadError("a stream needs a name")
        try:
            parts = urlsplit(self.url)
        except ValueError:
            parts = None
        if parts is None or not parts.scheme or "://" not in self.url or "@" in parts.netloc:
            raise PayloadError("url must be scheme://host/... without user or password")




def strip_credentials(url: str) -> str | None:
    """``url`` without ``user:password@``, fit for the bus; None if it is not a ``scheme://`` url."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if not parts.scheme or "://" not in url:
        return None
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))

