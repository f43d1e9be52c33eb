"""Bad input from the field is counted, logged once per source and dropped; the link stays up."""

from __future__ import annotations

import logging
import threading
from collections import Counter

log = logging.getLogger(__name__)


class BadInputLog:
    """Counts rejected input per source and logs only the first rejection of each.

    Safe to call from any thread: links report from their own reader threads.
    """

    def __init__(self, logger: logging.Logger = log) -> None:
        self._logger = logger
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def reject(self, source: str, reason: str) -> None:
        with self._lock:
            self._counts[source] += 1
            first = self._counts[source] == 1
        if first:
            self._logger.warning("dropped bad input from %s: %s (further drops from it are only counted)",
                                 source, reason[:200])

    def count(self, source: str | None = None) -> int:
        with self._lock:
            return self._counts[source] if source is not None else sum(self._counts.values())
