"""What the outbox sends next, how much at once, how fast, and when positions are compacted.

Pure decisions: no socket, no database, no clock of their own (``TokenBucket`` is given
one). ``UplinkWorker`` peeks the store, asks ``OutboxPolicy`` which of those rows to
publish now, and carries that out. The priority constants below are the only place
priorities are defined; every module that queues for HQ uses them.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass

# Lower goes first; order is kept within a priority (the store's seq).
PRIORITY_ALARM = 0
PRIORITY_ORDER = 1  # orders and messages
PRIORITY_EVENT = 2
PRIORITY_POSITION = 3
PRIORITY_BULK = 4  # snapshot metadata and anything else that can wait
PRIORITY_NAMES = {PRIORITY_ALARM: "alarm", PRIORITY_ORDER: "order", PRIORITY_EVENT: "event",
                  PRIORITY_POSITION: "position", PRIORITY_BULK: "bulk"}
ORDER_CATEGORIES = ("order", "message")
RETAINED_PRIORITIES = frozenset({PRIORITY_POSITION})  # HQ keeps each unit's latest position

MAX_IN_FLIGHT = 200  # published and not yet acknowledged; bounds what a lost link must resend
REFILL_AT = 50  # free slots before the worker peeks again, so one peek serves many sends
COMPACT_ABOVE_POSITIONS = 2000  # positions waiting before older ones are thinned out
BURST_S = 1.0  # a token bucket holds this many seconds of its rate


def priority_of_event(severity: str, category: str) -> int:
    """An event's place in the outbox: alarms first, then orders and messages, then the rest."""
    if severity == "alarm":
        return PRIORITY_ALARM
    if category in ORDER_CATEGORIES:
        return PRIORITY_ORDER
    return PRIORITY_EVENT


def drain_rate(link_kbps: int, share_percent: int) -> float | None:
    """Bytes per second the outbox may use of a link of ``link_kbps``; None means no limit."""
    if link_kbps <= 0:
        return None
    return link_kbps * 1000 / 8 * share_percent / 100


@dataclass(frozen=True)
class OutboxItem:
    """One outbox row as ``Store.outbox_peek`` returns it."""

    seq: int
    id: str
    priority: int
    topic: str
    payload: bytes
    created: str
    attempts: int

    @property
    def retain(self) -> bool:
        return self.priority in RETAINED_PRIORITIES


class TokenBucket:
    """Allows ``rate`` units per second on average, ``burst`` at once; the clock is injected."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float]) -> None:
        if rate <= 0 or burst <= 0:
            raise ValueError("a token bucket needs a positive rate and burst")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = burst
        self._at = clock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now

    def try_take(self, amount: float) -> bool:
        """Take ``amount`` if the bucket holds it; an amount above ``burst`` waits for a full bucket."""
        self._refill()
        needed = min(amount, self.burst)
        if self._tokens < needed:
            return False
        self._tokens -= amount  # may go below zero: a large item borrows from the next second
        return True

    def wait_s(self, amount: float) -> float:
        """Seconds until ``try_take(amount)`` can succeed."""
        self._refill()
        return max(0.0, (min(amount, self.burst) - self._tokens) / self.rate)


class OutboxPolicy:
    """Chooses what to publish now from rows already in priority order."""

    def __init__(self, bucket: TokenBucket | None = None, max_in_flight: int = MAX_IN_FLIGHT,
                 refill_at: int = REFILL_AT, compact_above: int = COMPACT_ABOVE_POSITIONS) -> None:
        self.bucket = bucket
        self.max_in_flight = max_in_flight
        self.refill_at = min(refill_at, max_in_flight)
        self.compact_above = compact_above

    @classmethod
    def for_link(cls, link_kbps: int, share_percent: int, clock: Callable[[], float]) -> OutboxPolicy:
        """A policy draining at ``share_percent`` of a ``link_kbps`` link (no limit for 0 kbit/s)."""
        rate = drain_rate(link_kbps, share_percent)
        return cls(TokenBucket(rate, rate * BURST_S, clock) if rate else None)

    def slots(self, in_flight: int) -> int:
        """How many rows to ask the store for now: 0 until enough acknowledgements have come back."""
        free = self.max_in_flight - in_flight
        return free if free >= self.refill_at or in_flight == 0 else 0

    def choose(self, rows: Sequence[OutboxItem], busy: Container[str], in_flight: int) -> list[OutboxItem]:
        """The rows to publish now, in order: skip those ``busy`` (in flight or being deleted),
        stop at the in-flight limit or when the drain rate is spent (never skip ahead of an item
        because it is large: order within a priority holds)."""
        free = self.max_in_flight - in_flight
        chosen: list[OutboxItem] = []
        for item in sorted(rows, key=lambda row: (row.priority, row.seq)):
            if len(chosen) >= free:
                break
            if item.id in busy:
                continue
            if self.bucket is not None and not self.bucket.try_take(len(item.payload)):
                break
            chosen.append(item)
        return chosen

    def should_compact(self, positions_waiting: int) -> bool:
        """True when so many positions wait that the older ones of each unit should go."""
        return positions_waiting > self.compact_above
