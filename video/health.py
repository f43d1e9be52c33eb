"""Stream health: the states a stream can be in, a frozen snapshot of its figures, and the
meter that counts frames and bytes over a sliding window to produce them.

``StreamHealth`` is what every consumer sees (tile overlay, link panel, bus); it is
immutable, so it can be handed across threads as is. ``HealthMeter`` is fed by the
ingest worker thread and read by whichever thread builds a snapshot; it locks itself.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from enum import StrEnum

WINDOW_S = 2.0
"""Frames and bytes older than this no longer count towards frames/s and bitrate."""


class StreamState(StrEnum):
    """Where a stream stands, as shown to people."""

    CONNECTING = "connecting"  # started, no picture yet
    PLAYING = "playing"  # frames are arriving
    SIGNAL_LOST = "signal_lost"  # no frame for SIGNAL_LOST_AFTER_S; still trying
    RECONNECTING = "reconnecting"  # the connection failed moments ago; retrying
    STOPPED = "stopped"  # the worker has ended


@dataclass(frozen=True)
class StreamHealth:
    """One stream's health at one moment; every figure is ``None``/0 until known."""

    stream_id: str
    state: StreamState = StreamState.CONNECTING
    fps: float = 0.0
    bitrate_kbps: float = 0.0
    width: int | None = None
    height: int | None = None
    codec: str | None = None
    frame_age_s: float | None = None  # seconds since the newest decoded frame
    reconnects: int = 0
    last_error: str | None = None  # a sentence for people, credentials masked

    @property
    def resolution(self) -> str:
        """``640x360``, or an empty string before the first frame."""
        return f"{self.width}x{self.height}" if self.width and self.height else ""


@dataclass(frozen=True)
class MeterReading:
    """What a ``HealthMeter`` has measured, at the moment it was read."""

    fps: float
    bitrate_kbps: float
    width: int | None
    height: int | None
    codec: str | None
    frame_age_s: float | None


class HealthMeter:
    """Counts decoded frames and received bytes over a sliding window of ``window_s``.

    Rates are measured from the oldest sample still in the window up to *now*, so they
    fall as soon as a stream stalls instead of holding the last good figure. Times are
    the caller's clock (``time.monotonic`` in the worker, plain numbers in tests).
    Thread-safe: ``add_*`` run on the ingest worker thread, ``read`` on any thread.
    """

    def __init__(self, window_s: float = WINDOW_S) -> None:
        self._window_s = window_s
        self._lock = threading.Lock()
        self._frames: deque[float] = deque()
        self._packets: deque[tuple[float, int]] = deque()
        self._width: int | None = None
        self._height: int | None = None
        self._codec: str | None = None
        self._newest_frame_at: float | None = None

    def set_codec(self, codec: str) -> None:
        """Record the codec name of the stream being decoded (``h264``, ``hevc``...)."""
        with self._lock:
            self._codec = codec

    def add_frame(self, now: float, width: int, height: int) -> None:
        """Count one decoded frame of the given size."""
        with self._lock:
            self._frames.append(now)
            self._width, self._height = width, height
            self._newest_frame_at = now
            self._prune(now)

    def add_bytes(self, now: float, size: int) -> None:
        """Count one received packet of ``size`` bytes."""
        with self._lock:
            self._packets.append((now, size))
            self._prune(now)

    def read(self, now: float) -> MeterReading:
        """The figures as of ``now``."""
        with self._lock:
            self._prune(now)
            fps = _rate(len(self._frames) - 1, self._frames[0] if self._frames else None, now)
            sent_bytes = sum(size for _, size in self._packets) - (self._packets[0][1] if self._packets else 0)
            bytes_per_s = _rate(sent_bytes, self._packets[0][0] if self._packets else None, now)
            age = None if self._newest_frame_at is None else max(0.0, now - self._newest_frame_at)
            return MeterReading(
                fps=round(fps, 2),
                bitrate_kbps=round(bytes_per_s * 8 / 1000, 1),
                width=self._width,
                height=self._height,
                codec=self._codec,
                frame_age_s=None if age is None else round(age, 3),
            )

    def _prune(self, now: float) -> None:
        horizon = now - self._window_s
        while self._frames and self._frames[0] < horizon:
            self._frames.popleft()
        while self._packets and self._packets[0][0] < horizon:
            self._packets.popleft()


def _rate(count: float, oldest: float | None, now: float) -> float:
    """``count`` events after the ``oldest`` sample, per second up to ``now``.

    The oldest sample only opens the interval, so it is not counted itself; this makes a
    steady stream read its true rate even right after it starts.
    """
    if oldest is None or count <= 0 or now <= oldest:
        return 0.0
    return count / (now - oldest)
