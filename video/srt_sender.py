"""An SRT caller socket that sends MPEG-TS to HQ and reports SRT's own statistics.

``SrtCallerSettings.from_url`` reads an ``srt://host:port?…`` URL the way ffmpeg's libsrt
names its options (``latency`` and ``peer_idle_timeout`` in microseconds, ``streamid``,
``pbkeylen``, …) into libsrt's socket options; an option it does not know, or a value that
is not a number, is refused with a sentence naming it. ``SrtSender`` connects (the
passphrase is set with ``SRTO_PASSPHRASE``, never on a command line), sends 188-byte TS
packets in messages of at most ``PAYLOAD`` bytes, and ``stats()`` gives the figures SRT
encoders adapt their bitrate on (``SrtStats``: round trip, send buffer, sent, lost,
retransmitted and dropped packets). A refused connection raises ``SrtError`` whose text
names libsrt's reject reason (``BADSECRET``, ``TIMEOUT``, a server's code). One thread
sends; ``stats`` and ``close`` may come from others (libsrt locks inside).
"""

from __future__ import annotations

import ctypes
import socket
import struct
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from video import srt_library as srt

PAYLOAD = 1316  # 7 TS packets: SRT's live payload (SRT_LIVE_DEF_PLSIZE)
TS_PACKET = 188
SEND_TIMEOUT_MS = 1000  # a send waiting this long for room in the send buffer gives up on that message
FULL_BUFFER_SHARE = 0.5  # a send buffer holding this share of the latency: the link does not keep up
FULL_RETRANSMIT_SHARE = 0.10  # retransmissions above this share of the packets sent: the link drops them

# ffmpeg's libsrt URL option → (libsrt option, divisor from the URL's unit to libsrt's).
_INTEGER_OPTIONS: dict[str, tuple[int, int]] = {
    "latency": (srt.SRTO_LATENCY, 1000), "tsbpddelay": (srt.SRTO_LATENCY, 1000),
    "rcvlatency": (srt.SRTO_RCVLATENCY, 1000), "peerlatency": (srt.SRTO_PEERLATENCY, 1000),
    "peer_idle_timeout": (srt.SRTO_PEERIDLETIMEO, 1000), "connect_timeout": (srt.SRTO_CONNTIMEO, 1),
    "snddropdelay": (srt.SRTO_SNDDROPDELAY, 1000), "pbkeylen": (srt.SRTO_PBKEYLEN, 1),
    "maxbw": (srt.SRTO_MAXBW, 1), "inputbw": (srt.SRTO_INPUTBW, 1), "mininputbw": (srt.SRTO_MININPUTBW, 1),
    "oheadbw": (srt.SRTO_OHEADBW, 1), "sndbuf": (srt.SRTO_SNDBUF, 1), "lossmaxttl": (srt.SRTO_LOSSMAXTTL, 1),
    "payload_size": (srt.SRTO_PAYLOADSIZE, 1), "pkt_size": (srt.SRTO_PAYLOADSIZE, 1),
    "ipttl": (srt.SRTO_IPTTL, 1), "iptos": (srt.SRTO_IPTOS, 1),
    "tlpktdrop": (srt.SRTO_TLPKTDROP, 1), "nakreport": (srt.SRTO_NAKREPORT, 1),
    "enforced_encryption": (srt.SRTO_ENFORCEDENCRYPTION, 1),
}
_STRING_OPTIONS = {"streamid": srt.SRTO_STREAMID, "srt_streamid": srt.SRTO_STREAMID}
DEFAULT_LATENCY_MS = 120  # libsrt's own default


class SrtError(RuntimeError):
    """libsrt refused or lost the connection; the text is one line for ``DispatchTarget.explain``."""

    def __init__(self, text: str, code: int = 0, reject: int | None = None) -> None:
        super().__init__(text)
        self.code = code
        self.reject = reject


@dataclass(frozen=True)
class SrtCallerSettings:
    """Where to call and the socket options to set (libsrt's ids and values); the passphrase apart."""

    host: str
    port: int
    options: tuple[tuple[int, int | str], ...] = ()
    passphrase: str | None = field(default=None, repr=False)

    @classmethod
    def from_url(cls, url: str, passphrase: str | None = None) -> SrtCallerSettings:
        """Read ``url``'s options; raises ``ValueError`` naming the option that cannot be used."""
        try:
            parts = urlsplit(url)
            host, port = parts.hostname, parts.port
        except ValueError as exc:
            raise ValueError(f"[dispatch] url is not a valid srt:// address ({exc})") from None
        if parts.scheme.lower() != "srt" or not host or not port:
            raise ValueError("[dispatch] url must be srt://host:port?… for an SRT push")
        options: list[tuple[int, int | str]] = [(srt.SRTO_TRANSTYPE, srt.SRTT_LIVE)]
        for name, value in parse_qsl(parts.query, keep_blank_values=True):
            key = name.lower()
            if key == "mode":
                if value.lower() != "caller":
                    raise ValueError(f"[dispatch] url sets mode={value[:20]}; the gateway only calls HQ "
                                     "(mode=caller): remove mode from the url")
            elif key == "transtype":
                if value.lower() != "live":
                    raise ValueError("[dispatch] url sets transtype to other than live; remove transtype")
            elif key == "passphrase":
                passphrase = passphrase or value
            elif key in _STRING_OPTIONS:
                if len(value) > 512:
                    raise ValueError("[dispatch] url's streamid is longer than SRT's 512 characters; shorten it")
                options.append((_STRING_OPTIONS[key], value))
            elif key in _INTEGER_OPTIONS:
                option, divisor = _INTEGER_OPTIONS[key]
                try:
                    number = int(value)
                except ValueError:
                    raise ValueError(f"[dispatch] url's {key[:40]} must be a whole number, "
                                     f"not {value[:20]!r}") from None
                if not -(1 << 62) < number < (1 << 62):
                    raise ValueError(f"[dispatch] url's {key[:40]} is out of range; correct it")
                options.append((option, number // divisor if number > 0 else number))
            else:
                raise ValueError(f"[dispatch] url has the option {key[:40]!r}, which the gateway's SRT sender "
                                 "does not know; remove it from [dispatch] url")
        if passphrase is not None and not 10 <= len(passphrase) <= 79:
            raise ValueError("the SRT passphrase must be 10 to 79 characters; correct [dispatch] password_file")
        return cls(host, port, tuple(options), passphrase or None)

    @property
    def latency_ms(self) -> int:
        """SRT's latency for this caller (its send buffer's deadline), from the options."""
        for option, value in reversed(self.options):
            if option in (srt.SRTO_LATENCY, srt.SRTO_PEERLATENCY) and isinstance(value, int) and value > 0:
                return value
        return DEFAULT_LATENCY_MS


@dataclass(frozen=True)
class SrtStats:
    """SRT's sender statistics at ``at`` (monotonic seconds): totals since connect and instant figures."""

    at: float
    sent_packets: int = 0  # data packets sent, retransmissions included
    sent_bytes: int = 0  # payload bytes sent, retransmissions included
    unique_bytes: int = 0  # payload bytes handed over by the sender's application
    lost_packets: int = 0  # reported lost by the receiver (NAKs)
    retransmitted_packets: int = 0
    dropped_packets: int = 0  # too late to deliver: dropped by the sender unsent or unacknowledged
    dropped_bytes: int = 0
    buffered_bytes: int = 0  # in the send buffer, not acknowledged yet
    buffered_ms: int = 0  # the time span the send buffer holds
    rtt_ms: float = 0.0
    send_mbps: float = 0.0
    flight_packets: int = 0  # sent and not acknowledged nor reported lost
    bandwidth_mbps: float = 0.0  # the link's capacity as the receiver estimates it from packet pairs


def link_full(before: SrtStats, after: SrtStats, latency_ms: int) -> bool:
    """Whether SRT's figures between two readings say the link does not carry what is sent (pure).

    A link that keeps up leaves a few milliseconds in the send buffer and no loss; one that
    does not holds about the whole latency in it, has packets retransmitted, or has the
    sender drop packets too late to deliver. Measured on loopback through a UDP relay held
    to 1,500 kbit/s: 1.0 Mbit/s sent left 4–15 ms buffered and no loss; 2.1 Mbit/s sent
    kept 123–152 ms buffered (latency 120 ms) with 35–45 % of the packets retransmitted.
    """
    sent = after.sent_packets - before.sent_packets
    retransmitted = after.retransmitted_packets - before.retransmitted_packets
    dropped = after.dropped_packets - before.dropped_packets
    if sent < 0 or retransmitted < 0 or dropped < 0:
        return False  # not two readings of one connection
    return (after.buffered_ms > latency_ms * FULL_BUFFER_SHARE or dropped > 0
            or (sent > 0 and retransmitted > sent * FULL_RETRANSMIT_SHARE))


class SrtSender:
    """One SRT caller connection to HQ's media server; the sending thread calls ``connect`` and ``send``."""

    def __init__(self, settings: SrtCallerSettings) -> None:
        self.settings = settings
        self._lib = srt.load()
        self._sock = self._lib.srt_create_socket()
        if self._sock < 0:
            raise SrtError(f"SRT socket: {self._last_error()[1]}")
        self._closed = False
        for option, value in settings.options + ((srt.SRTO_SNDTIMEO, SEND_TIMEOUT_MS),):
            self._set(option, value)
        if settings.passphrase:
            self._set(srt.SRTO_PASSPHRASE, settings.passphrase)

    def connect(self) -> None:
        """Call HQ (blocks up to SRT's connect timeout, 3 s by default); raises ``SrtError`` when refused."""
        try:
            infos = socket.getaddrinfo(self.settings.host, self.settings.port, type=socket.SOCK_DGRAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise SrtError(f"SRT: failed to resolve hostname {self.settings.host}: {exc}") from None
        family, _, _, _, address = infos[0]
        name = _sockaddr(family, address)
        if self._lib.srt_connect(self._sock, name, len(name)) < 0:
            code, text = self._last_error()
            reject = self._lib.srt_getrejectreason(self._sock)
            why = self._lib.srt_rejectreason_str(reject)
            raise SrtError(f"SRT: connection to {self.settings.host}:{self.settings.port} failed: {text}; "
                           f"reject reason {srt.reject_name(reject)} ({(why or b'').decode(errors='replace')})",
                           code, reject)

    def send(self, data: bytes) -> int:
        """Send whole TS packets, ``PAYLOAD`` bytes per message; returns the bytes handed to SRT.

        A message SRT had no room for within ``SEND_TIMEOUT_MS`` is left out (live video
        cannot wait); a lost connection raises ``SrtError``.
        """
        handed = 0
        for start in range(0, len(data), PAYLOAD):
            chunk = data[start:start + PAYLOAD]
            if self._lib.srt_sendmsg(self._sock, chunk, len(chunk), -1, 1) < 0:
                code, text = self._last_error()
                if code in (srt.SRT_ETIMEOUT, srt.SRT_EASYNCSND):
                    continue
                raise SrtError(f"SRT: connection lost: {text}", code)
            handed += len(chunk)
        return handed

    def stats(self) -> SrtStats:
        """SRT's figures now (any thread); zeros once closed."""
        perf = srt.PerfMon()
        if self._closed or self._lib.srt_bstats(self._sock, ctypes.byref(perf), 0) < 0:
            return SrtStats(time.monotonic())
        return SrtStats(at=time.monotonic(), sent_packets=perf.pktSentTotal, sent_bytes=perf.byteSentTotal,
                        unique_bytes=perf.byteSentUniqueTotal, lost_packets=perf.pktSndLossTotal,
                        retransmitted_packets=perf.pktRetransTotal, dropped_packets=perf.pktSndDropTotal,
                        dropped_bytes=perf.byteSndDropTotal, buffered_bytes=perf.byteSndBuf,
                        buffered_ms=perf.msSndBuf, rtt_ms=perf.msRTT, send_mbps=perf.mbpsSendRate,
                        bandwidth_mbps=perf.mbpsBandwidth, flight_packets=perf.pktFlightSize)

    def close(self) -> None:
        """Close the connection (HQ sees the publish end); any number of times."""
        if not self._closed:
            self._closed = True
            self._lib.srt_close(self._sock)

    def _set(self, option: int, value: int | str) -> None:
        if isinstance(value, str):
            raw = value.encode()
            buffer = ctypes.create_string_buffer(raw, len(raw))
            size = len(raw)
        elif option in srt.INT64_OPTIONS:
            buffer, size = ctypes.c_int64(value), 8
        else:
            buffer, size = ctypes.c_int32(value), 4
        if self._lib.srt_setsockflag(self._sock, option, ctypes.byref(buffer), size) < 0:
            _, text = self._last_error()
            shown = "the passphrase" if option == srt.SRTO_PASSPHRASE else f"option {option}"
            self.close()
            raise SrtError(f"SRT: [dispatch] url or password_file: libsrt refused {shown}: {text}")

    def _last_error(self) -> tuple[int, str]:
        errno = ctypes.c_int(0)
        code = self._lib.srt_getlasterror(ctypes.byref(errno))
        text = (self._lib.srt_getlasterror_str() or b"").decode(errors="replace")
        return code, text


def _sockaddr(family: int, address: tuple) -> bytes:
    """``struct sockaddr_in`` or ``sockaddr_in6`` for libsrt, as Linux lays them out."""
    if family == socket.AF_INET6:
        host, port, flowinfo, scope = address
        return (struct.pack("=H", family) + struct.pack("!HI", port, flowinfo)
                + socket.inet_pton(socket.AF_INET6, host) + struct.pack("=I", scope))
    host, port = address[:2]
    return struct.pack("=H", family) + struct.pack("!H", port) + socket.inet_pton(socket.AF_INET, host) + bytes(8)
