"""The seats' commands to the gateway and what it keeps for them: tasks, duty entries,
video dispatch to HQ and link control, with the gateway's ``CommandReply``.

Every class here is a bus payload (see ``radios.payload``); ``radios.schema`` exports
them with the rest, so ``from radios.schema import Task`` works as for any payload.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from radios.payload import (
    BACKHAUL_STATES, MAX_TEXT_CHARS, Payload, PayloadError, _check_choice, _check_position, _check_topic_level,
    parse_ts,
)

TASK_KINDS = ("search_area", "evacuation_point", "checkpoint")  # an area is a polygon, the others a point
TASK_STATES = ("open", "assigned", "in_progress", "done", "cancelled")
TASK_CLOSED_STATES = ("done", "cancelled")
MAX_TASK_TITLE_CHARS = 200
MAX_TASK_UNITS = 50
MAX_AREA_POINTS = 200
DUTY_ACTIONS = ("summary", "shift_start", "shift_end", "handover")  # "summary" only asks what is still open


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
CAPACITY_SOURCES = ("", "measured", "configured")  # how capacity_kbps is known; empty while unknown
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
    ``target`` is HQ's media server as ``scheme://host:port`` (radios/dispatch_place.py), never
    the ``[dispatch] url`` itself (an older gateway retained that url, ``{stream}`` and all).
    """

    KIND = "dispatch"
    backhaul: str
    budget_kbps: int
    capacity_kbps: int | None = None
    target: str = ""
    streams: list = field(default_factory=list)
    capacity_source: str = ""  # "measured" from what the pushes deliver, or "configured" ([uplink] link_kbps)

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_choice("backhaul", self.backhaul, BACKHAUL_STATES)
        _check_choice("capacity_source", self.capacity_source, CAPACITY_SOURCES)
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
