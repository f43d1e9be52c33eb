"""Cursor-on-Target codec: untrusted CoT XML and TAK protobuf in, a small ``CotEvent`` out; our CoT built.

TAK devices (ATAK, WinTAK, iTAK) and TAK servers speak CoT as XML or as TAK protobuf
(``0xBF 0x01 0xBF`` + message on the mesh, ``0xBF`` + varint length + message on a
stream). Everything from the field is hostile until parsed: XML goes through defusedxml
with DTDs forbidden (so no entity expansion, no external entity, no billion laughs) and
a size cap; protobuf through takproto's generated ``TakMessage``. Anything wrong raises
``CotError`` with a reason a technician can read. Our own units and chat go out as XML
built with ElementTree, so every text is escaped.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import defusedxml
import defusedxml.ElementTree as SafeET
from google.protobuf.message import DecodeError
from takproto import TAKProtoVer, xml2proto
from takproto.proto import TakMessage

MAX_EVENT_BYTES = 64 * 1024   # an SA or chat event is 0.5-2 KB; anything this big is not CoT we want
MAX_TEXT_CHARS = 2000         # chat and remarks kept; the bus allows 4000 characters of text
MAX_UID_CHARS = 128
UNKNOWN = 9999999.0           # CoT's "not known" for hae, ce and le
MESH_HEADER = b"\xbf\x01\xbf"
STREAM_MAGIC = 0xBF
ALL_CHAT = "All Chat Rooms"
GROUND_UNIT = "a-f-G-U-C"     # friendly ground unit: the vehicle, responders, body cameras
DRONE = "a-f-A-M-F-Q"         # friendly air, military, fixed wing... the TAK type ATAK draws as a UAV
CHAT = "b-t-f"
CHAT_RECEIPTS = {"b-t-f-d": "delivered", "b-t-f-r": "read"}   # GeoChat receipts: <__chatreceipt messageId>
EMERGENCY_PREFIX = "b-a-o-"   # b-a-o-tbl 911, b-a-o-pan ring the bell, b-a-o-opn troops in contact ...
EMERGENCY_CANCEL = "b-a-o-can"
CONTACT_AFFILIATIONS = ("f", "h", "n", "u")   # a-f-*, a-h-*, a-n-*, a-u-*


class CotError(ValueError):
    """CoT from the field that is refused; the message says why."""


@dataclass(frozen=True)
class CotEvent:
    """One CoT event as the gateway needs it; times are aware UTC datetimes."""

    uid: str
    type: str
    time: datetime
    start: datetime
    stale: datetime
    how: str
    lat: float
    lon: float
    hae: float = UNKNOWN
    ce: float = UNKNOWN
    le: float = UNKNOWN
    callsign: str | None = None
    speed: float | None = None       # m/s, from <track>
    course: float | None = None      # degrees true, from <track>
    link_uid: str | None = None      # the device an emergency or chat is about (<link uid>)
    chat_text: str | None = None
    chat_sender: str | None = None   # the sender's callsign
    chat_recipients: tuple[str, ...] = ()
    emergency: str | None = None     # the emergency's kind ("911 Alert"), for b-a-o-* but can
    video_url: str | None = None
    receipt_for: str | None = None   # b-t-f-d/-r: the messageId of the chat it reports delivered or read

    @property
    def receipt_state(self) -> str | None:
        """``delivered`` or ``read`` for a GeoChat receipt; None for anything else."""
        return CHAT_RECEIPTS.get(self.type)

    @property
    def is_contact(self) -> bool:
        """A unit on the map: a-f-*, a-h-*, a-n-* or a-u-*."""
        parts = self.type.split("-")
        return len(parts) >= 2 and parts[0] == "a" and parts[1] in CONTACT_AFFILIATIONS

    @property
    def is_chat(self) -> bool:
        return self.type == CHAT

    @property
    def is_cancel(self) -> bool:
        return self.type == EMERGENCY_CANCEL

    @property
    def is_emergency(self) -> bool:
        return self.type.startswith(EMERGENCY_PREFIX) and not self.is_cancel


# -- parsing ---------------------------------------------------------------------------


def parse(data: bytes) -> CotEvent:
    """One CoT message as it arrives in a datagram or a stream frame: XML or TAK protobuf."""
    if data[:3] == MESH_HEADER:
        return parse_protobuf(data[3:])
    if data[:1] == bytes([STREAM_MAGIC]):
        return parse_stream_frame(data)
    return parse_xml(data)


def parse_xml(data: bytes) -> CotEvent:
    """CoT XML through defusedxml: no DTD, no entity, at most ``MAX_EVENT_BYTES``."""
    if len(data) > MAX_EVENT_BYTES:
        raise CotError(f"an XML document of {len(data)} bytes is over the {MAX_EVENT_BYTES}-byte limit")
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DTDForbidden:
        raise CotError("XML with a DTD (entity expansion or external entities) is refused") from None
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden):
        raise CotError("XML declaring entities is refused") from None
    except ET.ParseError as exc:
        raise CotError(f"not well-formed XML: {exc}") from None
    # defusedxml's other refusals, expat's limits, an encoding expat cannot use ("GBK") or Python
    # does not know ("bogus": LookupError)
    except (ValueError, LookupError, RecursionError) as exc:
        raise CotError(f"XML refused: {exc}") from None
    if root.tag != "event":
        raise CotError(f"the root element is <{_clip(root.tag, 40)}>, not <event>")
    point = root.find("point")
    if point is None:
        raise CotError("the event has no <point>")
    attrs = {name: _required(root, name) for name in ("uid", "type", "time", "start", "stale")}
    return _event(
        uid=attrs["uid"], type=attrs["type"], how=root.get("how", ""),
        times=[_xml_time(attrs[name], name) for name in ("time", "start", "stale")],
        point=[_number(point.get(name), name, default=UNKNOWN if name not in ("lat", "lon") else None)
               for name in ("lat", "lon", "hae", "ce", "le")],
        detail=root.find("detail"),
    )


def parse_protobuf(data: bytes) -> CotEvent:
    """One serialized ``TakMessage`` (the mesh payload after its 3-byte header)."""
    if len(data) > MAX_EVENT_BYTES:
        raise CotError(f"a protobuf message of {len(data)} bytes is over the {MAX_EVENT_BYTES}-byte limit")
    message = TakMessage()
    try:
        message.ParseFromString(bytes(data))
    except (DecodeError, ValueError) as exc:
        raise CotError(f"not a TAK protobuf message: {exc or 'truncated'}") from None
    if not message.HasField("cotEvent"):
        raise CotError("the TAK protobuf message carries no CoT event")
    cot = message.cotEvent
    for name in ("uid", "type"):
        if not getattr(cot, name):
            raise CotError(f"the protobuf event has no {name}")
    d = cot.detail
    detail = parse_detail_fragment(d.xmlDetail) if d.xmlDetail else ET.Element("detail")
    if d.HasField("contact") and d.contact.callsign:
        ET.SubElement(detail, "contact", callsign=d.contact.callsign)
    if d.HasField("track"):
        ET.SubElement(detail, "track", speed=repr(d.track.speed), course=repr(d.track.course))
    return _event(
        uid=cot.uid, type=cot.type, how=cot.how,
        times=[_ms_time(getattr(cot, name), name) for name in ("sendTime", "startTime", "staleTime")],
        point=[_number(getattr(cot, name), name) for name in ("lat", "lon", "hae", "ce", "le")],
        detail=detail,
    )


def parse_stream_frame(data: bytes) -> CotEvent:
    """One stream frame: ``0xBF``, the message length as a varint, the message."""
    length, start = read_varint(data, 1)
    if length is None:
        raise CotError("a protobuf stream frame cut short in its length")
    body = data[start:start + length]
    if len(body) != length or len(data) != start + length:
        raise CotError(f"a protobuf stream frame says {length} bytes but holds {len(data) - start}")
    return parse_protobuf(body)


def parse_detail_fragment(fragment: str) -> ET.Element:
    """A protobuf event's ``xmlDetail`` (XML without a root) as a ``<detail>`` element, defused."""
    try:
        return SafeET.fromstring(f"<detail>{fragment}</detail>", forbid_dtd=True)
    except (ET.ParseError, ValueError) as exc:
        raise CotError(f"the protobuf event's xmlDetail is not XML: {_clip(str(exc), 80)}") from None


def read_varint(data: bytes, offset: int) -> tuple[int | None, int]:
    """A protobuf varint at ``offset``: (value, offset after it), or (None, offset) if cut short."""
    value, shift, index = 0, 0, offset
    while index < len(data) and shift < 64:
        byte = data[index]
        value |= (byte & 0x7F) << shift
        index += 1
        if not byte & 0x80:
            return value, index
        shift += 7
    if shift >= 64:
        raise CotError("a protobuf length longer than 10 bytes")
    return None, offset


def _event(uid: str, type: str, how: str, times: list[datetime], point: list[float | None],
           detail: ET.Element | None) -> CotEvent:
    if not uid.strip() or len(uid) > MAX_UID_CHARS or any(ord(ch) < 32 for ch in uid):
        raise CotError(f"uid {_clip(uid, 40)!r} is empty, too long or has control characters")
    if not type or len(type) > 64 or not all(part.isalnum() or part == "." for part in type.split("-")):
        raise CotError(f"type {_clip(type, 40)!r} is not a CoT type such as a-f-G-U-C")
    lat, lon, hae, ce, le = point
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise CotError(f"point ({lat}, {lon}) is outside the globe")
    fields: dict[str, object] = {}
    if detail is not None:
        fields = _detail_fields(detail, type)
    return CotEvent(uid=uid, type=type, time=times[0], start=times[1], stale=times[2], how=_clip(how, 16),
                    lat=lat, lon=lon, hae=hae, ce=ce, le=le, **fields)


def _detail_fields(detail: ET.Element, cot_type: str) -> dict[str, object]:
    """What the gateway reads from ``<detail>``: contact, track, chat, emergency, video."""
    fields: dict[str, object] = {}
    contact = detail.find("contact")
    if contact is not None and contact.get("callsign", "").strip():
        fields["callsign"] = _clip(contact.get("callsign").strip(), 64)
    track = detail.find("track")
    if track is not None:
        speed = _optional_number(track.get("speed"))
        course = _optional_number(track.get("course"))
        fields["speed"] = speed if speed is not None and 0 <= speed < 1000 else None
        fields["course"] = course % 360 if course is not None and 0 <= course <= 360 else None
    link = detail.find("link")
    if link is not None and link.get("uid"):
        fields["link_uid"] = _clip(link.get("uid"), MAX_UID_CHARS)
    if cot_type == CHAT:
        fields.update(_chat_fields(detail))
    if cot_type in CHAT_RECEIPTS:
        receipt = detail.find("__chatreceipt")
        receipt = receipt if receipt is not None else detail.find("__chat")   # some clients reuse __chat
        message_id = (receipt.get("messageId") or "").strip() if receipt is not None else ""
        if not message_id:
            raise CotError(f"a {cot_type} chat receipt without <__chatreceipt messageId>")
        fields["receipt_for"] = _clip(message_id, MAX_UID_CHARS)
    emergency = detail.find("emergency")
    if cot_type.startswith(EMERGENCY_PREFIX) and cot_type != EMERGENCY_CANCEL:
        kind = emergency.get("type") if emergency is not None else None
        fields["emergency"] = _clip(kind or "emergency", 64)
        if "callsign" not in fields and emergency is not None and (emergency.text or "").strip():
            fields["callsign"] = _clip(emergency.text.strip(), 64)
    video = detail.find("__video")
    if video is not None:
        fields["video_url"] = _video_url(video)
    return fields


def _chat_fields(detail: ET.Element) -> dict[str, object]:
    remarks = detail.find("remarks")
    text = (remarks.text or "").strip() if remarks is not None else ""
    if not text:
        raise CotError("a b-t-f chat without text in <remarks>")
    chat = detail.find("__chat")
    sender = chat.get("senderCallsign") if chat is not None else None
    recipients: list[str] = []
    group = chat.find("chatgrp") if chat is not None else None
    if group is not None:
        recipients = [group.get(f"uid{i}") for i in range(1, 33) if group.get(f"uid{i}")]
    if not recipients and chat is not None and chat.get("chatroom"):
        recipients = [chat.get("chatroom")]
    return {"chat_text": _clip(text, MAX_TEXT_CHARS), "chat_sender": _clip(sender, 64) if sender else None,
            "chat_recipients": tuple(_clip(r, MAX_UID_CHARS) for r in recipients[:32])}


def _video_url(video: ET.Element) -> str | None:
    """``<__video url=...>`` or its ``<ConnectionEntry protocol address port path>``; rtsp/rtmp/http/udp/srt only."""
    url = video.get("url")
    entry = video.find("ConnectionEntry")
    if not url and entry is not None and entry.get("address"):
        protocol, port, path = entry.get("protocol", "rtsp"), entry.get("port", ""), entry.get("path", "")
        if path and not path.startswith("/"):
            path = "/" + path
        url = f"{protocol}://{entry.get('address')}{':' + port if port else ''}{path}"
    if not url or len(url) > 512:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("rtsp", "rtsps", "rtmp", "http", "https", "udp", "srt") or not parts.netloc:
        return None
    return url if all(32 < ord(ch) < 127 for ch in url) else None


def _required(element: ET.Element, name: str) -> str:
    value = element.get(name)
    if not value:
        raise CotError(f"the event has no {name} attribute")
    return value


def _xml_time(text: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise CotError(f"{name} {_clip(text, 40)!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)  # CoT times are UTC even when the Z is missing
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:  # 0001-01-01T00:00+14:00 is in year 0 in UTC
        raise CotError(f"{name} {_clip(text, 40)!r} is outside the years 1 to 9999 in UTC") from None


def _ms_time(ms: int, name: str) -> datetime:
    try:
        return datetime.fromtimestamp(ms / 1000.0, timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise CotError(f"{name} {ms} is not a time in milliseconds") from None


def _number(text: object, name: str, default: float | None = None) -> float:
    if text is None:
        if default is None:
            raise CotError(f"the point has no {name}")
        return default
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise CotError(f"{name} {_clip(str(text), 40)!r} is not a number") from None
    if not math.isfinite(value):
        raise CotError(f"{name} is not a finite number")
    return value


def _optional_number(text: str | None) -> float | None:
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit]


# -- building our own CoT --------------------------------------------------------------


def cot_time(moment: datetime) -> str:
    """A CoT time: UTC, milliseconds, ``Z``."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _new_event(uid: str, cot_type: str, how: str, now: datetime, stale_s: float,
               lat: float, lon: float, hae: float | None) -> tuple[ET.Element, ET.Element]:
    event = ET.Element("event", version="2.0", uid=uid, type=cot_type, how=how, time=cot_time(now),
                       start=cot_time(now), stale=cot_time(now + timedelta(seconds=stale_s)))
    ET.SubElement(event, "point", lat=f"{lat:.7f}", lon=f"{lon:.7f}",
                  hae=repr(float(hae)) if hae is not None else repr(UNKNOWN), ce=repr(UNKNOWN), le=repr(UNKNOWN))
    return event, ET.SubElement(event, "detail")


def build_unit(uid: str, callsign: str, lat: float, lon: float, *, cot_type: str = GROUND_UNIT,
               hae: float | None = None, speed: float | None = None, course: float | None = None,
               video_url: str | None = None, now: datetime | None = None, stale_s: float = 120.0) -> bytes:
    """SA for one of our units (``a-f-G-U-C`` ground, ``a-f-A-M-F-Q`` drone) as CoT XML bytes."""
    now = now or datetime.now(timezone.utc)
    event, detail = _new_event(uid, cot_type, "m-g", now, stale_s, lat, lon, hae)
    ET.SubElement(detail, "contact", callsign=callsign)
    ET.SubElement(detail, "__group", name="Cyan", role="Team Member")
    if speed is not None or course is not None:
        ET.SubElement(detail, "track", speed=repr(float(speed or 0.0)), course=repr(float(course or 0.0)))
    if video_url:
        ET.SubElement(detail, "__video", url=video_url)
    return ET.tostring(event, encoding="utf-8", xml_declaration=False)


def build_chat(sender_uid: str, sender_callsign: str, text: str, *, message_id: str,
               chatroom: str = ALL_CHAT, recipient_uid: str | None = None, lat: float = 0.0, lon: float = 0.0,
               now: datetime | None = None) -> bytes:
    """A GeoChat message (``b-t-f``) as CoT XML bytes: to a chat room, or to one device.

    For a direct message ``recipient_uid`` is the device's uid and ``chatroom`` its callsign,
    as ATAK writes them.
    """
    now = now or datetime.now(timezone.utc)
    room_id = recipient_uid or chatroom
    event, detail = _new_event(f"GeoChat.{sender_uid}.{room_id}.{message_id}", CHAT, "h-g-i-g-o",
                               now, 86400.0, lat, lon, None)
    chat = ET.SubElement(detail, "__chat", parent="RootContactGroup", groupOwner="false", chatroom=chatroom,
                         id=room_id, senderCallsign=sender_callsign, messageId=message_id)
    ET.SubElement(chat, "chatgrp", uid0=sender_uid, uid1=room_id, id=room_id)
    ET.SubElement(detail, "link", uid=sender_uid, type=GROUND_UNIT, relation="p-p")
    remarks = ET.SubElement(detail, "remarks", source=f"BAO.F.ATAK.{sender_uid}", to=room_id, time=cot_time(now))
    remarks.text = text
    return ET.tostring(event, encoding="utf-8", xml_declaration=False)


def to_protobuf(xml: bytes, *, stream: bool) -> bytes:
    """Our own CoT XML as TAK protobuf: stream framing for a TAK server, mesh framing for UDP.

    Only for XML this module built: takproto parses with the plain ElementTree.
    """
    return bytes(xml2proto(xml, TAKProtoVer.STREAM if stream else TAKProtoVer.MESH))
