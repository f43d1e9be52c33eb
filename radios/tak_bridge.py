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
goes out to TAK as GeoChat (to All Chat Rooms, or to that device). A message to one
contact is ``sent`` once a CoT link has written it (``failed`` if none could), reported
through ``on_carried``; the device's GeoChat receipts (b-t-f-d delivered, b-t-f-r read)
for our messages go to the message desk on ``msg/receipt`` like any device's.
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
from radios.schema import (
    Alarm, Event, Message, MessageReceipt, PayloadError, Topics, UnitState, decode, new_id, parse_ts, utc_now,
)
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
SubmitUnit = Callable[[UnitState], object]   # UnitPublishWorker.submit: stored now, on the bus once durable
Subscribe = Callable[..., None]
Carried = Callable[[str, str, str], object]   # MessageDesk.carried(message id, "sent" or "failed", by)
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

    def __contains__(self, key: str) -> bool:
        return key in self._keys


class TakBridge:
    """Turns TAK traffic into units, log entries and alarms, and our units into CoT."""

    def __init__(self, vehicle: VehicleConfig, topics: Topics, store: Store, submit_unit: SubmitUnit,
                 publish: Publish, record: Callable[[Event], None], raise_alarm: Callable[[Alarm], bool],
                 subscribe: Subscribe | None = None, bad_input: BadInputLog | None = None,
                 src: str = "gateway", on_carried: Carried | None = None) -> None:
        self.vehicle = vehicle
        self.topics = topics
        self.store = store
        self.submit_unit = submit_unit
        self.publish = publish
        self.record = record
        self.raise_alarm = raise_alarm
        self.subscribe = subscribe or (lambda topic, qos=1: None)
        self.bad_input = bad_input or BadInputLog(log)
        self.src = src
        self.on_carried = on_carried or (lambda message_id, state, by: None)
        self.links: list[CotLink] = []
        self.own_prefix = f"mcv-{vehicle.id}-"
        self._lock = threading.Lock()   # guards what follows: several links' reader threads call in
        self._streams: dict[str, str] = {}       # unit uid -> the video url it announced
        self._catalogue: dict[str, bytes] = {}   # video/{uid} topic -> the announcement retained there
        self._emergencies: dict[str, str] = {}   # CoT uid of an open emergency -> its alarm id
        self._contacts: dict[str, tuple[str, str]] = {}   # unit uid -> (CoT uid, callsign), for direct chat
        self._seen = _Seen()
        self._our_chats = _Seen()   # ids of the messages we sent as GeoChat, whose receipts count

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
        if event.receipt_state is not None:   # before _is_ours: a receipt names our chat's uid
            self._on_receipt(event)
            return
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
        self.submit_unit(state)

    def _note_video(self, src: str, uid: str, callsign: str, url: str) -> None:
        with self._lock:
            known = self._streams.get(uid)
            self._streams[uid] = url
        if known != url:
            self.record(Event.create(src, category="video", unit=uid,
                                     text=f"Video from {callsign}: {mask_url(url)}"))
            stream = announce(src, uid, callsign, "tak", url, "cot", unit=uid)
            if stream is not None:
                topic, payload = self.topics.video(uid), stream.encode()
                with self._lock:
                    self._catalogue[topic] = payload
                self.publish(topic, payload, qos=1, retain=True)

    def retained(self) -> list[tuple[str, bytes]]:
        """(topic, payload) of the video catalogue entries TAK devices announced, to retain again (any thread)."""
        with self._lock:
            return list(self._catalogue.items())

    def _on_chat(self, src: str, event: CotEvent) -> None:
        with self._lock:
            if not self._seen.add(f"chat|{event.uid}"):
                return   # a resend, or a TAK server replaying its history
        sender = event.chat_sender or event.callsign or event.link_uid or event.uid
        position = {"lat": event.lat, "lon": event.lon} if (event.lat, event.lon) != (0.0, 0.0) else {}
        self.record(Event.create(src, category="message", text=f"From {sender}: {event.chat_text}",
                                 unit=unit_uid(event.link_uid) if event.link_uid else None, **position))

    def _on_receipt(self, event: CotEvent) -> None:
        """A device says one of our GeoChats reached it or was read: to the desk, as any device's receipt."""
        with self._lock:
            ours = event.receipt_for is not None and f"out|{event.receipt_for}" in self._our_chats
            contact = self._contacts.get(unit_uid(event.link_uid)) if event.link_uid else None
        if not ours:
            return   # TAK users' receipts to each other cross the mesh too
        by = (contact[1] if contact else None) or event.callsign or event.link_uid or "a TAK device"
        try:
            receipt = MessageReceipt.create(self.src, message=event.receipt_for, state=event.receipt_state, by=by)
        except PayloadError as exc:
            self.bad_input.reject("cot receipt", str(exc))
            return
        self.publish(self.topics.message_receipts, receipt.encode(), qos=1)

    def carries(self, to: str) -> bool:
        """Whether a message to ``to`` goes out on a CoT link that reports it sent (a TAK contact; any thread)."""
        with self._lock:
            return bool(self.links) and to != EVERYONE and to in self._contacts

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
        written = [link.id for link in self.links if link.send(xml)]
        with self._lock:
            self._our_chats.add(f"out|{message.id}")
        if contact is not None:
            self.on_carried(message.id, "sent" if written else "failed",
                            f"cot/{written[0]}" if written else "cot (no TAK link open)")

    def chat(self, text: str, *, message_id: str | None = None, contact: tuple[str, str] | None = None) -> bytes:
        """A GeoChat from this vehicle (as its name) to All Chat Rooms or to one contact (CoT uid, callsign)."""
        sender = self.own_prefix + "console"
        if contact is None:
            return build_chat(sender, self.vehicle.name, text, message_id=message_id or new_id())
        return build_chat(sender, self.vehicle.name, text, message_id=message_id or new_id(),
                          chatroom=contact[1], recipient_uid=contact[0])
