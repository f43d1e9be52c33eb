"""The live MQTT 5 connection to the vehicle's local broker, shared by gateway and consoles.

``MqttBus`` owns one paho client and one network thread ("bus-<client id>"). It
connects, reconnects as ``ReconnectPolicy`` decides, resubscribes after every
connect, and offers MQTT 5 request/response. Every callback it makes runs on that
network thread; callers that own a GUI must hand the work over to their own thread.

A QoS 1 message is acknowledged to the broker only once its handler is done with it:
at once, or, when ``on_message`` returns a store's ``WriteReceipt``, once that write
has committed. Until then the broker keeps the message for this session, so a
gateway killed between taking a message and storing it gets it again on reconnect
instead of losing it. Acknowledgements leave in the order the messages came, as MQTT
requires.
"""

from __future__ import annotations

import itertools
import logging
from collections import deque
import select
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Callable

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from radios.bus_settings import BusSettings
from radios.mqtt_socket import BufferedClient
from radios.reconnect_policy import ReconnectPolicy, ReconnectState

log = logging.getLogger(__name__)

KEEPALIVE_S = 5
SESSION_EXPIRY_S = 24 * 3600
DROP_LOG_EVERY = 1000  # after the first, one warning per this many refused messages
MAX_QUEUED_MESSAGES = 10_000  # below 65,535 so message ids cannot wrap onto unacknowledged ones
LOOP_TICK_S = 0.1
ACK_POLL_S = 0.05  # while an acknowledgement waits for a commit and no wake_for_acks() comes, the loop looks this often
REPLY_PREFIX = "mcv/reply/"  # every answer goes under here, to the asking client's own topic
READ_BATCH = 256  # packets read from memory in one turn before the loop writes and looks around
DEFAULT_REQUEST_TIMEOUT_S = 5.0
# CONNACK codes of a broker that does not speak MQTT 5: 3.1.1's "unacceptable protocol
# version" (paho reads it as 1 under v5) and 5.0's "unsupported protocol version".
UNSUPPORTED_PROTOCOL_CODES = (0x01, 0x84)

MessageCallback = Callable[[str, bytes, bool], object]   # may return a WriteReceipt to acknowledge after
StateCallback = Callable[[str, str], None]
ReplyCallback = Callable[["bytes | None"], None]
RequestHandler = Callable[[bytes], bytes]


def _pending(sock) -> int:
    """Bytes read from the kernel already (by TLS or ``BufferedSocket``) that paho has not taken."""
    pending = getattr(sock, "pending", None)
    return pending() if pending else 0


def protocol_after_refusal(protocol: int, reason_code: int) -> int | None:
    """The MQTT version to try next after a refused CONNECT, or None to keep ours (pure).

    Only a broker refusing MQTT 5 itself makes us fall back, once, to 3.1.1; any other
    refusal (bad password, not authorised) is the operator's to fix, not the protocol's.
    """
    if protocol == mqtt.MQTTv5 and reason_code in UNSUPPORTED_PROTOCOL_CODES:
        return mqtt.MQTTv311
    return None


class _TlsContext(ssl.SSLContext):
    """A client TLS context that remembers its last socket: paho leaves the socket of a failed
    handshake (wrong CA, no client certificate) open, and the bus closes it instead."""

    last_socket: ssl.SSLSocket | None = None

    def wrap_socket(self, *args, **kwargs) -> ssl.SSLSocket:
        self.last_socket = super().wrap_socket(*args, **kwargs)
        return self.last_socket


@dataclass
class _PendingRequest:
    on_reply: ReplyCallback
    deadline: float


class MqttBus:
    """One MQTT 5 session with the local broker, kept up on its own network thread.

    ``on_message(topic, payload, retained)`` and ``on_state(state, detail)`` are called
    on the bus thread. ``state`` is ``connecting``, ``up`` or ``down``.
    """

    def __init__(
        self,
        settings: BusSettings,
        on_message: MessageCallback,
        on_state: StateCallback | None = None,
        policy: ReconnectPolicy | None = None,
    ) -> None:
        self.settings = settings
        self._on_message = on_message
        self._on_state = on_state or (lambda state, detail: None)
        self._policy = policy or ReconnectPolicy()
        self._subscriptions: dict[str, tuple[int, bool]] = {}   # pattern -> (qos, own messages too)
        self._handlers: dict[str, RequestHandler] = {}
        self._pending: dict[bytes, _PendingRequest] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._stopping = threading.Event()
        self._connected = threading.Event()
        self._thread: threading.Thread | None = None
        self._resubscribe_mid: int | None = None
        self._acks: deque[tuple[int, int, object]] = deque()  # bus thread: (mid, qos, receipt or None), in order
        self.dropped = 0  # messages refused because the outgoing queue was full
        self.protocol = settings.protocol
        self._tls: _TlsContext | None = None
        self._refused: str | None = None   # bus thread: why the broker refused the last CONNECT
        self._fall_back = False
        self.reply_topic = f"{REPLY_PREFIX}{settings.client_id}"
        # Made by start() and closed by the network thread: a bus never started holds no socket.
        self._wake_reader: socket.socket | None = None
        self._wake_writer: socket.socket | None = None
        self._client = self._build_client()

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        """Start the network thread; it connects and keeps reconnecting until ``stop``."""
        if self._thread is not None:
            return
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._wake_reader.setblocking(False)
        self._wake_writer.setblocking(False)
        self._thread = threading.Thread(target=self._run, name=f"bus-{self.settings.client_id}", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 3.0) -> None:
        """Disconnect cleanly (no will is sent) and join the network thread."""
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout_s)

    @property
    def is_connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout_s: float) -> bool:
        return self._connected.wait(timeout_s)

    # -- publish and subscribe -------------------------------------------------------

    def subscribe(self, pattern: str, qos: int = 1, own: bool = True) -> None:
        """Subscribe now if connected, and again after every reconnect.

        ``own=False`` asks the broker not to send back what this bus publishes itself
        (MQTT 5's No Local), for a subscriber that handles its own messages when it sends
        them; a 3.1.1 broker sends them anyway, so such a subscriber must take them twice.
        """
        with self._lock:
            self._subscriptions[pattern] = (qos, own)
        if self.is_connected:
            self._client.subscribe([self._subscription(pattern, qos, own)])

    def _subscription(self, pattern: str, qos: int, own: bool) -> tuple[str, int | SubscribeOptions]:
        """paho's (topic, options) for one subscription in the protocol this session speaks."""
        if self.protocol == mqtt.MQTTv5:
            return pattern, SubscribeOptions(qos=qos, noLocal=not own)
        return pattern, qos

    def publish(self, topic: str, payload: bytes, *, qos: int = 1, retain: bool = False) -> mqtt.MQTTMessageInfo:
        """Queue a message; with QoS 1 paho resends it until the broker acknowledges it.

        When the queue is full (``MAX_QUEUED_MESSAGES``) the message is refused: it is
        counted in ``dropped`` and logged, never lost without a word (any thread).
        """
        info = self._client.publish(topic, payload, qos=qos, retain=retain)
        if info.rc == mqtt.MQTT_ERR_QUEUE_SIZE:
            with self._lock:
                self.dropped += 1
                first = self.dropped == 1
            if first or self.dropped % DROP_LOG_EVERY == 0:
                log.warning("bus %s: outgoing queue full (%d messages); %d dropped so far, the latest on %s",
                            self.settings.client_id, MAX_QUEUED_MESSAGES, self.dropped, topic)
        return info

    # -- request / response ----------------------------------------------------------

    def request(
        self,
        topic: str,
        payload: bytes,
        on_reply: ReplyCallback,
        timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S,
    ) -> None:
        """Send an MQTT 5 request; ``on_reply`` gets the reply bytes, or None on timeout (bus thread)."""
        correlation = f"{self.settings.client_id}:{next(self._ids)}".encode()
        with self._lock:
            self._pending[correlation] = _PendingRequest(on_reply, time.monotonic() + timeout_s)
        props = Properties(PacketTypes.PUBLISH)
        props.ResponseTopic = self.reply_topic
        props.CorrelationData = correlation
        self._client.publish(topic, payload, qos=1, properties=props)

    def request_sync(self, topic: str, payload: bytes, timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S) -> bytes | None:
        """``request`` for callers that may block (never the bus thread itself)."""
        done = threading.Event()
        box: list[bytes | None] = [None]

        def on_reply(reply: bytes | None) -> None:
            box[0] = reply
            done.set()

        self.request(topic, payload, on_reply, timeout_s)
        done.wait(timeout_s + 1.0)
        return box[0]

    def serve(self, topic: str, handler: RequestHandler) -> None:
        """Answer requests on ``topic``: ``handler(request) -> reply`` runs on the bus thread."""
        with self._lock:
            self._handlers[topic] = handler
        self.subscribe(topic, qos=1)

    # -- the network thread ----------------------------------------------------------

    def _build_client(self) -> mqtt.Client:
        s = self.settings
        v5 = self.protocol == mqtt.MQTTv5
        client = BufferedClient(CallbackAPIVersion.VERSION2, client_id=s.client_id, protocol=self.protocol,
                                clean_session=None if v5 else not s.persistent_session, manual_ack=True)
        if s.username:
            client.username_pw_set(s.username, s.password)
        if s.tls:
            self._tls = _TlsContext(ssl.PROTOCOL_TLS_CLIENT)
            if s.ca_file:
                self._tls.load_verify_locations(cafile=s.ca_file)
            else:
                self._tls.load_default_certs()
            if s.cert_file:
                self._tls.load_cert_chain(s.cert_file, s.key_file)
            client.tls_set_context(self._tls)
        if s.will:
            client.will_set(s.will[0], s.will[1], qos=1, retain=True)
        client.max_queued_messages_set(MAX_QUEUED_MESSAGES)
        client.on_connect = self._handle_connect
        client.on_disconnect = self._handle_disconnect
        client.on_message = self._handle_message
        client.on_subscribe = self._handle_subscribe
        client.on_socket_register_write = self._wake
        return client

    def _run(self) -> None:
        state = ReconnectState()
        first = True
        while not self._stopping.is_set():
            self._on_state("connecting", f"{self.settings.host}:{self.settings.port}")
            self._refused = None
            try:
                if first and self.protocol == mqtt.MQTTv5:
                    self._client.connect(
                        self.settings.host, self.settings.port, KEEPALIVE_S,
                        clean_start=not self.settings.persistent_session, properties=self._connect_properties(),
                    )
                elif first:
                    self._client.connect(self.settings.host, self.settings.port, KEEPALIVE_S)
                else:
                    self._client.reconnect()
                first = False
                while not self._stopping.is_set() and self._pump():
                    if self._connected.is_set() and state.connected_at is None:
                        state = self._policy.decide(state, "connected", time.monotonic()).state
                    self._expire_requests()
                detail = self._refused or "connection lost"
            except (OSError, ValueError) as exc:
                detail = f"cannot reach broker: {exc}"
                if self._tls is not None and self._tls.last_socket is not None:
                    self._tls.last_socket.close()
            self._connected.clear()
            if self._stopping.is_set():
                break
            if self._fall_back:  # the broker speaks only 3.1.1: a new client for it, at once
                log.info("broker %s:%s refused MQTT 5; trying MQTT 3.1.1", self.settings.host, self.settings.port)
                self._fall_back, self.protocol, first = False, mqtt.MQTTv311, True
                self._client = self._build_client()
                continue
            self._on_state("down", detail)
            decision = self._policy.decide(state, "lost" if state.connected_at else "failed", time.monotonic())
            state = decision.state
            self._stopping.wait(decision.delay_s or 0.0)
        self._shutdown()

    def _shutdown(self) -> None:
        self._client.disconnect()
        for _ in range(10):  # let the DISCONNECT leave; paho closes the socket after it
            if not self._pump():
                break
        self._connected.clear()
        self._wake_reader.close()
        self._wake_writer.close()
        self._on_state("down", "stopped")
        with self._lock:
            pending, self._pending = self._pending, {}
        for request in pending.values():
            request.on_reply(None)

    def _pump(self) -> bool:
        """One turn of the network loop; False when the connection is gone.

        Only this thread reads or writes the socket: other threads' publishes are queued
        by paho and announced through ``_wake`` (paho's external-loop interface).
        """
        sock = self._client.socket()
        if sock is None:
            return False
        unsent = getattr(sock, "unsent", None)  # BufferedSocket: paho's writes wait for ``flush``
        writable = [sock] if self._client.want_write() or (unsent and unsent()) else []
        if _pending(sock):  # handle what is in memory before asking the kernel again (paho copes with a full socket)
            readable = [sock]
        else:
            try:
                tick = ACK_POLL_S if self._acks else LOOP_TICK_S
                readable, writable, _ = select.select([sock, self._wake_reader], writable, [], tick)
            except (OSError, ValueError):
                return False
        if self._wake_reader in readable:
            self._drain_wakeups()
        if sock in readable:
            for _ in range(READ_BATCH):  # every packet already in memory, then their acknowledgements in one send
                if self._client.loop_read() != mqtt.MQTT_ERR_SUCCESS:
                    return False
                if not _pending(sock):
                    break
        self._send_due_acks()
        if (writable or self._client.want_write()) and self._client.socket() is not None \
                and self._client.loop_write() != mqtt.MQTT_ERR_SUCCESS:
            return False
        if unsent and self._client.socket() is sock:
            try:
                sock.flush()
            except OSError:  # the connection broke under the send; reconnect as for any other loss
                return False
        return self._client.loop_misc() == mqtt.MQTT_ERR_SUCCESS

    def wake_for_acks(self) -> None:
        """Any thread: a write that held back acknowledgements may have settled; send those now.

        Wired to ``Store.on_settled``, so an acknowledgement leaves as soon as its write has
        committed rather than at the next look (``ACK_POLL_S``).
        """
        if self._acks:
            self._wake(None, None, None)

    def _wake(self, client, userdata, sock) -> None:
        """paho's on_socket_register_write (any publishing thread): wake the bus thread to write."""
        writer = self._wake_writer
        if writer is None:  # not started yet: the first turn of the loop writes what is queued
            return
        if threading.current_thread() is self._thread:  # a reply queued while reading: the next turn writes it
            return
        try:
            writer.send(b"\0")
        except (BlockingIOError, OSError):
            pass

    def _drain_wakeups(self) -> None:
        try:
            while self._wake_reader.recv(4096):
                pass
        except (BlockingIOError, OSError):
            pass

    def _connect_properties(self) -> Properties | None:
        if not self.settings.persistent_session:
            return None
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = SESSION_EXPIRY_S
        return props

    def _expire_requests(self) -> None:
        now = time.monotonic()
        with self._lock:
            expired = [key for key, request in self._pending.items() if request.deadline < now]
            requests = [self._pending.pop(key) for key in expired]
        for request in requests:
            request.on_reply(None)

    def _handle_connect(self, client, userdata, flags, reason_code, properties) -> None:
        """paho's on_connect (bus thread)."""
        if reason_code.is_failure:
            self._fall_back = protocol_after_refusal(self.protocol, reason_code.value) is not None
            self._refused = f"broker refused the connection: {reason_code}"
            return
        self._acks.clear()  # those were the last connection's; the broker sends them again in this session
        with self._lock:
            subscriptions = dict(self._subscriptions)
        subscriptions[self.reply_topic] = (1, True)
        _, self._resubscribe_mid = client.subscribe(
            [self._subscription(pattern, qos, own) for pattern, (qos, own) in subscriptions.items()])

    def _handle_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        """paho's on_subscribe (bus thread): "up" means connected *and* subscribed, so nothing is missed."""
        if mid != self._resubscribe_mid:
            return
        refused = [str(code) for code in reason_codes if code.is_failure]
        if refused:
            log.warning("broker refused some subscriptions: %s", ", ".join(refused))
        self._connected.set()
        self._on_state("up", f"{self.settings.host}:{self.settings.port}")

    def _handle_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        """paho's on_disconnect (bus thread)."""
        self._connected.clear()

    def _handle_message(self, client, userdata, message: mqtt.MQTTMessage) -> None:
        """paho's on_message (bus thread): hand the message on, then queue its acknowledgement."""
        receipt = self._hand_on(message)
        if message.qos:
            self._acks.append((message.mid, message.qos, receipt if hasattr(receipt, "done") else None))

    def _hand_on(self, message: mqtt.MQTTMessage) -> object:
        """Bus thread: replies, requests, then everything else; what ``on_message`` returned, if it took it."""
        props = getattr(message, "properties", None)
        correlation = getattr(props, "CorrelationData", None)
        if message.topic == self.reply_topic:
            with self._lock:
                request = self._pending.pop(correlation, None) if correlation else None
            if request is not None:
                request.on_reply(message.payload)
            return None
        with self._lock:
            handler = self._handlers.get(message.topic)
        if handler is not None:
            self._answer(handler, message, props, correlation)
            return None
        try:
            return self._on_message(message.topic, message.payload, bool(message.retain))
        except Exception:  # a subscriber's bug must not take the bus down
            log.exception("message handler failed for %s", message.topic)
            return None

    def _send_due_acks(self) -> None:
        """Bus thread: acknowledge, in order, every message whose write has settled (or needed none)."""
        acks = self._acks
        while acks:
            mid, qos, receipt = acks[0]
            if receipt is not None and not receipt.done():
                return
            acks.popleft()
            self._client.ack(mid, qos)  # a failed write is logged by the store; holding the ack would stall the link

    def _answer(self, handler: RequestHandler, message: mqtt.MQTTMessage, props, correlation) -> None:
        response_topic = getattr(props, "ResponseTopic", None)
        if not response_topic:
            log.warning("request on %s without a response topic dropped", message.topic)
            return
        if not response_topic.startswith(REPLY_PREFIX) or any(ch in response_topic for ch in "+#\0"):
            # Replying anywhere else would let whoever may ask have us publish on a topic of our choosing.
            log.warning("request on %s dropped: its response topic %r is not under %s", message.topic,
                        response_topic[:80], REPLY_PREFIX)
            return
        try:
            reply = handler(message.payload)
        except Exception:
            log.exception("request handler failed for %s", message.topic)
            return
        reply_props = Properties(PacketTypes.PUBLISH)
        if correlation:
            reply_props.CorrelationData = correlation
        self._client.publish(response_topic, reply, qos=1, properties=reply_props)
