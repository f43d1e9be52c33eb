"""The satellite short-burst-data format: one alarm or order in at most 340 bytes, versioned, CRC-checked.

``encode(item) -> bytes`` packs an ``Alarm`` or an ``Event`` (alarms raised as events,
orders and messages) into one SBD message; ``decode(bytes) -> item`` unpacks it, or
raises ``SbdFormatError`` saying what is wrong. The layout is in docs/sbd.md; this
module and that page change together, and a new layout takes a new version byte.
Pure functions: no IO, no clock.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone

from radios.schema import ALARM_KINDS, ALARM_STATES, SEVERITIES, Alarm, Event, PayloadError, format_ts, parse_ts

VERSION = 1
MAX_MESSAGE_BYTES = 340          # Iridium SBD's mobile-originated limit
KIND_EVENT = 1
KIND_ALARM = 2

FLAG_POSITION = 0x01
FLAG_HEX_ID = 0x02               # the id is 32 lowercase hex digits, carried as 16 bytes
FLAG_TEXT_TRUNCATED = 0x04
FLAG_UNIT = 0x08
FLAG_SEAT = 0x10
KNOWN_FLAGS = FLAG_POSITION | FLAG_HEX_ID | FLAG_TEXT_TRUNCATED | FLAG_UNIT | FLAG_SEAT

MAX_SHORT_BYTES = 64             # src, unit and seat are cut to this many UTF-8 bytes
MAX_CATEGORY_BYTES = 32
CRC_BYTES = 4
COORD_SCALE = 10_000_000         # lat/lon as int32 in 1e-7 degree
NO_COORD = -(2**31)              # never written: a position is there or the flag is clear

_HEADER = struct.Struct(">BBBBB")   # version, kind, flags, code, code2
_TS = struct.Struct(">I")
_POSITION = struct.Struct(">ii")
_CRC = struct.Struct(">I")
_HEX_ID = re.compile(r"[0-9a-f]{32}")


class SbdFormatError(ValueError):
    """Bytes that are not a message of this format (or an item it cannot carry); the message says why."""


@dataclass(frozen=True)
class SbdMessage:
    """A decoded message: the item, and whether its text was cut to fit."""

    item: Event | Alarm
    text_truncated: bool


def truncate_utf8(text: str, limit: int) -> tuple[bytes, bool]:
    """``text`` as UTF-8 in at most ``limit`` bytes, cut at a character boundary; and whether it was cut."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return raw, False
    end = max(0, limit)
    while end > 0 and (raw[end] & 0xC0) == 0x80:  # never end inside a multi-byte character
        end -= 1
    return raw[:end], True


def encode(item: Event | Alarm) -> bytes:
    """One SBD message for ``item``: at most 340 bytes; its text is cut at a character boundary to fit."""
    if isinstance(item, Alarm):
        kind, code, code2 = KIND_ALARM, ALARM_KINDS.index(item.alarm_kind), ALARM_STATES.index(item.state)
        seat = None
    elif isinstance(item, Event):
        kind, code, code2 = KIND_EVENT, SEVERITIES.index(item.severity), 0
        seat = item.seat
    else:
        raise SbdFormatError(f"only alarms and events travel by SBD, not {type(item).__name__}")
    flags = 0
    body = bytearray()
    if _HEX_ID.fullmatch(item.id):
        flags |= FLAG_HEX_ID
        body += bytes.fromhex(item.id)
    else:
        body += _short(item.id, 255, "id", exact=True)
    seconds = int(parse_ts(item.ts).timestamp())
    if not 0 <= seconds < 2**32:
        raise SbdFormatError(f"ts {item.ts} is outside 1970-2106")
    body += _TS.pack(seconds)
    if item.lat is not None and item.lon is not None:
        flags |= FLAG_POSITION
        body += _POSITION.pack(round(item.lat * COORD_SCALE), round(item.lon * COORD_SCALE))
    body += _short(item.src, MAX_SHORT_BYTES, "src")
    if kind == KIND_EVENT:
        body += _short(item.category, MAX_CATEGORY_BYTES, "category")
    if item.unit is not None:
        flags |= FLAG_UNIT
        body += _short(item.unit, MAX_SHORT_BYTES, "unit")
    if seat is not None:
        flags |= FLAG_SEAT
        body += _short(seat, MAX_SHORT_BYTES, "seat")
    room = MAX_MESSAGE_BYTES - _HEADER.size - len(body) - CRC_BYTES
    text, cut = truncate_utf8(item.text, room)
    if cut:
        flags |= FLAG_TEXT_TRUNCATED
    message = _HEADER.pack(VERSION, kind, flags, code, code2) + bytes(body) + text
    return message + _CRC.pack(zlib.crc32(message))


def decode(data: bytes) -> Event | Alarm:
    """The alarm or event in one SBD message; ``SbdFormatError`` on anything malformed."""
    return decode_message(data).item


def decode_message(data: bytes) -> SbdMessage:
    """``decode``, also telling whether the text was cut to fit."""
    data = bytes(data)
    if len(data) > MAX_MESSAGE_BYTES:
        raise SbdFormatError(f"{len(data)} bytes is more than an SBD message ({MAX_MESSAGE_BYTES})")
    if len(data) < _HEADER.size + CRC_BYTES:
        raise SbdFormatError(f"{len(data)} bytes is too short for a message")
    if data[0] != VERSION:
        raise SbdFormatError(f"format version {data[0]} is not supported (this decoder reads version {VERSION})")
    message, (crc,) = data[:-CRC_BYTES], _CRC.unpack(data[-CRC_BYTES:])
    if zlib.crc32(message) != crc:
        raise SbdFormatError("CRC does not match: the message is damaged")
    _, kind, flags, code, code2 = _HEADER.unpack_from(message)
    if kind not in (KIND_EVENT, KIND_ALARM):
        raise SbdFormatError(f"unknown message kind {kind}")
    if flags & ~KNOWN_FLAGS:
        raise SbdFormatError(f"unknown flags 0x{flags:02x}")
    reader = _Reader(message, _HEADER.size)
    if flags & FLAG_HEX_ID:
        item_id = reader.take(16, "id").hex()
    else:
        item_id = reader.string("id")
    (seconds,) = _TS.unpack(reader.take(_TS.size, "ts"))
    lat = lon = None
    if flags & FLAG_POSITION:
        raw_lat, raw_lon = _POSITION.unpack(reader.take(_POSITION.size, "position"))
        lat, lon = raw_lat / COORD_SCALE, raw_lon / COORD_SCALE
    src = reader.string("src")
    category = reader.string("category") if kind == KIND_EVENT else None
    unit = reader.string("unit") if flags & FLAG_UNIT else None
    seat = reader.string("seat") if flags & FLAG_SEAT else None
    text = reader.rest("text")
    ts = format_ts(datetime.fromtimestamp(seconds, timezone.utc))
    try:
        if kind == KIND_ALARM:
            if seat is not None:
                raise SbdFormatError("an alarm carries no seat")
            if code >= len(ALARM_KINDS) or code2 >= len(ALARM_STATES):
                raise SbdFormatError(f"alarm kind {code} or state {code2} is unknown")
            item: Event | Alarm = Alarm(id=item_id, ts=ts, src=src, alarm_kind=ALARM_KINDS[code], text=text,
                                        unit=unit, lat=lat, lon=lon, state=ALARM_STATES[code2])
        else:
            if code >= len(SEVERITIES) or code2 != 0:
                raise SbdFormatError(f"severity {code} is unknown")
            item = Event(id=item_id, ts=ts, src=src, category=category, text=text, severity=SEVERITIES[code],
                         seat=seat, unit=unit, lat=lat, lon=lon)
    except PayloadError as exc:
        raise SbdFormatError(f"the message holds an invalid item: {exc}") from exc
    return SbdMessage(item, bool(flags & FLAG_TEXT_TRUNCATED))


def _short(text: str, limit: int, what: str, exact: bool = False) -> bytes:
    """A length-prefixed UTF-8 string, cut to ``limit`` bytes (an id is never cut: it must match)."""
    raw, cut = truncate_utf8(text, limit)
    if cut and exact:
        raise SbdFormatError(f"{what} is longer than {limit} UTF-8 bytes")
    return bytes([len(raw)]) + raw


class _Reader:
    """Walks a message's fields, turning every overrun or bad string into ``SbdFormatError``."""

    def __init__(self, data: bytes, at: int) -> None:
        self.data, self.at = data, at

    def take(self, size: int, what: str) -> bytes:
        if self.at + size > len(self.data):
            raise SbdFormatError(f"the message ends inside its {what}")
        chunk = self.data[self.at:self.at + size]
        self.at += size
        return chunk

    def string(self, what: str) -> str:
        (size,) = self.take(1, what)
        return _utf8(self.take(size, what), what)

    def rest(self, what: str) -> str:
        chunk, self.at = self.data[self.at:], len(self.data)
        return _utf8(chunk, what)


def _utf8(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SbdFormatError(f"{what} is not UTF-8") from exc
