"""HQ's side of at-least-once: drop a vehicle's resent reports by their payload id.

A vehicle's uplink may publish an item more than once (its PUBACK was lost with the
link, or the gateway restarted before it could delete the row); every copy carries the
same ``id``. Whatever consumes the vehicles' topics at HQ passes each payload through
``HqDedup.accept`` and handles only those it accepts. The seen ids live in a SQLite
table, so a restart of the HQ consumer does not forget them, and the table is bounded:
the oldest ids are forgotten first, long after any resend of them could arrive.
See docs/backhaul.md.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

DEFAULT_CAPACITY = 1_000_000  # ids remembered; at 100 reports/s that is almost three hours
PRUNE_EVERY = 1000  # accepted ids between trims of the table


def payload_id(payload: bytes) -> str | None:
    """The ``id`` of a bus payload, or None if it has none (then it cannot be deduplicated)."""
    try:
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    item_id = data.get("id") if isinstance(data, dict) else None
    return item_id if isinstance(item_id, str) and item_id else None


class HqDedup:
    """A bounded, persistent set of seen payload ids; ``accept`` is True once per id. Thread-safe."""

    def __init__(self, path: Path | str = ":memory:", capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode = WAL")
        # A power cut may forget the last few ids: at worst one copy is handled twice, never none.
        self._conn.execute("PRAGMA synchronous = NORMAL")
        self._conn.execute("CREATE TABLE IF NOT EXISTS seen (n INTEGER PRIMARY KEY AUTOINCREMENT,"
                           " id TEXT NOT NULL UNIQUE)")
        self._since_prune = 0
        self.duplicates = 0

    def accept(self, item_id: str) -> bool:
        """True the first time ``item_id`` is seen (handle the item), False for a copy (drop it)."""
        with self._lock:
            fresh = self._conn.execute("INSERT OR IGNORE INTO seen (id) VALUES (?)", (item_id,)).rowcount == 1
            if not fresh:
                self.duplicates += 1
                return False
            self._since_prune += 1
            if self._since_prune >= PRUNE_EVERY or self.capacity < PRUNE_EVERY:
                self._since_prune = 0
                self._conn.execute("DELETE FROM seen WHERE n <= (SELECT max(n) FROM seen) - ?", (self.capacity,))
            return True

    def accept_payload(self, payload: bytes) -> bool:
        """``accept`` by the payload's own id; a payload without one is always accepted."""
        item_id = payload_id(payload)
        return True if item_id is None else self.accept(item_id)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> HqDedup:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
