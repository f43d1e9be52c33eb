"""The bus schema: topic names and JSON payloads, shared by the gateway and every console.

Every payload carries ``id`` (unique, for dedup), ``ts`` (UTC, ISO 8601) and ``src``
(who produced it). Payloads are frozen dataclasses; ``decode`` validates untrusted
bytes from the bus into one of them or raises ``PayloadError`` with a readable reason.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import types
import random
import typing
from urllib.parse import urlsplit, urlunsplit
from dataclasses import dataclass, field
from datetime import datetime, timezone

SCHEMA_VERSION = 1
TOPIC_ROOT = f"mcv/v{SCHEMA_VERSION}"
MAX_PAYLOAD_BYTES = 256 * 1024
MAX_TEXT_CHARS = 4000

SEVERITIES = ("info", "warning", "alarm")
UNIT_KINDS = ("vehicle", "responder", "drone", "tak", "radio")
LINK_STATES = ("disabled", "connecting", "up", "degraded", "down")
BACKHAUL_STATES = ("not_configured", "up", "down")
GATEWAY_STATES = ("online", "offline")
ALARM_KINDS = ("sos", "battery", "link_lost", "geofence", "other")
ALARM_STATES = ("active", "acknowledged", "cancelled")
MESSAGE_STATES = ("queued", "sent", "delivered", "read", "failed")
MESSAGE_CATEGORIES = ("order", "message")
MESSAGE_VIAS = ("mqtt", "cot", "radio", "hq")
RECEIPT_STATES = ("delivered", "read")
STREAM_KINDS = ("drone", "bodycam", "mast", "fixed", "tak")
STREAM_SOURCES = ("config", "mavlink", "cot")
RESERVED_RECIPIENTS = ("receipt",)  # msg/receipt carries receipts, never a message
TASK_KINDS = ("search_area", "evacuation_point", "checkpoint")  # an area is a polygon, the others a point
TASK_STATES = ("open", "assigned", "in_progress", "done", "cancelled")
TASK_CLOSED_STATES = ("done", "cancelled")
MAX_TASK_TITLE_CHARS = 200
MAX_TASK_UNITS = 50
MAX_AREA_POINTS = 200
DUTY_ACTIONS = ("summary", "shift_start", "shift_end", "handover")  # "summary" only asks what is still open


class PayloadError(ValueError):
    """A payload from the bus that is not what the schema says; the message says why."""


def new_id() -> str:
    """A fresh payload id: 32 hex digits, unique across seats and restarts.

    128 random bits from ``random`` (seeded from the OS at start and again in a forked
    child) rather than ``uuid4``: that reads ``os.urandom`` on every call, and a system
    call on a busy link's thread waits for the GIL each time.
    """
    return f"{random.getrandbits(128):032x}"


def utc_now() -> str:
    """The current time as the schema writes it: UTC, ISO 8601, milliseconds, ``Z``."""
    return format_ts(datetime.now(timezone.utc))


def format_ts(moment: datetime) -> str:
    """Write an aware datetime the way every payload carries time."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_ts(text: str) -> datetime:
    """Read a payload timestamp; a naive or malformed one is a ``PayloadError``."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, AttributeError) as exc:
        raise PayloadError(f"ts {text!r} is not an ISO 8601 time") from exc
    if moment.tzinfo is None:
        raise PayloadError(f"ts {text!r} has no time zone; the bus speaks UTC")
    return moment


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


def _check_topic_level(what: str, value: str) -> None:
    if not isinstance(value, str) or not value or len(value) > 128:
        raise PayloadError(f"{what} must be 1 to 128 characters")
    if any(ch in value for ch in "/+#\0") or value != value.strip():
        raise PayloadError(f"{what} {value!r} may not contain '/', '+', '#', NUL or edge spaces")


@dataclass(frozen=True)
class Payload:
    """Fields every payload has. Subclasses add their own and a ``KIND``."""

    KIND: typing.ClassVar[str] = ""

    id: str
    ts: str
    src: str

    def __post_init__(self) -> None:
        _validate_fields(self)
        if not (8 <= len(self.id) <= 64):
            raise PayloadError("id must be 8 to 64 characters")
        parse_ts(self.ts)

    def to_dict(self) -> dict[str, object]:
        data = {name: getattr(self, name) for name, _ in _field_types(type(self))}
        if not all(type(value) in _SCALARS for value in data.values()):
            data = dataclasses.asdict(self)  # lists and the like are copied, never shared
        data["kind"] = self.KIND
        return data

    def encode(self) -> bytes:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def create(cls, src: str, **fields: object):
        """A new payload of this kind with a fresh id and the current time."""
        return cls(id=new_id(), ts=utc_now(), src=src, **fields)

    @classmethod
    def from_dict(cls, data: typing.Mapping[str, object]):
        if not isinstance(data, typing.Mapping):
            raise PayloadError(f"a {cls.KIND} payload must be a JSON object")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - names - {"kind"}
        if unknown:
            raise PayloadError(f"{cls.KIND} payload has unknown fields: {', '.join(sorted(map(str, unknown)))}")
        missing = {f.name for f in dataclasses.fields(cls) if _is_required(f)} - set(data)
        if missing:
            raise PayloadError(f"{cls.KIND} payload lacks fields: {', '.join(sorted(missing))}")
        return cls(**{k: v for k, v in data.items() if k in names})


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _is_required(f: dataclasses.Field) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


def _validate_fields(payload: Payload) -> None:
    for name, allowed in _field_types(type(payload)):
        value = getattr(payload, name)
        if value is None and type(None) in allowed:
            continue
        if isinstance(value, bool) and bool not in allowed:
            raise PayloadError(f"{name} must be {_describe(allowed)}, not true/false")
        if not isinstance(value, allowed):
            raise PayloadError(f"{name} must be {_describe(allowed)}, not {type(value).__name__}")
        if isinstance(value, float) and not math.isfinite(value):
            raise PayloadError(f"{name} must be a finite number")
        if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
            raise PayloadError(f"{name} is longer than {MAX_TEXT_CHARS} characters")


@functools.cache
def _field_types(cls: type) -> tuple[tuple[str, tuple[type, ...]], ...]:
    """Each field's name and the types it takes, worked out once per payload class (a hot path)."""
    hints = typing.get_type_hints(cls)
    return tuple((f.name, tuple(_allowed_types(hints[f.name]))) for f in dataclasses.fields(cls))


def _allowed_types(hint: object) -> set[type]:
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return set().union(*(_allowed_types(a) for a in typing.get_args(hint)))
    if hint is float:
        return {float, int}
    if typing.get_origin(hint) is list:
        return {list}
    return {hint if hint is not None else type(None)}


def _describe(allowed: typing.Collection[type]) -> str:
    return " or ".join(sorted("null" if t is type(None) else t.__name__ for t in allowed))


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise PayloadError(f"{name} {value!r} is not one of {', '.join(choices)}")


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
    between ``start`` and ``end``) or ``search`` (log entries matching ``query``,
    ``category`` and ``severity``).
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
        _check_choice("what", self.what, ("events", "track", "search"))
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None:
                parse_ts(value)
        if not 1 <= self.limit <= 10000:
            raise PayloadError("limit must be between 1 and 10000")
        if self.what == "track" and not self.unit:
            raise PayloadError("a track request names its unit")


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

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_topic_level("to", self.to)
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


@dataclass(frozen=True)
class Task(Payload):
    """Units given a job at a place: a search area (a polygon) or an evacuation point or checkpoint (a point).

    ``id`` is the task's own id and stays the same through every change; ``revision``
    counts the changes. ``lat``/``lon`` is the place (an area's centre); ``area`` holds a
    search area's corners as ``[lon, lat]`` pairs (GeoJSON order, not closed) and is
    empty for a point. The gateway's task desk is its only writer and retains it on
    ``task/{id}``.
    """

    KIND = "task"
    task_kind: str
    title: str
    lat: float
    lon: float
    area: list = field(default_factory=list)
    units: list = field(default_factory=list)
    status: str = "open"
    seat: str | None = None  # the seat that created it
    updated: str | None = None
    updated_by: str | None = None  # the seat of the last change
    revision: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_topic_level("task id", self.id)
        _check_choice("task_kind", self.task_kind, TASK_KINDS)
        _check_choice("status", self.status, TASK_STATES)
        _check_task_title(self.title)
        _check_position(self.lat, self.lon, optional=False)
        _check_area(self.task_kind, self.area)
        _check_task_units(self.units)
        if self.updated is not None:
            parse_ts(self.updated)
        if self.revision < 0:
            raise PayloadError("revision must not be negative")


@dataclass(frozen=True)
class TaskUpdate(Payload):
    """A seat creates or changes a task, sent to ``cmd/task``; answered with a ``command_reply``.

    ``task`` names the task (a new id creates it). Fields left None stay as they are; a
    new task needs ``task_kind``, ``title`` and a place (``lat``/``lon``, and ``area``
    for a search area). ``id`` is the request's own, so a resent request changes nothing.
    """

    KIND = "task_update"
    task: str
    seat: str
    task_kind: str | None = None
    title: str | None = None
    lat: float | None = None
    lon: float | None = None
    area: list | None = None
    units: list | None = None
    status: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_topic_level("task", self.task)
        if not self.seat.strip() or len(self.seat) > 64:
            raise PayloadError("a task update names its seat (1 to 64 characters)")
        if self.task_kind is not None:
            _check_choice("task_kind", self.task_kind, TASK_KINDS)
        if self.status is not None:
            _check_choice("status", self.status, TASK_STATES)
        if self.title is not None:
            _check_task_title(self.title)
        _check_position(self.lat, self.lon, optional=True)
        if self.area is not None:
            _check_area(self.task_kind, self.area)
        if self.units is not None:
            _check_task_units(self.units)


@dataclass(frozen=True)
class DutyEntry(Payload):
    """A seat's duty log entry, sent to ``cmd/duty``: shift start or end, a handover with notes.

    ``action`` ``summary`` only asks what is still open (alarms, tasks, undelivered
    orders); the others are logged with the notes and that summary. Answered with a
    ``command_reply`` whose ``item`` is the summary.
    """

    KIND = "duty"
    action: str
    seat: str
    person: str = ""  # who is on duty
    next_person: str = ""  # who takes over, at a handover
    notes: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_choice("action", self.action, DUTY_ACTIONS)
        if not self.seat.strip() or len(self.seat) > 64:
            raise PayloadError("a duty entry names its seat (1 to 64 characters)")
        for name in ("person", "next_person"):
            if len(getattr(self, name)) > MAX_TASK_TITLE_CHARS:
                raise PayloadError(f"{name} is longer than {MAX_TASK_TITLE_CHARS} characters")


@dataclass(frozen=True)
class CommandReply(Payload):
    """The gateway's answer to a seat's ``task_update`` or ``duty``: the result, or why it was refused."""

    KIND = "command_reply"
    request: str
    ok: bool
    error: str = ""
    item: dict | None = None


def _check_task_title(title: str) -> None:
    if not title.strip():
        raise PayloadError("a task needs a title")
    if len(title) > MAX_TASK_TITLE_CHARS:
        raise PayloadError(f"a task title is at most {MAX_TASK_TITLE_CHARS} characters, not {len(title)}")


def _check_area(task_kind: str | None, area: list) -> None:
    """A search area has 3 to ``MAX_AREA_POINTS`` corners ``[lon, lat]``; a point task has none."""
    if task_kind is not None and task_kind != "search_area":
        if area:
            raise PayloadError(f"a {task_kind} is a point; only a search_area has an area")
        return
    if task_kind is None and not area:
        return
    if not 3 <= len(area) <= MAX_AREA_POINTS:
        raise PayloadError(f"a search area has 3 to {MAX_AREA_POINTS} corners, not {len(area)}")
    for corner in area:
        if not (isinstance(corner, list) and len(corner) == 2
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                        for v in corner)):
            raise PayloadError("an area corner is a [lon, lat] pair of numbers")
        _check_position(corner[1], corner[0], optional=False)


def _check_task_units(units: list) -> None:
    if len(units) > MAX_TASK_UNITS:
        raise PayloadError(f"a task has at most {MAX_TASK_UNITS} units, not {len(units)}")
    for uid in units:
        _check_topic_level("unit", uid)
    if len(set(units)) != len(units):
        raise PayloadError("a task names each unit once")


DISPATCH_ACTIONS = ("start", "stop")
DISPATCH_STATES = ("idle", "starting", "sending", "transcoding", "waiting_backhaul", "held", "failed")
MAX_DISPATCHED = 64


@dataclass(frozen=True)
class DispatchRequest(Payload):
    """A seat, or HQ, asks the gateway to start or stop sending a stream to HQ, on ``cmd/dispatch``."""

    KIND = "dispatch_request"
    stream: str
    action: str
    seat: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_topic_level("stream", self.stream)
        _check_choice("action", self.action, DISPATCH_ACTIONS)


@dataclass(frozen=True)
class DispatchState(Payload):
    """The streams going up to HQ's media server, against the budget (retained on ``dispatch``).

    ``streams`` holds one object per chosen stream: ``stream``, ``state`` (``DISPATCH_STATES``),
    ``detail`` (a sentence, no secrets), ``mode`` (``copy``, ``transcode`` or empty), ``width``,
    ``height``, ``fps``, ``share_kbps``, ``out_kbps`` (measured) and ``source_kbps``.
    """

    KIND = "dispatch"
    backhaul: str
    budget_kbps: int
    capacity_kbps: int | None = None
    target: str = ""
    streams: list = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_choice("backhaul", self.backhaul, BACKHAUL_STATES)
        if len(self.streams) > MAX_DISPATCHED:
            raise PayloadError(f"at most {MAX_DISPATCHED} streams go to HQ, not {len(self.streams)}")
        for entry in self.streams:
            _check_dispatch_entry(entry)


_DISPATCH_ENTRY = {"stream": str, "state": str, "detail": str, "mode": str, "width": (int, type(None)),
                   "height": (int, type(None)), "fps": (int, type(None)), "share_kbps": (int, float),
                   "out_kbps": (int, float), "source_kbps": (int, float)}


def _check_dispatch_entry(entry: object) -> None:
    if not isinstance(entry, dict) or set(entry) != set(_DISPATCH_ENTRY):
        raise PayloadError(f"a dispatched stream is an object with {', '.join(_DISPATCH_ENTRY)}")
    for name, kinds in _DISPATCH_ENTRY.items():
        value = entry[name]
        if isinstance(value, bool) or not isinstance(value, kinds):
            raise PayloadError(f"a dispatched stream's {name} has the wrong type")
        if isinstance(value, float) and not math.isfinite(value) or isinstance(value, (int, float)) and value < 0:
            raise PayloadError(f"a dispatched stream's {name} must be a finite number, not negative")
        if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
            raise PayloadError(f"a dispatched stream's {name} is too long")
    _check_topic_level("stream", entry["stream"])
    _check_choice("state", entry["state"], DISPATCH_STATES)


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


def _check_position(lat: float | None, lon: float | None, *, optional: bool) -> None:
    if optional and lat is None and lon is None:
        return
    if lat is None or lon is None:
        raise PayloadError("lat and lon come together")
    if not -90 <= lat <= 90 or not -180 <= lon <= 180:
        raise PayloadError(f"position ({lat}, {lon}) is outside the globe")


LINK_ACTIONS = ("enable", "disable", "reconnect", "set_url", "watch")
MAX_FRAME_HEX_CHARS = 2 * 4096  # a raw frame shown in the traffic monitor: at most 4 KiB


@dataclass(frozen=True)
class LinkCommand(Payload):
    """A seat asks the gateway to act on one of its links, on ``cmd/link``; answered with a ``command_reply``.

    ``enable``, ``disable`` and ``reconnect`` do what they say; ``set_url`` points the link
    at another port or address (``url``) and restarts it; ``watch`` has the gateway copy
    the link's raw frames to ``raw/{link}`` for a minute, for a seat's traffic monitor.
    """

    KIND = "link_command"
    link: str
    action: str
    seat: str
    url: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_topic_level("link", self.link)
        _check_choice("action", self.action, LINK_ACTIONS)
        if not self.seat.strip() or len(self.seat) > 64:
            raise PayloadError("a link command names its seat (1 to 64 characters)")
        if self.action == "set_url" and not (self.url and self.url.strip() and len(self.url) <= 512):
            raise PayloadError("set_url needs the new url (1 to 512 characters)")
        if self.url is not None and any(ch in self.url for ch in "\0\n\r"):
            raise PayloadError("a url may not contain NUL or line breaks")


@dataclass(frozen=True)
class SerialPorts(Payload):
    """The serial ports the gateway's machine has now (retained on ``serial_ports``).

    Each port is ``{"device": "/dev/ttyUSB0", "description": "...", "hwid": "..."}``.
    """

    KIND = "serial_ports"
    ports: list = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__post_init__()
        for port in self.ports:
            if not (isinstance(port, dict) and isinstance(port.get("device"), str) and port["device"]
                    and all(isinstance(v, str) and len(v) <= 256 for v in port.values())):
                raise PayloadError("each serial port is an object of strings with a device")


@dataclass(frozen=True)
class LinkTraffic(Payload):
    """Raw frames one link read or wrote, while a seat watches it (on ``raw/{link}``, not retained)."""

    KIND = "link_traffic"
    link: str
    frames: list = field(default_factory=list)  # [[direction "in"/"out", hex of the bytes], ...]

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_topic_level("link", self.link)
        for frame in self.frames:
            if not (isinstance(frame, list) and len(frame) == 2 and frame[0] in ("in", "out")
                    and isinstance(frame[1], str) and len(frame[1]) <= MAX_FRAME_HEX_CHARS):
                raise PayloadError("each frame is [\"in\" or \"out\", hex of at most 4 KiB]")
            try:
                bytes.fromhex(frame[1])
            except ValueError:
                raise PayloadError("a frame's bytes must be hex") from None


PAYLOAD_KINDS: dict[str, type[Payload]] = {
    cls.KIND: cls
    for cls in (Event, UnitState, DroneTelemetry, LinkState, BackhaulState, GatewayStatus, HistoryRequest,
                HistoryReply, Alarm, AlarmAck, Message, MessageReceipt, StreamAnnouncement, Task, TaskUpdate,
                DutyEntry, CommandReply, DispatchRequest, DispatchState, LinkCommand, SerialPorts, LinkTraffic)
}


def decode(raw: bytes, expected: type[Payload] | None = None) -> Payload:
    """Validate bytes from the bus into a payload, or raise ``PayloadError`` saying why."""
    if len(raw) > MAX_PAYLOAD_BYTES:
        raise PayloadError(f"payload of {len(raw)} bytes is over the {MAX_PAYLOAD_BYTES}-byte limit")
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise PayloadError(f"not UTF-8 JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise PayloadError("a payload must be a JSON object")
    kind = data.get("kind")
    cls = PAYLOAD_KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise PayloadError(f"unknown payload kind {kind!r}")
    if expected is not None and cls is not expected:
        raise PayloadError(f"expected a {expected.KIND} payload, got {kind}")
    try:
        return cls.from_dict(data)
    except TypeError as exc:
        raise PayloadError(str(exc)) from exc


def _reject_constant(name: str) -> float:
    raise PayloadError(f"{name} is not a number the bus accepts")
