"""A live Cursor-on-Target link: TAK mesh SA on UDP (multicast or unicast) or a TAK server over TCP or TLS.

``CotLink`` owns one socket on one reader thread ("cot-<link id>"). On UDP each datagram
is one CoT message; from a TAK server the TCP stream is cut into messages by
``CotStreamSplitter`` (XML up to ``</event>``, or ``0xBF`` varint-framed protobuf). Every
message is parsed by ``radios.cot``; what is refused is counted and dropped, and the
link stays up. Our own units go out every ``send_every`` seconds and chat whenever it
is sent. The url says where and how:

- ``udp://239.2.3.1:6969?iface=192.168.10.1&ttl=1`` joins a multicast group on one
  interface and sends SA to the group (TTL 0 keeps it on this host);
- ``udp://127.0.0.1:4242?peer=127.0.0.1:4243`` listens on a unicast port and sends to a peer;
- ``tcp://takserver:8087`` connects to a TAK server as a client and reconnects when it drops;
- ``tls://takserver:8089`` does the same over TLS, checking the server against ``ca_file``
  and showing our ``cert_file``/``key_file`` (``radios/cot_tls.py``).

``proto=1`` sends TAK protobuf instead of XML; what arrives is recognised either way.
The link's state comes from ``LinkStatePolicy`` like every other link.
"""

from __future__ import annotations

import ipaddress
import logging
import select
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from radios.config import LinkConfig
from radios.cot import CotError, CotEvent, parse, to_protobuf
from radios.cot_stream import CotStreamSplitter
from radios.cot_tls import TlsSetupError, client_context, explain
from radios.input_guard import BadInputLog
from radios.link import LinkPolicyState, LinkStatePolicy, LinkStatus
from radios.link_thread import LinkThread

log = logging.getLogger(__name__)

DEFAULT_SEND_EVERY_S = 5.0   # ATAK's own SA rate is a few seconds; more would crowd a radio mesh
MIN_SEND_EVERY_S = 0.2
READ_TIMEOUT_S = 0.1         # how long one read may block: bounds stop() and the ticks
CONNECT_TIMEOUT_S = 1.0      # a TAK server on the vehicle LAN or over the backhaul; longer holds stop()
TICK_S = 0.2
QUIET_S = 60.0               # a quiet mesh is normal when no TAK device is near; a minute is worth a look
MAX_DATAGRAM = 65535
READ_CHUNK = 65536
STOP_JOIN_S = 3.0
ECHOES_KEPT = 256             # our last datagrams, to know them when multicast loops them back
OPTIONS = ("iface", "ttl", "peer", "send_every", "proto")

EventCallback = Callable[[str, CotEvent], None]
StatusCallback = Callable[[LinkStatus], None]
OutgoingSource = Callable[[], list[bytes]]


@dataclass(frozen=True)
class CotAddress:
    """Where a CoT link listens or connects, and how it sends."""

    transport: str                      # "udp" or "tcp"
    host: str
    port: int
    iface: str = "0.0.0.0"              # multicast: the interface to join and send on
    ttl: int = 1                        # multicast: how many hops our SA may travel
    peer: tuple[str, int] | None = None  # unicast UDP: where our CoT goes
    send_every_s: float = DEFAULT_SEND_EVERY_S
    protobuf: bool = False
    tls: bool = False                   # tcp only: TLS to the TAK server (tls:// in the url)

    @property
    def multicast(self) -> bool:
        return self.transport == "udp" and ipaddress.ip_address(self.host).is_multicast


def parse_cot_url(url: str) -> CotAddress:
    """Read a CoT link url; raise ``ValueError`` naming what is wrong and how to write it."""
    example = "udp://239.2.3.1:6969, tcp://takserver:8087 or tls://takserver:8089"
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"CoT url {url!r} is not valid ({exc}); write it as {example}") from None
    scheme = parts.scheme.lower()
    tls = scheme in ("tls", "ssl")
    if tls:
        scheme = "tcp"
    if scheme not in ("udp", "tcp") or not parts.hostname or not port:
        raise ValueError(f"CoT url {url!r} needs udp://, tcp:// or tls://, a host and a port; write it as {example}")
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - set(OPTIONS))
    if unknown:
        raise ValueError(f"CoT url {url!r} has unknown options {', '.join(unknown)}; known: {', '.join(OPTIONS)}")
    one = {name: values[-1] for name, values in query.items()}
    fields: dict[str, object] = {}
    try:
        if "iface" in one:
            fields["iface"] = str(ipaddress.IPv4Address(one["iface"]))
        if "ttl" in one:
            fields["ttl"] = int(one["ttl"])
            if not 0 <= fields["ttl"] <= 255:
                raise ValueError("ttl must be 0 to 255")
        if "send_every" in one:
            fields["send_every_s"] = float(one["send_every"])
            if not MIN_SEND_EVERY_S <= fields["send_every_s"] <= 3600:
                raise ValueError(f"send_every must be {MIN_SEND_EVERY_S} to 3600 seconds")
        if "proto" in one:
            fields["protobuf"] = {"0": False, "1": True}[one["proto"]]
        if "peer" in one:
            host, _, peer_port = one["peer"].rpartition(":")
            fields["peer"] = (host, int(peer_port))
            if not host or not 0 < fields["peer"][1] < 65536:
                raise ValueError("peer must be host:port")
        if scheme == "udp":
            ipaddress.ip_address(parts.hostname)  # a group or a local address, never a name to resolve
    except (ValueError, KeyError) as exc:
        raise ValueError(f"CoT url {url!r} has a bad option ({exc or 'proto must be 0 or 1'}); "
                         "e.g. udp://239.2.3.1:6969?iface=192.168.10.1&ttl=1&send_every=5") from None
    return CotAddress(scheme, parts.hostname, port, tls=tls, **fields)


class CotLink(LinkThread):
    """One CoT socket kept open on its own reader thread ("cot-<link id>").

    ``on_event(link_id, event)`` gets each parsed ``CotEvent``; ``on_status(status)`` is
    called when the link's state changes; ``outgoing()`` is asked every ``send_every``
    seconds for the CoT XML of our own units. All three are called on the reader thread.
    """

    THREAD_NAME = "cot"
    STOP_JOIN_S = STOP_JOIN_S

    def __init__(
        self,
        config: LinkConfig,
        on_event: EventCallback,
        on_status: StatusCallback | None = None,
        outgoing: OutgoingSource | None = None,
        policy: LinkStatePolicy | None = None,
        bad_input: BadInputLog | None = None,
    ) -> None:
        self._init_link(config, on_status, policy or LinkStatePolicy(quiet_s=QUIET_S), bad_input or BadInputLog(log))
        self._on_event = on_event
        self._outgoing = outgoing or (lambda: [])
        self._send_lock = threading.Lock()   # one writer at a time on the socket
        self._socket: socket.socket | None = None
        self._splitter = CotStreamSplitter()
        self._sent: deque[int] = deque(maxlen=ECHOES_KEPT)   # hashes of our last datagrams
        try:
            self.address: CotAddress | None = parse_cot_url(config.url)
        except ValueError as exc:
            self.address, self._detail = None, str(exc)

    @property
    def local_port(self) -> int | None:
        """The port actually bound (UDP) or the local end of the connection (TCP), or None (any thread)."""
        sock = self._socket
        try:
            return sock.getsockname()[1] if sock is not None else None
        except OSError:
            return None

    def send(self, xml: bytes) -> bool:
        """Send one CoT event we built (any thread), as protobuf if the url says so; False if not sent."""
        address, sock = self.address, self._socket
        if address is None or sock is None:
            return False
        if address.protobuf:
            xml = to_protobuf(xml, stream=address.transport == "tcp")
        with self._send_lock:
            try:
                if address.transport == "tcp":
                    sock.sendall(xml)
                elif address.multicast:
                    self._sent.append(hash(xml))
                    sock.sendto(xml, (address.host, address.port))
                elif address.peer is not None:
                    sock.sendto(xml, address.peer)
                else:
                    return False
            except OSError as exc:
                log.info("link %s: send failed: %s", self.config.id, exc)
                if address.transport == "tcp":
                    _shutdown(sock)   # a part-sent event spoils the stream: the reader reconnects
                return False
        with self._lock:
            self._counts["bytes_out"] += len(xml)
            self._counts["messages_out"] += 1
        return True

    # -- the reader thread -----------------------------------------------------------

    def _run(self) -> None:
        if self.address is None:
            self._feed("error", self._detail)
            self._stopping.wait()
            return
        next_tick = time.monotonic() + TICK_S
        next_send = time.monotonic()
        try:
            while not self._stopping.is_set():
                now = time.monotonic()
                if now >= next_tick:
                    self._feed("tick")
                    next_tick = now + TICK_S
                if self._socket is None:
                    self._wait_and_open()
                    continue
                if now >= next_send:
                    self._send_ours()
                    next_send = now + self.address.send_every_s
                try:
                    self._read()
                except ssl.SSLError as exc:   # TLS 1.3: a refused client certificate shows on the first read
                    where = f"{self.address.host}:{self.address.port}"
                    self._close(f"{self.config.url} failed: {explain(exc, where)}; reconnecting", "error")
                except OSError as exc:
                    self._close(f"{self.config.url} failed: {exc}; reconnecting", "error")
        finally:
            self._close_socket()

    def _wait_and_open(self) -> None:
        reopen_at = self._phase.reopen_at if self._phase.reopen_at is not None else time.monotonic()
        delay = reopen_at - time.monotonic()
        if delay > 0:
            self._stopping.wait(min(delay, TICK_S))
            return
        address = self.address
        try:
            tls = client_context(self.config) if address.tls else None
            sock, where = _open(address, tls)
        except TlsSetupError as exc:
            self._feed("error", f"{exc}, retrying")
            return
        except ssl.SSLError as exc:   # the handshake: an untrusted server, or our certificate refused
            self._feed("error", f"cannot open {self.config.url}: "
                                f"{explain(exc, f'{address.host}:{address.port}')}, retrying")
            return
        except OSError as exc:
            fix = ("check that the TAK server runs and the address is right" if address.transport == "tcp"
                   else "check that the port is free and the interface address exists")
            self._feed("error", f"cannot open {self.config.url}: {exc}; {fix}, retrying")
            return
        sock.settimeout(READ_TIMEOUT_S)
        self._splitter = CotStreamSplitter()
        with self._send_lock:
            self._socket = sock
        self._feed("opened", f"{where}, waiting for CoT")

    def _read(self) -> None:
        sock = self._socket
        try:
            if self.address.transport == "udp":
                data, peer = sock.recvfrom(MAX_DATAGRAM)
            elif self.address.tls:
                # One TLS connection may not read and write at once on two threads: wait for
                # bytes without the send lock, then read holding it, so send() waits little.
                if not sock.pending() and not select.select([sock], [], [], READ_TIMEOUT_S)[0]:
                    return
                with self._send_lock:
                    data, peer = sock.recv(READ_CHUNK), self.address.host
            else:
                data, peer = sock.recv(READ_CHUNK), self.address.host
        except (TimeoutError, socket.timeout):
            return
        if not data and self.address.transport == "tcp":
            self._close(f"the TAK server at {self.address.host}:{self.address.port} closed the "
                        "connection; reconnecting", "closed")
            return
        with self._lock:
            self._counts["bytes_in"] += len(data)
        if self.address.transport == "udp":
            with self._send_lock:
                if hash(data) in self._sent:
                    return   # our own SA looped back by the group: not news, and not a sign of life
            messages, problems = [data.strip(b" \t\r\n\0")], []
        else:
            messages, problems = self._splitter.feed(data)
        for problem in problems:
            self._reject(f"{problem} (from {peer})")
        for message in messages:
            self._handle(message, peer)

    def _handle(self, message: bytes, peer: object) -> None:
        try:
            event = parse(message)
        except CotError as exc:
            self._reject(f"{exc} (from {peer})")
            return
        with self._lock:
            self._counts["messages_in"] += 1
            self._last_seen = time.time()
        self._feed("data")
        try:
            self._on_event(self.config.id, event)
        except Exception:  # a handler's bug must not kill the reader thread
            log.exception("link %s: CoT handler failed on %s", self.config.id, event.type)

    def _send_ours(self) -> None:
        try:
            events = self._outgoing()
        except Exception:  # a source's bug must not kill the reader thread
            log.exception("link %s: building our CoT failed", self.config.id)
            return
        for xml in events:
            if not self.send(xml):
                break

    def _close(self, detail: str, event: str) -> None:
        self._close_socket()
        with self._lock:
            self._counts["errors"] += 1
        self._feed(event, detail)

    def _close_socket(self) -> None:
        with self._send_lock:
            sock, self._socket = self._socket, None
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass

    def _describe(self, phase: LinkPolicyState, detail: str) -> str:
        if phase.state == "up":
            return f"{self.config.url} receiving CoT"
        if phase.reason == "quiet":
            return (f"{self.config.url} open but no CoT for {self._policy.quiet_s:g} s; "
                    "check that TAK devices are on this network")
        if phase.reason == "bad_data":
            return f"{self.config.url}: most input is refused CoT; check what sends to this port"
        return detail


def _open(address: CotAddress, tls: ssl.SSLContext | None = None) -> tuple[socket.socket, str]:
    """A bound UDP socket (joined to the group) or a connected TCP socket (TLS done), and where it is."""
    if address.transport == "tcp":
        sock = socket.create_connection((address.host, address.port), timeout=CONNECT_TIMEOUT_S)
        if tls is None:
            return sock, f"connected to the TAK server {address.host}:{address.port}"
        try:
            sock = tls.wrap_socket(sock, server_hostname=address.host)   # the handshake, within the timeout
        except OSError:
            sock.close()
            raise
        return sock, f"connected to the TAK server {address.host}:{address.port} over {sock.version()}"
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        if address.multicast:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # ATAK or WinTAK may share the port
            sock.bind((address.host, address.port))
            membership = socket.inet_aton(address.host) + socket.inet_aton(address.iface)
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(address.iface))
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, address.ttl)
            return sock, f"joined {address.host}:{address.port} on {address.iface}"
        sock.bind((address.host, address.port))
        return sock, f"listening on UDP {address.host}:{sock.getsockname()[1]}"
    except OSError:
        sock.close()
        raise


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
