"""What the gateway does with Cursor-on-Target: TAK contacts, chat and emergencies in, our units out.

``TakBridge`` turns each ``CotEvent`` a ``CotLink`` hands it into the bus model: contacts
(a-f-*, a-h-*, a-n-*, a-u-*) become ``UnitState(unit_kind="tak")`` retained on the bus
and stored; GeoChat (b-t-f) becomes a ``message`` log entry; an emergency (b-a-o-tbl and
the other b-a-o-* but cancel) raises an SOS alarm once until it is cancelled; a cancel
(b-a-o-can) is logged for a person to settle the alarm; a ``__video`` detail is logged,
kept on the unit's ``stream`` and retained in the video catalogue on ``video/{uid}``. It also builds the CoT of our own units (the vehicle,
responders, drones) for every CoT link to send, so ATAK and WinTAK users see the scene.
Our own CoT carries uids starting ``mcv-<vehicle>-``; heard back (multicast loops it),
it is ignored. A seat's message on ``msg/all``, or on ``msg/{uid}`` of a TAK contact,
goes out to TAK as GeoChat (to All Chat Rooms, or to that device).
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit, urlunsplit

from radios.config import VehicleConfig, mask_url
from radios.cot_link import CotLink
from radios.cot import DRONE, GROUND_UNIT, UNKNOWN, CotEvent, build_chat, build_unit
from radios.schema import Alarm, Event, Message, PayloadError, Topics, UnitState, decode, new_id, parse_ts, utc_now
from radios.input_guard import BadInputLog
from radios.store import Store
from radios.stream_catalogue import announce

log = logging.getLogger(__name__)

OURS_MAX_AGE_S = 600.0   # a unit not heard for ten minutes is not shown to TAK users as if it were there
OURS_STALE_S = 120.0     # how long a TAK client keeps drawing one of our units after our last SA
REMEMBERED = 2000        # chat and cancel uids kept for dedup (TAK servers replay chat history)
MAX_ALTITUDE_M = 100_000.0

_UID_UNSAFE = re.compile(r"[^A-Za-z0-9._:@-]")

Publish = Callable[..., object]
Subscribe = Callable[..., None]
EVERYONE = "all"          # the bus recipient that means every unit: All Chat Rooms on TAK
NOT_A_CONTACT_TOPIC = (EVERYONE, "receipt", "hq")   # msg/<these> mean something else; a TAK uid cannot claim them


def unit_uid(cot_uid: str) -> str:
    """The bus unit id for a CoT uid: characters a topic level cannot hold become ``_``."""
    return _UID_UNSAFE.sub("_", cot_uid.strip())[:128] or "tak-unknown"


def without_credentials(url: str) -> str | None:
    """A stream url safe to send to TAK users: no ``user:password@``; None if it is not a url."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, host, parts.path, parts.query, ""))


class _Seen:
    """A bounded set of keys already handled (reader threads of several links share it)."""

    def __init__(self, limit: int = REMEMBERED) -> None:
        self._keys: OrderedDict[str, None] = OrderedDict()
        self._limit = limit

    def add(self, key: str) -> bool:
        """Remember ``key``; False if it was already there."""
        if key in self._keys:
            return False
        self._keys[key] = None
        if len(self._keys) > self._limit:
            self._keys.popitem(last=False)
        return True


class TakBridge:
    """Turns TAK traffic into units, log entries and alarms, and our units into CoT."""

    def __init__(self, vehicle: VehicleConfig, topics: Topics, store: Store, publish: Publish,
                 record: Callable[[Event], None], raise_alarm: Callable[[Alarm], bool],
                 subscribe: Subscribe | None = None, bad_input: BadInputLog | None = None,
                 src: str = "gateway") -> None:
        self.vehicle = vehicle
        self.topics = topics
        self.store = store
        self.publish = publish
        self.record = record
        self.raise_alarm = raise_alarm
        self.subscribe = subscribe or (lambda topic, qos=1: None)
        self.bad_input = bad_input or BadInputLog(log)
        self.src = src
        self.links: list[CotLink] = []
        self.own_prefix = f"mcv-{vehicle.id}-"
        self._lock = threading.Lock()   # guards what follows: several links' reader threads call in
        self._streams: dict[str, str] = {}       # unit uid -> the video url it announced
        self._emergencies: dict[str, str] = {}   # CoT uid of an open emergency -> its alarm id
        self._contacts: dict[str, tuple[str, str]] = {}   # unit uid -> (CoT uid, callsign), for direct chat
        self._seen = _Seen()

    def add_link(self, link: CotLink) -> None:
        """A CoT link our chat goes out on (before ``start``)."""
        self.links.append(link)

    def start(self) -> None:
        """Listen for seats' messages to everyone, if there is a CoT link to carry them (before the bus starts)."""
        if self.links:
            self.subscribe(self.topics.message(EVERYONE), qos=1)

    # -- in ------------------------------------------------------------------------

    def on_event(self, link_id: str, event: CotEvent) -> None:
        """Reader thread of a CoT link: one parsed event into the store, onto the bus, or raised."""
        if self._is_ours(event):
            return
        src = f"{self.src}/{link_id}"
        if event.is_chat:
            self._on_chat(src, event)
        elif event.is_cancel:
            self._on_cancel(src, event)
        elif event.is_emergency:
            self._on_emergency(src, event)
        elif event.is_contact:
            self._on_contact(src, event)
        elif event.video_url:
            self._note_video(src, unit_uid(event.uid), event.callsign or event.uid, event.video_url)

    def _is_ours(self, event: CotEvent) -> bool:
        return event.uid.startswith(self.own_prefix) or f".{self.own_prefix}" in event.uid or (
            event.link_uid or "").startswith(self.own_prefix)

    def _on_contact(self, src: str, event: CotEvent) -> None:
        uid = unit_uid(event.uid)
        callsign = event.callsign or event.uid
        if event.video_url:
            self._note_video(src, uid, callsign, event.video_url)
        with self._lock:
            stream = self._streams.get(uid)
            new = uid not in self._contacts
            self._contacts[uid] = (event.uid, callsign)
        if new and self.links and uid not in NOT_A_CONTACT_TOPIC:
            self.subscribe(self.topics.message(uid), qos=1)   # a seat may write to this TAK user
        alt = event.hae if event.hae != UNKNOWN and abs(event.hae) < MAX_ALTITUDE_M else None
        heading = event.course if event.course is not None and 0 <= event.course < 360 else None
        try:
            state = UnitState.create(src, uid=uid, unit_kind="tak", callsign=callsign[:64], lat=event.lat,
                                     lon=event.lon, alt=alt, heading=heading, speed=event.speed, stream=stream)
        except PayloadError as exc:  # cot.py checked the parts; the schema is the last word
            log.info("CoT contact %s not shown: %s", uid, exc)
            return
        self.store.add_unit_state(state)
        self.publish(self.topics.unit(uid), state.encode(), qos=1, retain=True)

    def _note_video(self, src: str, uid: str, callsign: str, url: str) -> None:
        with self._lock:
            known = self._streams.get(uid)
            self._streams[uid] = url
        if known != url:
            self.record(Event.create(src, category="video", unit=uid,
                                     text=f"Video from {callsign}: {mask_url(url)}"))
            stream = announce(src, uid, callsign, "tak", url, "cot", unit=uid)
            if stream is not None:
                self.publish(self.topics.video(uid), stream.encode(), qos=1, retain=True)

    def _on_chat(self, src: str, event: CotEvent) -> None:
        with self._lock:
            if not self._seen.add(f"chat|{event.uid}"):
                return   # a resend, or a TAK server replaying its history
        sender = event.chat_sender or event.callsign or event.link_uid or event.uid
        position = {"lat": event.lat, "lon": event.lon} if (event.lat, event.lon) != (0.0, 0.0) else {}
        self.record(Event.create(src, category="message", text=f"From {sender}: {event.chat_text}",
                                 unit=unit_uid(event.link_uid) if event.link_uid else None, **position))

    def _on_emergency(self, src: str, event: CotEvent) -> None:
        alarm_id = hashlib.sha256(f"cot|{event.uid}|{event.start.isoformat()}".encode()).hexdigest()[:32]
        with self._lock:
            if event.uid in self._emergencies:
                return   # ATAK repeats an open emergency every few seconds
            self._emergencies[event.uid] = alarm_id
        who = event.callsign or event.link_uid or event.uid
        alarm = Alarm(id=alarm_id, ts=utc_now(), src=src, alarm_kind="sos", unit=self._device_uid(event),
                      text=f"TAK emergency ({event.emergency}) from {who}", lat=event.lat, lon=event.lon)
        self.raise_alarm(alarm)

    def _on_cancel(self, src: str, event: CotEvent) -> None:
        with self._lock:
            was_open = self._emergencies.pop(event.uid, None)
            first = self._seen.add(f"cancel|{event.uid}|{event.start.isoformat()}")
        if not first and not was_open:
            return
        who = event.callsign or event.link_uid or event.uid
        self.record(Event.create(src, category="alarm", severity="warning", unit=self._device_uid(event),
                                 lat=event.lat, lon=event.lon,
                                 text=f"TAK emergency cancelled by {who}; acknowledge its alarm on a seat"))

    @staticmethod
    def _device_uid(event: CotEvent) -> str:
        """The device an emergency is about: its ``<link uid>``, else the uid without ATAK's ``-9-1-1``."""
        uid = event.link_uid or event.uid.removesuffix("-9-1-1")
        return unit_uid(uid)

    # -- out -----------------------------------------------------------------------

    def outgoing(self) -> list[bytes]:
        """Reader thread of a CoT link: CoT XML for each of our units heard lately (TAK units excluded)."""
        now = datetime.now(timezone.utc)
        oldest = now - timedelta(seconds=OURS_MAX_AGE_S)
        events = []
        for unit in self.store.units():
            if unit.unit_kind == "tak" or parse_ts(unit.ts) < oldest:
                continue
            video = without_credentials(unit.stream) if unit.stream and "://" in unit.stream else None
            events.append(build_unit(
                self.own_prefix + unit.uid, unit.callsign, unit.lat, unit.lon,
                cot_type=DRONE if unit.unit_kind == "drone" else GROUND_UNIT, hae=unit.alt,
                speed=unit.speed, course=unit.heading, video_url=video, now=now, stale_s=OURS_STALE_S,
            ))
        return events

    def on_message(self, topic: str, payload: bytes) -> None:
        """Bus thread: a seat's message on ``msg/all`` or to a TAK contact goes out to TAK as GeoChat."""
        _, to = self.topics.kind_of(topic)
        with self._lock:
            contact = self._contacts.get(to)
        if to != EVERYONE and contact is None:
            return   # for a unit on another link
        try:
            message = decode(payload, Message)
        except PayloadError as exc:
            self.bad_input.reject(topic, str(exc))
            return
        if message.state not in ("queued", "sent"):
            return   # a state update retained again, not a new message
        with self._lock:
            if not self._seen.add(f"out|{message.id}"):
                return   # the desk publishes a message again after a reconnect
        xml = self.chat(message.text, message_id=message.id, contact=contact)
        for link in self.links:
            link.send(xml)

    def chat(self, text: str, *, message_id: str | None = None, contact: tuple[str, str] | None = None) -> bytes:
        """A GeoChat from this vehicle (as its name) to All Chat Rooms or to one contact (CoT uid, callsign)."""
        sender = self.own_prefix + "console"
        if contact is None:
            return build_chat(sender, self.vehicle.name, text, message_id=message_id or new_id())
        return build_chat(sender, self.vehicle.name, text, message_id=message_id or new_id(),
                          chatroom=contact[1], recipient_uid=contact[0])
