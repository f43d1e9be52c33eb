"""A live MAVLink link: a UDP port or a serial port, one reader thread, frames parsed by pymavlink.

``MavlinkLink`` listens on UDP (``udpin:0.0.0.0:14550``, ``udp://host:port``) or reads a
serial port (a device path, optionally ``,baud`` as in mavutil, or any pyserial url),
parses MAVLink 1 and 2 frames and hands each message to ``on_message``. Several drones
may share one link; they are told apart by the system id in each message. Garbage and
frames with a bad checksum are counted and dropped; the link stays up. Its state
(connecting, up, degraded, down) comes from ``LinkStatePolicy`` like every other link.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

import serial
from pymavlink.dialects.v20 import ardupilotmega as mavlink2

from radios.config import LinkConfig
from radios.input_guard import BadInputLog
from radios.link import LinkPolicyState, LinkStatePolicy, LinkStatus
from radios.link_thread import LinkThread

log = logging.getLogger(__name__)

DEFAULT_UDP_PORT = 14550
READ_TIMEOUT_S = 0.1   # how long one read may block: bounds stop() and the ticks
TICK_S = 0.2           # how often on_tick runs, so a silent drone is noticed within this
QUIET_S = 5.0          # heartbeats come every second; five silent seconds degrade the link
MAX_DATAGRAM = 65535
MAX_FRAMED_DATAGRAM = 4096   # far above a few MAVLink frames (280 bytes each); larger is not MAVLink
FRAME_STARTS = (0xFD, 0xFE)  # MAVLink 2 and MAVLink 1 start bytes
READ_CHUNK = 4096
STOP_JOIN_S = 2.0

MessageCallback = Callable[[str, object], None]
StatusCallback = Callable[[LinkStatus], None]
TickCallback = Callable[[float], None]


@dataclass(frozen=True)
class MavlinkAddress:
    """Where a MAVLink link listens: ``udp`` (host, port) or ``serial`` (pyserial url, baud)."""

    transport: str
    target: str
    port: int = 0
    baud: int = 57600


def parse_mavlink_url(url: str, baud: int = 57600) -> MavlinkAddress:
    """Read a link url the way mavutil writes them; raise ``ValueError`` naming the fix."""
    text = url.strip()
    for prefix in ("udpin:", "udp://", "udp:"):
        if text.lower().startswith(prefix):
            host, _, port = text[len(prefix):].rpartition(":")
            if not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f"MAVLink url {url!r} has no valid port; write it as udpin:0.0.0.0:{DEFAULT_UDP_PORT}")
            return MavlinkAddress("udp", host or "0.0.0.0", int(port))
    if text.lower().startswith(("udpout:", "udpbcast:", "tcp:", "tcpin:")):
        raise ValueError(f"MAVLink url {url!r} is not supported; listen with udpin:HOST:PORT "
                         "or give a serial device")
    device, _, rate = text.partition(",") if "://" not in text else (text, "", "")
    if rate:
        if not rate.isdigit():
            raise ValueError(f"MAVLink url {url!r} has a bad baud rate; write it as /dev/ttyUSB0,57600")
        baud = int(rate)
    if not device:
        raise ValueError("MAVLink url is empty; write udpin:0.0.0.0:14550 or a serial device")
    return MavlinkAddress("serial", device, baud=baud)


def new_parser() -> mavlink2.MAVLink:
    """A MAVLink 1 and 2 parser that reports bad bytes as BAD_DATA instead of raising."""
    parser = mavlink2.MAVLink(None, srcSystem=255, srcComponent=190)
    parser.robust_parsing = True
    return parser


def parse_frames(parser: mavlink2.MAVLink, data: bytes) -> tuple[list, int]:
    """What ``parser.parse_buffer(data)`` returns (``[]`` for None), a parser call fewer per read,
    and how many bytes the parser still holds (the start of a frame not yet complete).

    ``parse_buffer`` asks the parser for one more message after the last, even when no
    byte is left; a datagram usually holds one frame, so that empty call was a third of
    the parsing (tests/bench/bench_interop.py). With bytes left it is asked as before.
    """
    msg = parser.parse_char(data)
    left = parser.buf_len()
    if msg is None:
        return [], left
    messages = [msg]
    while left:
        msg = parser.parse_char(b"")
        left = parser.buf_len()
        if msg is None:
            break
        messages.append(msg)
    return messages, left


class MavlinkLink(LinkThread):
    """One MAVLink port kept open on its own reader thread ("mavlink-<link id>").

    ``on_message(link_id, msg)`` gets each parsed pymavlink message; ``on_tick(now)``
    runs every ``TICK_S`` with monotonic time, so drone watches can time out;
    ``on_status(status)`` is called when the link's state changes. All three are
    called on the reader thread.
    """

    THREAD_NAME = "mavlink"
    STOP_JOIN_S = STOP_JOIN_S

    def __init__(
        self,
        config: LinkConfig,
        on_message: MessageCallback,
        on_status: StatusCallback | None = None,
        on_tick: TickCallback | None = None,
        policy: LinkStatePolicy | None = None,
        bad_input: BadInputLog | None = None,
    ) -> None:
        self._init_link(config, on_status, policy or LinkStatePolicy(quiet_s=QUIET_S), bad_input or BadInputLog(log))
        # The counters are written by the reader thread alone; status() copies them under _lock.
        self._on_message = on_message
        self._on_tick = on_tick or (lambda now: None)
        # Good messages not yet told to the policy (reader thread). An up link tells it once
        # per tick: a policy decision per datagram cost as much as parsing it
        # (tests/bench/bench_interop.py).
        self._unfed = 0
        self._socket: socket.socket | None = None
        self._port: serial.SerialBase | None = None
        self._parser = new_parser()  # reader thread; serial frames may span reads
        try:
            self.address: MavlinkAddress | None = parse_mavlink_url(config.url, config.baud)
        except ValueError as exc:
            self.address, self._detail = None, str(exc)

    @property
    def local_port(self) -> int | None:
        """The UDP port actually bound (useful with port 0), or None (any thread)."""
        sock = self._socket
        try:
            return sock.getsockname()[1] if sock is not None else None
        except OSError:
            return None


    # -- the reader thread -----------------------------------------------------------

    def _run(self) -> None:
        if self.address is None:
            self._feed("error", self._detail)
            self._stopping.wait()
            return
        next_tick = time.monotonic() + TICK_S
        try:
            while not self._stopping.is_set():
                now = time.monotonic()
                if now >= next_tick:
                    self._tick(now)
                    next_tick = now + TICK_S
                if self._socket is None and self._port is None:
                    self._wait_and_open()
                    continue
                try:
                    received = self._read()
                except (OSError, serial.SerialException) as exc:
                    self._close(f"{self.config.url} failed: {exc}", "error")
                    continue
                if received is not None:
                    self._handle(*received)
        finally:
            self._close_transport()

    def _tick(self, now: float) -> None:
        self._feed_data()
        self._feed("tick")
        try:
            self._on_tick(now)
        except Exception:  # a watcher's bug must not kill the reader thread
            log.exception("link %s: tick handler failed", self.config.id)

    def _wait_and_open(self) -> None:
        reopen_at = self._phase.reopen_at if self._phase.reopen_at is not None else time.monotonic()
        delay = reopen_at - time.monotonic()
        if delay > 0:
            self._stopping.wait(min(delay, TICK_S))
            return
        address = self.address
        try:
            if address.transport == "udp":
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                try:
                    sock.bind((address.target, address.port))
                except OSError:
                    sock.close()
                    raise
                sock.settimeout(READ_TIMEOUT_S)
                self._socket = sock
                where = f"listening on UDP {address.target}:{self.local_port}"
            else:
                self._port = serial.serial_for_url(address.target, baudrate=address.baud, timeout=READ_TIMEOUT_S)
                where = f"{address.target} open at {address.baud} bit/s"
        except (OSError, serial.SerialException, ValueError) as exc:
            self._feed("error", f"cannot open {self.config.url}: {exc}; "
                                "check that the port is free and the device is plugged in, retrying")
            return
        self._parser = new_parser()
        self._feed("opened", f"{where}, waiting for a drone")

    def _read(self) -> tuple[object, bytes] | None:
        """One datagram (with its sender) or one chunk of the serial stream; None on a timeout."""
        if self._socket is not None:
            try:
                data, sender = self._socket.recvfrom(MAX_DATAGRAM)
            except (TimeoutError, socket.timeout):
                return None
            return sender, data
        port = self._port
        data = port.read(max(1, min(port.in_waiting, READ_CHUNK)))
        return ("serial", data) if data else None

    def _handle(self, peer: object, data: bytes) -> None:
        """Parse what one peer sent; hand on the messages, count anything bad once per read.

        A UDP datagram carries whole frames, so a frame cut short at its end is bad input
        and is not joined to the next datagram; a serial stream is parsed across reads.
        """
        datagram = self._socket is not None
        if datagram and (len(data) > MAX_FRAMED_DATAGRAM or not data or data[0] not in FRAME_STARTS):
            self._count_bytes(len(data))
            self._reject(f"a {len(data)}-byte datagram from {peer} that is not MAVLink")
            return
        parser = self._parser
        try:
            messages, left = parse_frames(parser, data)
        except Exception as exc:  # pymavlink raising despite robust parsing: drop what it holds
            self._count_bytes(len(data))
            self._parser = new_parser()
            self._reject(f"unparseable MAVLink from {peer}: {exc}")
            return
        good, bad = 0, None
        if datagram and left:
            self._parser = new_parser()
            bad = "a frame cut short at the end of a datagram"
        on_message, link_id = self._on_message, self.config.id
        for msg in messages:
            if msg.get_type() == "BAD_DATA":
                bad = bad or getattr(msg, "reason", "bad data")
                continue
            good += 1
            try:
                on_message(link_id, msg)
            except Exception:  # a decoder's bug must not kill the reader thread
                log.exception("link %s: message handler failed on %s", link_id, msg.get_type())
        # No lock for the two counters of every datagram: only this thread writes the
        # counters, status() copies them under the lock, and an int store is atomic.
        counts = self._counts
        counts["bytes_in"] += len(data)
        if good:
            counts["messages_in"] += good
            self._last_seen = time.time()
            self._unfed += good
            if self._phase.state != "up":   # an up link tells the policy on the next tick
                self._feed_data()
        if bad:
            self._reject(f"{bad} (from {peer})")

    def _count_bytes(self, size: int) -> None:
        with self._lock:
            self._counts["bytes_in"] += size

    def _feed_data(self) -> None:
        """Tell the policy about the good messages since the last time, as one weighed event."""
        if self._unfed:
            count, self._unfed = self._unfed, 0
            self._feed("data", count=count)

    def _reject(self, reason: str) -> None:
        self._feed_data()   # the good before the bad, so the policy weighs them fairly
        super()._reject(reason)

    def _close(self, detail: str, event: str) -> None:
        self._close_transport()
        with self._lock:
            self._counts["errors"] += 1
        self._feed(event, detail)

    def _close_transport(self) -> None:
        sock, self._socket = self._socket, None
        port, self._port = self._port, None
        for closable in (sock, port):
            if closable is not None:
                try:
                    closable.close()
                except (OSError, serial.SerialException):
                    pass

    def _describe(self, phase: LinkPolicyState, detail: str) -> str:
        if phase.state == "up":
            return f"{self.config.url} receiving MAVLink"
        if phase.reason == "quiet":
            return (f"{self.config.url} open but no MAVLink for {self._policy.quiet_s:g} s; "
                    "check the drone's telemetry radio")
        if phase.reason == "bad_data":
            return f"{self.config.url}: most input is not MAVLink; check the port and baud rate"
        return detail
