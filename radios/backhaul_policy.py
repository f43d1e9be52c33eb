"""When the backhaul to HQ counts as lost: an application ping with round trip, as a pure decision.

MQTT's keepalive notices a dead TCP connection; a link that silently stops carrying
traffic (a VSAT fade, a 4G cell that keeps the socket open) is noticed by the ping:
the uplink publishes a token to a topic it subscribes to at HQ, and HQ's broker
echoes it back. The policy says when to ping and when silence means the link is gone;
``UplinkWorker`` carries that out. Times are plain numbers from the caller's clock.
"""

from __future__ import annotations

from dataclasses import dataclass

PING_INTERVAL_S = 1.0
PING_TIMEOUT_S = 2.5  # with PING_INTERVAL_S and the worker's tick, a silent link is lost within 3.6 s
KEEPALIVE_S = 2  # MQTT keepalive: paho closes a connection silent for about twice this
CONNECT_TIMEOUT_S = 3.0  # from TCP connect to HQ's CONNACK and SUBACK

SEND, LOST = "send", "lost"


@dataclass
class PingPolicy:
    """Tracks one outstanding ping at a time; ``decide(now)`` says ``send``, ``lost`` or None."""

    interval_s: float = PING_INTERVAL_S
    timeout_s: float = PING_TIMEOUT_S
    _token: int = 0
    _sent_at: float | None = None
    _last_sent: float | None = None
    rtt_ms: float | None = None

    def decide(self, now: float) -> str | None:
        if self._sent_at is not None:
            return LOST if now - self._sent_at > self.timeout_s else None
        if self._last_sent is None or now - self._last_sent >= self.interval_s:
            return SEND
        return None

    def sent(self, now: float) -> bytes:
        """Record a ping sent at ``now``; returns the token to publish."""
        self._token += 1
        self._sent_at = self._last_sent = now
        return str(self._token).encode()

    def echoed(self, token: bytes, now: float) -> float | None:
        """An echo arrived; returns the round trip in ms, or None for a stale or foreign token."""
        if self._sent_at is None or token != str(self._token).encode():
            return None
        self.rtt_ms = (now - self._sent_at) * 1000
        self._sent_at = None
        return self.rtt_ms

    def reset(self) -> None:
        """A new connection: nothing outstanding, no round trip known yet."""
        self._sent_at = self._last_sent = None
        self.rtt_ms = None
