"""A link's message rate over the last minutes, derived from the counters in its reports (Qt-free).

The gateway retains each link's cumulative ``messages_in`` and ``messages_out`` about once a
second; the rate between two reports is their difference over the time between them. A
counter that goes backwards (the gateway restarted) starts a new baseline instead of a
negative rate.
"""

from __future__ import annotations

from collections import deque

HISTORY_S = 600.0        # the plot shows the last ten minutes
MIN_INTERVAL_S = 0.5     # reports closer than this are folded into the next sample


class RateHistory:
    """Messages per second of one link, one sample per report, kept for ``HISTORY_S``."""

    def __init__(self, history_s: float = HISTORY_S) -> None:
        self.history_s = history_s
        self.samples: deque[tuple[float, float]] = deque()  # (wall time s, messages/s)
        self._last: tuple[float, int] | None = None

    def add(self, now: float, total: int) -> None:
        """Fold in one report: ``total`` messages counted so far, at wall time ``now``."""
        if self._last is None or total < self._last[1] or now < self._last[0]:
            self._last = (now, total)
            return
        elapsed = now - self._last[0]
        if elapsed < MIN_INTERVAL_S:
            return
        self.samples.append((now, (total - self._last[1]) / elapsed))
        self._last = (now, total)
        self.trim(now)

    def trim(self, now: float) -> None:
        while self.samples and self.samples[0][0] < now - self.history_s:
            self.samples.popleft()

    @property
    def latest(self) -> float | None:
        return self.samples[-1][1] if self.samples else None

    def series(self) -> tuple[list[float], list[float]]:
        """(times, rates) for a plot."""
        return [t for t, _ in self.samples], [r for _, r in self.samples]
