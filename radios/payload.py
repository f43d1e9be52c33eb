"""What every bus payload is: a frozen dataclass with an id, a time and a source, checked on the way in.

``Payload`` validates its fields from their annotations; each kind (a subclass with a
``KIND``) is registered in ``PAYLOAD_KINDS`` when its class is made, and ``decode``
turns untrusted bytes into the registered kind or raises ``PayloadError`` saying why.
The kinds themselves live in ``radios.schema`` (the vehicle's picture) and
``radios.command_payloads`` (the seats' commands and the gateway's answers).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import os
import random
import re
import types
import typing
from dataclasses import dataclass
from datetime import datetime, timezone

MAX_PAYLOAD_BYTES = 256 * 1024
MAX_TEXT_CHARS = 4000
BACKHAUL_STATES = ("not_configured", "up", "down")  # spoken of by the backhaul's state and by video dispatch

PAYLOAD_KINDS: dict[str, type[Payload]] = {}
"""Every payload kind by its ``KIND``, filled as the payload classes are made."""


class PayloadError(ValueError):
    """A payload from the bus that is not what the schema says; the message says why."""


_ID_SOURCE = random.Random()  # seeded from os.urandom; its own, so nobody's random.seed() repeats our ids
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_ID_SOURCE.seed)  # a forked child must not repeat its parent's ids


def new_id() -> str:
    """A fresh payload id: 32 hex digits, unique across seats and restarts.

    128 random bits from a ``random.Random`` of this module's own, seeded from the OS at
    start and again in a forked child, rather than ``uuid4``: that reads ``os.urandom`` on
    every call, and a system call on a busy link's thread waits for the GIL each time. The
    generator is private because the ids carry deduplication: a library or a test that
    seeds the global ``random`` must not make two payloads share an id.
    """
    return f"{_ID_SOURCE.getrandbits(128):032x}"


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
    if moment.year in (1, 9999):  # the zone may push it out of the years datetime can hold in UTC
        try:
            moment.astimezone(timezone.utc)
        except OverflowError:
            raise PayloadError(f"ts {text!r} is outside the years 1 to 9999 in UTC; check the sender's clock") from None
    return moment



_TOPIC_LEVEL_FORBIDDEN = re.compile("[/+#\0]")


def _check_topic_level(what: str, value: str) -> None:
    if not isinstance(value, str) or not value or len(value) > 128:
        raise PayloadError(f"{what} must be 1 to 128 characters")
    if _TOPIC_LEVEL_FORBIDDEN.search(value) or value != value.strip():
        raise PayloadError(f"{what} {value!r} may not contain '/', '+', '#', NUL or edge spaces")



@dataclass(frozen=True)
class Payload:
    """Fields every payload has. Subclasses add their own and a ``KIND``."""

    KIND: typing.ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.KIND:
            if cls.KIND in PAYLOAD_KINDS:
                raise TypeError(f"payload kind {cls.KIND!r} is already {PAYLOAD_KINDS[cls.KIND].__name__}")
            PAYLOAD_KINDS[cls.KIND] = cls

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
        """The payload as the bus carries it: compact UTF-8 JSON, made once (a payload never changes)."""
        return self._encoded

    @functools.cached_property
    def _encoded(self) -> bytes:  # cached_property writes the instance's __dict__, which frozen allows
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
        if type(value) is int and not -(2**63) <= value < 2**63:  # SQLite and float() refuse larger
            raise PayloadError(f"{name} is too large a number; the bus carries numbers of at most 64 bits")
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



def _check_position(lat: float | None, lon: float | None, *, optional: bool) -> None:
    if optional and lat is None and lon is None:
        return
    if lat is None or lon is None:
        raise PayloadError("lat and lon come together")
    if not -90 <= lat <= 90 or not -180 <= lon <= 180:
        raise PayloadError(f"position ({lat}, {lon}) is outside the globe")



def decode(raw: bytes, expected: type[Payload] | None = None) -> Payload:
    """Validate bytes from the bus into a payload, or raise ``PayloadError`` saying why."""
    if len(raw) > MAX_PAYLOAD_BYTES:
        raise PayloadError(f"payload of {len(raw)} bytes is over the {MAX_PAYLOAD_BYTES}-byte limit")
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except PayloadError:
        raise
    except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON, too deep, an integer of 4,300+ digits
        raise PayloadError(f"not UTF-8 JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise PayloadError("a payload must be a JSON object")
    if b"\\u" in raw:  # only an escape can make a lone surrogate, which no payload could be encoded with
        refuse_lone_surrogates(data)
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


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def refuse_lone_surrogates(data: object) -> None:
    """Raise ``PayloadError`` if any text or key nested in decoded JSON ``data`` holds a lone surrogate.

    ``json.loads`` turns an escape such as ``"\\ud800"`` into a string that no UTF-8 encoder
    takes, so a payload holding one could be accepted but never stored or published.
    """
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and not item.isascii() and _has_lone_surrogate(item):
            raise PayloadError(f"text {item[:40]!r} holds a lone UTF-16 surrogate (an escape such as \\ud800), "
                               "which is not text; send it as UTF-8")


def _reject_constant(name: str) -> float:
    raise PayloadError(f"{name} is not a number the bus accepts")
