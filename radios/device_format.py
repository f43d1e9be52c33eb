"""What a field device's MQTT message means: its topic and JSON mapped onto a position (pure).

A device speaking mcv's own format publishes on ``mcv/v1/{vehicle}/device/{device_id}/position``
(docs/devices.md). A device that speaks its own is described in the config by a
``DeviceMappingConfig``: a topic filter and a JSON field path per value. ``DeviceFormat``
turns one message into a ``DevicePosition`` or raises ``DeviceError`` saying why; it
touches no socket, so it is fuzzed with plain bytes.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from radios.config import DeviceMappingConfig
from radios.payload import _check_topic_level, refuse_lone_surrogates
from radios.schema import PayloadError, Topics, UnitState, format_ts, new_id, parse_ts

MAX_DEVICE_PAYLOAD_BYTES = 16 * 1024   # a position is a few hundred bytes; more is not one
MAX_CALLSIGN_CHARS = 64
MAX_FUTURE_S = 300.0                   # a device clock this far ahead is wrong, not early
EPOCH_MS_ABOVE = 1e11                  # epoch numbers above this are milliseconds (year 5138 in s)
OWN_FORMAT_ID = "mcv"


class DeviceError(ValueError):
    """A device message that does not map onto a position; the message says why."""


@dataclass(frozen=True)
class DevicePosition:
    """One position report from one field device, already checked."""

    device: str
    lat: float
    lon: float
    callsign: str
    ts: str
    alt: float | None = None
    heading: float | None = None
    speed: float | None = None
    battery: float | None = None

    def to_unit_state(self, src: str) -> UnitState:
        """The bus payload: a responder unit named after the device."""
        return UnitState(id=new_id(), ts=self.ts, src=src, uid=self.device, unit_kind="responder",
                         callsign=self.callsign, lat=self.lat, lon=self.lon, alt=self.alt,
                         heading=self.heading, speed=self.speed, battery=self.battery)


def own_format(topics: Topics) -> DeviceMappingConfig:
    """mcv's documented device format for this vehicle: field names as the schema spells them."""
    return DeviceMappingConfig(id=OWN_FORMAT_ID, topic=f"{topics.root}/device/+/position", lat="lat", lon="lon",
                               alt="alt", heading="heading", speed="speed", battery="battery", ts="ts",
                               callsign="callsign")


class DeviceFormat:
    """One mapping: which topics it takes, and how their JSON becomes a ``DevicePosition``."""

    def __init__(self, mapping: DeviceMappingConfig) -> None:
        self.mapping = mapping
        self.filter = mapping.topic
        self._levels = mapping.topic.split("/")
        self._id_level = self._levels.index("+") if "+" in self._levels else None

    def matches(self, topic: str) -> bool:
        """True when ``topic`` falls under this mapping's topic filter."""
        levels = topic.split("/")
        for i, want in enumerate(self._levels):
            if want == "#":
                return True
            if i >= len(levels) or (want != "+" and want != levels[i]):
                return False
        return len(levels) == len(self._levels)

    def decode(self, topic: str, payload: bytes, now: datetime | None = None) -> DevicePosition:
        """Map one message onto a position, or raise ``DeviceError`` saying why."""
        if len(payload) > MAX_DEVICE_PAYLOAD_BYTES:
            raise DeviceError(f"{len(payload)} bytes is over the {MAX_DEVICE_PAYLOAD_BYTES}-byte limit")
        try:
            data = _JSON.decode(payload.decode("utf-8"))
        except DeviceError:
            raise
        except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON, too deep, an integer of 4,300+ digits
            raise DeviceError(f"not UTF-8 JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise DeviceError("the payload is not a JSON object")
        if b"\\u" in payload:
            try:
                refuse_lone_surrogates(data)
            except PayloadError as exc:
                raise DeviceError(str(exc)) from None
        m = self.mapping
        device = self._device(topic, data)
        lat, lon = _number(data, m.lat, "lat"), _number(data, m.lon, "lon")
        if lat is None or lon is None:
            raise DeviceError(f"no position: {m.lat!r} and {m.lon!r} must both be numbers")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise DeviceError(f"position ({lat}, {lon}) is outside the globe")
        heading = _number(data, m.heading, "heading")
        battery = _number(data, m.battery, "battery")
        if battery is not None and not 0 <= battery <= 100:
            raise DeviceError(f"battery {battery} is not a percentage")
        speed = _number(data, m.speed, "speed")
        if speed is not None and speed < 0:
            raise DeviceError(f"speed {speed} is negative")
        return DevicePosition(
            device=device, lat=lat, lon=lon, callsign=self._callsign(data, device),
            ts=_timestamp(_lookup(data, m.ts), now or datetime.now(timezone.utc)),
            alt=_number(data, m.alt, "alt"), heading=None if heading is None else _degrees(heading),
            speed=speed, battery=battery,
        )

    def _device(self, topic: str, data: dict) -> str:
        if self.mapping.device is not None:
            value = _lookup(data, self.mapping.device)
            if isinstance(value, int) and not isinstance(value, bool):
                value = str(value)
            if not isinstance(value, str):
                raise DeviceError(f"no device id at {self.mapping.device!r}")
        else:
            value = topic.split("/")[self._id_level]
        try:
            _check_topic_level("device id", value)
        except PayloadError as exc:
            raise DeviceError(f"device id {value[:40]!r} cannot name a unit: {exc}") from exc
        return value

    def _callsign(self, data: dict, device: str) -> str:
        value = _lookup(data, self.mapping.callsign)
        if isinstance(value, str) and value.strip() and len(value) <= MAX_CALLSIGN_CHARS:
            return value.strip()
        return device


def _lookup(data: object, path: str | None) -> object:
    """The value at a dotted ``path`` ("gps.latitude", "fixes.0.lat"), or None where it is absent."""
    if path is None:
        return None
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def _number(data: dict, path: str | None, name: str) -> float | None:
    """A finite number at ``path`` (devices that send "30.12" as text are forgiven), or None."""
    value = _lookup(data, path)
    if value is None:
        return None
    if isinstance(value, str) and len(value) <= 32:
        try:
            value = float(value)
        except ValueError:
            raise DeviceError(f"{name} {value!r} is not a number") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DeviceError(f"{name} must be a number, not {type(value).__name__}")
    try:
        value = float(value)
    except OverflowError:
        raise DeviceError(f"{name} is too large a number") from None
    if not math.isfinite(value):
        raise DeviceError(f"{name} must be a finite number")
    return value


def _degrees(value: float) -> float:
    """A heading in [0, 360): ``-1e-20 % 360`` rounds to 360.0, which is north again."""
    value %= 360.0
    return 0.0 if value >= 360.0 else value


def _timestamp(value: object, now: datetime) -> str:
    """The report's time as the schema writes it: ISO 8601 with a zone, or epoch (s or ms); else now."""
    if value is None:
        return format_ts(now)
    if isinstance(value, str):
        try:
            moment = parse_ts(value)
        except PayloadError as exc:
            raise DeviceError(str(exc)) from exc
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        try:  # an integer of 309+ digits overflows already in isfinite() or the division
            if not math.isfinite(value):
                raise ValueError("not finite")
            seconds = value / 1000 if value > EPOCH_MS_ABOVE else value
            moment = datetime.fromtimestamp(seconds, timezone.utc)
        except (OverflowError, OSError, ValueError) as exc:
            raise DeviceError(f"ts {value!r} is not a time") from exc
    else:
        raise DeviceError("ts must be an ISO 8601 time or epoch seconds")
    if moment - now > timedelta(seconds=MAX_FUTURE_S):
        raise DeviceError(f"ts {format_ts(moment)} is in the future; check the device's clock")
    if moment.year < 2000:
        raise DeviceError(f"ts {value!r} is before 2000; check the device's clock")
    return format_ts(moment)


def _reject_constant(name: str) -> float:
    raise DeviceError(f"{name} is not a number")


_JSON = json.JSONDecoder(parse_constant=_reject_constant)  # one for every message: NaN and Infinity refused
