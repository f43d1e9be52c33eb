"""The link model: a link's live status and counters, and the pure policy that decides its state.

Every link the gateway owns (serial radio, GPS, later the modem and MQTT field
devices) reports the same ``LinkStatus``. Its state comes from ``LinkStatePolicy``:
the IO code feeds it what happened (``opened``, ``data``, ``bad_data``, ``error``,
``closed``, ``tick``) with a monotonic time and does what the returned state says
(reopen the port at ``reopen_at``). The policy touches no port and no clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone

from radios.schema import LinkState, format_ts

# How long an open link may stay silent before it is "degraded", by device profile:
# a GPS talks every second, a radio may report its position only every half minute.
QUIET_S_BY_PROFILE = {"gps": 5.0, "nmea": 30.0}
DEFAULT_QUIET_S = 30.0
# Reopen a vanished device quickly: it must be back up within 2 s of reappearing,
# and probing a missing device path costs next to nothing.
REOPEN_FIRST_S = 0.25
REOPEN_MAX_S = 1.0
REOPEN_FACTOR = 2.0
# Bad input is weighed over about this long (exponential decay), so one burst of
# garbage fades and a steady stream of it keeps the link degraded.
ERROR_WINDOW_S = 10.0
MIN_BAD_SCORE = 3.0      # fewer (decayed) bad messages than this never degrade a link
DEGRADED_BAD_RATIO = 0.5   # degraded when more than half of what arrives is bad ...
RECOVERED_BAD_RATIO = 0.25  # ... and up again only once it is below a quarter

EVENTS = ("opened", "data", "bad_data", "error", "closed", "tick")


def quiet_s_for(profile: str | None) -> float:
    """The silent period after which a link with this device profile counts as degraded."""
    return QUIET_S_BY_PROFILE.get(profile or "", DEFAULT_QUIET_S)


@dataclass(frozen=True)
class LinkPolicyState:
    """What the policy remembers about one link; times are monotonic seconds.

    ``reason`` says why the link is in ``state``, for the IO code to put into words:
    ``opening``, ``waiting`` (open, nothing heard yet), ``quiet``, ``bad_data``,
    ``error``, ``closed``, or empty when all is well.
    """

    state: str = "connecting"
    reason: str = "opening"
    since: float = 0.0
    is_open: bool = False
    opened_at: float | None = None
    last_data: float | None = None
    failures: int = 0
    reopen_at: float | None = 0.0   # None while the port is open or being kept closed
    good_score: float = 0.0
    bad_score: float = 0.0
    scored_at: float = 0.0

    @property
    def bad_ratio(self) -> float:
        total = self.good_score + self.bad_score
        return self.bad_score / total if total else 0.0


def _evolve(previous: LinkPolicyState, /, **changes) -> LinkPolicyState:
    """A new state with ``changes``: ``dataclasses.replace`` without its walk through the fields.

    The policy folds every message a link reads (tests/bench/bench_interop.py);
    LinkPolicyState has no ``__post_init__`` to skip.
    """
    new = object.__new__(LinkPolicyState)
    new.__dict__.update(previous.__dict__, **changes)
    return new


@dataclass(frozen=True)
class LinkDecision:
    """The state after one event, and whether ``state.state`` changed with it."""

    state: LinkPolicyState
    changed: bool


class LinkStatePolicy:
    """Decides a link's state (connecting, up, degraded, down) and when to reopen it."""

    def __init__(
        self,
        quiet_s: float = DEFAULT_QUIET_S,
        reopen_first_s: float = REOPEN_FIRST_S,
        reopen_max_s: float = REOPEN_MAX_S,
        reopen_factor: float = REOPEN_FACTOR,
        error_window_s: float = ERROR_WINDOW_S,
    ) -> None:
        self.quiet_s = quiet_s
        self.reopen_first_s = reopen_first_s
        self.reopen_max_s = reopen_max_s
        self.reopen_factor = reopen_factor
        self.error_window_s = error_window_s

    def initial(self, now: float) -> LinkPolicyState:
        """A link about to be opened for the first time: connecting, open at once."""
        return LinkPolicyState(since=now, scored_at=now, reopen_at=now)

    def decide(self, state: LinkPolicyState, event: str, now: float, count: int = 1) -> LinkDecision:
        """Fold one event at monotonic time ``now`` into the link's next state.

        ``count`` weighs a ``data`` or ``bad_data`` event as that many messages, for a
        link that reports its messages in batches.
        """
        if event not in EVENTS:
            raise ValueError(f"unknown link event {event!r}")
        new = self._score(state, event, now, count)
        if event == "opened":
            new = _evolve(new, is_open=True, opened_at=now, last_data=None, reopen_at=None)
            new = self._enter(new, "connecting", "waiting", now)
        elif event in ("error", "closed"):
            delay = min(self.reopen_max_s, self.reopen_first_s * self.reopen_factor**state.failures)
            new = _evolve(new, is_open=False, opened_at=None, failures=state.failures + 1,
                                      reopen_at=now + delay)
            new = self._enter(new, "down", event, now)
        elif new.is_open:
            if event == "data":
                new = _evolve(new, last_data=now, failures=0)
            new = self._judge_open(new, now)
        return LinkDecision(new, new.state != state.state)

    def _judge_open(self, state: LinkPolicyState, now: float) -> LinkPolicyState:
        """State of an open port from its data: quiet, mostly bad, or fine."""
        heard = state.last_data if state.last_data is not None else state.opened_at
        if heard is not None and now - heard >= self.quiet_s:
            return self._enter(state, "degraded", "quiet", now)
        too_bad = state.bad_score >= MIN_BAD_SCORE and state.bad_ratio > DEGRADED_BAD_RATIO
        if state.state == "degraded" and state.reason == "bad_data":
            too_bad = state.bad_score >= MIN_BAD_SCORE and state.bad_ratio >= RECOVERED_BAD_RATIO
        if too_bad:
            return self._enter(state, "degraded", "bad_data", now)
        if state.last_data is None:
            return self._enter(state, "connecting", "waiting", now)
        return self._enter(state, "up", "", now)

    def _score(self, state: LinkPolicyState, event: str, now: float, count: int = 1) -> LinkPolicyState:
        """Decay the good and bad message scores to ``now`` and count this event (``count`` messages)."""
        decay = math.exp(-max(0.0, now - state.scored_at) / self.error_window_s)
        good, bad = state.good_score * decay, state.bad_score * decay
        if event == "data":
            good += count
        elif event == "bad_data":
            bad += count
        return _evolve(state, good_score=good, bad_score=bad, scored_at=now)

    @staticmethod
    def _enter(state: LinkPolicyState, name: str, reason: str, now: float) -> LinkPolicyState:
        if state.state == name and state.reason == reason:
            return state
        since = state.since if state.state == name else now
        return _evolve(state, state=name, reason=reason, since=since)


@dataclass(frozen=True)
class LinkStatus:
    """A snapshot of one link for the bus and the comms panel: state, why, and counters."""

    link: str
    link_type: str
    state: str
    detail: str = ""
    bytes_in: int = 0
    bytes_out: int = 0
    messages_in: int = 0
    messages_out: int = 0
    errors: int = 0
    last_seen: float | None = None   # wall-clock seconds (time.time()) of the last good message
    signal: int | None = None        # device-reported signal quality, where the device has one

    def to_link_state(self, src: str) -> LinkState:
        """The bus payload for ``link/{link}``; byte counters have no field there yet."""
        last_seen = None
        if self.last_seen is not None:
            last_seen = format_ts(datetime.fromtimestamp(self.last_seen, timezone.utc))
        return LinkState.create(src, link=self.link, link_type=self.link_type, state=self.state,
                                detail=self.detail, messages_in=self.messages_in,
                                messages_out=self.messages_out, errors=self.errors, last_seen=last_seen,
                                signal=self.signal)
