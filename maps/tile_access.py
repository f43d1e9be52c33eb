"""When each tile of an MBTiles cache was stored and last read: the bookkeeping behind LRU eviction.

It lives in a side table, ``mcv_tile_access``, so the MBTiles 1.3 tables stay exactly
as the spec has them and other tools simply ignore it. Reads are remembered in memory
and written in batches, so reading a tile costs no write. Tiles are addressed as the
MBTiles table does, ``(zoom_level, tile_column, tile_row)``. Every method runs with
the owning ``MbtilesStore``'s lock held, on its connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

Address = tuple[int, int, int]

FLUSH_EVERY = 256

_SCHEMA = """
CREATE TABLE IF NOT EXISTS mcv_tile_access (
    zoom_level INTEGER NOT NULL, tile_column INTEGER NOT NULL, tile_row INTEGER NOT NULL,
    stored_at REAL NOT NULL, last_access REAL NOT NULL,
    PRIMARY KEY (zoom_level, tile_column, tile_row)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS mcv_tile_access_lru ON mcv_tile_access (last_access);
"""
_WHERE = "zoom_level = ? AND tile_column = ? AND tile_row = ?"


class TileAccessLog:
    """Store and read times of tiles, oldest-read first on request."""

    def __init__(self, db: sqlite3.Connection, clock: Callable[[], float]) -> None:
        self._db = db
        self._clock = clock
        self._pending: dict[Address, float] = {}

    def create(self, adopt_existing: bool) -> None:
        """Make the side table; with ``adopt_existing``, tiles written by other tools count as never read."""
        self._db.executescript(_SCHEMA)
        if adopt_existing:
            self._db.execute(
                "INSERT OR IGNORE INTO mcv_tile_access SELECT zoom_level, tile_column, tile_row, 0, 0 FROM tiles"
            )

    def stored(self, address: Address) -> None:
        """Note that a tile was just written (inside the caller's transaction)."""
        now = self._clock()
        self._pending.pop(address, None)
        self._db.execute("INSERT OR REPLACE INTO mcv_tile_access VALUES (?, ?, ?, ?, ?)", (*address, now, now))

    def read(self, address: Address) -> None:
        """Note that a tile was just read; written to the table in batches."""
        self._pending[address] = self._clock()
        if len(self._pending) >= FLUSH_EVERY:
            self.flush()

    def forget(self, address: Address) -> None:
        """Drop a deleted tile's times."""
        self._pending.pop(address, None)
        self._db.execute(f"DELETE FROM mcv_tile_access WHERE {_WHERE}", address)

    def flush(self) -> None:
        """Write the remembered read times."""
        if self._pending:
            rows = [(t, *address) for address, t in self._pending.items()]
            self._pending.clear()
            self._db.executemany(f"UPDATE mcv_tile_access SET last_access = ? WHERE {_WHERE}", rows)

    def age_s(self, address: Address) -> float | None:
        """Seconds since the tile was written, or None if this log never saw it written."""
        row = self._db.execute(f"SELECT stored_at FROM mcv_tile_access WHERE {_WHERE}", address).fetchone()
        return self._clock() - row[0] if row and row[0] > 0 else None

    def oldest(self, limit: int) -> list[Address]:
        """Up to ``limit`` tiles, least recently read first."""
        self.flush()
        return self._db.execute(
            "SELECT zoom_level, tile_column, tile_row FROM mcv_tile_access ORDER BY last_access LIMIT ?", (limit,)
        ).fetchall()
