"""The gateway's video dispatch desk: requests to send streams to HQ, and what goes up, on the bus.

Seats ask on ``cmd/dispatch`` (request/response, a ``dispatch_request`` answered with a
``command_reply``); HQ asks with the same payload among its orders (``hq/orders`` at HQ's
broker, through the uplink). The desk hands requests and the backhaul's state to the
``DispatchService`` (video/dispatch_service.py), writes what it reports into the incident
log, and keeps a ``dispatch`` payload retained on ``dispatch`` for every seat. With no
``[dispatch] url`` it refuses requests, saying what to configure. docs/video_dispatch.md.

The desk also reads the video catalogue on the bus (``video/+``, on the bus thread): the
drones' and TAK devices' announced streams are offered to the service, so they can be sent
too (as announced, without credentials).

The choice is kept in the store (``dispatch_choices``) before a request is answered, so a
restarted gateway sends the same streams again (``start``); one that is neither configured
nor announced yet waits until its announcement comes back.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable

from radios.bus import MqttBus
from radios.config import Config
from radios.dispatch_place import display_target
from radios.input_guard import BadInputLog
from radios.store import Store
from radios.schema import (
    BACKHAUL_STATES, CommandReply, DispatchRequest, DispatchState, Event, PayloadError, StreamAnnouncement, Topics,
    decode,
)

log = logging.getLogger(__name__)

SRC = "gateway"
STORE_TIMEOUT_S = 10.0
NOT_CONFIGURED = "video dispatch to HQ is not configured; set [dispatch] url in the gateway's config"


class DispatchDesk:
    """Bus side of video dispatch; request handlers run on the bus or uplink thread."""

    def __init__(self, bus: MqttBus, topics: Topics, config: Config, record: Callable[[Event], None],
                 bad_input: BadInputLog, on_other_order: Callable[[bytes], None] | None = None,
                 store: Store | None = None) -> None:
        self.bus = bus
        self.store = store
        self.topics = topics
        self.record = record
        self.bad_input = bad_input
        self.on_other_order = on_other_order
        self._publish_lock = threading.Lock()
        self.service = None
        self._waiting: set[str] = set()  # chosen before a restart, not announced again yet (bus thread)
        if config.dispatch.url:
            from video.dispatch_service import DispatchService  # PyAV loads only where a gateway runs

            self.service = DispatchService(config.dispatch, config.vehicle.id, config.streams,
                                           config.uplink.link_kbps if config.uplink.url else None,
                                           on_event=self._on_service_event, on_change=self.publish)

    def start(self) -> None:
        """Answer requests on ``cmd/dispatch`` (before the bus starts); send again what was chosen before."""
        self.bus.serve(self.topics.command("dispatch"), self._answer)
        if self.service is None:
            return
        self.bus.subscribe(f"{self.topics.root}/video/+", qos=1)
        for stream in self.store.dispatch_choices() if self.store is not None else ():
            if not self.service.is_known(stream):
                self._waiting.add(stream)
                self.record(Event.create(SRC, category="video", text=(
                    f"Video {stream} was chosen for HQ before the restart; it goes up once it is announced again")))
                continue
            self._restore(stream)

    def on_video(self, topic: str, payload: bytes) -> None:
        """Bus thread: a catalogue entry; a drone's or TAK device's stream becomes one that can be sent."""
        if self.service is None:
            return
        _, stream_id = self.topics.kind_of(topic)
        if not payload:
            self.service.withdraw(stream_id)
            return
        try:
            entry = decode(payload, StreamAnnouncement)
        except PayloadError as exc:
            self.bad_input.reject(topic, str(exc))
            return
        if entry.source == "config" or entry.stream != stream_id:
            return  # configured streams are pulled with the config's credentials
        from video.stream_settings import AnnouncedStream

        self.service.offer(AnnouncedStream(id=entry.stream, name=entry.name, kind=entry.stream_kind, url=entry.url,
                                           unit=entry.unit, source=entry.source))
        if entry.stream in self._waiting:
            self._waiting.discard(entry.stream)
            self._restore(entry.stream)

    def _restore(self, stream: str) -> None:
        """Send again a stream chosen before the restart; one that cannot be sent any more is forgotten."""
        error = self.service.request(stream, "start", by="chosen before the gateway restarted")
        if error:
            self.store.unchoose_dispatch(stream).result(timeout=STORE_TIMEOUT_S)
            self.record(Event.create(SRC, category="video", severity="warning",
                                     text=f"Video {stream} no longer sent to HQ after the restart: {error}"))

    def stop(self) -> None:
        if self.service is not None:
            self.service.stop()
            self.publish()

    def on_backhaul(self, state: str) -> None:
        """Uplink or heartbeat thread: the backhaul's state, passed on to the service."""
        if self.service is not None:
            self.service.on_backhaul(state)

    def on_hq_order(self, payload: bytes) -> None:
        """Uplink thread: HQ's ``dispatch_request`` orders are ours; every other order goes on."""
        try:
            item = decode(payload)
        except PayloadError:
            item = None
        if not isinstance(item, DispatchRequest):
            if self.on_other_order is not None:
                self.on_other_order(payload)
            return
        error = self.handle(item, by="HQ")
        if error:
            self.record(Event.create(SRC, category="video", severity="warning",
                                     text=f"HQ's request to {item.action} sending {item.stream} refused: {error}"))

    def handle(self, request: DispatchRequest, by: str) -> str | None:
        """Carry out one request; returns why it was refused, or None."""
        if self.service is None:
            return NOT_CONFIGURED
        error = self.service.request(request.stream, request.action, by=by)
        if request.action == "stop":
            self._waiting.discard(request.stream)
        if error is None and self.store is not None:
            error = self._keep(request.stream, request.action, by)
        return error

    def _keep(self, stream: str, action: str, by: str) -> str | None:
        """Store the choice before it is acknowledged; a start that cannot be stored is undone."""
        try:
            if action == "start":
                self.store.choose_dispatch(stream, by).result(timeout=STORE_TIMEOUT_S)
            else:
                self.store.unchoose_dispatch(stream).result(timeout=STORE_TIMEOUT_S)
        except (OSError, TimeoutError, sqlite3.Error) as exc:
            log.error("video dispatch: the choice of %s was not stored: %s", stream, exc)
            if action == "start":
                self.service.request(stream, "stop", by="the store failed")
            return (f"the gateway's store did not keep the choice ({type(exc).__name__}); "
                    "check the gateway's disk and its log")
        return None

    def publish(self) -> None:
        """Retain what goes up now (any thread)."""
        if self.service is None:
            return
        snap = self.service.snapshot()
        entries = [{"stream": s.stream, "state": s.state, "detail": s.detail, "mode": s.mode, "width": s.width,
                    "height": s.height, "fps": s.fps, "share_kbps": s.share_kbps,
                    "out_kbps": round(max(0.0, s.out_kbps), 1), "source_kbps": round(max(0.0, s.source_kbps), 1)}
                   for s in snap.streams]
        backhaul = snap.backhaul if snap.backhaul in BACKHAUL_STATES else "down"
        try:
            state = DispatchState.create(SRC, backhaul=backhaul, budget_kbps=snap.budget_kbps,
                                         capacity_kbps=snap.capacity_kbps, target=display_target(snap.target),
                                         streams=entries,
                                         capacity_source=snap.capacity_source)
        except PayloadError as exc:  # our own figures: a bug, not input from the field
            log.error("video dispatch state not published: %s", exc)
            return
        with self._publish_lock:
            self.bus.publish(self.topics.dispatch, state.encode(), retain=True)

    def _answer(self, raw: bytes) -> bytes:
        """Bus thread: one seat's request, answered with a ``command_reply``."""
        try:
            request = decode(raw, DispatchRequest)
        except PayloadError as exc:
            self.bad_input.reject("cmd/dispatch", str(exc))
            return CommandReply.create(SRC, request="", ok=False, error=str(exc)).encode()
        error = self.handle(request, by=request.seat or request.src)
        return CommandReply.create(SRC, request=request.id, ok=error is None, error=error or "").encode()

    def _on_service_event(self, severity: str, text: str) -> None:
        """Any thread: a start, stop, change of quality or failure, into the incident log."""
        self.record(Event.create(SRC, category="video", severity=severity, text=text))
