"""The uplink to district HQ: drains the store's outbox over MQTT and watches the backhaul.

``UplinkWorker`` owns one thread, ``uplink``, and on it one paho client to the HQ
broker (MQTT 5, persistent session, QoS 1). Every paho callback therefore runs on that
thread, and so do the outbox reads: nothing the worker keeps about messages in flight
is shared. Other threads only queue (``enqueue``), ask for the state
(``backhaul_state``) and stop it.

At-least-once with dedup: an item is in the outbox (durable) before it is published;
it is deleted only when HQ's PUBACK for its message id arrives; a resend, after a lost
connection or a restart, publishes the same payload with the same id, and HQ drops
the copy by id (``radios.hq_dedup``). Each connection gets a fresh paho client, so what
was in flight on a dead connection is resent from the outbox in priority order rather
than replayed by paho in the order it was first sent.

Loss is noticed by MQTT keepalive and by an application ping echoed by HQ's broker
(``radios.backhaul_policy``); which rows go next and how fast is ``OutboxPolicy``'s call.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from radios.backhaul_policy import CONNECT_TIMEOUT_S, KEEPALIVE_S, LOST, PING_TIMEOUT_S, SEND, PingPolicy
from radios.bus import _TlsContext
from radios.bus_settings import BusSettings
from radios.config import Config
from radios.outbox_policy import (
    PRIORITY_NAMES, PRIORITY_POSITION, OutboxItem, OutboxPolicy, priority_of_event,
)
from radios.reconnect_policy import ReconnectPolicy, ReconnectState
from radios.schema import BackhaulState, Event, Payload, Topics, UnitState, utc_now
from radios.store import Store
from radios.write_receipt import WriteReceipt

log = logging.getLogger(__name__)

SRC = "gateway/uplink"
LOOP_TICK_S = 0.05  # longest a newly queued item waits before the worker looks
REWIND_EVERY_S = 1.0  # look again from the head of the outbox at least this often
COMPACT_EVERY_S = 5.0
BACKOFF_SLICE_S = 0.5  # while waiting to reconnect, compaction still runs this often
SESSION_EXPIRY_S = 7 * 24 * 3600  # HQ keeps the session (subscriptions, orders for us) a week
UPLINK_RECONNECT = ReconnectPolicy(first_delay_s=0.5, max_delay_s=5.0)  # a backhaul comes back in seconds

StateCallback = Callable[[BackhaulState], None]
EventCallback = Callable[[Event], None]
OrderCallback = Callable[[bytes], None]


@dataclass(frozen=True)
class UplinkSettings:
    """Where HQ is and how to drain towards it; a snapshot taken when the worker is built."""

    server: BusSettings
    link_kbps: int = 0
    drain_share_percent: int = 50
    positions_kept_per_unit: int = 10

    @classmethod
    def from_config(cls, config: Config) -> UplinkSettings:
        """Settings for ``config``'s ``[uplink]``, which must have a url."""
        uplink = config.uplink
        server = BusSettings.from_broker(uplink, client_id=f"mcv-uplink-{config.vehicle.id}",
                                         persistent_session=True)
        return cls(server, uplink.link_kbps, uplink.drain_share_percent, uplink.positions_kept_per_unit)


class _AnyOf:
    """``in`` over several containers without copying them."""

    def __init__(self, *containers) -> None:
        self._containers = containers

    def __contains__(self, item: object) -> bool:
        return any(item in container for container in self._containers)


class UplinkWorker:
    """Sends the outbox to HQ on the ``uplink`` thread and reports the backhaul's state.

    ``on_state(BackhaulState)`` is called on the uplink thread when the backhaul goes up
    or down; ``on_event(Event)`` on the same thread at an outage's start and end (the
    gateway stores and publishes it, which queues it for HQ too). ``on_order(bytes)``,
    also on the uplink thread, gets each order HQ sent on ``hq/orders``; paho
    acknowledges it to HQ only after the callback returns, so it must store it first.
    """

    def __init__(self, settings: UplinkSettings, store: Store, topics: Topics, *,
                 on_state: StateCallback | None = None, on_event: EventCallback | None = None,
                 on_order: OrderCallback | None = None, reconnect: ReconnectPolicy = UPLINK_RECONNECT,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.store = store
        self.topics = topics
        self._on_state = on_state or (lambda state: None)
        self._on_event = on_event or (lambda event: None)
        self._on_order = on_order
        self._reconnect = reconnect
        self._clock = clock
        self._policy = OutboxPolicy.for_link(settings.link_kbps, settings.drain_share_percent, clock)
        self.ping_topic = f"{topics.root}/uplink/ping"
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # guards the fields backhaul_state() reads
        self._state, self._since, self._detail = "down", utc_now(), "connecting to HQ"
        self._draining = False
        self._delivered = 0
        self._outage_started: float | None = None  # clock time; None while up or before the first try
        # Uplink thread only from here on.
        self._ping = PingPolicy()
        self._reconnect_state = ReconnectState()
        self._in_flight: dict[int, str] = {}  # paho mid -> outbox id, this connection only
        self._in_flight_ids: set[str] = set()
        self._deleting: dict[str, WriteReceipt] = {}  # acknowledged; delete not yet committed
        self._rejected: set[str] = set()  # HQ refused them (PUBACK failure); retried next connection
        self._cursor: tuple[int, int] | None = None  # (priority, seq) of the last row handed out
        self._rewind = False
        self._rewound_at = self._compacted_at = clock()
        self._subscribe_mid: int | None = None
        self._ended = ""  # why HQ refused this connection, if it did
        self._tls: _TlsContext | None = None  # this connection's TLS context, if HQ uses TLS
        self._committing: deque[tuple[WriteReceipt, int]] = deque()  # queued rows, appended by any thread

    # -- any thread ------------------------------------------------------------------

    def start(self) -> None:
        """Start the uplink thread; it connects, drains and reconnects until ``stop``."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="uplink", daemon=True)
            self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Disconnect from HQ and join the thread; what is unacknowledged stays in the outbox."""
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout_s)

    @property
    def is_up(self) -> bool:
        return self._state == "up"

    @property
    def in_outage(self) -> bool:
        """Any thread: a connection to HQ failed or was lost and none is up yet (not merely starting)."""
        return self._outage_started is not None

    def enqueue(self, item: Event | UnitState) -> WriteReceipt:
        """Any thread: queue an event (by severity and category) or a unit state (as a position) for HQ.

        Returns at once; the receipt settles when the row is committed (nothing is sent before).
        """
        if isinstance(item, Event):
            topic, priority = self.topics.events, priority_of_event(item.severity, item.category)
        else:
            topic, priority = self.topics.unit(item.uid), PRIORITY_POSITION
        return self._queue(item.id, priority, topic, item.encode())

    def enqueue_payload(self, topic: str, payload: Payload, priority: int) -> WriteReceipt:
        """Any thread: queue any payload for HQ on ``topic`` (orders, messages, receipts for HQ)."""
        return self._queue(payload.id, priority, topic, payload.encode())

    def _queue(self, id: str, priority: int, topic: str, payload: bytes) -> WriteReceipt:
        """Any thread: put a row in the outbox; the uplink thread notices it once committed."""
        receipt = self.store.outbox_put(id, priority, topic, payload)
        # Waiting here for the commit would cost the caller a disk sync per item; the uplink
        # thread instead looks at the receipts (deque appends are atomic).
        self._committing.append((receipt, priority))
        return receipt

    def backhaul_state(self) -> BackhaulState:
        """Any thread: the backhaul's state now, with the outbox backlog read from the store."""
        counts = self.store.outbox_counts()
        backlog = sum(counts.values())
        with self._lock:
            if self._draining and backlog <= len(self._in_flight_ids):
                self._draining = False  # all that is left is already on its way
            return BackhaulState.create(
                SRC, state=self._state, since=self._since, backlog=backlog,
                backlog_by_priority=[[PRIORITY_NAMES.get(p, str(p)), n] for p, n in sorted(counts.items())],
                rtt_ms=self._ping.rtt_ms if self._state == "up" else None,
                draining=self._draining and self._state == "up", delivered=self._delivered, detail=self._detail,
            )

    # -- the uplink thread -----------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.is_set():
            detail = self._session()
            if self._stopping.is_set():
                break
            self._went_down(detail)
            event = "lost" if self._reconnect_state.connected_at is not None else "failed"
            decision = self._reconnect.decide(self._reconnect_state, event, self._clock())
            self._reconnect_state = decision.state
            resume = self._clock() + (decision.delay_s or 0.0)
            while not self._stopping.is_set() and self._clock() < resume:
                self._stopping.wait(min(BACKOFF_SLICE_S, max(0.0, resume - self._clock())))
                self._notice_committed()
                self._compact_if_due(self._clock())

    def _new_client(self) -> mqtt.Client:
        s = self.settings.server
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=s.client_id, protocol=mqtt.MQTTv5)
        if s.username:
            client.username_pw_set(s.username, s.password)
        if s.tls:
            self._tls = _TlsContext(ssl.PROTOCOL_TLS_CLIENT)
            if s.ca_file:
                self._tls.load_verify_locations(cafile=s.ca_file)
            else:
                self._tls.load_default_certs()
            client.tls_set_context(self._tls)
        client.connect_timeout = CONNECT_TIMEOUT_S
        # The worker bounds what is in flight itself (OutboxPolicy); paho's own bound would
        # scan every message in flight on each PUBACK.
        client.max_inflight_messages_set(0)
        client.max_queued_messages_set(0)
        client.on_connect = self._handle_connect
        client.on_subscribe = self._handle_subscribe
        client.on_publish = self._handle_publish
        client.on_message = self._handle_message
        return client

    def _session(self) -> str:
        """One connection to HQ, from connect to its end; returns why it ended, for people."""
        s = self.settings.server
        self._ping.reset()
        self._in_flight.clear()
        self._in_flight_ids.clear()
        self._rejected.clear()
        self._cursor, self._subscribe_mid, self._ended = None, None, ""
        client = self._new_client()
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = SESSION_EXPIRY_S
        started = self._clock()
        try:
            client.connect(s.host, s.port, KEEPALIVE_S, clean_start=False, properties=props)
        except (OSError, ValueError) as exc:  # refused, unreachable, TLS handshake (ssl.SSLError)
            if self._tls is not None and self._tls.last_socket is not None:
                self._tls.last_socket.close()  # paho leaves a failed handshake's socket open
            if isinstance(exc, ssl.SSLCertVerificationError):
                return (f"HQ's TLS certificate at {s.host}:{s.port} is not trusted ({exc.verify_message}); "
                        "check [uplink] ca_file against HQ's CA")
            return f"cannot reach HQ at {s.host}:{s.port}: {exc}"
        try:
            while not self._stopping.is_set():
                rc = client.loop(LOOP_TICK_S)
                if self._ended:
                    return self._ended
                if rc != mqtt.MQTT_ERR_SUCCESS:
                    return "connection to HQ lost" if self.is_up else f"HQ at {s.host}:{s.port} closed the connection"
                now = self._clock()
                if not self.is_up:
                    if now - started > CONNECT_TIMEOUT_S:
                        return f"no answer from HQ at {s.host}:{s.port} within {CONNECT_TIMEOUT_S:.0f} s"
                    continue
                verdict = self._ping.decide(now)
                if verdict == LOST:
                    return f"no answer from HQ for {PING_TIMEOUT_S:.0f} s"
                if verdict == SEND:
                    client.publish(self.ping_topic, self._ping.sent(now), qos=0)
                self._settle_deletes()
                self._feed(client, now)
                self._compact_if_due(now)
            return "stopped"
        finally:
            self._close(client)

    def _close(self, client: mqtt.Client) -> None:
        """Say goodbye if the socket still takes it, then make sure it is closed."""
        if client.is_connected():
            client.disconnect()
            client.loop(0)
        sock = client.socket()
        if sock is not None:
            sock.close()

    def _notice_committed(self) -> None:
        """A committed row ahead of what is being sent makes the next feed start from the head.

        Receipts settle in the order the rows were queued (one writer), so the first still
        pending ends the look.
        """
        while self._committing and self._committing[0][0].done():
            _, priority = self._committing.popleft()
            if self._cursor is not None and priority < self._cursor[0]:
                self._rewind = True

    def _feed(self, client: mqtt.Client, now: float) -> None:
        """Publish the next rows the policy allows; remember each mid until its PUBACK."""
        self._notice_committed()
        wanted = self._policy.slots(len(self._in_flight))
        if not wanted:
            return
        if self._rewind or now - self._rewound_at >= REWIND_EVERY_S:
            self._cursor, self._rewind, self._rewound_at = None, False, now
        busy = _AnyOf(self._in_flight_ids, self._deleting, self._rejected)
        limit = wanted if self._cursor else wanted + len(self._in_flight) + len(self._deleting) + len(self._rejected)
        rows = self.store.outbox_peek(limit, after=self._cursor)
        if len(rows) < limit:
            self._rewind = True  # reached the end: next time start from the head again
        items = [OutboxItem(*row) for row in rows]
        chosen = self._policy.choose(items, busy, len(self._in_flight))
        sent = []
        for item in chosen:
            info = client.publish(item.topic, item.payload, qos=1, retain=item.retain)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                return  # the connection just went; the loop notices, and the next one starts afresh
            self._in_flight[info.mid] = item.id
            self._in_flight_ids.add(item.id)
            sent.append(item.id)
        if sent:
            self.store.outbox_mark_sent(sent)
        for item in items:  # move past what is on its way (now busy too); stop at the first row still to send
            if item.id not in busy:
                break
            self._cursor = (item.priority, item.seq)

    def _settle_deletes(self) -> None:
        """Forget acknowledged ids whose delete has committed (they settle in order, mostly)."""
        for id in list(self._deleting):
            if not self._deleting[id].done():
                break
            del self._deleting[id]

    def _compact_if_due(self, now: float) -> None:
        if now - self._compacted_at < COMPACT_EVERY_S:
            return
        self._compacted_at = now
        waiting = self.store.outbox_counts().get(PRIORITY_POSITION, 0)
        if self._policy.should_compact(waiting):
            log.info("uplink: %d positions queued; keeping the newest %d per unit", waiting,
                     self.settings.positions_kept_per_unit)
            self.store.outbox_compact(PRIORITY_POSITION, self.settings.positions_kept_per_unit)

    # -- state changes (uplink thread) ------------------------------------------------

    def _went_up(self) -> None:
        backlog = sum(self.store.outbox_counts().values())
        with self._lock:
            self._state, self._since, self._detail = "up", utc_now(), ""
            self._draining, self._delivered = backlog > 0, 0
        self._reconnect_state = self._reconnect.decide(self._reconnect_state, "connected", self._clock()).state
        s = self.settings.server
        log.info("uplink: HQ at %s:%d up, %d items queued", s.host, s.port, backlog)
        if self._outage_started is not None:
            took = _duration(self._clock() - self._outage_started)
            self._outage_started = None
            self._on_event(Event.create(SRC, category="link", text=(
                f"Backhaul to HQ restored after {took}; {backlog} queued items are being sent")))
        self._on_state(self.backhaul_state())

    def _went_down(self, detail: str) -> None:
        with self._lock:
            changed = self._state != "down" or self._detail != detail
            if self._state != "down":
                self._since = utc_now()
            self._state, self._detail = "down", detail
        if not changed:
            return
        log.warning("uplink: backhaul to HQ down: %s", detail)
        if self._outage_started is None:
            self._outage_started = self._clock()
            self._on_event(Event.create(SRC, category="link", severity="warning",
                                        text=f"Backhaul to HQ down: {detail}; reports are queued"))
        self._on_state(self.backhaul_state())

    # -- paho callbacks (uplink thread) -------------------------------------------------

    def _handle_connect(self, client, userdata, flags, reason_code, properties) -> None:
        """paho's on_connect: subscribe to our own ping; "up" waits for the SUBACK."""
        if reason_code.is_failure:
            self._ended = f"HQ refused the connection: {reason_code}"
            return
        topics = [(self.ping_topic, 0)] + ([(self.topics.hq_orders, 1)] if self._on_order else [])
        _, self._subscribe_mid = client.subscribe(topics)

    def _handle_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        """paho's on_subscribe: connected and able to hear the ping, so the backhaul is up."""
        if mid != self._subscribe_mid:
            return
        if reason_codes[0].is_failure:
            self._ended = f"HQ refused the ping subscription: {reason_codes[0]}"
            return
        if any(code.is_failure for code in reason_codes[1:]):
            log.warning("uplink: HQ refused the subscription to its orders: %s", reason_codes[1])
        self._went_up()

    def _handle_message(self, client, userdata, message: mqtt.MQTTMessage) -> None:
        """paho's on_message: our ping's echo gives the round trip; HQ's orders go to ``on_order``."""
        if message.topic == self.ping_topic:
            self._ping.echoed(message.payload, self._clock())
        elif message.topic == self.topics.hq_orders and self._on_order is not None:
            self._on_order(message.payload)

    def _handle_publish(self, client, userdata, mid, reason_code, properties) -> None:
        """paho's on_publish: HQ acknowledged ``mid``; only now may its outbox row go."""
        id = self._in_flight.pop(mid, None)
        if id is None:
            return  # the ping (QoS 0) or a message of a connection already given up
        self._in_flight_ids.discard(id)
        if reason_code.is_failure:
            if not self._rejected:
                log.warning("uplink: HQ refused item %s: %s; kept for the next connection", id, reason_code)
            self._rejected.add(id)
            return
        self._deleting[id] = self.store.outbox_delete(id)
        with self._lock:
            self._delivered += 1


def _duration(seconds: float) -> str:
    """``75.2`` -> ``1 min 15 s``, for the incident log."""
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"
