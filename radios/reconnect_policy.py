"""When to try a lost connection again: exponential backoff as a pure decision.

The IO code (``MqttBus``) feeds it what happened and waits as told; the policy
itself touches no socket and no clock, so it is tested with plain numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

FIRST_DELAY_S = 0.5
MAX_DELAY_S = 30.0
BACKOFF_FACTOR = 2.0
STABLE_AFTER_S = 10.0


@dataclass(frozen=True)
class ReconnectState:
    """What the policy remembers between events."""

    failures: int = 0
    connected_at: float | None = None


@dataclass(frozen=True)
class ReconnectDecision:
    """What to do now: wait ``delay_s`` and connect again (``None`` means stay connected)."""

    state: ReconnectState
    delay_s: float | None


class ReconnectPolicy:
    """Exponential backoff that starts over once a connection has held for a while."""

    def __init__(
        self,
        first_delay_s: float = FIRST_DELAY_S,
        max_delay_s: float = MAX_DELAY_S,
        factor: float = BACKOFF_FACTOR,
        stable_after_s: float = STABLE_AFTER_S,
    ) -> None:
        self.first_delay_s = first_delay_s
        self.max_delay_s = max_delay_s
        self.factor = factor
        self.stable_after_s = stable_after_s

    def decide(self, state: ReconnectState, event: str, now: float) -> ReconnectDecision:
        """Fold one event (``connected``, ``failed`` or ``lost``) at time ``now`` into a decision."""
        if event == "connected":
            return ReconnectDecision(ReconnectState(state.failures, connected_at=now), None)
        if event not in ("failed", "lost"):
            raise ValueError(f"unknown reconnect event {event!r}")
        failures = state.failures
        held = state.connected_at is not None and now - state.connected_at >= self.stable_after_s
        if held:
            failures = 0
        try:
            grown = self.first_delay_s * self.factor**failures
        except OverflowError:  # past ~1,000 failures in a row (a long outage): the cap has long applied
            grown = self.max_delay_s
        delay = min(self.max_delay_s, grown)
        return ReconnectDecision(ReconnectState(failures + 1, connected_at=None), delay)
