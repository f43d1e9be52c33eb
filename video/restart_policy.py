"""When a video stream is live, lost or due for a reconnect: a pure decision, no IO.

``RestartPolicy.decide(state, event)`` takes the stream's ``RestartState`` and one
``Event`` (each carries the time it happened) and returns a ``Decision``: the next state
and one ``Action`` for the ingest worker to carry out. Nothing here reads a clock, sleeps
or touches a socket, so every timing rule is tested with plain numbers.

The rules:
- a decoded frame means ``playing``; continuous play for ``STABLE_AFTER_S`` forgives
  earlier failures, so the next drop reconnects at once again;
- no frame for ``SIGNAL_LOST_AFTER_S`` means ``signal_lost``, whatever the connection is
  doing (it may still be retrying, or hung in a read that FFmpeg has not yet timed out);
- a failed attempt or an ended source means reconnect after a delay growing from
  ``BACKOFF_INITIAL_S`` by ``BACKOFF_FACTOR`` up to ``BACKOFF_CAP_S``; a camera that
  answered and refused (credentials, rights, path, no video) is asked again only after
  ``REFUSED_RETRY_S``;
- an open session that delivers packets but no picture for ``STALL_RECONNECT_AFTER_S``
  is abandoned and reopened;
- a stop request ends everything; after it every event is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum

from video.health import StreamState

SIGNAL_LOST_AFTER_S = 3.0
"""No new frame for this long and the stream is shown as lost."""

STALL_RECONNECT_AFTER_S = 8.0
"""An open session without a picture for this long is reopened. Generous, so a camera with
a key frame only every few seconds is not mistaken for a stalled one."""

BACKOFF_INITIAL_S = 0.1
BACKOFF_FACTOR = 2.0
BACKOFF_CAP_S = 0.25
"""The cap bounds how late a returning source is noticed: the picture must be back within
2 s, and a source takes up to a key-frame interval (1 s on most cameras) from accepting a
connection to its first picture. A refused connection on the vehicle LAN costs nothing,
so four tries a second are cheap; an unanswered one is paced by the ingest's open timeout
instead, and a refusal that needs a person by ``REFUSED_RETRY_S``."""

REFUSED_RETRY_S = 10.0
"""A refusal needs a person to change something; asking twice a second gains nothing and
can lock the camera's account after a few wrong passwords."""

STABLE_AFTER_S = 10.0
"""Play this long without a failure and the backoff starts again from the beginning."""


class Link(Enum):
    """What the worker's connection is doing, as far as the policy knows."""

    IDLE = "idle"  # no attempt in flight: before the first, or waiting to retry
    OPENING = "opening"  # an attempt to open the source is in flight
    OPEN = "open"  # the source is open and being read


class Action(Enum):
    """What the ingest worker must do after a decision."""

    KEEP = "keep"  # carry on as before
    MARK_SIGNAL_LOST = "mark_signal_lost"  # report the stream as lost; keep trying
    RECONNECT = "reconnect"  # drop the session, open again after ``Decision.delay_s``
    STOP = "stop"  # close everything and end


@dataclass(frozen=True)
class RestartState:
    """Everything the policy remembers about one stream."""

    started_at: float
    phase: StreamState = StreamState.CONNECTING
    link: Link = Link.IDLE
    link_since: float = 0.0
    last_frame_at: float | None = None
    playing_since: float | None = None
    attempts: int = 0
    failures: int = 0  # failed sessions since the last stable period; the backoff exponent
    retry_at: float | None = None
    last_error: str | None = None

    @classmethod
    def initial(cls, now: float) -> RestartState:
        """The state of a stream whose worker starts at ``now``."""
        return cls(started_at=now, link_since=now)

    @property
    def reconnects(self) -> int:
        """Attempts made after the first one."""
        return max(0, self.attempts - 1)

    def silent_for(self, now: float) -> float:
        """Seconds without a picture: since the newest frame, or since the start."""
        return now - (self.last_frame_at if self.last_frame_at is not None else self.started_at)


@dataclass(frozen=True)
class Event:
    """Something that happened to the stream at time ``at`` (seconds, any monotonic clock)."""

    at: float


@dataclass(frozen=True)
class AttemptStarted(Event):
    """The worker is about to open the source."""


@dataclass(frozen=True)
class SessionOpened(Event):
    """The source answered and is being read."""


@dataclass(frozen=True)
class FrameDecoded(Event):
    """A picture came out of the decoder."""


@dataclass(frozen=True)
class Tick(Event):
    """Time passed without a picture (from the read loop, or the watchdog timer)."""


@dataclass(frozen=True)
class SessionFailed(Event):
    """Opening or reading failed; ``error`` is a sentence for people, without secrets."""

    error: str = "the connection failed"
    refused: bool = False  # the source answered and said no: credentials, rights, path or no video


@dataclass(frozen=True)
class SourceEnded(Event):
    """The source closed the stream in an orderly way (end of stream)."""


@dataclass(frozen=True)
class StopRequested(Event):
    """Someone asked the worker to end."""


@dataclass(frozen=True)
class Decision:
    """The next state and what to do; ``delay_s`` is set for ``RECONNECT``."""

    action: Action
    state: RestartState
    delay_s: float = 0.0


@dataclass(frozen=True)
class RestartPolicy:
    """Pure decisions for one stream's liveness and reconnects; parameters are frozen."""

    signal_lost_after_s: float = SIGNAL_LOST_AFTER_S
    stall_reconnect_after_s: float = STALL_RECONNECT_AFTER_S
    backoff_initial_s: float = BACKOFF_INITIAL_S
    backoff_factor: float = BACKOFF_FACTOR
    backoff_cap_s: float = BACKOFF_CAP_S
    refused_retry_s: float = REFUSED_RETRY_S
    stable_after_s: float = STABLE_AFTER_S

    def backoff(self, failures: int) -> float:
        """Delay before the next attempt after ``failures`` earlier failures in a row."""
        return min(self.backoff_cap_s, self.backoff_initial_s * self.backoff_factor ** max(0, failures))

    def decide(self, state: RestartState, event: Event) -> Decision:
        """The decision for ``event`` happening to a stream in ``state``."""
        if state.phase is StreamState.STOPPED:
            return Decision(Action.KEEP, state)
        if isinstance(event, StopRequested):
            stopped = replace(state, phase=StreamState.STOPPED, link=Link.IDLE, link_since=event.at, retry_at=None)
            return Decision(Action.STOP, stopped)
        if isinstance(event, AttemptStarted):
            opening = replace(
                state, link=Link.OPENING, link_since=event.at, attempts=state.attempts + 1, retry_at=None
            )
            return Decision(Action.KEEP, opening)
        if isinstance(event, SessionOpened):
            if state.link is not Link.OPENING:
                return Decision(Action.KEEP, state)
            return Decision(Action.KEEP, replace(state, link=Link.OPEN, link_since=event.at))
        if isinstance(event, FrameDecoded):
            return self._on_frame(state, event.at)
        if isinstance(event, (SessionFailed, SourceEnded)):
            if state.link is Link.IDLE:
                # The session was already given up (a stall); its dying words change nothing.
                return Decision(Action.KEEP, state)
            if isinstance(event, SessionFailed):
                return self._fail(state, event.at, event.error, refused=event.refused)
            return self._fail(state, event.at, "the source ended the stream")
        if isinstance(event, Tick):
            return self._on_tick(state, event.at)
        raise TypeError(f"RestartPolicy cannot decide on {event!r}")

    def _on_frame(self, state: RestartState, now: float) -> Decision:
        if state.link is not Link.OPEN:
            return Decision(Action.KEEP, state)
        playing_since = state.playing_since if state.phase is StreamState.PLAYING else now
        assert playing_since is not None
        failures = 0 if now - playing_since >= self.stable_after_s else state.failures
        playing = replace(
            state, phase=StreamState.PLAYING, last_frame_at=now, playing_since=playing_since, failures=failures
        )
        return Decision(Action.KEEP, playing)

    def _on_tick(self, state: RestartState, now: float) -> Decision:
        if state.link is Link.OPEN:
            pictureless_since = max(state.link_since, state.last_frame_at or state.link_since)
            if now - pictureless_since >= self.stall_reconnect_after_s:
                return self._fail(state, now, f"no picture for {now - pictureless_since:.0f} s although connected")
        if state.phase is not StreamState.SIGNAL_LOST and state.silent_for(now) >= self.signal_lost_after_s:
            lost = replace(state, phase=StreamState.SIGNAL_LOST, playing_since=None)
            return Decision(Action.MARK_SIGNAL_LOST, lost)
        return Decision(Action.KEEP, state)

    def _fail(self, state: RestartState, now: float, error: str, refused: bool = False) -> Decision:
        delay = self.refused_retry_s if refused else self.backoff(state.failures)
        lost = state.silent_for(now) >= self.signal_lost_after_s
        failed = replace(
            state,
            phase=StreamState.SIGNAL_LOST if lost else StreamState.RECONNECTING,
            link=Link.IDLE,
            link_since=now,
            playing_since=None,
            failures=state.failures + 1,
            retry_at=now + delay,
            last_error=error,
        )
        return Decision(Action.RECONNECT, failed, delay_s=delay)
